/**
 * `crm report weekly` as table models: the review of one week (per staff member and in total,
 * with the change against the week before), the trend over several weeks, and the carry-over
 * list. The figures come from src/plan/review.ts; this only lays them out.
 */
import type { Column, Row, TableModel } from '../render/model.js';
import { shortName } from '../plan/models.js';
import { IDLE_WEEKS, type CarryOverItem, type Changes, type Figures, type FiguresWithChange, type WeekReview } from '../plan/review.js';
import { describeWeek, weekMonday } from '../util/isoweek.js';

export interface WeeklyModelOptions {
  /** a terminal table: fewer columns, short names, rate changes in percentage points */
  readonly compact?: boolean;
  /** for the JSON form */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** CSV/JSON column of each figure, in order. */
const FIGURE_KEYS: ReadonlyArray<readonly [keyof Figures, string, Column['type']]> = [
  ['planned', 'planned', 'int'],
  ['done', 'done', 'int'],
  ['failed', 'failed', 'int'],
  ['notDone', 'not_done', 'int'],
  ['carried', 'carried', 'int'],
  ['open', 'open', 'int'],
  ['cancelled', 'cancelled', 'int'],
  ['completionRate', 'completion_rate', 'ratio'],
  ['successRate', 'success_rate', 'ratio'],
  ['activities', 'activities', 'int'],
  ['unplanned', 'unplanned_activities', 'int'],
  ['keyAccounts', 'key_accounts', 'int'],
  ['keyNotContacted', 'key_not_contacted', 'int'],
  ['keyNotContacted4w', 'key_not_contacted_4w', 'int'],
];
const COLUMN_OF = new Map(FIGURE_KEYS.map(([f, key]) => [f as string, key]));

/** The columns of the figures and their changes (CSV, JSON). */
function fullFigureColumns(): Column[] {
  const cols: Column[] = FIGURE_KEYS.map(([, key, type]) => ({ key, type }));
  for (const [f, key, type] of FIGURE_KEYS) {
    if (f === 'carried' || f === 'open' || f === 'cancelled' || f === 'keyAccounts') continue;
    cols.push({ key: `${key}_change`, type: type === 'ratio' ? 'ratio' : 'int' });
  }
  return cols;
}

/** A terminal table: the main figures, the change of the two rates in points. */
const COMPACT_FIGURES: Column[] = [
  { key: 'planned', header: 'Planned', type: 'int' },
  { key: 'done', header: 'Done', type: 'int' },
  { key: 'failed', header: 'Failed', type: 'int' },
  { key: 'not_done', header: 'Not done', type: 'int' },
  { key: 'completion_rate', header: 'Completion', type: 'ratio' },
  { key: 'completion_rate_change', header: 'Δ pp', type: 'number' },
  { key: 'success_rate', header: 'Success', type: 'ratio' },
  { key: 'success_rate_change', header: 'Δ pp', type: 'number' },
  { key: 'unplanned_activities', header: 'Unplanned', type: 'int' },
  { key: 'key_accounts', header: 'KA', type: 'int' },
  { key: 'key_not_contacted', header: 'KA not contacted', type: 'int' },
  { key: 'key_not_contacted_4w', header: `… ${IDLE_WEEKS}+ wk`, type: 'int' },
];

const points = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);

function figureCells(x: FiguresWithChange, compact: boolean): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [f, key] of FIGURE_KEYS) row[key] = x.figures[f];
  for (const [f, v] of Object.entries(x.change) as [keyof Changes, number | null][]) {
    const key = `${COLUMN_OF.get(f)!}_change`;
    row[key] = compact && (f === 'completionRate' || f === 'successRate') ? points(v) : v;
  }
  return row;
}

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '±0');
const pct = (v: number | null) => (v === null ? '—' : `${(Math.round(v * 1000) / 10).toFixed(1)}%`);

/** "planned 88 (+3), done 48 (−3), completion 69.0% (−8.1 pp), …" for the terminal note. */
export function changeSummary(x: FiguresWithChange): string {
  const f = x.figures;
  const c = x.change;
  const count = (label: string, v: number, d: number | null) => `${label} ${v}${d === null ? '' : ` (${signed(d)})`}`;
  const rate = (label: string, v: number | null, d: number | null) => `${label} ${pct(v)}${d === null ? '' : ` (${signed(Math.round(d * 1000) / 10)} pp)`}`;
  return [
    count('planned', f.planned, c.planned),
    count('done', f.done, c.done),
    count('failed', f.failed, c.failed),
    count('not done', f.notDone, c.notDone),
    rate('completion', f.completionRate, c.completionRate),
    rate('success', f.successRate, c.successRate),
    count('unplanned activities', f.unplanned, c.unplanned),
    count('key accounts not contacted', f.keyNotContacted, c.keyNotContacted),
    count(`for ${IDLE_WEEKS}+ weeks`, f.keyNotContacted4w, c.keyNotContacted4w),
  ].join(', ');
}

const DEFINITIONS =
  'Planned = tasks not cancelled; completion = (done + failed) / planned; success = done / (done + failed); ' +
  'unplanned = activities with no plan task; KA = live key accounts managed; not contacted = no activity on the account or a branch ' +
  `in the week (… ${IDLE_WEEKS}+ wk: nor in the ${IDLE_WEEKS - 1} weeks before). Δ pp = change in percentage points.`;

/** One week: a row per staff member, then the total (left out when the review is of one staff member). */
export function weeklyModel(review: WeekReview, opts: WeeklyModelOptions & { single?: boolean } = {}): TableModel {
  const compact = opts.compact ?? false;
  const rows: Row[] = review.staff.map((s) => ({
    level: 'staff',
    week: review.week,
    staff_id: s.staff.id,
    staff: compact ? shortName(s.staff.name) : s.staff.name,
    email: s.staff.email,
    ...figureCells(s, compact),
  }));
  if (!opts.single) rows.push({ level: 'total', week: review.week, staff_id: null, staff: compact ? 'Total' : 'total', email: null, ...figureCells(review.total, compact) });
  const columns: Column[] = compact
    ? [{ key: 'staff', header: 'Staff' }, ...COMPACT_FIGURES]
    : [{ key: 'level' }, { key: 'week' }, { key: 'staff_id', type: 'int' }, { key: 'staff' }, { key: 'email' }, ...fullFigureColumns()];
  return {
    title: `Weekly plan review ${describeWeek(review.week)}; change against ${review.previousWeek}`,
    columns,
    rows,
    isTotal: (row) => row.level === 'total',
    note: `${opts.single ? 'Against' : 'In total, against'} ${review.previousWeek}: ${changeSummary(review.total)}.\n${DEFINITIONS}`,
    meta: opts.meta,
  };
}

/** Several weeks, oldest first: one row per week with the total (or the one staff member's) figures. */
export function trendModel(reviews: readonly WeekReview[], opts: WeeklyModelOptions & { who?: string } = {}): TableModel {
  const compact = opts.compact ?? false;
  const rows: Row[] = reviews.map((r) => ({ week: r.week, week_start: weekMonday(r.week), ...figureCells(r.total, compact) }));
  const columns: Column[] = compact
    ? [{ key: 'week', header: 'Week' }, { key: 'week_start', header: 'From', type: 'date' }, ...COMPACT_FIGURES]
    : [{ key: 'week' }, { key: 'week_start', type: 'date' }, ...fullFigureColumns()];
  const first = reviews[0];
  const last = reviews[reviews.length - 1];
  return {
    title: `Weekly plan review, trend ${first?.week ?? ''} – ${last?.week ?? ''}${opts.who ? `: ${opts.who}` : ', all staff'}; each week against the one before`,
    columns,
    rows,
    note: DEFINITIONS,
    meta: opts.meta,
  };
}

/** One task of the carry-over list under its stable column names (CSV, JSON). */
export function carryOverRow(t: CarryOverItem): Row {
  return {
    task_id: t.id,
    week: t.week,
    staff_id: t.staffId,
    staff: t.staffName,
    client_id: t.clientId,
    client_external_id: t.clientExternalId,
    client: t.clientName,
    contact: t.contactName,
    kind: t.kind,
    task: t.task,
    status: t.status,
    carry_count: t.carryCount,
    since_week: t.sinceWeek,
    weeks_open: t.weeksOpen,
    carried_to_id: t.carriedToId,
    carried_to_week: t.carriedToWeek,
  };
}

/** The carry-over list: the week's not-done tasks, the longest-carried first. */
export function carryOverModel(items: readonly CarryOverItem[], week: string, opts: WeeklyModelOptions = {}): TableModel {
  const compact = opts.compact ?? false;
  const rows: Row[] = items.map((t) => ({ ...carryOverRow(t), staff: compact ? shortName(t.staffName) : t.staffName }));
  const columns: Column[] = compact
    ? [
        { key: 'task_id', header: 'Task', type: 'int' },
        { key: 'staff', header: 'Staff' },
        { key: 'client', header: 'Client' },
        { key: 'kind', header: 'Kind' },
        { key: 'task', header: 'Task text' },
        { key: 'status', header: 'Status' },
        { key: 'carry_count', header: 'Carried', type: 'int' },
        { key: 'since_week', header: 'Since' },
        { key: 'carried_to_week', header: 'Carried to' },
      ]
    : [
        { key: 'task_id', type: 'int' },
        { key: 'week' },
        { key: 'staff_id', type: 'int' },
        { key: 'staff' },
        { key: 'client_id', type: 'int' },
        { key: 'client_external_id' },
        { key: 'client' },
        { key: 'contact' },
        { key: 'kind' },
        { key: 'task' },
        { key: 'status' },
        { key: 'carry_count', type: 'int' },
        { key: 'since_week' },
        { key: 'weeks_open', type: 'int' },
        { key: 'carried_to_id', type: 'int' },
        { key: 'carried_to_week' },
      ];
  const carriedBefore = items.filter((t) => t.carryCount > 0).length;
  return {
    title: `Carry-over from ${week}: ${items.length} task${items.length === 1 ? '' : 's'} not done${carriedBefore ? `, ${carriedBefore} of them carried before` : ''}`,
    columns,
    rows,
    note: items.some((t) => t.carriedToId === null) ? `crm plan next --week ${week} carries them to the next week.` : undefined,
    meta: opts.meta,
  };
}
