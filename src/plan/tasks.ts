/**
 * The rules of `crm plan done|fail|cancel`: which status changes are allowed, and the activity
 * that records a done or failed task. Pure.
 */
import { UsageError } from '../errors.js';
import { parseWeek } from '../util/isoweek.js';
import type { TaskStatus } from './review.js';

export const TASK_KINDS = ['call', 'meeting', 'visit', 'email', 'letter', 'presentation', 'top_to_top', 'service', 'proposal', 'other'] as const;
export const ACTIVITY_OUTCOMES = ['success', 'neutral', 'failure', 'no_answer'] as const;
export type ActivityOutcome = (typeof ACTIVITY_OUTCOMES)[number];

/** What `crm plan done|fail|cancel` sets. */
export type Mark = 'done' | 'failed' | 'cancelled';

/** The activity outcomes that fit a mark, the default first. */
export const OUTCOMES_OF: Readonly<Record<'done' | 'failed', readonly ActivityOutcome[]>> = {
  done: ['success', 'neutral'],
  failed: ['failure', 'no_answer', 'neutral'],
};

export interface TaskState {
  readonly id: number;
  readonly week: string;
  readonly status: TaskStatus;
  readonly completedOn: string | null;
  /** the task it was carried to, if any */
  readonly carriedToId: number | null;
  readonly carriedToWeek: string | null;
}

/**
 * Why `mark` cannot be applied to the task, or null when it can. A carried task is marked in the
 * week it was carried to; a done or failed task can be corrected (done ↔ failed) but not cancelled.
 */
export function refusal(t: TaskState, mark: Mark): string | null {
  if (t.status === 'carried' || t.carriedToId !== null) {
    const to = t.carriedToId !== null ? ` to #${t.carriedToId}${t.carriedToWeek ? ` in ${t.carriedToWeek}` : ''}` : ' to a later week';
    return `task #${t.id} (${t.week}) was carried${to}: mark that one instead`;
  }
  if (mark === 'cancelled' && (t.status === 'done' || t.status === 'failed')) {
    return `task #${t.id} is already ${t.status} (on ${t.completedOn ?? '?'}): a finished task is not cancelled; crm plan ${t.status === 'done' ? 'fail' : 'done'} ${t.id} corrects it`;
  }
  return null;
}

/** The activity outcome for a mark: the one asked for, or the default; a UsageError if it does not fit. */
export function outcomeFor(mark: 'done' | 'failed', asked: string | undefined): ActivityOutcome {
  const allowed = OUTCOMES_OF[mark];
  if (asked === undefined) return allowed[0]!;
  const o = asked.trim().toLowerCase();
  if (!(allowed as readonly string[]).includes(o)) {
    throw new UsageError(`--outcome ${JSON.stringify(asked)} does not fit a ${mark} task`, `use one of ${allowed.join(', ')}`);
  }
  return o as ActivityOutcome;
}

export interface LoggableTask {
  readonly id: number;
  readonly staffId: number;
  readonly clientId: number | null;
  readonly contactId: number | null;
  readonly kind: string | null;
  readonly task: string;
}

export interface NewActivity {
  readonly client_id: number;
  readonly contact_id: number | null;
  readonly staff_id: number;
  readonly kind: string;
  readonly occurred_at: string;
  readonly outcome: ActivityOutcome;
  readonly subject: string;
  readonly notes: string | null;
  readonly plan_task_id: number;
}

/** The activity that records a done or failed task; a UsageError for a task with no client. */
export function activityFor(t: LoggableTask, outcome: ActivityOutcome, occurredAt: string, note: string | null): NewActivity {
  if (t.clientId === null) {
    throw new UsageError(`task #${t.id} has no client, and an activity needs one`, 'leave out --log for tasks without a client');
  }
  return {
    client_id: t.clientId,
    contact_id: t.contactId,
    staff_id: t.staffId,
    kind: t.kind ?? 'other',
    occurred_at: occurredAt,
    outcome,
    subject: t.task.length > 1000 ? t.task.slice(0, 999) + '…' : t.task,
    notes: note,
    plan_task_id: t.id,
  };
}

/** '12', '#12' → 12; anything else (an external id) → null. */
export function taskIdOf(text: string): number | null {
  const m = /^#?(\d{1,12})$/.exec(text.trim());
  return m ? Number(m[1]) : null;
}

/** A kind typed on the command line: one of TASK_KINDS (case-insensitive, '-' for '_'). */
export function parseKind(text: string): string {
  const k = text.trim().toLowerCase().replace(/-/g, '_');
  if (!(TASK_KINDS as readonly string[]).includes(k)) throw new UsageError(`--kind ${JSON.stringify(text)}: not a kind of task`, `use one of ${TASK_KINDS.join(', ')}`);
  return k;
}

const WEEK_HINT = "give an ISO week like 2026-W48 (or 2026w48), 'this', 'next', 'last', or a date in the week";

/** --week: an ISO week, this/next/last (from today's local date) or a date in it; `fallback` when not given. */
export function weekOption(text: string | undefined, today: string, fallback = 'this'): string {
  const week = parseWeek(text ?? fallback, today);
  if (week === null) throw new UsageError(`--week ${JSON.stringify(text)}: not a week`, WEEK_HINT);
  return week;
}
