/**
 * The facts behind `crm report weekly`, in a fixed number of set-based queries whatever the
 * number of staff or weeks: task counts per week, staff member and status; activity counts per
 * staff member and day; the days each live key account (or a live branch) was contacted; the
 * week's not-done tasks with their chains of carries. Portable Kysely: nothing SQLite-only.
 */
import { sql, type Kysely } from 'kysely';
import { factWeeks, TASK_STATUSES, type ActivityDayFact, type CarryOverFact, type KeyAccountFact, type ReviewFacts, type StaffFact, type TaskFact, type TaskStatus } from '../../plan/review.js';
import { addDays } from '../../util/dates.js';
import { addWeeks, weekMonday } from '../../util/isoweek.js';
import type { DB } from '../types.js';

/** The calendar date of a moment column: its first 10 characters (the same in PostgreSQL). */
const dayOf = (column: string) => sql<string>`substr(${sql.ref(column)}, 1, 10)`;

/** The live key accounts (not merged, not lost), of one manager if asked. */
export function liveKeyAccounts(db: Kysely<DB>, managerId?: number) {
  let q = db.selectFrom('clients').select('clients.id').where('clients.is_key_account', '=', 1).where('clients.merged_into_id', 'is', null).where('clients.status', '!=', 'lost');
  if (managerId !== undefined) q = q.where('clients.manager_id', '=', managerId);
  return q;
}

export async function allStaff(db: Kysely<DB>): Promise<StaffFact[]> {
  const rows = await db.selectFrom('staff').select(['id', 'name', 'email', 'role', 'active']).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, email: r.email, role: r.role, active: r.active === 1 }));
}

/**
 * Key accounts and the days with an activity on one of them or a live branch, from `from` to `to`
 * (dates, inclusive).
 */
export async function keyAccountContacts(db: Kysely<DB>, from: string, to: string, managerId?: number): Promise<KeyAccountFact[]> {
  const heads = await db
    .selectFrom('clients')
    .select(['id', 'manager_id'])
    .where('id', 'in', liveKeyAccounts(db, managerId))
    .orderBy('id')
    .execute();
  const branches = await db
    .selectFrom('clients')
    .select(['id', 'parent_id'])
    .where('parent_id', 'in', liveKeyAccounts(db, managerId))
    .where('merged_into_id', 'is', null)
    .where('status', '!=', 'lost')
    .execute();
  // a client counts for itself (when it is a key account) and for its parent key account
  const accountsOf = new Map<number, number[]>();
  const add = (client: number, account: number) => {
    const list = accountsOf.get(client);
    if (list) list.push(account);
    else accountsOf.set(client, [account]);
  };
  for (const h of heads) add(h.id, h.id);
  for (const b of branches) add(b.id, b.parent_id!);
  const units = db
    .selectFrom('clients')
    .select('clients.id')
    .where('clients.id', 'in', liveKeyAccounts(db, managerId))
    .union(
      db.selectFrom('clients').select('clients.id').where('clients.parent_id', 'in', liveKeyAccounts(db, managerId)).where('clients.merged_into_id', 'is', null).where('clients.status', '!=', 'lost'),
    );
  const rows = await db
    .selectFrom('activities')
    .select(['client_id', dayOf('occurred_at').as('day')])
    .where('client_id', 'in', units)
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', addDays(to, 1))
    .groupBy(['client_id', dayOf('occurred_at')])
    .execute();
  const days = new Map<number, Set<string>>();
  for (const r of rows) {
    for (const account of accountsOf.get(r.client_id) ?? []) {
      let set = days.get(account);
      if (!set) days.set(account, (set = new Set()));
      set.add(r.day);
    }
  }
  return heads.map((h) => ({ id: h.id, managerId: h.manager_id, contactDays: [...(days.get(h.id) ?? [])].sort() }));
}

/** Everything the figures of `weeks` need (see factWeeks for the span read). */
export async function reviewFacts(db: Kysely<DB>, weeks: readonly string[], staffId?: number): Promise<ReviewFacts> {
  const span = factWeeks(weeks);
  const from = weekMonday(span.first);
  const until = weekMonday(addWeeks(span.last, 1));
  const staff = await allStaff(db);

  let tq = db
    .selectFrom('plan_tasks')
    .select(['week', 'staff_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('week', '>=', span.first)
    .where('week', '<=', span.last);
  if (staffId !== undefined) tq = tq.where('staff_id', '=', staffId);
  const tasks: TaskFact[] = (await tq.groupBy(['week', 'staff_id', 'status']).execute())
    .filter((r) => (TASK_STATUSES as readonly string[]).includes(r.status))
    .map((r) => ({ week: r.week, staffId: r.staff_id, status: r.status as TaskStatus, n: Number(r.n) }));

  let aq = db
    .selectFrom('activities')
    .select((eb) => [
      'staff_id',
      dayOf('occurred_at').as('day'),
      eb.fn.countAll<number>().as('total'),
      eb.fn.sum<number>(eb.case().when('plan_task_id', 'is', null).then(1).else(0).end()).as('unplanned'),
    ])
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', until);
  if (staffId !== undefined) aq = aq.where('staff_id', '=', staffId);
  const activityDays: ActivityDayFact[] = (await aq.groupBy(['staff_id', dayOf('occurred_at')]).execute()).map((r) => ({
    staffId: r.staff_id,
    day: r.day,
    total: Number(r.total),
    unplanned: Number(r.unplanned),
  }));

  const keyAccounts = await keyAccountContacts(db, weekMonday(span.firstForContacts), addDays(until, -1), staffId);
  return { staff, tasks, activityDays, keyAccounts };
}

/** The week's not-done tasks, and the ancestors of the carried ones (id → week and carried_from). */
export async function carryOverFacts(
  db: Kysely<DB>,
  week: string,
  staffId?: number,
): Promise<{ facts: CarryOverFact[]; ancestors: Map<number, { week: string; carriedFromId: number | null }> }> {
  let q = db
    .selectFrom('plan_tasks as t')
    .innerJoin('staff as s', 's.id', 't.staff_id')
    .leftJoin('clients as c', 'c.id', 't.client_id')
    .leftJoin('contacts as p', 'p.id', 't.contact_id')
    .select([
      't.id',
      't.week',
      't.staff_id',
      's.name as staff_name',
      't.client_id',
      'c.name as client_name',
      'c.external_id as client_external_id',
      'p.full_name as contact_name',
      't.kind',
      't.task',
      't.status',
      't.carry_count',
      't.carried_from_id',
    ])
    .where('t.week', '=', week)
    .where('t.status', 'in', ['planned', 'carried']);
  if (staffId !== undefined) q = q.where('t.staff_id', '=', staffId);
  const rows = await q.execute();
  const ids = rows.map((r) => r.id);
  const successors = new Map<number, { id: number; week: string }>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const r of await db.selectFrom('plan_tasks').select(['id', 'week', 'carried_from_id']).where('carried_from_id', 'in', ids.slice(i, i + 500)).orderBy('id').execute()) {
      if (!successors.has(r.carried_from_id!)) successors.set(r.carried_from_id!, { id: r.id, week: r.week });
    }
  }
  const ancestors = new Map<number, { week: string; carriedFromId: number | null }>();
  let frontier = [...new Set(rows.map((r) => r.carried_from_id).filter((id): id is number => id !== null))];
  for (let depth = 0; depth < 1000 && frontier.length; depth++) {
    const found: number[] = [];
    for (let i = 0; i < frontier.length; i += 500) {
      for (const r of await db.selectFrom('plan_tasks').select(['id', 'week', 'carried_from_id']).where('id', 'in', frontier.slice(i, i + 500)).execute()) {
        ancestors.set(r.id, { week: r.week, carriedFromId: r.carried_from_id });
        if (r.carried_from_id !== null && !ancestors.has(r.carried_from_id)) found.push(r.carried_from_id);
      }
    }
    frontier = [...new Set(found)];
  }
  const facts: CarryOverFact[] = rows.map((r) => ({
    id: r.id,
    week: r.week,
    staffId: r.staff_id,
    staffName: r.staff_name,
    clientId: r.client_id,
    clientName: r.client_name,
    clientExternalId: r.client_external_id,
    contactName: r.contact_name,
    kind: r.kind,
    task: r.task,
    status: r.status as TaskStatus,
    carryCount: r.carry_count,
    carriedFromId: r.carried_from_id,
    carriedToId: successors.get(r.id)?.id ?? null,
    carriedToWeek: successors.get(r.id)?.week ?? null,
  }));
  return { facts, ancestors };
}
