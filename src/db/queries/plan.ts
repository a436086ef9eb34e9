/**
 * Plan tasks: finding staff, contacts and tasks from what a person types, listing a week's tasks,
 * adding tasks and marking them done, failed or cancelled (with the activity that records it).
 * Portable Kysely; every write is one transaction (src/db/transaction.ts: serializable and retried
 * on PostgreSQL) stamped with the user and the time.
 */
import type { Kysely, Transaction } from 'kysely';
import { UsageError } from '../../errors.js';
import type { CrmDatabase } from '../open.js';
import { writeTransaction, type WriteOptions } from '../transaction.js';
import type { Mark, NewActivity, TaskState } from '../../plan/tasks.js';
import type { TaskStatus } from '../../plan/review.js';
import { fold } from '../../util/normalize.js';
import type { DB } from '../types.js';

type Writable = Pick<CrmDatabase, 'kind' | 'db' | 'sqlite'>;

export interface StaffRef {
  readonly id: number;
  readonly name: string;
  readonly email: string | null;
  readonly role: string;
  readonly active: number;
}

const STAFF_COLUMNS = ['id', 'name', 'email', 'role', 'active'] as const;

export function describeStaff(s: StaffRef): string {
  return `${s.name} (#${s.id}${s.email ? `, ${s.email}` : ''})`;
}

/** A staff member by id (#7), e-mail, external id or exact name (ignoring case, ё/е and spaces). */
export async function resolveStaff(db: Kysely<DB>, text: string): Promise<StaffRef> {
  const t = text.trim().replace(/\s+/g, ' ');
  if (t === '') throw new UsageError('an empty staff reference', 'refer to a staff member by e-mail or name');
  const idText = /^#?(\d{1,9})$/.exec(t);
  let rows: StaffRef[] = [];
  if (idText) rows = await db.selectFrom('staff').select(STAFF_COLUMNS).where('id', '=', Number(idText[1])).execute();
  if (rows.length === 0 && !t.startsWith('#')) {
    if (t.includes('@')) rows = await db.selectFrom('staff').select(STAFF_COLUMNS).where('email', '=', t.toLowerCase()).execute();
    if (rows.length === 0) rows = await db.selectFrom('staff').select(STAFF_COLUMNS).where('external_id', '=', t).orderBy('id').execute();
    if (rows.length === 0) {
      const key = fold(t);
      rows = (await db.selectFrom('staff').select(STAFF_COLUMNS).orderBy('id').execute()).filter((s) => fold(s.name) === key);
    }
  }
  if (rows.length === 1) return rows[0]!;
  if (rows.length === 0) throw new UsageError(`no staff member with id, e-mail or name ${JSON.stringify(text)}`, 'crm query staff lists them');
  throw new UsageError(`${JSON.stringify(text)} matches ${rows.length} staff members: ${rows.slice(0, 5).map(describeStaff).join('; ')}`, 'refer to one by e-mail or id (#7)');
}

/** Follows merged_into_id for each id of a table that has it; returns id → survivor for the merged ones only. */
export async function survivorsOf(db: Kysely<DB>, table: 'clients' | 'contacts', ids: Iterable<number>): Promise<Map<number, number>> {
  const next = new Map<number, number>();
  let frontier = [...new Set(ids)];
  for (let hops = 0; hops < 50 && frontier.length; hops++) {
    const found: number[] = [];
    for (let i = 0; i < frontier.length; i += 500) {
      const rows = await db
        .selectFrom(table)
        .select(['id', 'merged_into_id'])
        .where('id', 'in', frontier.slice(i, i + 500))
        .where('merged_into_id', 'is not', null)
        .execute();
      for (const r of rows) {
        next.set(r.id, r.merged_into_id!);
        found.push(r.merged_into_id!);
      }
    }
    frontier = found.filter((id) => !next.has(id));
  }
  const out = new Map<number, number>();
  for (const id of next.keys()) {
    let s = id;
    for (let i = 0; i < 100 && next.has(s); i++) s = next.get(s)!;
    out.set(id, s);
  }
  return out;
}

export interface ContactRef {
  readonly id: number;
  readonly client_id: number;
  readonly full_name: string;
}

/**
 * A contact by id (#12), external id, e-mail or exact name; by name only among the client's
 * contacts. It must work for the client, its HQ or one of its branches.
 */
export async function resolveContact(db: Kysely<DB>, text: string, client: { id: number; parent_id: number | null } | null): Promise<ContactRef> {
  const t = text.trim().replace(/\s+/g, ' ');
  const cols = ['id', 'client_id', 'full_name'] as const;
  const idText = /^#?(\d{1,9})$/.exec(t);
  let rows: ContactRef[] = [];
  if (idText) rows = await db.selectFrom('contacts').select(cols).where('id', '=', Number(idText[1])).execute();
  if (rows.length === 0 && !t.startsWith('#')) {
    rows = await db.selectFrom('contacts').select(cols).where('external_id', '=', t).orderBy('id').execute();
    if (rows.length === 0 && t.includes('@')) rows = await db.selectFrom('contacts').select(cols).where('email', '=', t.toLowerCase()).where('merged_into_id', 'is', null).orderBy('id').execute();
    if (rows.length === 0 && client) {
      const key = fold(t);
      rows = (await db.selectFrom('contacts').select(cols).where('client_id', '=', client.id).where('merged_into_id', 'is', null).orderBy('id').execute()).filter((c) => fold(c.full_name) === key);
    }
  }
  if (rows.length === 0) {
    throw new UsageError(`no contact with id, external id, e-mail${client ? ' or name at the client' : ''} ${JSON.stringify(text)}`, 'crm show client CLIENT --section contacts lists them');
  }
  if (rows.length > 1) throw new UsageError(`${JSON.stringify(text)} matches ${rows.length} contacts (ids ${rows.slice(0, 5).map((r) => r.id).join(', ')})`, 'refer to one by its id (#12)');
  let c = rows[0]!;
  const merged = await survivorsOf(db, 'contacts', [c.id]);
  if (merged.has(c.id)) c = (await db.selectFrom('contacts').select(cols).where('id', '=', merged.get(c.id)!).executeTakeFirstOrThrow());
  if (client) {
    const related = new Set([client.id, ...(client.parent_id !== null ? [client.parent_id] : [])]);
    const branch = await db.selectFrom('clients').select('id').where('id', '=', c.client_id).where('parent_id', '=', client.id).executeTakeFirst();
    if (!related.has(c.client_id) && !branch) throw new UsageError(`contact ${c.full_name} (#${c.id}) works for another client (#${c.client_id})`, 'give a contact of the task\'s client, its HQ or a branch');
  }
  return c;
}

/** A task with what is needed to list, mark or log it. */
export interface TaskRow {
  readonly id: number;
  readonly week: string;
  readonly staff_id: number;
  readonly staff: string;
  readonly client_id: number | null;
  readonly client: string | null;
  readonly client_external_id: string | null;
  readonly contact_id: number | null;
  readonly contact: string | null;
  readonly kind: string | null;
  readonly task: string;
  readonly status: TaskStatus;
  readonly outcome_note: string | null;
  readonly completed_on: string | null;
  readonly carried_from_id: number | null;
  readonly carry_count: number;
  readonly external_id: string | null;
}

function taskQuery(db: Kysely<DB>) {
  return db
    .selectFrom('plan_tasks as t')
    .innerJoin('staff as s', 's.id', 't.staff_id')
    .leftJoin('clients as c', 'c.id', 't.client_id')
    .leftJoin('contacts as p', 'p.id', 't.contact_id')
    .select([
      't.id',
      't.week',
      't.staff_id',
      's.name as staff',
      't.client_id',
      'c.name as client',
      'c.external_id as client_external_id',
      't.contact_id',
      'p.full_name as contact',
      't.kind',
      't.task',
      't.status',
      't.outcome_note',
      't.completed_on',
      't.carried_from_id',
      't.carry_count',
      't.external_id',
    ]);
}

export interface TaskFilter {
  readonly week?: string;
  readonly staffId?: number;
  /** the client and its branches */
  readonly clientId?: number;
  readonly statuses?: readonly string[];
  readonly ids?: readonly number[];
}

export async function listTasks(db: Kysely<DB>, f: TaskFilter): Promise<TaskRow[]> {
  let q = taskQuery(db);
  if (f.week !== undefined) q = q.where('t.week', '=', f.week);
  if (f.staffId !== undefined) q = q.where('t.staff_id', '=', f.staffId);
  if (f.clientId !== undefined) {
    const id = f.clientId;
    q = q.where((eb) => eb.or([eb('t.client_id', '=', id), eb('t.client_id', 'in', eb.selectFrom('clients').select('id').where('parent_id', '=', id))]));
  }
  if (f.statuses?.length) q = q.where('t.status', 'in', [...f.statuses]);
  if (f.ids !== undefined) q = q.where('t.id', 'in', f.ids.length ? [...f.ids] : [-1]);
  const rows = (await q.orderBy('t.week').orderBy('s.name').orderBy('t.id').execute()) as TaskRow[];
  return rows.sort((a, b) => a.week.localeCompare(b.week) || a.staff.localeCompare(b.staff, 'ru') || a.id - b.id);
}

/** Tasks by id (12, #12) or external id; each reference must name exactly one task. */
export async function resolveTasks(db: Kysely<DB>, refs: readonly string[], idOf: (text: string) => number | null): Promise<TaskRow[]> {
  const out: TaskRow[] = [];
  const seen = new Set<number>();
  for (const ref of refs) {
    const id = idOf(ref);
    let rows = id !== null ? ((await taskQuery(db).where('t.id', '=', id).execute()) as TaskRow[]) : [];
    if (rows.length === 0 && !ref.trim().startsWith('#')) rows = (await taskQuery(db).where('t.external_id', '=', ref.trim()).orderBy('t.id').execute()) as TaskRow[];
    if (rows.length === 0) throw new UsageError(`no plan task ${JSON.stringify(ref)}`, 'crm plan list shows the ids of a week\'s tasks');
    if (rows.length > 1) throw new UsageError(`${JSON.stringify(ref)} names ${rows.length} plan tasks (ids ${rows.map((r) => r.id).join(', ')})`, 'refer to one by its id');
    if (!seen.has(rows[0]!.id)) out.push(rows[0]!);
    seen.add(rows[0]!.id);
  }
  return out;
}

/** The task each task was carried to (the first, if there were several). */
export async function successorsOf(db: Kysely<DB>, ids: readonly number[]): Promise<Map<number, { id: number; week: string }>> {
  const out = new Map<number, { id: number; week: string }>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('plan_tasks').select(['id', 'week', 'carried_from_id']).where('carried_from_id', 'in', ids.slice(i, i + 500)).orderBy('id').execute();
    for (const r of rows) if (!out.has(r.carried_from_id!)) out.set(r.carried_from_id!, { id: r.id, week: r.week });
  }
  return out;
}

export async function taskStates(db: Kysely<DB>, tasks: readonly TaskRow[]): Promise<TaskState[]> {
  const next = await successorsOf(db, tasks.map((t) => t.id));
  return tasks.map((t) => ({ id: t.id, week: t.week, status: t.status, completedOn: t.completed_on, carriedToId: next.get(t.id)?.id ?? null, carriedToWeek: next.get(t.id)?.week ?? null }));
}

/** Activities already linked to each task. */
export async function loggedActivities(db: Kysely<DB>, ids: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('activities')
    .select(['plan_task_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('plan_task_id', 'in', [...ids])
    .groupBy('plan_task_id')
    .execute();
  for (const r of rows) out.set(r.plan_task_id!, Number(r.n));
  return out;
}

export interface Stamp {
  readonly user: string;
  /** local wall-clock 'YYYY-MM-DD HH:MM:SS' */
  readonly at: string;
}

export interface NewTask {
  readonly week: string;
  readonly staff_id: number;
  readonly client_id: number | null;
  readonly contact_id: number | null;
  readonly kind: string | null;
  readonly task: string;
  readonly carried_from_id?: number | null;
  readonly carry_count?: number;
}

export async function insertTask(db: Kysely<DB> | Transaction<DB>, t: NewTask, stamp: Stamp): Promise<number> {
  const r = await db
    .insertInto('plan_tasks')
    .values({ ...t, status: 'planned', created_by: stamp.user, created_at: stamp.at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function addTask(cdb: Writable, t: NewTask, stamp: Stamp, opts: WriteOptions = {}): Promise<number> {
  return writeTransaction(cdb, (trx) => insertTask(trx, t, stamp), { what: 'crm plan add', ...opts });
}

export interface MarkChange {
  readonly id: number;
  readonly status: Mark;
  readonly completedOn: string | null;
  /** null keeps the note the task has */
  readonly note: string | null;
  readonly activity: NewActivity | null;
}

/** Sets each task's status (and logs its activity) in one transaction; returns the new activity ids by task. */
export async function markTasks(cdb: Writable, changes: readonly MarkChange[], stamp: Stamp, opts: WriteOptions = {}): Promise<Map<number, number>> {
  return writeTransaction(cdb, (trx) => applyMarks(trx, changes, stamp), { what: 'marking the tasks', ...opts });
}

/** The body of markTasks, for a caller that already holds the write transaction. */
export async function applyMarks(trx: Kysely<DB>, changes: readonly MarkChange[], stamp: Stamp): Promise<Map<number, number>> {
  const logged = new Map<number, number>();
  for (const c of changes) {
    await trx
      .updateTable('plan_tasks')
      .set({
        status: c.status,
        completed_on: c.completedOn,
        ...(c.note !== null ? { outcome_note: c.note } : {}),
        updated_at: stamp.at,
        updated_by: stamp.user,
      })
      .where('id', '=', c.id)
      .execute();
    if (c.activity) {
      const r = await trx
        .insertInto('activities')
        .values({ ...c.activity, created_by: stamp.user, created_at: stamp.at })
        .returning('id')
        .executeTakeFirstOrThrow();
      logged.set(c.id, r.id);
    }
  }
  return logged;
}

/** Names of staff, clients and contacts, for showing proposals. */
export async function namesOf(db: Kysely<DB>, ids: { staff: Iterable<number>; clients: Iterable<number>; contacts: Iterable<number> }): Promise<{
  staff: Map<number, string>;
  clients: Map<number, { name: string; externalId: string | null }>;
  contacts: Map<number, string>;
}> {
  const staff = new Map<number, string>();
  const clients = new Map<number, { name: string; externalId: string | null }>();
  const contacts = new Map<number, string>();
  const parts = (it: Iterable<number>) => {
    const list = [...new Set(it)];
    const out: number[][] = [];
    for (let i = 0; i < list.length; i += 500) out.push(list.slice(i, i + 500));
    return out;
  };
  for (const p of parts(ids.staff)) for (const r of await db.selectFrom('staff').select(['id', 'name']).where('id', 'in', p).execute()) staff.set(r.id, r.name);
  for (const p of parts(ids.clients)) for (const r of await db.selectFrom('clients').select(['id', 'name', 'external_id']).where('id', 'in', p).execute()) clients.set(r.id, { name: r.name, externalId: r.external_id });
  for (const p of parts(ids.contacts)) for (const r of await db.selectFrom('contacts').select(['id', 'full_name']).where('id', 'in', p).execute()) contacts.set(r.id, r.full_name);
  return { staff, clients, contacts };
}
