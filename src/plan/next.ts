/**
 * Next week's plan from this week's outcome, as proposals (DESIGN.md §4): pure, no database.
 *
 * 1. carry: every task of the week still 'planned', or 'carried' with no task carried from it
 *    yet, is carried to the next week — same staff member, client, contact, kind and text,
 *    carried_from = the task, carry_count = its carry_count + 1;
 * 2. follow-up: every successful task of the week (done, and its logged activity, if any, had
 *    outcome 'success') gets a next step with the same client and contact, unless the staff
 *    member already has a task for that client in the next week or one is carried there; one per
 *    staff member and client;
 * 3. key account: every live key account with nothing planned in the next week (no task that is
 *    not cancelled, for it or a live branch, by anyone, and no carry or follow-up proposed for
 *    it) gets a contact task for its manager.
 *
 * Running it again after the proposals were accepted proposes nothing new: a carried task has
 * its successor, a follow-up's and a key-account contact's task is in the next week.
 */
import { addWeeks } from '../util/isoweek.js';
import type { TaskStatus } from './review.js';

export const PROPOSAL_REASONS = ['carry', 'follow_up', 'key_account'] as const;
export type ProposalReason = (typeof PROPOSAL_REASONS)[number];

export interface NextStaff {
  readonly id: number;
  readonly name: string;
  readonly active: boolean;
}

/** A task of the reviewed week. Client and contact are already the survivors of any merge. */
export interface WeekTask {
  readonly id: number;
  readonly staffId: number;
  readonly clientId: number | null;
  readonly contactId: number | null;
  readonly kind: string | null;
  readonly task: string;
  readonly status: TaskStatus;
  readonly carryCount: number;
  readonly completedOn: string | null;
  /** a task has already been carried from this one */
  readonly hasSuccessor: boolean;
  /** the outcome of its latest logged activity that has one, if any */
  readonly activityOutcome: string | null;
}

/** A task already in the next week (not cancelled). */
export interface NextWeekTask {
  readonly staffId: number;
  readonly clientId: number | null;
}

export interface NextClient {
  readonly id: number;
  readonly name: string;
  readonly externalId: string | null;
  readonly status: string;
}

export interface NextKeyAccount {
  readonly id: number;
  readonly managerId: number | null;
  /** its live branches */
  readonly branchIds: readonly number[];
  /** the last day with an activity on it or a branch, up to the end of the reviewed week */
  readonly lastContact: string | null;
  /** whom to contact: see pickContact */
  readonly contactId: number | null;
}

export interface NextFacts {
  /** the reviewed week */
  readonly week: string;
  readonly staff: ReadonlyMap<number, NextStaff>;
  readonly clients: ReadonlyMap<number, NextClient>;
  readonly tasks: readonly WeekTask[];
  readonly nextWeekTasks: readonly NextWeekTask[];
  readonly keyAccounts: readonly NextKeyAccount[];
}

export interface Proposal {
  readonly reason: ProposalReason;
  readonly week: string;
  readonly staffId: number;
  readonly clientId: number | null;
  readonly contactId: number | null;
  readonly kind: string | null;
  readonly task: string;
  /** carry: the task carried; follow-up: the successful task; key account: null */
  readonly sourceTaskId: number | null;
  readonly carriedFromId: number | null;
  readonly carryCount: number;
  /** why it is proposed, for the person reviewing it */
  readonly why: string;
}

export interface Skipped {
  readonly reason: ProposalReason;
  readonly taskId: number | null;
  readonly clientId: number | null;
  readonly why: string;
}

export interface NextPlan {
  readonly week: string;
  readonly nextWeek: string;
  readonly proposals: readonly Proposal[];
  /** what could not be proposed, and why (an inactive staff member, a lost client, no manager) */
  readonly skipped: readonly Skipped[];
}

export interface NextOptions {
  /** only this staff member's tasks and key accounts */
  readonly staffId?: number;
}

const FOLLOW_UP_PREFIXES = ['Подготовить КП по итогам: ', 'Обсудить КП: ', 'Развить результат: '] as const;

/** The text of a task without the prefix a previous follow-up gave it. */
function baseText(task: string): string {
  for (const p of FOLLOW_UP_PREFIXES) if (task.startsWith(p)) return task.slice(p.length);
  return task;
}

/** The next step after a successful task of a kind: after a meeting a proposal, after a proposal a call. */
export function followUpOf(kind: string | null, task: string): { kind: string; task: string } {
  const base = baseText(task);
  switch (kind) {
    case 'meeting':
    case 'visit':
    case 'presentation':
    case 'top_to_top':
      return { kind: 'proposal', task: FOLLOW_UP_PREFIXES[0] + base };
    case 'proposal':
      return { kind: 'call', task: FOLLOW_UP_PREFIXES[1] + base };
    default:
      return { kind: 'call', task: FOLLOW_UP_PREFIXES[2] + base };
  }
}

export function keyAccountTask(lastContact: string | null): string {
  return lastContact ? `Связаться с ключевым клиентом (последний контакт ${lastContact})` : 'Связаться с ключевым клиентом (контактов не было)';
}

export interface ContactChoice {
  readonly id: number;
  readonly level: string;
  readonly buyingRole: string | null;
}

/** Whom to call at a key account: a decision maker, else an executive, else a manager, else anyone; the lowest id among equals. */
export function pickContact(contacts: readonly ContactChoice[]): number | null {
  const rank = (c: ContactChoice) => (c.buyingRole === 'decision_maker' ? 0 : c.level === 'executive' ? 1 : c.level === 'manager' ? 2 : 3);
  let best: ContactChoice | null = null;
  for (const c of contacts) if (!best || rank(c) < rank(best) || (rank(c) === rank(best) && c.id < best.id)) best = c;
  return best?.id ?? null;
}

/** A task counts as a success when it is done and its logged activity, if any, says success. */
export function isSuccess(t: Pick<WeekTask, 'status' | 'activityOutcome'>): boolean {
  return t.status === 'done' && (t.activityOutcome === null || t.activityOutcome === 'success');
}

export function planNext(facts: NextFacts, opts: NextOptions = {}): NextPlan {
  const nextWeek = addWeeks(facts.week, 1);
  const proposals: Proposal[] = [];
  const skipped: Skipped[] = [];
  const mine = (staffId: number) => opts.staffId === undefined || staffId === opts.staffId;
  const staffName = (id: number) => facts.staff.get(id)?.name ?? `#${id}`;
  const lost = (clientId: number | null) => clientId !== null && facts.clients.get(clientId)?.status === 'lost';
  const pairKey = (staffId: number, clientId: number | null) => `${staffId}:${clientId ?? ''}`;
  const planned = new Set(facts.nextWeekTasks.map((t) => pairKey(t.staffId, t.clientId)));
  const coveredClients = new Set<number>();
  for (const t of facts.nextWeekTasks) if (t.clientId !== null) coveredClients.add(t.clientId);

  const tasks = [...facts.tasks].filter((t) => mine(t.staffId)).sort((a, b) => a.id - b.id);
  for (const t of tasks) {
    if ((t.status !== 'planned' && t.status !== 'carried') || t.hasSuccessor) continue;
    const inactive = facts.staff.get(t.staffId)?.active === false;
    if (inactive || lost(t.clientId)) {
      skipped.push({ reason: 'carry', taskId: t.id, clientId: t.clientId, why: inactive ? `${staffName(t.staffId)} is no longer active` : 'the client is lost' });
      continue;
    }
    proposals.push({
      reason: 'carry',
      week: nextWeek,
      staffId: t.staffId,
      clientId: t.clientId,
      contactId: t.contactId,
      kind: t.kind,
      task: t.task,
      sourceTaskId: t.id,
      carriedFromId: t.id,
      carryCount: t.carryCount + 1,
      why: `not done in ${facts.week}${t.carryCount ? `; carried ${t.carryCount} time${t.carryCount === 1 ? '' : 's'} before` : ''}`,
    });
    if (t.clientId !== null) coveredClients.add(t.clientId);
  }

  // a client already being carried to the staff member's next week needs no follow-up besides
  const followed = new Set(proposals.map((p) => pairKey(p.staffId, p.clientId)));
  for (const t of tasks) {
    if (!isSuccess(t) || t.clientId === null) continue;
    const key = pairKey(t.staffId, t.clientId);
    if (planned.has(key) || followed.has(key)) continue;
    followed.add(key);
    const inactive = facts.staff.get(t.staffId)?.active === false;
    if (inactive || lost(t.clientId)) {
      skipped.push({ reason: 'follow_up', taskId: t.id, clientId: t.clientId, why: inactive ? `${staffName(t.staffId)} is no longer active` : 'the client is lost' });
      continue;
    }
    const next = followUpOf(t.kind, t.task);
    proposals.push({
      reason: 'follow_up',
      week: nextWeek,
      staffId: t.staffId,
      clientId: t.clientId,
      contactId: t.contactId,
      kind: next.kind,
      task: next.task,
      sourceTaskId: t.id,
      carriedFromId: null,
      carryCount: 0,
      why: `done${t.completedOn ? ` on ${t.completedOn}` : ''} with success: ${t.task}`,
    });
    coveredClients.add(t.clientId);
  }

  for (const k of [...facts.keyAccounts].sort((a, b) => a.id - b.id)) {
    if (opts.staffId !== undefined && k.managerId !== opts.staffId) continue;
    if (coveredClients.has(k.id) || k.branchIds.some((b) => coveredClients.has(b))) continue;
    const manager = k.managerId === null ? undefined : facts.staff.get(k.managerId);
    if (!manager || !manager.active) {
      skipped.push({ reason: 'key_account', taskId: null, clientId: k.id, why: manager ? `its manager ${manager.name} is no longer active` : 'it has no manager' });
      continue;
    }
    proposals.push({
      reason: 'key_account',
      week: nextWeek,
      staffId: manager.id,
      clientId: k.id,
      contactId: k.contactId,
      kind: 'call',
      task: keyAccountTask(k.lastContact),
      sourceTaskId: null,
      carriedFromId: null,
      carryCount: 0,
      why: `key account with nothing planned for ${nextWeek}; last contact ${k.lastContact ?? 'never'}`,
    });
  }
  return { week: facts.week, nextWeek, proposals, skipped };
}
