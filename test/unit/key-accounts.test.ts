import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/index.js';
import { render } from '../../src/render/index.js';
import { kamSettings, type KamSettings } from '../../src/config/kam.js';
import {
  explainRows,
  kamPeriod,
  keyAccountsModel,
  roundHalfUp,
  scoreAccount,
  scoreKeyAccounts,
  shortName,
  weekRanges,
  type AccountFacts,
  type AccountScore,
  type ActivityFact,
  type ActivityStat,
  type ContactFact,
  type GoalFact,
  type TeamMember,
} from '../../src/reports/key-accounts.js';

const P = kamPeriod('2026-11-20', 13);
const S = kamSettings(resolveSettings([]));
const withSettings = (rows: Record<string, string>): KamSettings =>
  kamSettings(resolveSettings(Object.entries(rows).map(([key, value]) => ({ key, value, updated_at: '2026-11-20 10:00:00', updated_by: 't' }))));

const HQ = { id: 1, externalId: 'K1', name: 'АО «Тест»', region: 'Москва', isHq: true };

function facts(over: Partial<AccountFacts> = {}): AccountFacts {
  return {
    id: 1,
    externalId: 'K1',
    name: 'АО «Тест»',
    managerName: 'Белова Ирина Николаевна',
    potentialMinor: 50_000_000_00,
    partnership: 'contract',
    contractNo: null,
    contractUntil: null,
    mission: null,
    units: [HQ],
    team: [],
    contacts: [],
    activityStats: [],
    topToTopCandidates: [],
    lastTopToTopBefore: null,
    planWeeks: [],
    goals: [],
    assessments: [],
    ...over,
  };
}

let staffSeq = 100;
function member(role: string, over: Partial<TeamMember> = {}): TeamMember {
  const staffRole = { executive_sponsor: 'executive', service: 'service', field_rep: 'field_rep', account_manager: 'account_manager', national_account_manager: 'national_account_manager' }[role] ?? role;
  return { clientId: 1, staffId: staffSeq++, staffName: `Сотрудник ${role}`, staffRole, staffRegion: null, staffActive: true, role, region: null, since: '2020-01-01', until: null, ...over };
}
function contact(over: Partial<ContactFact> = {}): ContactFact {
  return { id: staffSeq++, clientId: 1, name: 'Иванов Иван Иванович', position: 'Генеральный директор', level: 'executive', buyingRole: 'decision_maker', isServiceContact: false, ...over };
}
function stat(over: Partial<ActivityStat> = {}): ActivityStat {
  return { clientId: 1, staffId: 1, staffName: 'Кто-то', staffRole: 'account_manager', count: 1, last: '2026-11-02 10:00', ...over };
}
function act(over: Partial<ActivityFact> = {}): ActivityFact {
  return {
    id: staffSeq++,
    externalId: 'A-1',
    clientId: 1,
    staffId: 1,
    staffName: 'Громов Виктор Андреевич',
    staffRole: 'executive',
    contactName: 'Иванов Иван Иванович',
    contactPosition: 'Генеральный директор',
    contactLevel: 'executive',
    kind: 'top_to_top',
    occurredAt: '2026-10-16 11:00',
    ...over,
  };
}
function goal(over: Partial<GoalFact> = {}): GoalFact {
  return { id: staffSeq++, externalId: 'G-1', goal: 'Увеличить закупки', targetValue: '12000000', targetUnit: 'RUB', setOn: '2026-04-01', dueOn: '2026-12-31', status: 'open', ...over };
}

const score = (a: AccountScore, key: string) => a.conditions.find((c) => c.key === key)!;
const scoreOf = (f: AccountFacts, key: string, s = S) => score(scoreAccount(f, P, s), key).score;

describe('the window', () => {
  it('is the as-of week and the weeks before it, from their Monday', () => {
    expect(P.weeks).toHaveLength(13);
    expect(P.weeks[0]).toBe('2026-W35');
    expect(P.weeks[12]).toBe('2026-W47');
    expect(P.from).toBe('2026-08-24');
  });

  it('crosses a year boundary', () => {
    const p = kamPeriod('2026-01-02', 3);
    expect(p.weeks).toEqual(['2025-W51', '2025-W52', '2026-W01']);
    expect(p.from).toBe('2025-12-15');
    expect(weekRanges(p.weeks)).toBe('2025-W51–2026-W01');
    expect(weekRanges(['2026-W35', '2026-W36', '2026-W37', '2026-W40'])).toBe('2026-W35–W37, 2026-W40');
  });

  it('rounds half up and shortens names', () => {
    expect(roundHalfUp(62.5)).toBe(63);
    expect(roundHalfUp((100 * 10) / 13)).toBe(77);
    expect(roundHalfUp(37.49)).toBe(37);
    expect(shortName('Громов Виктор Андреевич')).toBe('Громов В.А.');
    expect(shortName('John Smith')).toBe('John Smith');
  });
});

describe('condition 1: integration', () => {
  const weeks = (list: string[]) => list.map((week) => ({ week, count: 1 }));
  it('present: a task in every week of the window', () => {
    expect(scoreOf(facts({ planWeeks: weeks(P.weeks as string[]) }), 'integration')).toBe(100);
  });
  it('partial: 10 of 13 weeks; weeks outside the window ignored', () => {
    const f = facts({ planWeeks: [...weeks(P.weeks.slice(3, 12) as string[]), { week: '2026-W47', count: 2 }, ...weeks(['2026-W30', '2026-W48'])] });
    const c = score(scoreAccount(f, P, S), 'integration');
    expect(c.score).toBe(77);
    expect(c.rules[0]!.status).toBe('partial');
    expect(c.rules[0]!.found).toContain('2026-W46 (1), 2026-W47 (2)');
    expect(c.rules[0]!.missing).toBe('no plan task in 3 of 13 weeks: 2026-W35–W37');
  });
  it('absent: no task', () => {
    const a = scoreAccount(facts(), P, S);
    expect(score(a, 'integration').score).toBe(0);
    expect(score(a, 'integration').rules[0]!.action).toBe('Put the account into the weekly plan: a task for Белова И.Н. in 2026-W48 (13 of the last 13 weeks had none)');
  });
});

describe('condition 2: top management', () => {
  const sponsor = member('executive_sponsor', { staffName: 'Громов Виктор Андреевич' });
  it('present: an executive sponsor and a top-to-top contact in the window', () => {
    const c = score(scoreAccount(facts({ team: [sponsor], topToTopCandidates: [act()] }), P, S), 'top_management');
    expect(c.score).toBe(100);
    expect(c.rules[1]!.found).toBe('1: A-1 2026-10-16 top_to_top by Громов В.А. (executive) with Иванов И.И. (Генеральный директор)');
  });
  it('partial: a sponsor only (40), a top-to-top only (60)', () => {
    expect(scoreOf(facts({ team: [sponsor] }), 'top_management')).toBe(40);
    expect(scoreOf(facts({ topToTopCandidates: [act()] }), 'top_management')).toBe(60);
  });
  it('absent; the last top-to-top before the window is named; the next action names who meets whom', () => {
    const a = scoreAccount(facts({ team: [sponsor], contacts: [contact()], lastTopToTopBefore: '2026-03-18' }), P, S);
    const c = score(a, 'top_management');
    expect(c.rules[1]!.missing).toBe('no top-to-top contact from 2026-08-24 to 2026-11-20; the last one was on 2026-03-18');
    expect(c.rules[1]!.action).toBe('Arrange a top-to-top meeting: Громов В.А. with Иванов И.И. (Генеральный директор)');
  });
  it('the trap: logged as top_to_top by an account manager with a chief engineer does not count', () => {
    const trap = act({ externalId: 'A-003506', staffName: 'Никитина Елена Александровна', staffRole: 'account_manager', contactName: 'Орлов Игорь Викторович', contactPosition: 'Главный инженер', contactLevel: 'manager', occurredAt: '2026-10-19 12:00' });
    const c = score(scoreAccount(facts({ team: [sponsor], topToTopCandidates: [trap] }), P, S), 'top_management');
    expect(c.score).toBe(40);
    expect(c.rules[1]!.missing).toContain('A-003506 2026-10-19 top_to_top by Никитина Е.А. (account_manager) with Орлов И.В. (Главный инженер)');
    expect(c.rules[1]!.missing).toContain('not counted (Никитина Е.А. is account_manager, not an executive; Орлов И.В. is manager-level, not executive)');
  });
  it('a sponsor who is not top management, or whose membership ended, does not count', () => {
    expect(scoreOf(facts({ team: [member('executive_sponsor', { staffRole: 'sales_manager' })] }), 'top_management')).toBe(0);
    expect(scoreOf(facts({ team: [member('executive_sponsor', { until: '2026-06-30' })] }), 'top_management')).toBe(0);
    expect(scoreOf(facts({ team: [member('executive_sponsor', { staffActive: false })] }), 'top_management')).toBe(0);
  });
  it('the kinds that count are a setting', () => {
    const call = act({ kind: 'call' });
    expect(scoreOf(facts({ topToTopCandidates: [call] }), 'top_management')).toBe(0);
    expect(scoreOf(facts({ topToTopCandidates: [call] }), 'top_management', withSettings({ 'kam.top_management.top_to_top_kinds': 'top_to_top,call' }))).toBe(60);
  });
});

describe('condition 3: sales–service communication', () => {
  const service = member('service', { staffName: 'Зайцев Илья Петрович', staffId: 7 });
  const serviceContact = contact({ level: 'manager', position: 'Главный механик', buyingRole: 'user', isServiceContact: true });
  it('present: a service member, a service contact, non-sales activity', () => {
    const c = score(scoreAccount(facts({ team: [service], contacts: [serviceContact], activityStats: [stat({ staffId: 7, staffName: 'Зайцев Илья Петрович', staffRole: 'service', count: 3 })] }), P, S), 'sales_service');
    expect(c.score).toBe(100);
    expect(c.rules[2]!.found).toBe('3: Зайцев И.П. (service) 3, the last on 2026-11-02');
  });
  it('partial: member and contact but no activity = 65; an R&D engineer not on the team counts for activity', () => {
    expect(scoreOf(facts({ team: [service], contacts: [serviceContact] }), 'sales_service')).toBe(65);
    expect(scoreOf(facts({ activityStats: [stat({ staffId: 9, staffRole: 'rnd' })] }), 'sales_service')).toBe(35);
    // sales staff activity does not count
    expect(scoreOf(facts({ activityStats: [stat({ staffRole: 'field_rep', count: 20 })] }), 'sales_service')).toBe(0);
  });
  it('min_activities: one of three earns a third of the points', () => {
    const s = withSettings({ 'kam.sales_service.min_activities': '3' });
    expect(scoreOf(facts({ team: [service], contacts: [serviceContact], activityStats: [stat({ staffId: 7, staffRole: 'service' })] }), 'sales_service', s)).toBe(77);
  });
  it('absent', () => {
    const a = scoreAccount(facts(), P, S);
    expect(score(a, 'sales_service').score).toBe(0);
    expect(score(a, 'sales_service').rules.map((r) => r.status)).toEqual(['missing', 'missing', 'missing']);
  });
});

describe('condition 4: goals and mission', () => {
  it('present: mission, a measurable open goal, none overdue', () => {
    expect(scoreOf(facts({ mission: 'Надёжный поставщик насосов', goals: [goal()] }), 'goals_mission')).toBe(100);
  });
  it('partial: a goal without due date (60), an overdue goal (70), a met goal counts', () => {
    const nodue = scoreAccount(facts({ mission: 'Миссия', goals: [goal({ dueOn: null })] }), P, S);
    expect(score(nodue, 'goals_mission').score).toBe(60);
    expect(score(nodue, 'goals_mission').rules[1]!.missing).toBe('G-1 «Увеличить закупки»: no due date');
    const overdue = scoreAccount(facts({ mission: 'Миссия', goals: [goal({ dueOn: '2026-06-30' })] }), P, S);
    expect(score(overdue, 'goals_mission').score).toBe(70);
    expect(score(overdue, 'goals_mission').rules[2]!.missing).toBe('G-1 «Увеличить закупки» was due 2026-06-30 (143 days overdue)');
    expect(scoreOf(facts({ goals: [goal({ status: 'met', dueOn: '2026-06-30' })] }), 'goals_mission')).toBe(70);
  });
  it('absent: no mission, no goals; dropped, future and vague goals do not count', () => {
    expect(scoreOf(facts(), 'goals_mission')).toBe(0);
    expect(scoreOf(facts({ goals: [goal({ status: 'dropped' })] }), 'goals_mission')).toBe(0);
    expect(scoreOf(facts({ goals: [goal({ setOn: '2026-12-01' })] }), 'goals_mission')).toBe(0);
    expect(scoreOf(facts({ goals: [goal({ targetValue: 'побольше' })] }), 'goals_mission')).toBe(30);
    expect(scoreOf(facts({ mission: '   ' }), 'goals_mission')).toBe(0);
  });
});

describe('condition 5: field reps', () => {
  const branches = [
    { id: 2, externalId: 'B1', name: 'Филиал Казань', region: 'Республика Татарстан', isHq: false },
    { id: 3, externalId: 'B2', name: 'Филиал Ростов', region: 'Ростовская область', isHq: false },
    { id: 4, externalId: 'B3', name: 'Филиал СПб', region: 'Санкт-Петербург', isHq: false },
  ];
  it('present: a single-site account with its rep active', () => {
    const rep = member('field_rep', { staffId: 5, region: 'москва' });
    expect(scoreOf(facts({ team: [rep], activityStats: [stat({ staffId: 5 })] }), 'field_reps')).toBe(100);
  });
  it('partial: 4 regions, 3 covered, 2 active = 37.5 + 25 → 63', () => {
    const team = [
      member('field_rep', { staffId: 5, region: 'Москва' }),
      member('field_rep', { staffId: 6, region: 'Республика Татарстан' }),
      // on the branch's own team without a region: covers the branch's region
      member('field_rep', { staffId: 7, clientId: 3 }),
    ];
    const stats = [stat({ staffId: 5, clientId: 1 }), stat({ staffId: 6, clientId: 2 }), stat({ staffId: 7, clientId: 1 })];
    const a = scoreAccount(facts({ units: [HQ, ...branches], team, activityStats: stats }), P, S);
    const c = score(a, 'field_reps');
    expect(c.score).toBe(63);
    expect(c.rules[0]!.missing).toBe('Санкт-Петербург: no field rep (Филиал СПб B3)');
    expect(c.rules[1]!.missing).toContain('Ростовская область: Сотрудник field_rep logged nothing at Филиал Ростов B2 from 2026-08-24 to 2026-11-20');
  });
  it('absent: no rep, or no region recorded', () => {
    expect(scoreOf(facts(), 'field_reps')).toBe(0);
    const a = scoreAccount(facts({ units: [{ ...HQ, region: null }] }), P, S);
    expect(score(a, 'field_reps').score).toBe(0);
    expect(score(a, 'field_reps').rules[0]!.missing).toContain('region not recorded for АО «Тест»');
  });
});

describe('condition 6: definition and identification', () => {
  const dms = [contact(), contact({ name: 'Петров Пётр Петрович', position: 'Технический директор' })];
  it('present: potential, two decision makers, partnership', () => {
    expect(scoreOf(facts({ contacts: dms }), 'identification')).toBe(100);
  });
  it('complex buying: a buying centre of 4 with one decision maker, or branches in 2 regions', () => {
    const centre = [contact(), contact({ buyingRole: 'buyer' }), contact({ buyingRole: 'user' }), contact({ buyingRole: 'influencer' })];
    expect(scoreOf(facts({ contacts: centre }), 'identification')).toBe(100);
    expect(scoreOf(facts({ contacts: [contact()] }), 'identification')).toBe(70);
    expect(scoreOf(facts({ contacts: [contact()], units: [HQ, { id: 2, externalId: null, name: 'Филиал', region: 'Санкт-Петербург', isHq: false }] }), 'identification')).toBe(100);
  });
  it('absent: low potential, simple buying, no partnership; the action sends to key-candidates', () => {
    const a = scoreAccount(facts({ potentialMinor: 3_500_000_00, partnership: 'none', contacts: [contact()] }), P, S);
    expect(score(a, 'identification').score).toBe(0);
    expect(score(a, 'identification').rules[0]!.action).toBe(
      'Review the key-account status: potential 3 500 000 RUB < 10 000 000 RUB; simple buying: 1 decision maker, buying centre of 1, 1 region; partnership none (crm report key-candidates)',
    );
    expect(scoreOf(facts({ potentialMinor: null, contacts: dms }), 'identification')).toBe(60);
  });
  it('the threshold is a setting', () => {
    expect(scoreOf(facts({ contacts: dms, potentialMinor: 9_000_000_00 }), 'identification')).toBe(60);
    expect(scoreOf(facts({ contacts: dms, potentialMinor: 9_000_000_00 }), 'identification', withSettings({ 'kam.qualify.min_potential': '9 000 000' }))).toBe(100);
  });
});

describe('total, band, weakest condition, next action', () => {
  const strong = facts({
    mission: 'Миссия',
    goals: [goal()],
    team: [member('executive_sponsor'), member('service', { staffId: 7 }), member('field_rep', { staffId: 5, region: 'Москва' })],
    contacts: [contact(), contact({ isServiceContact: true, buyingRole: 'user', level: 'manager' }), contact({ position: 'Технический директор' })],
    activityStats: [stat({ staffId: 7, staffRole: 'service' }), stat({ staffId: 5 })],
    topToTopCandidates: [act()],
    planWeeks: P.weeks.slice(3).map((week) => ({ week, count: 1 })),
  });
  it('the weighted mean of the rounded condition scores, and its band', () => {
    const a = scoreAccount(strong, P, S);
    expect(a.conditions.map((c) => c.score)).toEqual([77, 100, 100, 100, 100, 100]);
    expect(a.total).toBe(96);
    expect(a.band).toBe('strong');
    expect(a.weakest).toBe('integration');
    const heavy = scoreAccount(strong, P, withSettings({ 'kam.weight.integration': '4' }));
    expect(heavy.total).toBe(roundHalfUp((4 * 77 + 500) / 9));
    expect(heavy.total).toBe(90);
  });
  it('bands at 75 and 50 by default, settable', () => {
    const mid = facts({ contacts: [contact(), contact()], mission: 'М', goals: [goal()], team: [member('executive_sponsor')], topToTopCandidates: [act()] });
    // 0, 100, 0, 100, 0, 100 → 50
    const a = scoreAccount(mid, P, S);
    expect(a.total).toBe(50);
    expect(a.band).toBe('developing');
    expect(scoreAccount(mid, P, withSettings({ 'kam.band.developing': '51' })).band).toBe('at_risk');
    expect(scoreAccount(mid, P, withSettings({ 'kam.band.strong': '50' })).band).toBe('strong');
  });
  it('ties go to the heavier condition, then the first; the action is the open rule that loses most', () => {
    const a = scoreAccount(facts({ contacts: [contact(), contact()] }), P, S);
    expect(a.weakest).toBe('integration');
    const b = scoreAccount(facts({ contacts: [contact(), contact()] }), P, withSettings({ 'kam.weight.field_reps': '2' }));
    expect(b.weakest).toBe('field_reps');
    expect(b.nextAction).toBe('Assign a field rep for Москва (АО «Тест»)');
    const c = scoreAccount(facts({ contacts: [contact()], planWeeks: P.weeks.map((week) => ({ week, count: 1 })), mission: 'М', goals: [goal()], team: [member('field_rep', { region: 'Москва', staffId: 5 }), member('executive_sponsor')], activityStats: [stat({ staffId: 5 }), stat({ staffRole: 'service' })], topToTopCandidates: [act()] }), P, S);
    // C3 35 (activity only) is the weakest; the service member (35) loses more than the contact (30)
    expect(c.weakest).toBe('sales_service');
    expect(c.nextAction).toBe('Add a service engineer to the account team');
  });
  it('without detail the numbers and the next action are the same, the texts are left out', () => {
    const full = scoreAccount(strong, P, S, true);
    const lean = scoreAccount(strong, P, S, false);
    expect(lean.conditions.map((c) => c.score)).toEqual(full.conditions.map((c) => c.score));
    expect(lean.nextAction).toBe(full.nextAction);
    expect(lean.conditions[1]!.rules[0]!.found).toBeNull();
    expect(full.conditions[1]!.rules[0]!.found).not.toBeNull();
  });
});

describe('self-assessment', () => {
  const assessments = [
    { criterion: 2, rating: 3, note: null, assessor: 'x', assessedOn: '2026-01-10' },
    { criterion: 2, rating: 5, note: 'всё отлично', assessor: 'i.belova@promtehsnab.ru', assessedOn: '2026-05-15' },
    { criterion: 2, rating: 1, note: null, assessor: 'x', assessedOn: '2026-12-01' },
    { criterion: 4, rating: 2, note: null, assessor: 'x', assessedOn: '2026-05-15' },
  ];
  it('the latest rating up to the as-of date, on the 0–100 scale, flagged beyond kam.assess.max_gap', () => {
    const a = scoreAccount(facts({ team: [member('executive_sponsor')], assessments }), P, S);
    expect(score(a, 'top_management').self).toEqual({ rating: 5, score: 100, gap: 60, flagged: true, assessedOn: '2026-05-15', assessor: 'i.belova@promtehsnab.ru', note: 'всё отлично' });
    expect(score(a, 'goals_mission').self).toMatchObject({ score: 25, gap: 25, flagged: false });
    expect(score(a, 'integration').self).toBeNull();
    expect(score(scoreAccount(facts({ team: [member('executive_sponsor')], assessments }), P, withSettings({ 'kam.assess.max_gap': '60' })), 'top_management').self?.flagged).toBe(false);
  });
  it('shows beside the evidence in the report and in --explain', () => {
    const r = scoreKeyAccounts([facts({ team: [member('executive_sponsor')], assessments })], P, S);
    const row = [...keyAccountsModel(r).rows][0]!;
    expect(row).toMatchObject({ c2_top_management: 40, c2_self: 100, c4_goals_mission: 0, c4_self: 25, gaps: 'C2 self 100 vs evidence 40 (+60)' });
    const compact = [...keyAccountsModel(r, { compact: true }).rows][0]!;
    expect(compact.c2_top_management).toBe('40 (100!)');
    const self = explainRows(r.accounts[0]!, S).find((x) => x.rule === 'self_assessment' && x.condition === 'c2_top_management')!;
    expect(self).toMatchObject({ status: 'flagged', missing: 'differs from the evidence by +60 points' });
    expect(self.found).toBe('rating 5 of 5 = 100 on 2026-05-15 by i.belova@promtehsnab.ru: «всё отлично»');
  });
});

describe('the report model', () => {
  const a = facts({ id: 1, name: 'Б-клиент', contacts: [contact(), contact()] });
  const b = facts({ id: 2, externalId: 'K2', name: 'А-клиент', mission: 'М', goals: [goal()], contacts: [contact(), contact()] });
  const r = scoreKeyAccounts([a, b], P, S);
  it('accounts lowest total first, then a programme row of means', () => {
    const rows = [...keyAccountsModel(r).rows];
    expect(rows.map((x) => x.client)).toEqual(['Б-клиент', 'А-клиент', 'programme: mean of 2 key accounts']);
    expect(rows[2]).toMatchObject({ level: 'programme', c4_goals_mission: 50, c6_identification: 100, total: 25, band: '0 strong, 0 developing, 2 at_risk', weakest: 'integration' });
    expect(rows[2]!.next_action).toBe('Condition 1 (KAM integrated into the sales programme) is the weakest across the programme: 2 of 2 had weeks without a plan task');
  });
  it('stable snake_case columns, conditions beside their self-assessments; JSON carries the settings', () => {
    const m = keyAccountsModel(r, { settingsJson: { 'kam.window_weeks': 13 } });
    expect(m.columns.map((c) => c.key)).toEqual([
      'level', 'client_id', 'external_id', 'client', 'manager',
      'c1_integration', 'c1_self', 'c2_top_management', 'c2_self', 'c3_sales_service', 'c3_self',
      'c4_goals_mission', 'c4_self', 'c5_field_reps', 'c5_self', 'c6_identification', 'c6_self',
      'total', 'band', 'weakest', 'next_action', 'gaps',
    ]);
    expect(m.meta).toMatchObject({ report: 'key-accounts', as_of: '2026-11-20', window: { weeks: 13, first_week: '2026-W35', last_week: '2026-W47', from: '2026-08-24', to: '2026-11-20' }, settings: { 'kam.window_weeks': 13 } });
  });
  it('rendered: JSON is one object carrying the settings and the rows; CSV and NDJSON stay plain rows', () => {
    const m = keyAccountsModel(r, { settingsJson: { 'kam.window_weeks': 13 } });
    const out = (format: 'json' | 'csv' | 'ndjson') => {
      let text = '';
      render(m, { format, color: false, bom: false, delimiter: ',' }, { write: (c) => (text += c) });
      return text;
    };
    const doc = JSON.parse(out('json'));
    expect(Object.keys(doc)).toEqual(['report', 'as_of', 'window', 'settings', 'rows']);
    expect(doc.rows).toHaveLength(3);
    expect(doc.rows[0]).toMatchObject({ level: 'account', client_id: 1, c6_identification: 100, c6_self: null });
    expect(out('csv').split('\r\n')[0]).toBe(m.columns.map((c) => c.key).join(','));
    expect(out('ndjson').trim().split('\n').map((l) => Object.keys(JSON.parse(l))[0])).toEqual(['level', 'level', 'level']);
    const empty = keyAccountsModel(scoreKeyAccounts([], P, S), { settingsJson: {} });
    let text = '';
    render(empty, { format: 'json', color: false, bom: false, delimiter: ',' }, { write: (c) => (text += c) });
    expect(JSON.parse(text).rows).toEqual([]);
  });

  it('--explain: a row per rule with points, evidence and the settings used, and the total', () => {
    const rows = explainRows(r.accounts[1]!, S);
    expect(rows).toHaveLength(14 + 1); // 1 + 2 + 3 + 3 + 2 + 3 rules and the total
    const pot = rows.find((x) => x.rule === 'potential')!;
    expect(pot).toMatchObject({ condition: 'c6_identification', points: 40, max_points: 40, status: 'met', found: 'purchase potential 50 000 000 RUB a year' });
    expect(pot.threshold).toBe('≥ 10 000 000 RUB (kam.qualify.min_potential); kam.identification.potential_points');
    expect(rows[rows.length - 1]).toMatchObject({ condition: 'total', status: 'at_risk', found: 'C1 0×1, C2 0×1, C3 0×1, C4 100×1, C5 0×1, C6 100×1' });
  });
});
