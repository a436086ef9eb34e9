import { sql, type RawBuilder } from 'kysely';
import type { EntityFields, Filter, QueryField, SortKey } from '../../query/spec.js';
import { foldedContains, foldedOrder } from '../dialect.js';
import type { CrmDatabase } from '../open.js';

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
  const order = plan.sort.length
    ? sql`ORDER BY ${sql.join(plan.sort.map((s) => sql`${s.field.type === 'text' ? foldedOrder(ref(s.field)) : ref(s.field)} ${sql.raw(s.desc ? 'DESC' : 'ASC')}`))}, ${tiebreak}`
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
