/**
 * The weekly plan review as data: facts in (tasks, activity counts per staff member and day, key
 * accounts with the days they were contacted), figures out — per staff member and in total, for
 * each week asked, with the week before for the change. Pure: no database, no clock.
 *
 * What each figure counts (README "Weekly plans and their review" says the same):
 * - planned: the week's tasks except cancelled ones (done + failed + not done);
 * - done, failed: tasks with that status; not done: status planned (never updated) or carried;
 * - completion rate = (done + failed) / planned; success rate = done / (done + failed);
 *   each is null (empty) when its denominator is 0;
 * - activities: activities that occurred on a day of the week; unplanned: those with no plan task;
 * - key accounts: live key accounts (flag set, not lost, not merged) the staff member manages;
 *   not contacted: no activity by anyone on the account or a live branch on a day of the week;
 *   not contacted 4+ weeks: none on any day of that week and the 3 before it;
 * - the change of a figure is this week's value minus the previous week's (null when either is).
 */
import { addWeeks, isoWeekOf, weeksBetween } from '../util/isoweek.js';

export const TASK_STATUSES = ['planned', 'done', 'failed', 'cancelled', 'carried'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Roles that plan client work: they get a row in the review even with nothing in the week. */
export const SELLING_ROLES: readonly string[] = ['account_manager', 'national_account_manager', 'field_rep', 'sales_manager'];

/** How many weeks without contact make a key account "not contacted for 4+ weeks". */
export const IDLE_WEEKS = 4;

export interface StaffFact {
  readonly id: number;
  readonly name: string;
  readonly email: string | null;
  readonly role: string;
  readonly active: boolean;
}

/** Tasks of one staff member in one week with one status: `n` of them (1 if not given). */
export interface TaskFact {
  readonly week: string;
  readonly staffId: number;
  readonly status: TaskStatus;
  readonly n?: number;
}

/** Activities of one staff member on one calendar day. */
export interface ActivityDayFact {
  readonly staffId: number;
  /** 'YYYY-MM-DD', the local calendar date the activity occurred on */
  readonly day: string;
  readonly total: number;
  /** of which with no plan task */
  readonly unplanned: number;
}

export interface KeyAccountFact {
  readonly id: number;
  readonly managerId: number | null;
  /** the days with an activity on the account or one of its live branches (any staff member) */
  readonly contactDays: readonly string[];
}

export interface ReviewFacts {
  readonly staff: readonly StaffFact[];
  readonly tasks: readonly TaskFact[];
  readonly activityDays: readonly ActivityDayFact[];
  readonly keyAccounts: readonly KeyAccountFact[];
}

export interface Figures {
  readonly planned: number;
  readonly done: number;
  readonly failed: number;
  readonly notDone: number;
  /** not done: carried to a later week */
  readonly carried: number;
  /** not done: still 'planned' */
  readonly open: number;
  readonly cancelled: number;
  readonly completionRate: number | null;
  readonly successRate: number | null;
  readonly activities: number;
  readonly unplanned: number;
  readonly keyAccounts: number;
  readonly keyNotContacted: number;
  readonly keyNotContacted4w: number;
}

/** The figures that get a change column, in order. */
export const CHANGED_FIGURES = ['planned', 'done', 'failed', 'notDone', 'completionRate', 'successRate', 'activities', 'unplanned', 'keyNotContacted', 'keyNotContacted4w'] as const;
export type ChangedFigure = (typeof CHANGED_FIGURES)[number];
export type Changes = Readonly<Record<ChangedFigure, number | null>>;

export interface FiguresWithChange {
  readonly figures: Figures;
  readonly previous: Figures;
  readonly change: Changes;
}

export interface StaffReview extends FiguresWithChange {
  readonly staff: StaffFact;
}

export interface WeekReview {
  readonly week: string;
  readonly previousWeek: string;
  /** one row per staff member, by name; just the one asked for with `staffId` */
  readonly staff: readonly StaffReview[];
  /** everyone (or the one staff member asked for) */
  readonly total: FiguresWithChange;
}

export interface ReviewOptions {
  /** only this staff member: the total is theirs */
  readonly staffId?: number;
}

/** The weeks of facts a review of `weeks` needs: the week before the first (for the change) and 3 more before that (for 4+ weeks without contact). */
export function factWeeks(weeks: readonly string[]): { readonly first: string; readonly last: string; readonly firstForContacts: string } {
  const first = addWeeks(weeks[0]!, -1);
  return { first, last: weeks[weeks.length - 1]!, firstForContacts: addWeeks(first, -(IDLE_WEEKS - 1)) };
}

export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function change(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}

export function changesOf(current: Figures, previous: Figures): Changes {
  const out = {} as Record<ChangedFigure, number | null>;
  for (const k of CHANGED_FIGURES) out[k] = change(current[k], previous[k]);
  return out;
}

interface StatusCounts {
  planned: number;
  done: number;
  failed: number;
  cancelled: number;
  carried: number;
}
const noCounts = (): StatusCounts => ({ planned: 0, done: 0, failed: 0, cancelled: 0, carried: 0 });

function nested<V>(outer: Map<string, Map<number, V>>, week: string, staffId: number, make: () => V): V {
  let inner = outer.get(week);
  if (!inner) outer.set(week, (inner = new Map()));
  let v = inner.get(staffId);
  if (!v) inner.set(staffId, (v = make()));
  return v;
}

/** The facts indexed by week; figures of any week and staff member from it. */
class Index {
  readonly tasks = new Map<string, Map<number, StatusCounts>>();
  readonly acts = new Map<string, Map<number, { total: number; unplanned: number }>>();
  readonly contactWeeks = new Map<number, Set<string>>();
  readonly keysByManager = new Map<number, KeyAccountFact[]>();

  constructor(readonly facts: ReviewFacts) {
    for (const t of facts.tasks) nested(this.tasks, t.week, t.staffId, noCounts)[t.status] += t.n ?? 1;
    const weekOfDay = new Map<string, string>();
    const weekOf = (day: string) => {
      let w = weekOfDay.get(day);
      if (w === undefined) weekOfDay.set(day, (w = isoWeekOf(day)));
      return w;
    };
    for (const a of facts.activityDays) {
      const c = nested(this.acts, weekOf(a.day), a.staffId, () => ({ total: 0, unplanned: 0 }));
      c.total += a.total;
      c.unplanned += a.unplanned;
    }
    for (const k of facts.keyAccounts) {
      this.contactWeeks.set(k.id, new Set(k.contactDays.map(weekOf)));
      if (k.managerId === null) continue;
      const list = this.keysByManager.get(k.managerId);
      if (list) list.push(k);
      else this.keysByManager.set(k.managerId, [k]);
    }
  }

  figures(week: string, staffId: number | undefined): Figures {
    const counts = noCounts();
    const add = (c: StatusCounts) => {
      for (const s of TASK_STATUSES) counts[s] += c[s];
    };
    const byStaff = this.tasks.get(week);
    if (byStaff) {
      if (staffId === undefined) for (const c of byStaff.values()) add(c);
      else if (byStaff.has(staffId)) add(byStaff.get(staffId)!);
    }
    let activities = 0;
    let unplanned = 0;
    const actsByStaff = this.acts.get(week);
    if (actsByStaff) {
      for (const [id, c] of actsByStaff) {
        if (staffId !== undefined && id !== staffId) continue;
        activities += c.total;
        unplanned += c.unplanned;
      }
    }
    const idleWeeks = Array.from({ length: IDLE_WEEKS }, (_, i) => addWeeks(week, -i));
    let keyAccounts = 0;
    let keyNotContacted = 0;
    let keyNotContacted4w = 0;
    for (const k of staffId === undefined ? this.facts.keyAccounts : (this.keysByManager.get(staffId) ?? [])) {
      keyAccounts++;
      const weeks = this.contactWeeks.get(k.id)!;
      if (!weeks.has(week)) {
        keyNotContacted++;
        if (!idleWeeks.some((w) => weeks.has(w))) keyNotContacted4w++;
      }
    }
    const notDone = counts.planned + counts.carried;
    const planned = counts.done + counts.failed + notDone;
    return {
      planned,
      done: counts.done,
      failed: counts.failed,
      notDone,
      carried: counts.carried,
      open: counts.planned,
      cancelled: counts.cancelled,
      completionRate: ratio(counts.done + counts.failed, planned),
      successRate: ratio(counts.done, counts.done + counts.failed),
      activities,
      unplanned,
      keyAccounts,
      keyNotContacted,
      keyNotContacted4w,
    };
  }

  /** Who gets a row in `week`: active sellers, and anyone with a task, an activity or a key account. */
  staffOf(week: string, previousWeek: string): StaffFact[] {
    const involved = new Set<number>();
    for (const w of [week, previousWeek]) for (const id of this.tasks.get(w)?.keys() ?? []) involved.add(id);
    for (const id of this.acts.get(week)?.keys() ?? []) involved.add(id);
    for (const k of this.facts.keyAccounts) if (k.managerId !== null) involved.add(k.managerId);
    return this.facts.staff.filter((s) => involved.has(s.id) || (s.active && SELLING_ROLES.includes(s.role)));
  }
}

function withChange(index: Index, week: string, previousWeek: string, staffId: number | undefined): FiguresWithChange {
  const figures = index.figures(week, staffId);
  const previous = index.figures(previousWeek, staffId);
  return { figures, previous, change: changesOf(figures, previous) };
}

const byName = (a: StaffFact, b: StaffFact) => a.name.localeCompare(b.name, 'ru') || a.id - b.id;

/**
 * The review of each of `weeks` (oldest first), each against the week before it. With `staffId`
 * only that staff member's row, and a total that is theirs.
 */
export function reviewWeeks(facts: ReviewFacts, weeks: readonly string[], opts: ReviewOptions = {}): WeekReview[] {
  const index = new Index(facts);
  return weeks.map((week) => {
    const previousWeek = addWeeks(week, -1);
    const people = opts.staffId !== undefined ? facts.staff.filter((s) => s.id === opts.staffId) : index.staffOf(week, previousWeek);
    return {
      week,
      previousWeek,
      staff: [...people].sort(byName).map((staff) => ({ staff, ...withChange(index, week, previousWeek, staff.id) })),
      total: withChange(index, week, previousWeek, opts.staffId),
    };
  });
}

/** One not-done task of the reviewed week, for the carry-over list. */
export interface CarryOverFact {
  readonly id: number;
  readonly week: string;
  readonly staffId: number;
  readonly staffName: string;
  readonly clientId: number | null;
  readonly clientName: string | null;
  readonly clientExternalId: string | null;
  readonly contactName: string | null;
  readonly kind: string | null;
  readonly task: string;
  readonly status: TaskStatus;
  readonly carryCount: number;
  readonly carriedFromId: number | null;
  /** the task it was carried to, if it has been */
  readonly carriedToId: number | null;
  readonly carriedToWeek: string | null;
}

export interface CarryOverItem extends CarryOverFact {
  /** the week the chain of carries started in */
  readonly sinceWeek: string;
  /** weeks from the start of the chain to this task's week */
  readonly weeksOpen: number;
}

/**
 * The carry-over list: the week's not-done tasks (planned or carried), the longest-carried first,
 * each with the week its chain started (followed through `ancestors`: id → week and carried_from).
 */
export function carryOverList(
  facts: readonly CarryOverFact[],
  ancestors: ReadonlyMap<number, { readonly week: string; readonly carriedFromId: number | null }>,
): CarryOverItem[] {
  const items = facts.map((f) => {
    let since = f.week;
    let from = f.carriedFromId;
    const seen = new Set<number>([f.id]);
    while (from !== null && !seen.has(from)) {
      seen.add(from);
      const a = ancestors.get(from);
      if (!a) break;
      since = a.week;
      from = a.carriedFromId;
    }
    return { ...f, sinceWeek: since, weeksOpen: weeksBetween(since, f.week) };
  });
  return items.sort((a, b) => b.carryCount - a.carryCount || a.staffName.localeCompare(b.staffName, 'ru') || (a.clientName ?? '').localeCompare(b.clientName ?? '', 'ru') || a.id - b.id);
}
