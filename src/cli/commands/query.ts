import fs from 'node:fs';
import { UsageError } from '../../errors.js';
import { findEntity } from '../../import/entities.js';
import { fieldsOf, findField, parseSort, parseWhere, type EntityFields, type Filter, type QueryField } from '../../query/spec.js';
import type { TableModel } from '../../render/model.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

export interface QueryFlags {
  where?: string[];
  columns?: string;
  sort?: string;
  limit?: string;
  type?: string;
  region?: string;
  keyAccounts?: boolean;
  status?: string;
  manager?: string;
  all?: boolean;
  param?: string[];
}

/** Rows shown in a terminal table unless --limit says otherwise. */
const TABLE_LIMIT = 200;

const EXTRA_TABLES: Record<string, string> = { imports: 'import_batches', import_batches: 'import_batches', merges: 'merges', settings: 'settings', aliases: 'client_aliases', client_aliases: 'client_aliases', not_duplicates: 'not_duplicates', backups: 'backup_runs', backup_runs: 'backup_runs' };

function tableFor(entity: string): string {
  const spec = findEntity(entity);
  if (spec) return spec.table;
  const t = EXTRA_TABLES[entity.toLowerCase()];
  if (t) return t;
  throw new UsageError(`unknown entity ${JSON.stringify(entity)}`, 'query one of: clients, contacts, staff, account_team, products, promotions, responses, deals, plan_tasks, activities, goals, assessments, imports, merges, settings; or crm query sql "SELECT …"');
}

/** A filter on the client a row belongs to: own column if it has one, else through client_id. */
function clientFilter(spec: EntityFields, clients: EntityFields, own: string, clientColumn: string, op: Filter['op'], value: string | number, flag: string): Filter {
  const field = spec.fields.find((f) => f.alias === 't' && f.column === own);
  if (field) return { field, op, value };
  if (spec.fields.some((f) => f.alias === 't' && f.column === 'client_id')) {
    const f = clients.fields.find((x) => x.alias === 't' && x.column === clientColumn)!;
    return { field: { ...f, alias: 'c' }, op, value, viaClient: true };
  }
  throw new UsageError(`${flag} does not apply to ${spec.table}`);
}

export async function run(ctx: Context, entity: string, sqlText: string | undefined, flags: QueryFlags): Promise<void> {
  if (entity === 'sql') return runSql(ctx, sqlText, flags);
  if (sqlText !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(sqlText)}`, 'filters go in --where FIELD=VALUE');
  const table = tableFor(entity);
  await withDatabase(ctx, async (cdb) => {
    const { tableColumns } = await import('../../db/catalog.js');
    const spec = fieldsOf(table, await tableColumns(cdb, table));
    const clients = fieldsOf('clients', await tableColumns(cdb, 'clients'));
    const { countAndRun, findStaffMember } = await import('../../db/queries/query.js');
    const filters: Filter[] = (flags.where ?? []).map((w) => parseWhere(spec, w));
    if (flags.type) filters.push(clientFilter(spec, clients, table === 'promotions' ? 'target_client_type' : 'client_type', 'client_type', '=', flags.type, '--type'));
    if (flags.region) filters.push(clientFilter(spec, clients, 'region', 'region', '=', flags.region, '--region'));
    if (flags.keyAccounts) filters.push(clientFilter(spec, clients, 'is_key_account', 'is_key_account', '=', 1, '--key-accounts'));
    if (flags.status) {
      const field = spec.fields.find((f) => f.alias === 't' && (f.column === 'status' || f.column === 'stage'));
      if (!field) throw new UsageError(`--status does not apply to ${table}`);
      filters.push({ field, op: '=', value: flags.status });
    }
    if (flags.manager) {
      const r = await findStaffMember(cdb.db, flags.manager);
      if (!r.ok) throw new UsageError(`--manager: ${r.reason}`);
      const own = ['manager_id', 'owner_id', 'staff_id', 'handled_by_id'].find((c) => spec.fields.some((f) => f.alias === 't' && f.column === c));
      if (own) filters.push({ field: spec.fields.find((f) => f.alias === 't' && f.column === own)!, op: '=', value: r.id });
      else filters.push(clientFilter(spec, clients, '-', 'manager_id', '=', r.id, '--manager'));
    }
    const show: QueryField[] = flags.columns ? flags.columns.split(',').map((c) => findField(spec, c.trim())) : spec.fields.filter((f) => f.shown);
    const sort = flags.sort ? parseSort(spec, flags.sort) : [];
    let limit: number | undefined;
    if (flags.limit !== undefined) {
      if (!/^\d+$/.test(flags.limit)) throw new UsageError('--limit takes a whole number (0 for no limit)');
      limit = Number(flags.limit) || undefined;
    } else if (ctx.render.format === 'table') limit = TABLE_LIMIT;
    const { total, rows } = await countAndRun(cdb, { spec, show, filters, sort, limit, includeMerged: flags.all });
    const model: TableModel = {
      columns: show.map((f) => ({ key: f.name, type: f.type })),
      rows,
      note: rows.length < total ? `${rows.length} of ${total} rows; --limit 0 shows all` : undefined,
    };
    await ctx.output(model);
    if (rows.length < total && ctx.render.format !== 'table') ctx.info(`${rows.length} of ${total} rows (--limit)`);
  });
}

/** Statements that change the connection or reach outside the file, even on a read-only one. */
const REFUSED = /^\s*(ATTACH|DETACH|VACUUM|PRAGMA|REINDEX|ANALYZE|BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
/** Introspection pragmas that only read. */
const READ_PRAGMAS = /^\s*PRAGMA\s+(table_info|table_xinfo|table_list|index_list|index_info|index_xinfo|foreign_key_list|foreign_key_check|integrity_check|quick_check|user_version|application_id|page_count|page_size|freelist_count|schema_version|database_list|compile_options|collation_list|function_list)\s*(\(\s*['"]?[\w.]+['"]?\s*\))?\s*;?\s*$/i;

function stripComments(text: string): string {
  return text.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
}

async function runSql(ctx: Context, text: string | undefined, flags: QueryFlags): Promise<void> {
  if (text === undefined) throw new UsageError('which SQL? crm query sql "SELECT …" (or - to read it from stdin)');
  const source = text === '-' ? fs.readFileSync(0, 'utf8') : text;
  const stmtText = stripComments(source);
  if (!stmtText.trim()) throw new UsageError('the SQL is empty');
  if (REFUSED.test(stmtText) && !READ_PRAGMAS.test(stmtText)) {
    throw new UsageError(`crm query sql only reads: ${stmtText.trim().split(/\s+/)[0]!.toUpperCase()} is refused`, 'use SELECT (or WITH … SELECT); change data with crm import or the crm client/contact commands');
  }
  const params: Record<string, string | number> = {};
  for (const p of flags.param ?? []) {
    const at = p.indexOf('=');
    if (at <= 0) throw new UsageError(`--param needs name=value, got ${JSON.stringify(p)}`);
    const v = p.slice(at + 1);
    params[p.slice(0, at).replace(/^[:@$]/, '')] = /^-?\d+$/.test(v) && v.length < 16 ? Number(v) : v;
  }
  const { readOnlyQuery } = await import('../../db/read-only.js');
  const { columns, rows } = await readOnlyQuery(ctx.dbFlag, ctx.env, source, params);
  await ctx.output({ columns: columns.map((key) => ({ key })), rows });
}
