/**
 * The facts behind `crm plan next` and the one transaction that writes the accepted proposals.
 * Portable Kysely: a fixed number of set-based queries, nothing SQLite-only.
 */
import type { Kysely } from 'kysely';
import { pickContact, type ContactChoice, type NextClient, type NextFacts, type NextKeyAccount, type NextStaff, type Proposal, type WeekTask } from '../../plan/next.js';
import type { TaskStatus } from '../../plan/review.js';
import { addWeeks, weekMonday } from '../../util/isoweek.js';
import type { CrmDatabase } from '../open.js';
import { writeTransaction, type WriteOptions } from '../transaction.js';
import type { DB } from '../types.js';
import { successorsOf, survivorsOf, type Stamp } from './plan.js';
import { liveKeyAccounts } from './plan-review.js';

function chunks<T>(list: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Live key accounts, their live branches, the last contact before `until` and whom to contact. */
async function keyAccountsForNext(db: Kysely<DB>, until: string, managerId?: number): Promise<NextKeyAccount[]> {
  const heads = await db.selectFrom('clients').select(['id', 'manager_id']).where('id', 'in', liveKeyAccounts(db, managerId)).orderBy('id').execute();
  const branches = await db
    .selectFrom('clients')
    .select(['id', 'parent_id'])
    .where('parent_id', 'in', liveKeyAccounts(db, managerId))
    .where('merged_into_id', 'is', null)
    .where('status', '!=', 'lost')
    .execute();
  const headOf = new Map<number, number[]>();
  const branchesOf = new Map<number, number[]>();
  const link = (map: Map<number, number[]>, k: number, v: number) => {
    const list = map.get(k);
    if (list) list.push(v);
    else map.set(k, [v]);
  };
  for (const h of heads) link(headOf, h.id, h.id);
  for (const b of branches) {
    link(headOf, b.id, b.parent_id!);
    link(branchesOf, b.parent_id!, b.id);
  }
  const last = new Map<number, string>();
  const units = [...headOf.keys()];
  for (const part of chunks(units)) {
    const rows = await db
      .selectFrom('activities')
      .select(['client_id', (eb) => eb.fn.max('occurred_at').as('last')])
      .where('client_id', 'in', part)
      .where('occurred_at', '<', until)
      .groupBy('client_id')
      .execute();
    for (const r of rows) {
      const day = String(r.last).slice(0, 10);
      for (const h of headOf.get(r.client_id) ?? []) if (!last.has(h) || last.get(h)! < day) last.set(h, day);
    }
  }
  const choices = new Map<number, ContactChoice[]>();
  for (const part of chunks(heads.map((h) => h.id))) {
    const rows = await db
      .selectFrom('contacts')
      .select(['id', 'client_id', 'level', 'buying_role'])
      .where('client_id', 'in', part)
      .where('active', '=', 1)
      .where('merged_into_id', 'is', null)
      .execute();
    for (const r of rows) {
      const list = choices.get(r.client_id) ?? [];
      list.push({ id: r.id, level: r.level, buyingRole: r.buying_role });
      choices.set(r.client_id, list);
    }
  }
  return heads.map((h) => ({
    id: h.id,
    managerId: h.manager_id,
    branchIds: branchesOf.get(h.id) ?? [],
    lastContact: last.get(h.id) ?? null,
    contactId: pickContact(choices.get(h.id) ?? []),
  }));
}

/** Everything planNext needs to build the plan of the week after `week`. */
export async function nextFacts(db: Kysely<DB>, week: string, staffId?: number): Promise<NextFacts> {
  const nextWeek = addWeeks(week, 1);
  let tq = db
    .selectFrom('plan_tasks')
    .select(['id', 'staff_id', 'client_id', 'contact_id', 'kind', 'task', 'status', 'carry_count', 'completed_on'])
    .where('week', '=', week);
  if (staffId !== undefined) tq = tq.where('staff_id', '=', staffId);
  const rows = await tq.orderBy('id').execute();
  const ids = rows.map((r) => r.id);
  const successors = await successorsOf(db, ids);

  const outcomes = new Map<number, { at: string; id: number; outcome: string }>();
  for (const part of chunks(rows.filter((r) => r.status === 'done').map((r) => r.id))) {
    const acts = await db.selectFrom('activities').select(['id', 'plan_task_id', 'occurred_at', 'outcome']).where('plan_task_id', 'in', part).where('outcome', 'is not', null).execute();
    for (const a of acts) {
      const seen = outcomes.get(a.plan_task_id!);
      if (!seen || seen.at < a.occurred_at || (seen.at === a.occurred_at && seen.id < a.id)) outcomes.set(a.plan_task_id!, { at: a.occurred_at, id: a.id, outcome: a.outcome! });
    }
  }

  const nextRows = await db.selectFrom('plan_tasks').select(['staff_id', 'client_id']).where('week', '=', nextWeek).where('status', '!=', 'cancelled').execute();

  const clientIds = new Set<number>();
  for (const r of [...rows, ...nextRows]) if (r.client_id !== null) clientIds.add(r.client_id);
  const mergedClients = await survivorsOf(db, 'clients', clientIds);
  const mergedContacts = await survivorsOf(db, 'contacts', rows.map((r) => r.contact_id).filter((id): id is number => id !== null));
  const client = (id: number | null) => (id === null ? null : (mergedClients.get(id) ?? id));
  const contact = (id: number | null) => (id === null ? null : (mergedContacts.get(id) ?? id));

  const tasks: WeekTask[] = rows.map((r) => ({
    id: r.id,
    staffId: r.staff_id,
    clientId: client(r.client_id),
    contactId: contact(r.contact_id),
    kind: r.kind,
    task: r.task,
    status: r.status as TaskStatus,
    carryCount: r.carry_count,
    completedOn: r.completed_on,
    hasSuccessor: successors.has(r.id),
    activityOutcome: outcomes.get(r.id)?.outcome ?? null,
  }));

  const clients = new Map<number, NextClient>();
  const wanted = [...new Set(tasks.map((t) => t.clientId).filter((id): id is number => id !== null))];
  for (const part of chunks(wanted)) {
    for (const c of await db.selectFrom('clients').select(['id', 'name', 'external_id', 'status']).where('id', 'in', part).execute()) {
      clients.set(c.id, { id: c.id, name: c.name, externalId: c.external_id, status: c.status });
    }
  }
  const staff = new Map<number, NextStaff>();
  for (const s of await db.selectFrom('staff').select(['id', 'name', 'active']).execute()) staff.set(s.id, { id: s.id, name: s.name, active: s.active === 1 });

  return {
    week,
    staff,
    clients,
    tasks,
    nextWeekTasks: nextRows.map((r) => ({ staffId: r.staff_id, clientId: client(r.client_id) })),
    keyAccounts: await keyAccountsForNext(db, weekMonday(nextWeek), staffId),
  };
}

export interface Written {
  readonly proposal: Proposal;
  /** the new task, or null when it was left out (its task was carried meanwhile) */
  readonly id: number | null;
}

/**
 * Writes the accepted proposals in one transaction: a task each; a carried task's original gets
 * status 'carried'. A carry whose original was carried meanwhile (another run) is left out; on
 * PostgreSQL the transaction is serializable, so two runs at once cannot both carry it.
 */
export async function writeProposals(cdb: Pick<CrmDatabase, 'kind' | 'db' | 'sqlite'>, accepted: readonly Proposal[], stamp: Stamp, opts: WriteOptions = {}): Promise<Written[]> {
  return writeTransaction(cdb, (trx) => insertProposals(trx, accepted, stamp), { what: 'crm plan next', ...opts });
}

/** The body of writeProposals, for a caller that already holds the write transaction. */
export async function insertProposals(trx: Kysely<DB>, accepted: readonly Proposal[], stamp: Stamp): Promise<Written[]> {
  const originals = [...new Set(accepted.flatMap((p) => (p.carriedFromId !== null ? [p.carriedFromId] : [])))];
  // checked inside the transaction: a task another run has carried meanwhile is not carried twice
  const carriedAlready = new Set<number>();
  const carriable = new Set<number>();
  for (const part of chunks(originals)) {
    for (const r of await trx.selectFrom('plan_tasks').select('carried_from_id').where('carried_from_id', 'in', part).execute()) carriedAlready.add(r.carried_from_id!);
    for (const r of await trx.selectFrom('plan_tasks').select(['id', 'status']).where('id', 'in', part).execute()) {
      if (r.status === 'planned' || r.status === 'carried') carriable.add(r.id);
    }
  }
  const out: (Written | null)[] = [];
  const carried: number[] = [];
  const toInsert: { proposal: Proposal; index: number }[] = [];
  accepted.forEach((p, index) => {
    if (p.carriedFromId !== null) {
      if (carriedAlready.has(p.carriedFromId) || !carriable.has(p.carriedFromId)) {
        out.push({ proposal: p, id: null });
        return;
      }
      carriedAlready.add(p.carriedFromId);
      carried.push(p.carriedFromId);
    }
    out.push(null);
    toInsert.push({ proposal: p, index });
  });
  // many rows per INSERT (one statement each 200 tasks, not one per task); the ids come back by
  // RETURNING and are matched on the values, since no backend promises their order
  const keyOf = (t: { staff_id: number; client_id: number | null; contact_id: number | null; kind: string | null; task: string; carried_from_id: number | null; carry_count: number; week: string }) =>
    JSON.stringify([t.week, t.staff_id, t.client_id, t.contact_id, t.kind, t.task, t.carried_from_id, t.carry_count]);
  for (const part of chunks(toInsert, 200)) {
    const values = part.map(({ proposal: p }) => ({
      week: p.week,
      staff_id: p.staffId,
      client_id: p.clientId,
      contact_id: p.contactId,
      kind: p.kind,
      task: p.task,
      carried_from_id: p.carriedFromId,
      carry_count: p.carryCount,
      status: 'planned',
      created_by: stamp.user,
      created_at: stamp.at,
    }));
    const rows = await trx
      .insertInto('plan_tasks')
      .values(values)
      .returning(['id', 'week', 'staff_id', 'client_id', 'contact_id', 'kind', 'task', 'carried_from_id', 'carry_count'])
      .execute();
    const ids = new Map<string, number[]>();
    for (const r of rows) {
      const k = keyOf(r);
      const list = ids.get(k);
      if (list) list.push(r.id);
      else ids.set(k, [r.id]);
    }
    part.forEach(({ proposal, index }, i) => {
      const id = ids.get(keyOf(values[i]!))?.shift();
      if (id === undefined) throw new Error(`plan next: no id returned for ${JSON.stringify(values[i])}`);
      out[index] = { proposal, id };
    });
  }
  for (const part of chunks(carried)) {
    await trx.updateTable('plan_tasks').set({ status: 'carried', updated_at: stamp.at, updated_by: stamp.user }).where('id', 'in', part).where('status', '=', 'planned').execute();
  }
  return out.map((w) => w!);
}
