import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm, parseCsv, query, tempDir, newDb } from '../helpers/cli.js';

// Three key accounts built so that each condition's evidence is present, partial or absent,
// as of 2026-11-20 with the default 13-week window (2026-W35…W47, from 2026-08-24).
const DATA: Record<string, string> = {
  staff:
    'name,email,role,region\n' +
    'Громов Виктор Андреевич,g@x.ru,executive,Москва\n' +
    'Белова Ирина Николаевна,b@x.ru,account_manager,Москва\n' +
    'Зайцев Илья Петрович,z@x.ru,service,Москва\n' +
    'Морозов Антон Сергеевич,m@x.ru,field_rep,Москва\n' +
    'Гарипов Айдар Рустемович,ga@x.ru,field_rep,Республика Татарстан\n',
  clients:
    'external_id,name,client_type,parent,region,status,is_key_account,purchase_potential,partnership,mission,manager,lost_date\n' +
    'K1,АО «Сильный»,manufacturer,,Москва,active,yes,50000000,strategic,Надёжные поставки насосов для всех площадок,b@x.ru,\n' +
    'K1B,"АО «Сильный», филиал в Казани",manufacturer,K1,Республика Татарстан,active,no,,,,ga@x.ru,\n' +
    'K2,ООО «Средний»,distributor,,Москва,active,yes,20000000,interested,Рост через сервис,b@x.ru,\n' +
    'K3,ИП Слабов Семён Семёнович,retail,,Москва,active,yes,1000000,none,,b@x.ru,\n' +
    'C4,АО «Кандидат»,manufacturer,,Самарская область,active,no,30000000,contract,,b@x.ru,\n' +
    'L1,ООО «Ушедший»,retail,,Москва,lost,yes,15000000,none,,b@x.ru,2026-03-01\n',
  contacts:
    'external_id,client,full_name,position,level,buying_role,is_service_contact\n' +
    'CT1,K1,Иванов Иван Иванович,Генеральный директор,executive,decision_maker,no\n' +
    'CT2,K1,Петров Пётр Петрович,Технический директор,executive,decision_maker,no\n' +
    'CT3,K1,Сидоров Олег Павлович,Главный механик,manager,user,yes\n' +
    'CT4,K2,Кузнецова Анна Юрьевна,Генеральный директор,executive,decision_maker,no\n' +
    'CT5,K2,Смирнов Егор Ильич,Директор по закупкам,executive,decision_maker,no\n' +
    'CT6,K2,Орлов Игорь Викторович,Главный инженер,manager,influencer,yes\n' +
    'CT7,K3,Слабов Семён Семёнович,Индивидуальный предприниматель,executive,decision_maker,no\n' +
    'CT8,C4,Волков Андрей Петрович,Генеральный директор,executive,decision_maker,no\n' +
    'CT9,C4,Зуева Ольга Ивановна,Технический директор,executive,decision_maker,no\n',
  account_team:
    'client,staff,role,region,since\n' +
    'K1,b@x.ru,national_account_manager,,2020-01-01\n' +
    'K1,g@x.ru,executive_sponsor,,2020-01-01\n' +
    'K1,z@x.ru,service,,2020-01-01\n' +
    'K1,m@x.ru,field_rep,Москва,2020-01-01\n' +
    'K1,ga@x.ru,field_rep,Республика Татарстан,2020-01-01\n' +
    'K2,b@x.ru,account_manager,,2020-01-01\n' +
    'K2,g@x.ru,executive_sponsor,,2020-01-01\n' +
    'K2,m@x.ru,field_rep,Москва,2020-01-01\n' +
    'K3,b@x.ru,account_manager,,2020-01-01\n',
  plan_tasks:
    'external_id,week,staff,client,task\n' +
    Array.from({ length: 13 }, (_, i) => `P1-${i},2026-W${35 + i},b@x.ru,K1,Звонок\n`).join('') +
    Array.from({ length: 4 }, (_, i) => `P2-${i},2026-W${44 + i},b@x.ru,K2,Звонок\n`).join(''),
  activities:
    'external_id,client,contact,staff,kind,occurred_at\n' +
    'A1,K1,CT1,g@x.ru,top_to_top,2026-10-16 11:00\n' +
    'A2,K1,CT3,z@x.ru,service,2026-11-02 10:00\n' +
    'A3,K1,,m@x.ru,visit,2026-11-10 12:00\n' +
    'A4,K1B,,ga@x.ru,visit,2026-11-12 09:30\n' +
    'A5,K2,CT6,b@x.ru,top_to_top,2026-10-19 15:00\n' +
    'A6,K2,,m@x.ru,call,2026-06-01 10:00\n' +
    'A7,K1,CT1,g@x.ru,top_to_top,2026-03-18 10:00\n' +
    'A8,K1,CT1,g@x.ru,top_to_top,2026-11-25 10:00\n',
  goals:
    'external_id,client,goal,target_value,target_unit,set_on,due_on,status\n' +
    'G1,K1,Закупки 12 млн,12000000,RUB,2026-01-10,2026-12-31,open\n' +
    'G2,K2,Пять новых позиций,5,позиций,2026-01-10,2026-06-30,open\n',
  assessments: 'client,criterion,rating,note,assessor,assessed_on\nK2,2,5,Спонсор всегда на связи,b@x.ru,2026-11-01\nK2,3,2,,b@x.ru,2026-11-01\n',
};

let dir: string;
let db: string;
const run = (args: string[], env?: Record<string, string | undefined>) => crm([...args, '--db', db], { env });
const csv = (args: string[]) => {
  const r = run([...args, '--format', 'csv']);
  expect(r.status, r.stderr).toBe(0);
  const [head, ...rows] = parseCsv(r.stdout);
  return rows.map((row) => Object.fromEntries(head!.map((h, i) => [h, row[i]])));
};

beforeAll(() => {
  dir = tempDir();
  db = newDb(dir);
  expect(crm(['init', '--db', db]).status).toBe(0);
  for (const [entity, text] of Object.entries(DATA)) {
    const file = path.join(dir, `${entity}.csv`);
    fs.writeFileSync(file, text);
    const r = run(['import', entity, file, '-q']);
    expect(r.status, r.stderr).toBe(0);
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const CONDITIONS = ['c1_integration', 'c2_top_management', 'c3_sales_service', 'c4_goals_mission', 'c5_field_reps', 'c6_identification'];

describe('crm report key-accounts', () => {
  it('scores each condition from the evidence: present, partial, absent', () => {
    const r = run(['report', 'key-accounts', '--as-of', '2026-11-20', '--format', 'csv']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('1 lost key account left out (status lost)\n');
    const rows = csv(['report', 'key-accounts', '--as-of', '2026-11-20']);
    const scores = rows.map((x) => [x.external_id, ...CONDITIONS.map((c) => x[c]), x.total, x.band, x.weakest]);
    expect(scores).toEqual([
      ['K3', '0', '0', '0', '0', '0', '0', '0', 'at_risk', 'integration'],
      // C1 4/13 weeks; C2 sponsor only (the top_to_top by the account manager does not count);
      // C3 service contact only; C4 mission and a measurable goal, but overdue; C5 rep assigned,
      // idle in the window; C6 qualifies (2 decision makers)
      ['K2', '31', '40', '30', '70', '50', '100', '54', 'developing', 'sales_service'],
      ['K1', '100', '100', '100', '100', '100', '100', '100', 'strong', ''],
      ['', '43.7', '46.7', '43.3', '56.7', '50', '66.7', '51.3', '1 strong, 1 developing, 1 at_risk', 'sales_service'],
    ]);
    expect(rows[0]!.next_action).toBe('Put the account into the weekly plan: a task for Белова И.Н. in 2026-W48 (13 of the last 13 weeks had none)');
    expect(rows[1]!.next_action).toBe('Add a service engineer to the account team');
    expect(rows[1]).toMatchObject({ c2_self: '100', c3_self: '25', gaps: 'C2 self 100 vs evidence 40 (+60)' });
    expect(rows[3]).toMatchObject({ level: 'programme', client: 'programme: mean of 3 key accounts' });
    expect(rows[3]!.next_action).toBe(
      'Condition 3 (clear communication between sales and service) is the weakest across the programme: 2 of 3 have no service member on the team, 2 of 3 had no non-sales activity in the window, 1 of 3 have no client service contact',
    );
  });

  it('--explain says which rows and dates were found and missing, and the rules and settings used', () => {
    const rows = csv(['report', 'key-accounts', '--as-of', '2026-11-20', '--client', 'ооо «средний»', '--explain']);
    const t2t = rows.find((x) => x.rule === 'top_to_top')!;
    expect(t2t).toMatchObject({ external_id: 'K2', condition: 'c2_top_management', condition_score: '40', points: '0', max_points: '60', status: 'missing' });
    expect(t2t.missing).toBe(
      'no top-to-top contact from 2026-08-24 to 2026-11-20; none on record before the window either; A5 2026-10-19 top_to_top by Белова И.Н. (account_manager) with Орлов И.В. (Главный инженер): not counted (Белова И.Н. is account_manager, not an executive; Орлов И.В. is manager-level, not executive)',
    );
    expect(t2t.threshold).toContain('kam.top_management.top_to_top_kinds');
    expect(rows.find((x) => x.rule === 'goals_on_time')!.missing).toBe('G2 «Пять новых позиций» was due 2026-06-30 (143 days overdue)');
    expect(rows.find((x) => x.rule === 'rep_activity')!.missing).toBe('Москва: Морозов А.С. logged nothing at ООО «Средний» K2 from 2026-08-24 to 2026-11-20');
    expect(rows.find((x) => x.rule === 'plan_weeks')!.found).toBe('4 of 13 weeks: 2026-W44 (1), 2026-W45 (1), 2026-W46 (1), 2026-W47 (1)');
    expect(rows.find((x) => x.rule === 'self_assessment' && x.condition === 'c2_top_management')).toMatchObject({ status: 'flagged', points: '100' });
    expect(rows[rows.length - 1]).toMatchObject({ condition: 'total', condition_score: '54', status: 'developing' });
    const k1 = csv(['report', 'key-accounts', '--as-of', '2026-11-20', '--client', 'K1', '--explain']);
    expect(k1.find((x) => x.rule === 'top_to_top')!.found).toBe('1: A1 2026-10-16 top_to_top by Громов В.А. (executive) with Иванов И.И. (Генеральный директор)');
    expect(k1.find((x) => x.rule === 'rep_activity')!.found).toBe('2 of 2 regions. Москва: Морозов А.С. (field_rep) 1, the last on 2026-11-10; Республика Татарстан: Гарипов А.Р. (field_rep) 1, the last on 2026-11-12');
  });

  it('a terminal --explain: a table per account, the settings used last', () => {
    const r = run(['report', 'key-accounts', '--as-of', '2026-11-20', '--client', 'K2', '--explain', '--format', 'table']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ООО «Средний» (K2): total 54, developing; weakest c3_sales_service');
    expect(r.stdout).toContain('Next action: Add a service engineer to the account team');
    expect(r.stdout).toMatch(/kam\.qualify\.min_potential\s*│\s*10000000/);
  });

  it('the JSON form states the as-of date, the window and every setting used', () => {
    const r = run(['report', 'key-accounts', '--as-of', '20.11.2026', '--window', '4', '--format', 'json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ report: 'key-accounts', as_of: '2026-11-20', window: { weeks: 4, first_week: '2026-W44', last_week: '2026-W47', from: '2026-10-26', to: '2026-11-20' } });
    expect(doc.settings['kam.window_weeks']).toBe(4);
    expect(doc.settings['kam.qualify.min_potential']).toBe(10000000);
    expect(doc.settings['kam.qualify.partnership']).toEqual(['interested', 'contract', 'strategic']);
    // with a 4-week window K2 has a task every week
    expect(doc.rows.find((x: { external_id: string }) => x.external_id === 'K2').c1_integration).toBe(100);
    expect(doc.rows).toHaveLength(4);
  });

  it('an as-of date in the past sees only what existed then', () => {
    const rows = csv(['report', 'key-accounts', '--as-of', '2026-03-20', '--client', 'K1']);
    // top-to-top A7 on 2026-03-18; no plan task yet; G1 set 2026-01-10 and open
    expect(CONDITIONS.map((c) => rows[0]![c])).toEqual(['0', '100', '65', '100', '50', '100']);
  });

  it('is the same in every time zone', () => {
    const args = ['report', 'key-accounts', '--as-of', '2026-11-20', '--format', 'csv'];
    const base = run(args).stdout;
    expect(run(args, { TZ: 'Asia/Vladivostok' }).stdout).toBe(base);
    expect(run(args, { TZ: 'America/Los_Angeles' }).stdout).toBe(base);
  });

  it('refuses what it cannot do, with exit 2', () => {
    const notKey = run(['report', 'key-accounts', '--client', 'C4']);
    expect(notKey.status).toBe(2);
    expect(notKey.stderr).toContain('АО «Кандидат» (#5, C4) is not a key account');
    expect(run(['report', 'key-accounts', '--client', 'nobody']).stderr).toContain('no client with id, external id, INN or name "nobody"');
    expect(run(['report', 'key-accounts', '--window', '0']).status).toBe(2);
    expect(run(['report', 'key-accounts', '--as-of', '2026-02-30']).status).toBe(2);
    expect(run(['report', 'key-accounts', '--bogus']).status).toBe(2);
    // a branch names its key account
    const branch = run(['report', 'key-accounts', '--client', 'K1B', '--as-of', '2026-11-20', '--format', 'csv']);
    expect(branch.status).toBe(0);
    expect(branch.stderr).toContain('is a branch of the key account АО «Сильный» (#1, K1): showing that account');
  });
});

describe('crm config and the scores', () => {
  it('get shows every setting; set changes the scores; reset restores them', () => {
    const all = csv(['config', 'get']);
    expect(all.find((x) => x.key === 'kam.window_weeks')).toMatchObject({ value: '13', default: '13', unit: 'weeks', source: 'default' });
    expect(run(['config', 'set', 'kam.qualify.min_potential', '60 000 000', '--user', 'boss']).stderr).toBe('kam.qualify.min_potential = 60 000 000.00 RUB (was 10 000 000.00 RUB, the default)\n');
    expect(query(db, "SELECT value, updated_by FROM settings WHERE key = 'kam.qualify.min_potential'")).toEqual([{ value: '60000000.00', updated_by: 'boss' }]);
    const k1 = csv(['report', 'key-accounts', '--as-of', '2026-11-20', '--client', 'K1']);
    expect(k1[0]!.c6_identification).toBe('60');
    expect(csv(['config', 'get', 'kam.qualify.min_potential'])[0]).toMatchObject({ value: '60000000.00', source: 'set', updated_by: 'boss' });
    expect(run(['config', 'reset', 'kam.qualify']).status).toBe(0);
    expect(csv(['report', 'key-accounts', '--as-of', '2026-11-20', '--client', 'K1'])[0]!.c6_identification).toBe('100');
  });
});

describe('crm assess', () => {
  it('records ratings given as flags and shows them beside the evidence', () => {
    const r = run(['assess', 'K3', '--c1', '2', '--c6', '5', '--note', '1=план на декабрь', '--on', '2026-11-20', '--assessor', 'Белова Ирина Николаевна', '--format', 'csv', '--user', 'belova']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('saved 2 ratings for ИП Слабов Семён Семёнович (#4, K3) on 2026-11-20');
    expect(r.stderr).toContain('the evidence disagrees by more than 40 points on C6');
    expect(parseCsv(r.stdout)).toEqual([
      ['condition', 'rating', 'self_score', 'evidence_score', 'gap', 'flagged', 'note'],
      ['c1_integration', '2', '25', '0', '25', 'false', 'план на декабрь'],
      ['c6_identification', '5', '100', '0', '100', 'true', ''],
    ]);
    expect(query(db, "SELECT criterion, rating, note, assessor, assessed_on, created_by FROM assessments WHERE client_id = 4 ORDER BY criterion")).toEqual([
      { criterion: 1, rating: 2, note: 'план на декабрь', assessor: 'b@x.ru', assessed_on: '2026-11-20', created_by: 'belova' },
      { criterion: 6, rating: 5, note: null, assessor: 'b@x.ru', assessed_on: '2026-11-20', created_by: 'belova' },
    ]);
    expect(csv(['report', 'key-accounts', '--as-of', '2026-11-20', '--client', 'K3'])[0]).toMatchObject({ c1_self: '25', c6_self: '100', gaps: 'C6 self 100 vs evidence 0 (+100)' });
  });

  it('without a terminal and without ratings it asks for flags, and checks them', () => {
    const none = run(['assess', 'K3']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('give the ratings with --c1 … --c6 (1–5): there is no terminal to ask on');
    expect(run(['assess', 'K3', '--c2', '7']).status).toBe(2);
    expect(run(['assess', 'K3', '--note', '2=без оценки']).stderr).toContain('--note for condition 2 needs its rating too');
    expect(run(['assess', 'C4', '--c1', '3']).stderr).toContain('is not a key account');
    expect(run(['assess', 'K3', '--c1', '3', '--on', '2099-01-01']).status).toBe(2);
    expect(query(db, 'SELECT count(*) AS n FROM assessments')).toEqual([{ n: 4 }]);
  });
});

describe('crm report key-candidates and national-accounts', () => {
  it('candidates that qualify and key accounts that do not, with the criteria', () => {
    const rows = csv(['report', 'key-candidates']);
    expect(rows.map((x) => [x.verdict, x.external_id, x.meets_potential, x.meets_complex_buying, x.meets_partnership, x.fails])).toEqual([
      ['candidate', 'C4', 'true', 'true', 'true', ''],
      ['not_qualified', 'K3', 'false', 'false', 'false', 'potential 1 000 000 RUB < 10 000 000 RUB; simple buying: 1 decision maker, buying centre of 1, 1 region; partnership none'],
    ]);
    const json = JSON.parse(run(['report', 'key-candidates', '--format', 'json']).stdout);
    expect(json.settings['kam.qualify.min_buying_centre']).toBe(4);
  });

  it('HQs with branches: regions, reps, last activity, gaps', () => {
    const rows = csv(['report', 'national-accounts', '--as-of', '2026-11-20']);
    expect(rows.map((x) => [x.unit_external_id, x.unit_type, x.region, x.field_reps, x.rep_active, x.last_rep_activity, x.last_activity, x.gaps])).toEqual([
      ['K1', 'hq', 'Москва', 'Морозов Антон Сергеевич', 'true', '2026-11-10', '2026-11-10', ''],
      ['K1B', 'branch', 'Республика Татарстан', 'Гарипов Айдар Рустемович', 'true', '2026-11-12', '2026-11-12', ''],
    ]);
    const narrow = csv(['report', 'national-accounts', '--as-of', '2026-11-20', '--window', '1']);
    expect(narrow[0]!.gaps).toBe('rep inactive here since 2026-11-10 (none from 2026-11-16); no contact since 2026-11-10');
    expect(csv(['report', 'national-accounts', '--client', 'K1B'])).toHaveLength(2);
  });
});
