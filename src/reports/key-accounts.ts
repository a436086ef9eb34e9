/**
 * Key-account scoring against the six Hise & Reid (1994) conditions (DESIGN §2, §4; seed 001).
 * Facts about each key account in, scores with their evidence out; then the report models.
 * Pure: no database, no clock. docs/key-accounts.md states every rule in words.
 *
 * Each condition has rules worth points (settings kam.<condition>.*_points); its score is
 * 100 × points earned / points possible, rounded half up. The total is the weighted mean of the
 * six rounded scores (kam.weight.*), rounded; the band follows kam.band.*.
 */
import { CONDITION_KEYS, type ConditionKey, type KamSettings } from '../config/kam.js';
import type { Column, Row, TableModel } from '../render/model.js';
import { addWeeks, isoWeekOf, weekMonday } from '../util/isoweek.js';
import { daysBetween } from '../util/dates.js';
import { fold } from '../util/normalize.js';
import { collate, qualify } from './key-candidates.js';

// ---------------------------------------------------------------------------------------------
// facts

export interface Period {
  readonly asOf: string;
  /** the ISO weeks of the window, oldest first; the last is the as-of date's week */
  readonly weeks: readonly string[];
  /** Monday of the first week: activities from this date to asOf (inclusive) are in the window */
  readonly from: string;
}

export function kamPeriod(asOf: string, windowWeeks: number): Period {
  const last = isoWeekOf(asOf);
  const weeks: string[] = [];
  for (let i = windowWeeks - 1; i >= 0; i--) weeks.push(addWeeks(last, -i));
  return { asOf, weeks, from: weekMonday(weeks[0]!) };
}

/** The HQ (the key account itself) or one of its branches (clients whose parent it is). */
export interface Unit {
  readonly id: number;
  readonly externalId: string | null;
  readonly name: string;
  readonly region: string | null;
  readonly isHq: boolean;
}

export interface TeamMember {
  readonly clientId: number;
  readonly staffId: number;
  readonly staffName: string;
  /** staff.role: executive, service, field_rep… */
  readonly staffRole: string;
  readonly staffRegion: string | null;
  readonly staffActive: boolean;
  /** account_team.role: executive_sponsor, service, field_rep… */
  readonly role: string;
  readonly region: string | null;
  readonly since: string | null;
  readonly until: string | null;
}

export interface ContactFact {
  readonly id: number;
  readonly clientId: number;
  readonly name: string;
  readonly position: string | null;
  readonly level: string;
  readonly buyingRole: string | null;
  readonly isServiceContact: boolean;
}

/** What one staff member logged at one unit (the HQ or a branch) in the window. */
export interface ActivityStat {
  readonly clientId: number;
  readonly staffId: number;
  readonly staffName: string;
  readonly staffRole: string;
  readonly count: number;
  /** the latest, 'YYYY-MM-DD HH:MM' */
  readonly last: string;
}

/** One activity: the top-to-top candidates are read row by row, for their contact's level. */
export interface ActivityFact {
  readonly id: number;
  readonly externalId: string | null;
  readonly clientId: number;
  readonly staffId: number;
  readonly staffName: string;
  readonly staffRole: string;
  readonly contactName: string | null;
  readonly contactPosition: string | null;
  readonly contactLevel: string | null;
  readonly kind: string;
  readonly occurredAt: string;
}

/** How many plan tasks (any status) one unit of the account has in one week. */
export interface PlanWeekFact {
  readonly week: string;
  readonly count: number;
}

export interface GoalFact {
  readonly id: number;
  readonly externalId: string | null;
  readonly goal: string;
  readonly targetValue: string | null;
  readonly targetUnit: string | null;
  readonly setOn: string | null;
  readonly dueOn: string | null;
  readonly status: string;
}

export interface AssessmentFact {
  readonly criterion: number;
  readonly rating: number;
  readonly note: string | null;
  readonly assessor: string | null;
  readonly assessedOn: string;
}

export interface AccountFacts {
  readonly id: number;
  readonly externalId: string | null;
  readonly name: string;
  readonly managerName: string | null;
  readonly potentialMinor: number | null;
  readonly partnership: string | null;
  readonly contractNo: string | null;
  readonly contractUntil: string | null;
  readonly mission: string | null;
  /** the HQ first, then its branches */
  readonly units: readonly Unit[];
  /** team rows of the HQ and of its branches */
  readonly team: readonly TeamMember[];
  /** active contacts of the HQ and its branches */
  readonly contacts: readonly ContactFact[];
  /** activity at the HQ and its branches from period.from to period.asOf, per unit and staff member */
  readonly activityStats: readonly ActivityStat[];
  /**
   * the window's activities that may be top-to-top: of a counted kind by executive staff, or
   * logged as top_to_top by anyone (to say why those do not count)
   */
  readonly topToTopCandidates: readonly ActivityFact[];
  /** date of the last top-to-top contact before the window (for the explanation), if any */
  readonly lastTopToTopBefore: string | null;
  readonly planWeeks: readonly PlanWeekFact[];
  readonly goals: readonly GoalFact[];
  /** self-assessments up to the as-of date (any order; the latest per criterion counts) */
  readonly assessments: readonly AssessmentFact[];
}

// ---------------------------------------------------------------------------------------------
// results

export type RuleStatus = 'met' | 'partial' | 'missing' | 'not_scored';

export interface RuleResult {
  readonly rule: string;
  readonly label: string;
  readonly earned: number;
  readonly max: number;
  readonly status: RuleStatus;
  /** the evidence found: rows and dates */
  readonly found: string | null;
  /** the evidence missing */
  readonly missing: string | null;
  /** the rule and the settings it used */
  readonly threshold: string | null;
  /** what to do when it is not met */
  readonly action: string | null;
  /** for the programme row: "N of M accounts <gap>" */
  readonly gap: string;
}

export interface SelfAssessment {
  readonly rating: number;
  /** the rating on the evidence scale: 1 → 0 … 5 → 100 */
  readonly score: number;
  /** self score − evidence score */
  readonly gap: number;
  readonly flagged: boolean;
  readonly assessedOn: string;
  readonly assessor: string | null;
  readonly note: string | null;
}

export interface ConditionResult {
  readonly n: number;
  readonly key: ConditionKey;
  readonly score: number;
  readonly weight: number;
  readonly rules: readonly RuleResult[];
  readonly self: SelfAssessment | null;
}

export type Band = 'strong' | 'developing' | 'at_risk';

export interface AccountScore {
  readonly id: number;
  readonly externalId: string | null;
  readonly name: string;
  readonly managerName: string | null;
  readonly conditions: readonly ConditionResult[];
  readonly total: number;
  readonly band: Band;
  readonly weakest: ConditionKey | null;
  readonly nextAction: string | null;
}

export interface ProgrammeScore {
  readonly accounts: number;
  /** mean score per condition, one decimal */
  readonly means: Readonly<Record<ConditionKey, number>>;
  readonly total: number;
  readonly bands: Readonly<Record<Band, number>>;
  readonly weakest: ConditionKey | null;
  readonly summary: string | null;
}

export interface KamReport {
  readonly period: Period;
  readonly settings: KamSettings;
  readonly accounts: readonly AccountScore[];
  readonly programme: ProgrammeScore | null;
}

export const CONDITION_TITLES: Readonly<Record<ConditionKey, string>> = {
  integration: 'KAM integrated into the sales programme',
  top_management: 'top management understands and supports key accounts',
  sales_service: 'clear communication between sales and service',
  goals_mission: 'goals set and mission defined',
  field_reps: 'working relationship of account managers and field reps',
  identification: 'clear definition and identification of key accounts',
};

export const conditionColumn = (key: ConditionKey): string => `c${CONDITION_KEYS.indexOf(key) + 1}_${key}`;

// ---------------------------------------------------------------------------------------------
// helpers

const SALES_TEAM_ROLES = new Set(['account_manager', 'national_account_manager', 'field_rep', 'sales_manager', 'executive_sponsor']);
/** staff roles of the seller's non-sales units: their activity is the sales–service link */
const NON_SALES_STAFF_ROLES = new Set(['service', 'rnd', 'production', 'finance', 'logistics', 'planning']);

/** Half up, with a little slack so that 37.5 computed as 37.49999… still rounds up. */
export function roundHalfUp(x: number): number {
  return Math.floor(x + 0.5 + 1e-9);
}

const round1 = (x: number) => Math.round(x * 10 + 1e-9) / 10;

/** "Громов Виктор Андреевич" → "Громов В.А."; other names as they are. */
export function shortName(name: string): string {
  const parts = name.trim().split(/\s+/);
  if (parts.length === 3 && parts.every((p) => /^[А-ЯЁ][а-яё-]+$/.test(p))) return `${parts[0]} ${parts[1]![0]}.${parts[2]![0]}.`;
  return name.trim();
}

const day = (moment: string) => moment.slice(0, 10);
const ref = (a: { externalId: string | null; id: number }, prefix = '#') => a.externalId ?? `${prefix}${a.id}`;
const quote = (text: string, max = 60) => `«${text.length > max ? `${text.slice(0, max - 1)}…` : text}»`;

/** The first `max` items (described only those), and how many more. */
function listSome<T>(items: readonly T[], describe: (item: T) => string, max = 3): string {
  const shown = items.slice(0, max).map(describe).join('; ');
  return items.length <= max ? shown : `${shown}; and ${items.length - max} more`;
}

/** fold() of a region: a few dozen names, compared thousands of times. */
const foldCache = new Map<string, string>();
export function regionKey(region: string): string {
  let k = foldCache.get(region);
  if (k === undefined) {
    if (foldCache.size > 10_000) foldCache.clear();
    foldCache.set(region, (k = fold(region)));
  }
  return k;
}

const nextWeekCache = new Map<string, string>();
function nextWeekOf(week: string): string {
  let next = nextWeekCache.get(week);
  if (next === undefined) nextWeekCache.set(week, (next = addWeeks(week, 1)));
  return next;
}

/** Consecutive ISO weeks as ranges: "2026-W35–W37, 2026-W40". */
export function weekRanges(weeks: readonly string[]): string {
  const runs: string[][] = [];
  for (const w of weeks) {
    const run = runs[runs.length - 1];
    if (run && nextWeekOf(run[run.length - 1]!) === w) run.push(w);
    else runs.push([w]);
  }
  return runs
    .map((r) => {
      if (r.length === 1) return r[0]!;
      const a = r[0]!;
      const b = r[r.length - 1]!;
      return a.slice(0, 4) === b.slice(0, 4) ? `${a}–${b.slice(5)}` : `${a}–${b}`;
    })
    .join(', ');
}

/** The region a field rep covers: the one on the team row, else the branch's it is on, else the rep's own. */
export function repRegion(m: TeamMember, unitById: ReadonlyMap<number, Unit>): string | null {
  const unit = unitById.get(m.clientId);
  return m.region ?? (unit && !unit.isHq ? unit.region : null) ?? m.staffRegion;
}

/** On the team at `asOf`: between since and until, and still on the staff. */
export function isActiveMember(m: TeamMember, asOf: string): boolean {
  return m.staffActive && (m.since === null || m.since <= asOf) && (m.until === null || m.until >= asOf);
}

/** A rule as an evaluator states it: the texts as functions, called only when wanted. */
interface RuleSpec {
  readonly rule: string;
  readonly label: string;
  readonly earned: number;
  readonly max: number;
  readonly found: () => string | null;
  readonly missing: () => string | null;
  readonly threshold: () => string;
  readonly action: () => string | null;
  readonly gap: string;
}

/**
 * A rule's result. Its texts are built only with ctx.detail: a summary of thousands of accounts
 * keeps numbers, and builds the texts of the one condition whose next action it shows.
 */
function rule(ctx: Ctx, r: RuleSpec): RuleResult {
  const status: RuleStatus = r.max === 0 ? 'not_scored' : r.earned >= r.max ? 'met' : r.earned > 0 ? 'partial' : 'missing';
  const open = status === 'partial' || status === 'missing';
  return {
    rule: r.rule,
    label: r.label,
    earned: round1(r.earned),
    max: r.max,
    status,
    gap: r.gap,
    found: ctx.detail ? r.found() : null,
    missing: ctx.detail ? r.missing() : null,
    threshold: ctx.detail ? r.threshold() : null,
    action: ctx.detail && open ? r.action() : null,
  };
}

function conditionScore(rules: readonly RuleResult[]): number {
  const max = rules.reduce((s, r) => s + r.max, 0);
  if (max === 0) return 0;
  return roundHalfUp((100 * rules.reduce((s, r) => s + r.earned, 0)) / max);
}

/** The people who run the account day to day: its (national) account manager, else the client's manager. */
function owners(f: AccountFacts, asOf: string): string {
  const ams = f.team.filter((m) => (m.role === 'national_account_manager' || m.role === 'account_manager') && m.clientId === f.id && isActiveMember(m, asOf));
  if (ams.length) return [...new Set(ams.map((m) => shortName(m.staffName)))].join(', ');
  return f.managerName ? shortName(f.managerName) : 'the account manager';
}

// ---------------------------------------------------------------------------------------------
// the six conditions

interface Ctx {
  /** build the texts (found, missing, thresholds, actions); off for a summary of many accounts */
  readonly detail: boolean;
  readonly f: AccountFacts;
  readonly p: Period;
  readonly s: KamSettings;
  readonly team: readonly TeamMember[];
}

/** 1. Integration: share of the window's weeks with at least one plan task for the account (any status). */
function integration(ctx: Ctx): RuleResult[] {
  const { f, p } = ctx;
  const tasks = new Map<string, number>();
  const inWindow = new Set(p.weeks);
  for (const w of f.planWeeks) if (inWindow.has(w.week)) tasks.set(w.week, (tasks.get(w.week) ?? 0) + w.count);
  const covered = p.weeks.filter((w) => tasks.has(w));
  const empty = p.weeks.filter((w) => !tasks.has(w));
  const nextWeek = nextWeekOf(p.weeks[p.weeks.length - 1]!);
  const count = (w: string) => `${w} (${tasks.get(w)})`;
  return [
    rule(ctx, {
      rule: 'plan_weeks',
      label: 'weeks with a plan task for the account',
      earned: (100 * covered.length) / p.weeks.length,
      max: 100,
      found: () => (covered.length ? `${covered.length} of ${p.weeks.length} weeks: ${covered.map(count).join(', ')}` : null),
      missing: () => (empty.length ? `no plan task in ${empty.length} of ${p.weeks.length} weeks: ${weekRanges(empty)}` : null),
      threshold: () => `share of the ${p.weeks.length} weeks ${weekRanges(p.weeks)} with a plan task for the account or a branch, whatever its status (kam.window_weeks or --window)`,
      action: () => `Put the account into the weekly plan: a task for ${owners(f, p.asOf)} in ${nextWeek} (${empty.length} of the last ${p.weeks.length} weeks had none)`,
      gap: 'had weeks without a plan task',
    }),
  ];
}

function isTopToTop(a: ActivityFact, kinds: readonly string[]): boolean {
  return kinds.includes(a.kind) && a.staffRole === 'executive' && a.contactLevel === 'executive';
}

function whyNotTopToTop(a: ActivityFact, kinds: readonly string[]): string {
  const reasons: string[] = [];
  if (!kinds.includes(a.kind)) reasons.push(`kind ${a.kind} is not counted`);
  if (a.staffRole !== 'executive') reasons.push(`${shortName(a.staffName)} is ${a.staffRole}, not an executive`);
  if (a.contactLevel !== 'executive') reasons.push(a.contactName ? `${shortName(a.contactName)} is ${a.contactLevel ?? 'of unknown'}-level, not executive` : 'no client contact is named');
  return reasons.join('; ');
}

/** The stats of each staff member over all units, the most recent first. */
function perStaff(stats: readonly ActivityStat[]): ActivityStat[] {
  const by = new Map<number, ActivityStat>();
  for (const a of stats) {
    const cur = by.get(a.staffId);
    by.set(a.staffId, cur ? { ...cur, count: cur.count + a.count, last: a.last > cur.last ? a.last : cur.last } : a);
  }
  return [...by.values()].sort((a, b) => b.last.localeCompare(a.last) || a.staffId - b.staffId);
}

const describeStat = (a: ActivityStat) => `${shortName(a.staffName)} (${a.staffRole}) ${a.count}, the last on ${day(a.last)}`;

const describeActivity = (a: ActivityFact) =>
  `${ref(a, 'activity #')} ${day(a.occurredAt)} ${a.kind} by ${shortName(a.staffName)} (${a.staffRole})${a.contactName ? ` with ${shortName(a.contactName)}${a.contactPosition ? ` (${a.contactPosition})` : ''}` : ''}`;

/** 2. Top management: an executive sponsor on the team; a top-to-top contact in the window. */
function topManagement(ctx: Ctx): RuleResult[] {
  const { f, p, s, team } = ctx;
  const sponsors = team.filter((m) => m.role === 'executive_sponsor');
  const realSponsors = sponsors.filter((m) => m.staffRole === 'executive');
  const paper = sponsors.filter((m) => m.staffRole !== 'executive');
  const t2t = f.topToTopCandidates.filter((a) => isTopToTop(a, s.topToTopKinds)).sort((a, b) => b.occurredAt.localeCompare(a.occurredAt));
  const labelled = f.topToTopCandidates.filter((a) => a.kind === 'top_to_top' && !isTopToTop(a, s.topToTopKinds));
  const meeting = () => {
    const who = realSponsors[0] ? shortName(realSponsors[0].staffName) : 'an executive';
    // the client's executive to meet: a decision maker first
    const exec = f.contacts.filter((c) => c.level === 'executive').sort((a, b) => Number(b.buyingRole === 'decision_maker') - Number(a.buyingRole === 'decision_maker'))[0];
    const whom = exec ? `${shortName(exec.name)}${exec.position ? ` (${exec.position})` : ''}` : "the client's top management (no executive-level contact on record: add one)";
    return `Arrange a top-to-top meeting: ${who} with ${whom}`;
  };
  const notCounted = () => labelled.map((a) => `${describeActivity(a)}: not counted (${whyNotTopToTop(a, s.topToTopKinds)})`);
  return [
    rule(ctx, {
      rule: 'sponsor',
      label: 'an executive sponsor on the account team',
      earned: realSponsors.length ? s.points.sponsor : 0,
      max: s.points.sponsor,
      found: () => (realSponsors.length ? realSponsors.map((m) => `${m.staffName} (executive${m.since ? `, sponsor since ${m.since}` : ''})`).join('; ') : null),
      missing: () =>
        realSponsors.length
          ? null
          : paper.length
            ? `the sponsor ${paper.map((m) => `${m.staffName} is ${m.staffRole}`).join(', ')}, not top management`
            : 'no executive_sponsor on the account team',
      threshold: () => 'an active account_team member with role executive_sponsor whose staff role is executive (kam.top_management.sponsor_points)',
      action: () => 'Name an executive sponsor from top management for the account team',
      gap: 'have no executive sponsor',
    }),
    rule(ctx, {
      rule: 'top_to_top',
      label: 'a top-to-top contact in the window',
      earned: t2t.length ? s.points.topToTop : 0,
      max: s.points.topToTop,
      found: () => (t2t.length ? [`${t2t.length}: ${listSome(t2t, describeActivity)}`, ...notCounted()].join('; ') : null),
      missing: () =>
        t2t.length
          ? null
          : [
              `no top-to-top contact from ${p.from} to ${p.asOf}${f.lastTopToTopBefore ? `; the last one was on ${f.lastTopToTopBefore}` : '; none on record before the window either'}`,
              ...notCounted(),
            ].join('; '),
      threshold: () => `an activity of kind ${s.topToTopKinds.join('/')} by executive staff with an executive-level contact, ${p.from}…${p.asOf} (kam.top_management.top_to_top_kinds, top_to_top_points)`,
      action: meeting,
      gap: 'had no top-to-top contact in the window',
    }),
  ];
}

/** 3. Sales–service: a service member on the team, a client service contact, non-sales activity. */
function salesService(ctx: Ctx): RuleResult[] {
  const { f, p, s, team } = ctx;
  const service = team.filter((m) => m.role === 'service');
  const serviceContacts = f.contacts.filter((c) => c.isServiceContact);
  const nonSalesTeam = new Set(team.filter((m) => !SALES_TEAM_ROLES.has(m.role)).map((m) => m.staffId));
  const byStaff = perStaff(f.activityStats.filter((a) => nonSalesTeam.has(a.staffId) || NON_SALES_STAFF_ROLES.has(a.staffRole)));
  const count = byStaff.reduce((n, a) => n + a.count, 0);
  const min = s.minNonSalesActivities;
  const firstService = service[0] ? shortName(service[0].staffName) : 'the service engineer';
  return [
    rule(ctx, {
      rule: 'service_member',
      label: 'a service member on the account team',
      earned: service.length ? s.points.serviceTeam : 0,
      max: s.points.serviceTeam,
      found: () => (service.length ? service.map((m) => `${m.staffName}${m.region ? ` (${m.region})` : ''}`).join('; ') : null),
      missing: () => (service.length ? null : 'no account_team member with role service'),
      threshold: () => 'an active account_team member with role service (kam.sales_service.team_points)',
      action: () => 'Add a service engineer to the account team',
      gap: 'have no service member on the team',
    }),
    rule(ctx, {
      rule: 'service_contact',
      label: "a named client contact for service",
      earned: serviceContacts.length ? s.points.serviceContact : 0,
      max: s.points.serviceContact,
      found: () => (serviceContacts.length ? serviceContacts.map((c) => `${c.name}${c.position ? ` (${c.position})` : ''}`).join('; ') : null),
      missing: () => (serviceContacts.length ? null : 'no active contact flagged is_service_contact'),
      threshold: () => 'an active contact of the client or a branch with is_service_contact = yes (kam.sales_service.contact_points)',
      action: () => 'Ask the client to name a contact for service questions and flag it (contacts.is_service_contact)',
      gap: 'have no client service contact',
    }),
    rule(ctx, {
      rule: 'non_sales_activity',
      label: 'activity by non-sales staff in the window',
      earned: (s.points.nonSalesActivity * Math.min(count, min)) / min,
      max: s.points.nonSalesActivity,
      found: () => (count ? `${count}: ${listSome(byStaff, describeStat)}` : null),
      missing: () => (count >= min ? null : `${count ? `only ${count} of ${min}` : 'no'} activities by service or other non-sales staff from ${p.from} to ${p.asOf}`),
      threshold: () => `≥ ${min} activities ${p.from}…${p.asOf} by staff in service, R&D, production, finance, logistics or planning, or on the team in such a role (kam.sales_service.min_activities, activity_points)`,
      action: () => `Have ${firstService} contact the client and log it (no non-sales activity since ${p.from})`,
      gap: 'had no non-sales activity in the window',
    }),
  ];
}

const MEASURABLE = /^[+-]?\d[\d\s]*([.,]\d+)?$/;

/** 4. Goals and mission: a mission, a measurable goal open or met, no goal overdue. */
function goalsMission(ctx: Ctx): RuleResult[] {
  const { f, p, s } = ctx;
  const mission = f.mission?.trim() ?? '';
  const live = f.goals.filter((g) => (g.status === 'open' || g.status === 'met') && (g.setOn === null || g.setOn <= p.asOf));
  const measurable = live.filter((g) => g.targetValue !== null && MEASURABLE.test(g.targetValue.trim()) && g.dueOn !== null);
  const overdue = live.filter((g) => g.status === 'open' && g.dueOn !== null && g.dueOn < p.asOf).sort((a, b) => (a.dueOn ?? '').localeCompare(b.dueOn ?? ''));
  const describe = (g: GoalFact) =>
    `${ref(g, 'goal #')} ${quote(g.goal)}${g.targetValue ? ` ${g.targetValue}${g.targetUnit ? ` ${g.targetUnit}` : ''}` : ''}${g.dueOn ? ` by ${g.dueOn}` : ''} (${g.status})`;
  const vague = live.filter((g) => !measurable.includes(g));
  const why = (g: GoalFact) => (g.dueOn === null && (g.targetValue === null || !MEASURABLE.test(g.targetValue.trim())) ? 'no numeric target and no due date' : g.dueOn === null ? 'no due date' : 'no numeric target');
  const first = overdue[0];
  return [
    rule(ctx, {
      rule: 'mission',
      label: 'the account mission is written down',
      earned: mission ? s.points.mission : 0,
      max: s.points.mission,
      found: () => (mission ? quote(mission, 80) : null),
      missing: () => (mission ? null : 'no mission (clients.mission is empty)'),
      threshold: () => 'clients.mission is not empty (kam.goals_mission.mission_points)',
      action: () => "Write the account's mission with the client (clients.mission)",
      gap: 'have no mission',
    }),
    rule(ctx, {
      rule: 'measurable_goal',
      label: 'a measurable goal, open or met',
      earned: measurable.length ? s.points.goal : 0,
      max: s.points.goal,
      found: () => (measurable.length ? listSome(measurable, describe) : null),
      missing: () => (measurable.length ? null : vague.length ? listSome(vague, (g) => `${ref(g, 'goal #')} ${quote(g.goal)}: ${why(g)}`) : 'no open or met goal'),
      threshold: () => 'a goal with status open or met, a numeric target_value and a due_on date (kam.goals_mission.goal_points)',
      action: () => (vague.length && vague[0]!.dueOn === null ? `Give goal ${ref(vague[0]!, 'goal #')} ${quote(vague[0]!.goal, 40)} a numeric target and a due date` : 'Set a measurable goal with the client: a numeric target and a due date'),
      gap: 'have no measurable goal',
    }),
    rule(ctx, {
      rule: 'goals_on_time',
      label: 'goals kept current: none overdue',
      earned: live.length && !overdue.length ? s.points.onTime : 0,
      max: s.points.onTime,
      found: () => (live.length && !overdue.length ? `${live.length} open or met goal${live.length === 1 ? '' : 's'}, none past its due date` : null),
      missing: () =>
        !live.length
          ? 'no open or met goal to keep current'
          : overdue.length
            ? listSome(overdue, (g) => `${ref(g, 'goal #')} ${quote(g.goal)} was due ${g.dueOn} (${daysBetween(g.dueOn!, p.asOf)} days overdue)`)
            : null,
      threshold: () => `at least one open or met goal, and no open goal with due_on before ${p.asOf} (kam.goals_mission.on_time_points)`,
      action: () =>
        first
          ? `Review overdue goal ${ref(first, 'goal #')} ${quote(first.goal, 40)} (due ${first.dueOn}): mark it met or missed, or agree a new date`
          : 'Set a goal with the client and review it before its due date',
      gap: 'have overdue goals or none',
    }),
  ];
}

/** 5. Field reps: each region of the HQ and its branches has an assigned field rep who worked there in the window. */
function fieldReps(ctx: Ctx): RuleResult[] {
  const { f, p, s, team } = ctx;
  const unitById = new Map(f.units.map((u) => [u.id, u]));
  const regions = new Map<string, { name: string; units: Unit[] }>();
  for (const u of f.units) {
    if (!u.region) continue;
    const k = regionKey(u.region);
    const r = regions.get(k);
    if (r) r.units.push(u);
    else regions.set(k, { name: u.region, units: [u] });
  }
  const noRegion = f.units.filter((u) => !u.region);
  const reps = team.filter((m) => m.role === 'field_rep');
  const coveredFound: string[] = [];
  const coveredMissing: string[] = [];
  const activeFound: string[] = [];
  const activeMissing: string[] = [];
  let covered = 0;
  let active = 0;
  let coverAction: string | null = null;
  let activeAction: string | null = null;
  for (const [k, r] of regions) {
    const unitIds = new Set(r.units.map((u) => u.id));
    const unitNames = r.units.map((u) => `${u.name}${u.externalId ? ` ${u.externalId}` : ''}`).join(', ');
    const here = reps.filter((m) => {
      const region = repRegion(m, unitById);
      return region !== null && regionKey(region) === k;
    });
    if (!here.length) {
      coveredMissing.push(`${r.name}: no field rep (${unitNames})`);
      coverAction ??= `Assign a field rep for ${r.name} (${r.units[0]!.name})`;
      activeMissing.push(`${r.name}: no field rep to be active`);
      continue;
    }
    covered++;
    const names = [...new Set(here.map((m) => shortName(m.staffName)))].join(', ');
    coveredFound.push(`${r.name}: ${names}`);
    const repIds = new Set(here.map((m) => m.staffId));
    const acts = perStaff(f.activityStats.filter((a) => repIds.has(a.staffId) && unitIds.has(a.clientId)));
    if (acts.length) {
      active++;
      activeFound.push(`${r.name}: ${listSome(acts, describeStat)}`);
    } else {
      activeMissing.push(`${r.name}: ${names} logged nothing at ${unitNames} from ${p.from} to ${p.asOf}`);
      activeAction ??= `Have ${names} visit ${r.units[0]!.name} (${r.name}): no rep activity there since ${p.from}`;
    }
  }
  const n = regions.size;
  const noRegionText = noRegion.length ? `region not recorded for ${noRegion.map((u) => u.name).join(', ')}` : null;
  const join = (parts: (string | null)[]) => parts.filter((x): x is string => x !== null && x !== '').join('; ') || null;
  const regionsText = n ? `${n} region${n === 1 ? '' : 's'}: ${[...regions.values()].map((r) => r.name).join(', ')}` : 'no region recorded';
  return [
    rule(ctx, {
      rule: 'rep_coverage',
      label: 'a field rep assigned in every region of the account',
      earned: n ? (s.points.repCoverage * covered) / n : 0,
      max: s.points.repCoverage,
      found: () => (covered ? `${covered} of ${regionsText}. ${coveredFound.join('; ')}` : null),
      missing: () => (join([coveredMissing.join('; '), noRegionText, n ? null : 'no region recorded for the account'])),
      threshold: () => 'share of the regions of the HQ and its branches with an active account_team field_rep for that region (kam.field_reps.coverage_points)',
      action: () => (coverAction ?? (n ? null : "Record the client's region and assign a field rep there")),
      gap: 'have regions without a field rep',
    }),
    rule(ctx, {
      rule: 'rep_activity',
      label: 'the field rep active in every region in the window',
      earned: n ? (s.points.repActivity * active) / n : 0,
      max: s.points.repActivity,
      found: () => (active ? `${active} of ${n} regions. ${activeFound.join('; ')}` : null),
      missing: () => (join([activeMissing.join('; '), n ? null : 'no region recorded for the account'])),
      threshold: () => `share of the regions where their field rep logged an activity at a unit in that region, ${p.from}…${p.asOf} (kam.field_reps.activity_points)`,
      action: () => activeAction ?? coverAction ?? "Record the client's region and assign a field rep there",
      gap: 'have field reps without activity in the window',
    }),
  ];
}

/** The qualification facts of an account: its contacts and regions, HQ and branches together. */
export function qualificationFacts(f: AccountFacts) {
  const regions = new Map<string, string>();
  for (const u of f.units) if (u.region && !regions.has(regionKey(u.region))) regions.set(regionKey(u.region), u.region);
  return {
    potentialMinor: f.potentialMinor,
    partnership: f.partnership,
    decisionMakers: f.contacts.filter((c) => c.buyingRole === 'decision_maker').length,
    buyingCentre: f.contacts.filter((c) => c.buyingRole !== null).length,
    regions: [...regions.values()],
    contractNo: f.contractNo,
    contractUntil: f.contractUntil,
  };
}

/** 6. Definition and identification: the account meets the qualification criteria. */
function identification(ctx: Ctx): RuleResult[] {
  const { f, p, s } = ctx;
  const q = qualify(qualificationFacts(f), s.qualify, p.asOf);
  const fails = [q.potential, q.complex, q.partnership].map((c) => c.failure).filter((x): x is string => x !== null);
  const action = () => `Review the key-account status: ${fails.join('; ')} (crm report key-candidates)`;
  const make = (id: string, label: string, c: typeof q.potential, points: number, setting: string, gap: string) =>
    rule(ctx, {
      rule: id,
      label,
      earned: c.met ? points : 0,
      max: points,
      found: () => (c.met ? c.evidence : null),
      missing: () => (c.met ? null : c.evidence),
      threshold: () => `${c.threshold}; ${setting}`,
      action,
      gap,
    });
  return [
    make('potential', 'high purchase potential', q.potential, s.points.potential, 'kam.identification.potential_points', 'fall short on purchase potential'),
    make('complex_buying', 'complex buying behaviour', q.complex, s.points.complex, 'kam.identification.complex_points', 'show no complex buying'),
    make('partnership', 'a wish for a long-term partnership', q.partnership, s.points.partnership, 'kam.identification.partnership_points', 'show no wish for a partnership'),
  ];
}

const EVALUATORS: Readonly<Record<ConditionKey, (c: Ctx) => RuleResult[]>> = {
  integration,
  top_management: topManagement,
  sales_service: salesService,
  goals_mission: goalsMission,
  field_reps: fieldReps,
  identification,
};

// ---------------------------------------------------------------------------------------------
// scoring

/** A 1–5 rating on the 0–100 evidence scale. */
export const ratingScore = (rating: number) => (rating - 1) * 25;

function latestAssessments(list: readonly AssessmentFact[], asOf: string): Map<number, AssessmentFact> {
  const latest = new Map<number, AssessmentFact>();
  for (const a of list) {
    if (a.assessedOn > asOf) continue;
    const cur = latest.get(a.criterion);
    if (!cur || a.assessedOn >= cur.assessedOn) latest.set(a.criterion, a);
  }
  return latest;
}

export function bandOf(total: number, s: KamSettings): Band {
  return total >= s.bandStrong ? 'strong' : total >= s.bandDeveloping ? 'developing' : 'at_risk';
}

/** The condition with the lowest score (ties: the heavier weight, then the earlier condition); none when all are 100. */
function weakestOf(conditions: readonly { key: ConditionKey; score: number; weight: number }[]): ConditionKey | null {
  let best: { key: ConditionKey; score: number; weight: number } | null = null;
  for (const c of conditions) {
    if (c.weight <= 0 || c.score >= 100) continue;
    if (!best || c.score < best.score || (c.score === best.score && c.weight > best.weight)) best = c;
  }
  return best?.key ?? null;
}

function weightedTotal(conditions: readonly { score: number; weight: number }[]): number {
  const w = conditions.reduce((s, c) => s + c.weight, 0);
  if (w === 0) return 0;
  return roundHalfUp(conditions.reduce((s, c) => s + c.weight * c.score, 0) / w);
}

/**
 * Scores one account. With `detail` every rule carries its texts (for --explain); without, only
 * the rules of the weakest condition do, for the next action.
 */
export function scoreAccount(f: AccountFacts, p: Period, s: KamSettings, detail = true): AccountScore {
  const team = f.team.filter((m) => isActiveMember(m, p.asOf));
  const ctx: Ctx = { detail, f, p, s, team };
  const assessed = latestAssessments(f.assessments, p.asOf);
  const conditions: ConditionResult[] = CONDITION_KEYS.map((key, i) => {
    const rules = EVALUATORS[key](ctx);
    const score = conditionScore(rules);
    const a = assessed.get(i + 1);
    const self: SelfAssessment | null = a
      ? {
          rating: a.rating,
          score: ratingScore(a.rating),
          gap: ratingScore(a.rating) - score,
          flagged: Math.abs(ratingScore(a.rating) - score) > s.maxGap,
          assessedOn: a.assessedOn,
          assessor: a.assessor,
          note: a.note,
        }
      : null;
    return { n: i + 1, key, score, weight: s.weights[key], rules, self };
  });
  const total = weightedTotal(conditions);
  const weakest = weakestOf(conditions);
  let nextAction: string | null = null;
  if (weakest) {
    const rules = detail ? conditions.find((x) => x.key === weakest)!.rules : EVALUATORS[weakest]({ ...ctx, detail: true });
    // the open rule that loses the most points
    const open = rules.filter((r) => r.action !== null).sort((a, b) => b.max - b.earned - (a.max - a.earned));
    nextAction = open[0]?.action ?? null;
  }
  return { id: f.id, externalId: f.externalId, name: f.name, managerName: f.managerName, conditions, total, band: bandOf(total, s), weakest, nextAction };
}

function programmeOf(accounts: readonly AccountScore[], s: KamSettings): ProgrammeScore | null {
  if (accounts.length === 0) return null;
  const n = accounts.length;
  const means = Object.fromEntries(
    CONDITION_KEYS.map((key, i) => [key, round1(accounts.reduce((sum, a) => sum + a.conditions[i]!.score, 0) / n)]),
  ) as Record<ConditionKey, number>;
  const bands: Record<Band, number> = { strong: 0, developing: 0, at_risk: 0 };
  for (const a of accounts) bands[a.band]++;
  const weakest = weakestOf(CONDITION_KEYS.map((key) => ({ key, score: means[key], weight: s.weights[key] })));
  let summary: string | null = null;
  if (weakest) {
    const i = CONDITION_KEYS.indexOf(weakest);
    const counts = new Map<string, number>();
    for (const a of accounts) for (const r of a.conditions[i]!.rules) if (r.status === 'partial' || r.status === 'missing') counts.set(r.gap, (counts.get(r.gap) ?? 0) + 1);
    const parts = [...counts].sort((x, y) => y[1] - x[1]).map(([gap, k]) => `${k} of ${n} ${gap}`);
    summary = `Condition ${i + 1} (${CONDITION_TITLES[weakest]}) is the weakest across the programme: ${parts.join(', ')}`;
  }
  return { accounts: n, means, total: round1(accounts.reduce((sum, a) => sum + a.total, 0) / n), bands, weakest, summary };
}

/** Scores every account; sorted by total, lowest first (the accounts that need work on top). */
export function scoreKeyAccounts(facts: readonly AccountFacts[], p: Period, s: KamSettings, opts: { programme?: boolean; detail?: boolean } = {}): KamReport {
  const accounts = facts.map((f) => scoreAccount(f, p, s, opts.detail ?? true)).sort((a, b) => a.total - b.total || collate(a.name, b.name) || a.id - b.id);
  return { period: p, settings: s, accounts, programme: opts.programme === false ? null : programmeOf(accounts, s) };
}

// ---------------------------------------------------------------------------------------------
// models

const SHORT: Readonly<Record<ConditionKey, string>> = {
  integration: 'C1 integr.',
  top_management: 'C2 top mgmt',
  sales_service: 'C3 service',
  goals_mission: 'C4 goals',
  field_reps: 'C5 reps',
  identification: 'C6 qualif.',
};

function gapsText(a: AccountScore): string | null {
  const flagged = a.conditions.filter((c) => c.self?.flagged);
  if (!flagged.length) return null;
  return flagged.map((c) => `C${c.n} self ${c.self!.score} vs evidence ${c.score} (${c.self!.gap > 0 ? '+' : ''}${c.self!.gap})`).join('; ');
}

export function periodText(p: Period): string {
  return `as of ${p.asOf}, window ${p.weeks[0]}…${p.weeks[p.weeks.length - 1]} (${p.weeks.length} weeks from ${p.from})`;
}

/** What the JSON form of the reports carries beside the rows. */
export function reportMeta(report: string, p: Period, settings: Record<string, unknown>): Record<string, unknown> {
  return {
    report,
    as_of: p.asOf,
    window: { weeks: p.weeks.length, first_week: p.weeks[0], last_week: p.weeks[p.weeks.length - 1], from: p.from, to: p.asOf },
    settings,
  };
}

export interface ModelOptions {
  /** a terminal table: compact columns, self-assessments inside the score cells */
  readonly compact?: boolean;
  /** the settings in JSON form (for the JSON output) */
  readonly settingsJson?: Record<string, unknown>;
}

/** `crm report key-accounts`: one row per account and a final programme row. */
export function keyAccountsModel(r: KamReport, opts: ModelOptions = {}): TableModel {
  const s = r.settings;
  const rows: Row[] = r.accounts.map((a) => {
    const row: Record<string, unknown> = { level: 'account', client_id: a.id, external_id: a.externalId, client: a.name, manager: a.managerName };
    for (const c of a.conditions) {
      row[conditionColumn(c.key)] = opts.compact ? `${c.score}${c.self ? ` (${c.self.score}${c.self.flagged ? '!' : ''})` : ''}` : c.score;
      row[`c${c.n}_self`] = c.self?.score ?? null;
    }
    Object.assign(row, { total: a.total, band: a.band, weakest: a.weakest, next_action: a.nextAction, gaps: gapsText(a) });
    return row;
  });
  const pr = r.programme;
  if (pr) {
    const row: Record<string, unknown> = { level: 'programme', client_id: null, external_id: null, client: `programme: mean of ${pr.accounts} key account${pr.accounts === 1 ? '' : 's'}`, manager: null };
    for (const key of CONDITION_KEYS) row[conditionColumn(key)] = opts.compact ? pr.means[key].toFixed(1) : pr.means[key];
    Object.assign(row, {
      total: pr.total,
      band: `${pr.bands.strong} strong, ${pr.bands.developing} developing, ${pr.bands.at_risk} at_risk`,
      weakest: pr.weakest,
      next_action: pr.summary,
      gaps: null,
    });
    rows.push(row);
  }
  const columns: Column[] = [
    ...(opts.compact ? [] : [{ key: 'level' }, { key: 'client_id', header: 'Id', type: 'int' as const }]),
    { key: 'external_id', header: 'Ext. id' },
    { key: 'client', header: 'Key account' },
    ...(opts.compact ? [] : [{ key: 'manager', header: 'Manager' }]),
    ...CONDITION_KEYS.flatMap((key, i): Column[] =>
      opts.compact ? [{ key: conditionColumn(key), header: SHORT[key] }] : [{ key: conditionColumn(key), type: 'number' }, { key: `c${i + 1}_self`, type: 'int' }],
    ),
    { key: 'total', header: 'Total', type: 'number' },
    { key: 'band', header: 'Band' },
    { key: 'weakest', header: 'Weakest' },
    { key: 'next_action', header: 'Next action' },
    ...(opts.compact ? [] : [{ key: 'gaps', header: 'Self-assessment gaps' }]),
  ];
  const weights = CONDITION_KEYS.map((k, i) => `C${i + 1} ${s.weights[k]}`).join(', ');
  return {
    title: `Key accounts against the Hise & Reid conditions, ${periodText(r.period)}`,
    columns,
    rows,
    isTotal: (row) => row.level === 'programme',
    note:
      'Scores 0–100 from evidence in the base; (n) = the manager\'s self-assessment on the same scale, ! = it differs by more than ' +
      `${s.maxGap} points. Bands: strong ≥ ${s.bandStrong}, developing ≥ ${s.bandDeveloping}, else at_risk. Weights: ${weights}.\n` +
      'C1 integration, C2 top management, C3 sales–service, C4 goals & mission, C5 field reps, C6 qualification. ' +
      'Why: --explain. Settings: crm config get kam.',
    meta: opts.settingsJson ? reportMeta('key-accounts', r.period, opts.settingsJson) : undefined,
  };
}

/** One row per rule per condition per account, plus the self-assessment and the total. */
export function explainRows(a: AccountScore, s: KamSettings): Row[] {
  const base = { client_id: a.id, external_id: a.externalId, client: a.name };
  const rows: Row[] = [];
  for (const c of a.conditions) {
    for (const r of c.rules) {
      rows.push({
        ...base,
        condition: conditionColumn(c.key),
        condition_score: c.score,
        weight: c.weight,
        rule: r.rule,
        label: r.label,
        points: r.earned,
        max_points: r.max,
        status: r.status,
        found: r.found,
        missing: r.missing,
        threshold: r.threshold,
      });
    }
    if (c.self) {
      rows.push({
        ...base,
        condition: conditionColumn(c.key),
        condition_score: c.score,
        weight: c.weight,
        rule: 'self_assessment',
        label: 'the manager\'s self-assessment',
        points: c.self.score,
        max_points: 100,
        status: c.self.flagged ? 'flagged' : 'agrees',
        found: `rating ${c.self.rating} of 5 = ${c.self.score} on ${c.self.assessedOn}${c.self.assessor ? ` by ${c.self.assessor}` : ''}${c.self.note ? `: ${quote(c.self.note, 80)}` : ''}`,
        missing: c.self.flagged ? `differs from the evidence by ${c.self.gap > 0 ? '+' : ''}${c.self.gap} points` : null,
        threshold: `ratings 1–5 read as 0/25/50/75/100; flagged when |self − evidence| > ${s.maxGap} (kam.assess.max_gap)`,
      });
    }
  }
  rows.push({
    ...base,
    condition: 'total',
    condition_score: a.total,
    weight: null,
    rule: 'weighted_mean',
    label: 'the weighted mean of the six scores',
    points: a.total,
    max_points: 100,
    status: a.band,
    found: a.conditions.map((c) => `C${c.n} ${c.score}×${c.weight}`).join(', '),
    missing: a.weakest ? `weakest: ${conditionColumn(a.weakest)}; next: ${a.nextAction}` : null,
    threshold: `strong ≥ ${s.bandStrong}, developing ≥ ${s.bandDeveloping}, else at_risk (kam.band.strong, kam.band.developing, kam.weight.*)`,
  });
  return rows;
}

export const EXPLAIN_COLUMNS: readonly Column[] = [
  { key: 'client_id', header: 'Id', type: 'int' },
  { key: 'external_id', header: 'Ext. id' },
  { key: 'client', header: 'Key account' },
  { key: 'condition', header: 'Condition' },
  { key: 'condition_score', header: 'Score', type: 'number' },
  { key: 'weight', header: 'Weight', type: 'number' },
  { key: 'rule', header: 'Rule' },
  { key: 'label', header: 'What counts' },
  { key: 'points', header: 'Points', type: 'number' },
  { key: 'max_points', header: 'Of', type: 'number' },
  { key: 'status', header: 'Status' },
  { key: 'found', header: 'Found' },
  { key: 'missing', header: 'Missing' },
  { key: 'threshold', header: 'Rule and settings' },
];

const COMPACT_EXPLAIN = new Set(['condition', 'condition_score', 'label', 'points', 'max_points', 'status', 'found', 'missing', 'threshold']);

/** --explain as one long table (CSV, JSON) */
export function explainModel(r: KamReport, opts: ModelOptions = {}): TableModel {
  return {
    title: `Key-account evidence, ${periodText(r.period)}`,
    columns: EXPLAIN_COLUMNS,
    rows: r.accounts.flatMap((a) => explainRows(a, r.settings)),
    meta: opts.settingsJson ? { ...reportMeta('key-accounts', r.period, opts.settingsJson), explain: true } : undefined,
  };
}

/** --explain on a terminal: one table per account, headed by its total and band. */
export function explainAccountModel(a: AccountScore, r: KamReport): TableModel {
  return {
    title: `${a.name}${a.externalId ? ` (${a.externalId})` : ''}: total ${a.total}, ${a.band}${a.weakest ? `; weakest ${conditionColumn(a.weakest)}` : ''}`,
    columns: EXPLAIN_COLUMNS.filter((c) => COMPACT_EXPLAIN.has(c.key)),
    rows: explainRows(a, r.settings),
    isTotal: (row) => row.condition === 'total',
    note: a.nextAction ? `Next action: ${a.nextAction}` : undefined,
  };
}
