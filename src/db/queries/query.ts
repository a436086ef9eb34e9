import { sql, type Kysely, type RawBuilder } from 'kysely';
import { fold } from '../../util/normalize.js';
import type { EntityFields, Filter, QueryField, SortKey } from '../../query/spec.js';
import { foldedContains, foldedOrder } from '../dialect.js';
import type { CrmDatabase } from '../open.js';
import type { DB } from '../types.js';

export interface QueryPlan {
  readonly spec: EntityFields;
  readonly show: readonly QueryField[];
  readonly filters: readonly Filter[];
  readonly sort: readonly SortKey[];
  readonly limit?: number;
  /** clients and contacts merged into another record are left out unless asked for */
  readonly includeMerged?: boolean;
}

function ref(f: QueryField): RawBuilder<unknown> {
  return sql.ref(`${f.alias}.${f.column}`);
}

function condition(f: Filter): RawBuilder<unknown> {
  if (f.viaClient) {
    const inner = condition({ ...f, viaClient: false });
    return sql`t.client_id IN (SELECT ${sql.ref(`${f.field.alias}.id`)} FROM clients AS ${sql.id(f.field.alias)} WHERE ${inner})`;
  }
  const col = ref(f.field);
  switch (f.op) {
    case '~':
      return foldedContains(col, String(f.value));
    case '=':
      return typeof f.value === 'string' && f.field.type === 'text' ? sql`crm_fold(${col}) = crm_fold(${f.value})` : sql`${col} = ${f.value}`;
    case '!=':
      return typeof f.value === 'string' && f.field.type === 'text' ? sql`(${col} IS NULL OR crm_fold(${col}) <> crm_fold(${f.value}))` : sql`(${col} IS NULL OR ${col} <> ${f.value})`;
    default:
      // dates are ISO text: a month or year given as a prefix compares correctly by string
      return sql`${col} ${sql.raw(f.op)} ${f.value}`;
  }
}

export async function countAndRun(cdb: CrmDatabase, plan: QueryPlan): Promise<{ total: number; rows: Record<string, unknown>[] }> {
  const { spec } = plan;
  const joins = spec.joins.map((j) => sql`LEFT JOIN ${sql.table(j.table)} AS ${sql.id(j.alias)} ON ${sql.ref(`${j.alias}.id`)} = ${sql.ref(`t.${j.on}`)}`);
  const conds = plan.filters.map(condition);
  const hasMerged = spec.fields.some((f) => f.column === 'merged_into_id' && f.alias === 't');
  if (hasMerged && !plan.includeMerged) conds.push(sql`t.merged_into_id IS NULL`);
  const where = conds.length ? sql`WHERE ${sql.join(conds, sql` AND `)}` : sql``;
  const from = sql`FROM ${sql.table(spec.table)} AS t ${sql.join(joins, sql` `)} ${where}`;
  const tiebreak = sql.ref(`t.${spec.fields.some((f) => f.column === 'id' && f.alias === 't') ? 'id' : spec.fields[0]!.column}`);
  // empty values sort first, as SQLite sorts NULL (PostgreSQL would put them last)
  const order = plan.sort.length
    ? sql`ORDER BY ${sql.join(plan.sort.map((s) => sql`${s.field.type === 'text' ? foldedOrder(ref(s.field)) : ref(s.field)} ${sql.raw(s.desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST')}`))}, ${tiebreak}`
    : sql`ORDER BY ${tiebreak}`;
  const limit = plan.limit !== undefined ? sql`LIMIT ${plan.limit}` : sql``;
  const cols = plan.show.map((f) => sql`${ref(f)} AS ${sql.id(f.name)}`);
  const rows = await sql<Record<string, unknown>>`SELECT ${sql.join(cols)} ${from} ${order} ${limit}`.execute(cdb.db);
  let total = rows.rows.length;
  if (plan.limit !== undefined && total >= plan.limit) {
    const c = await sql<{ n: number }>`SELECT count(*) AS n ${from}`.execute(cdb.db);
    total = Number(c.rows[0]?.n ?? total);
  }
  return { total, rows: rows.rows };
}

export type StaffLookup = { ok: true; id: number } | { ok: false; reason: string };

/**
 * `--manager X`: a staff member by external id (of the main source), e-mail or exact name
 * (ignoring case, ё/е and spaces), the keys `crm import` resolves staff by, with its messages.
 */
export async function findStaffMember(db: Kysely<DB>, text: string): Promise<StaffLookup> {
  const t = text.trim().replace(/\s+/g, ' ');
  const byExternal = await db.selectFrom('staff').select('id').where('source', '=', 'main').where('external_id', '=', t).orderBy('id').executeTakeFirst();
  if (byExternal) return { ok: true, id: byExternal.id };
  const keys: [string, () => Promise<number[]>][] = [
    ['e-mail', async () => (await db.selectFrom('staff').select('id').where('email', '=', t.toLowerCase()).orderBy('id').limit(6).execute()).map((r) => r.id)],
    ['name', async () => (await db.selectFrom('staff').select(['id', 'name']).orderBy('id').execute()).filter((r) => fold(r.name) === fold(t)).map((r) => r.id)],
  ];
  for (const [label, lookUp] of keys) {
    const ids = await lookUp();
    if (ids.length === 0) continue;
    if (ids.length === 1) return { ok: true, id: ids[0]! };
    return { ok: false, reason: `${JSON.stringify(text)} matches ${ids.length > 5 ? 'more than 5' : ids.length} staff by ${label} (ids ${ids.slice(0, 5).join(', ')}): refer to one by its external id` };
  }
  return { ok: false, reason: `no staff with external id, e-mail or name ${JSON.stringify(text)}` };
}
