/**
 * What `crm dedupe` reads: the live (not merged) clients and contacts as matcher records, the
 * pairs marked "not duplicates", full rows and reference counts for review, and the merge log.
 * Kysely only, so a second backend needs nothing here.
 */
import { sql, type Kysely } from 'kysely';
import type { ClientRecord, ContactRecord } from '../../dedupe/records.js';
import type { Row } from '../../dedupe/merge-plan.js';
import type { EntityKind } from '../../dedupe/find.js';
import type { DB } from '../types.js';

export const ENTITY_TABLE = { client: 'clients', contact: 'contacts' } as const;

/** Every column that points at a client or a contact: a merge moves what it finds there. */
export interface Reference {
  readonly table: keyof DB;
  readonly column: string;
  /** with these columns, the reference is unique: a row whose twin already points at the survivor stays */
  readonly unique?: readonly string[];
}

export const REFERENCES: Readonly<Record<EntityKind, readonly Reference[]>> = {
  client: [
    { table: 'contacts', column: 'client_id' },
    { table: 'deals', column: 'client_id' },
    { table: 'activities', column: 'client_id' },
    { table: 'responses', column: 'client_id' },
    { table: 'plan_tasks', column: 'client_id' },
    { table: 'account_team', column: 'client_id', unique: ['staff_id', 'role'] },
    { table: 'goals', column: 'client_id' },
    { table: 'assessments', column: 'client_id' },
    { table: 'clients', column: 'parent_id' },
    { table: 'client_aliases', column: 'client_id', unique: ['field', 'value'] },
  ],
  contact: [
    { table: 'activities', column: 'contact_id' },
    { table: 'responses', column: 'contact_id' },
    { table: 'plan_tasks', column: 'contact_id' },
  ],
};

const split = (v: string | null) => (v ? [v] : []);

/** The live clients with the names, phones, e-mails and sites they are also known by (aliases). */
export async function loadClientRecords(db: Kysely<DB>): Promise<ClientRecord[]> {
  const rows = await db
    .selectFrom('clients')
    .select(['id', 'name', 'legal_form', 'inn', 'kpp', 'parent_id', 'phone', 'email', 'website', 'address', 'city'])
    .where('merged_into_id', 'is', null)
    .orderBy('id')
    .execute();
  const aliases = await db
    .selectFrom('client_aliases as a')
    .innerJoin('clients as c', 'c.id', 'a.client_id')
    .select(['a.client_id', 'a.field', 'a.value'])
    .where('c.merged_into_id', 'is', null)
    .where('a.field', 'in', ['name', 'phone', 'email', 'website'])
    .execute();
  const extra = new Map<number, { names: string[]; phones: string[]; emails: string[]; websites: string[] }>();
  for (const a of aliases) {
    let e = extra.get(a.client_id);
    if (!e) extra.set(a.client_id, (e = { names: [], phones: [], emails: [], websites: [] }));
    if (a.field === 'name') e.names.push(a.value);
    else if (a.field === 'phone') e.phones.push(a.value);
    else if (a.field === 'email') e.emails.push(a.value);
    else e.websites.push(a.value);
  }
  return rows.map((r) => {
    const e = extra.get(r.id);
    return {
      id: r.id,
      name: r.name,
      otherNames: e?.names,
      legalForm: r.legal_form,
      inn: r.inn,
      kpp: r.kpp,
      parentId: r.parent_id,
      phones: [...split(r.phone), ...(e?.phones ?? [])],
      emails: [...split(r.email), ...(e?.emails ?? [])],
      websites: [...split(r.website), ...(e?.websites ?? [])],
      address: r.address,
      city: r.city,
    };
  });
}

export async function loadContactRecords(db: Kysely<DB>): Promise<ContactRecord[]> {
  const rows = await db
    .selectFrom('contacts')
    .select(['id', 'full_name', 'client_id', 'phone', 'email', 'postal_address', 'position'])
    .where('merged_into_id', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.full_name,
    clientId: r.client_id,
    phones: split(r.phone),
    emails: split(r.email),
    address: r.postal_address,
    position: r.position,
  }));
}

export async function notDuplicatePairs(db: Kysely<DB>, entity: EntityKind): Promise<[number, number][]> {
  const rows = await db.selectFrom('not_duplicates').select(['id_a', 'id_b']).where('entity', '=', entity).execute();
  return rows.map((r) => [r.id_a, r.id_b]);
}

/** Remembers pairs as "not duplicates"; pairs already marked are left as they are. Returns how many were new. */
export async function markNotDuplicates(db: Kysely<DB>, entity: EntityKind, pairs: readonly (readonly [number, number])[], user: string, now: string): Promise<number> {
  let added = 0;
  for (const [x, y] of pairs) {
    if (x === y) continue;
    const r = await db
      .insertInto('not_duplicates')
      .values({ entity, id_a: Math.min(x, y), id_b: Math.max(x, y), marked_at: now, marked_by: user })
      .onConflict((oc) => oc.columns(['entity', 'id_a', 'id_b']).doNothing())
      .executeTakeFirst();
    added += Number(r.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}

/** Full rows by id (merged ones too). */
export async function fetchRows(db: Kysely<DB>, entity: EntityKind, ids: readonly number[]): Promise<Map<number, Row>> {
  const out = new Map<number, Row>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await sql<Row>`SELECT * FROM ${sql.table(ENTITY_TABLE[entity])} WHERE id IN (${sql.join(chunk)})`.execute(db);
    for (const r of rows.rows) out.set(Number(r.id), r);
  }
  return out;
}

/** How many rows elsewhere point at each record (contacts, deals, activities…). */
export async function referenceCounts(db: Kysely<DB>, entity: EntityKind, ids: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>(ids.map((id) => [id, 0]));
  if (ids.length === 0) return out;
  for (const ref of REFERENCES[entity]) {
    if (ref.table === 'client_aliases') continue;
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await sql<{ id: number; n: number }>`SELECT ${sql.ref(ref.column)} AS id, count(*) AS n FROM ${sql.table(ref.table)} WHERE ${sql.ref(ref.column)} IN (${sql.join(chunk)}) GROUP BY ${sql.ref(ref.column)}`.execute(db);
      for (const r of rows.rows) out.set(Number(r.id), (out.get(Number(r.id)) ?? 0) + Number(r.n));
    }
  }
  return out;
}

/** The live record a possibly merged one now lives in (following merged_into_id), or null when there is none. */
export async function liveRecord(db: Kysely<DB>, entity: EntityKind, id: number): Promise<number | null> {
  let current = id;
  for (let hops = 0; hops < 100; hops++) {
    const r = await sql<{ m: number | null }>`SELECT merged_into_id AS m FROM ${sql.table(ENTITY_TABLE[entity])} WHERE id = ${current}`.execute(db);
    const row = r.rows[0];
    if (!row) return null;
    if (row.m === null) return current;
    current = Number(row.m);
  }
  return null;
}

/** A type alias, not an interface, so that it is a renderer row. */
export type HistoryRow = {
  readonly merge_id: number;
  readonly merged_at: string;
  readonly entity: string;
  readonly survivor_id: number;
  readonly survivor: string | null;
  readonly merged_id: number;
  readonly merged: string | null;
  readonly score: number | null;
  readonly moved_rows: number;
  readonly merged_by: string | null;
  readonly undone_at: string | null;
  readonly undone_by: string | null;
};

export async function mergeHistory(db: Kysely<DB>, opts: { entity?: EntityKind; limit?: number; includeUndone: boolean }): Promise<HistoryRow[]> {
  let q = db.selectFrom('merges').selectAll().orderBy('id', 'desc');
  if (opts.entity) q = q.where('entity', '=', opts.entity);
  if (!opts.includeUndone) q = q.where('undone_at', 'is', null);
  if (opts.limit) q = q.limit(opts.limit);
  const rows = await q.execute();
  const names = new Map<string, string>();
  for (const entity of ['client', 'contact'] as const) {
    const ids = [...new Set(rows.filter((r) => r.entity === entity).map((r) => r.survivor_id))];
    const col = entity === 'client' ? 'name' : 'full_name';
    for (const [id, row] of await fetchRows(db, entity, ids)) names.set(`${entity}:${id}`, String(row[col]));
  }
  return rows.map((r) => {
    const mergedRow = JSON.parse(r.merged_row) as Record<string, unknown>;
    const moved = JSON.parse(r.moved) as { refs?: Record<string, number[]> };
    return {
      merge_id: r.id,
      merged_at: r.merged_at,
      entity: r.entity,
      survivor_id: r.survivor_id,
      survivor: names.get(`${r.entity}:${r.survivor_id}`) ?? null,
      merged_id: r.merged_id,
      merged: String(mergedRow.name ?? mergedRow.full_name ?? ''),
      score: r.score,
      moved_rows: Object.values(moved.refs ?? {}).reduce((s, ids) => s + ids.length, 0),
      merged_by: r.merged_by,
      undone_at: r.undone_at,
      undone_by: r.undone_by,
    };
  });
}
