/**
 * Adding and changing single records from the command line (crm client, crm contact, crm log):
 * the same fields, formats, references and rules as `crm import`, one transaction per command,
 * stamped with who and when.
 */
import type { CrmDatabase } from '../db/open.js';
import { RefResolver, SqliteUpserter, type Resolved, type Value } from '../db/sqlite-import.js';
import { InputError, UsageError } from '../errors.js';
import type { EntitySpec, FieldSpec, RefTarget } from '../import/entities.js';
import { buildRow, crossCheck, type Resolver } from '../import/row.js';
import { localDateTime } from '../util/dates.js';

export interface EditContext {
  readonly user: string;
  readonly now: Date;
  readonly defaultCountry: string;
}

/** Field values from commander's camelCase options: `--client-type` → client_type. */
export function valuesFromFlags(spec: EntitySpec, flags: Readonly<Record<string, unknown>>): Map<FieldSpec, string> {
  const values = new Map<FieldSpec, string>();
  for (const f of spec.fields) {
    const key = f.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const v = flags[key];
    if (typeof v === 'string') values.set(f, v);
    else if (v === true) values.set(f, 'yes');
  }
  return values;
}

function failIfProblems(spec: EntitySpec, problems: readonly { field: string; value?: string; reason: string }[]): void {
  if (problems.length) {
    throw new InputError(
      `the ${spec.name.replace(/s$/, '')} was not saved`,
      `crm import fields ${spec.name} shows every field and its format`,
      problems.map((p) => ({ field: `--${p.field.replace(/_/g, '-')}`, value: p.value, reason: p.reason })),
    );
  }
}

/** What an edit needs from the backend: references, finding by match keys, inserting one row, reading and updating one row by id. */
interface EditBackend {
  readonly resolver: Resolver;
  find(row: Record<string, Value>): Promise<number[] | null>;
  insert(row: Record<string, Value>): Promise<number>;
  byId(id: number): Promise<Record<string, Value> | undefined>;
  update(id: number, sets: readonly string[], params: readonly Value[]): Promise<void>;
}

/**
 * Runs one edit in one transaction: IMMEDIATE on SQLite; SERIALIZABLE on PostgreSQL, retried
 * when a concurrent writer got in the way (src/db/pg-retry.ts), so no update is lost.
 */
async function inTransaction<T>(cdb: CrmDatabase, spec: EntitySpec, values: ReadonlyMap<FieldSpec, string>, e: EditContext, fn: (b: EditBackend) => T | Promise<T>): Promise<T> {
  const now = localDateTime(e.now);
  if (cdb.kind === 'postgres') {
    const { retryTransaction } = await import('../db/pg-retry.js');
    const { PgResolver, PgUpserter, prepareReferences } = await import('../db/pg-import.js');
    return retryTransaction(cdb.pgPool!, { what: `saving the ${spec.name.replace(/s$/, '')}` }, async (client) => {
      const resolver = new PgResolver(client, 'main');
      await prepareReferences(resolver, spec, values, { defaultCountry: e.defaultCountry });
      const upserter = new PgUpserter(client, spec, resolver, 'main', e.user, now);
      let init: Promise<void> | undefined;
      const ready = () => (init ??= upserter.init());
      const t = `"${spec.table}"`;
      return fn({
        resolver,
        find: async (row) => {
          await ready();
          await upserter.prepare([row]);
          return upserter.find(row);
        },
        insert: async (row) => {
          await ready();
          const r = upserter.insert(row);
          const real = await upserter.flush();
          return r.kind === 'inserted' ? (real.get(r.id) ?? -1) : -1;
        },
        byId: async (id) => (await client.query<Record<string, Value>>(`SELECT * FROM ${t} WHERE id = $1`, [id])).rows[0],
        update: async (id, sets, params) => {
          await client.query(`UPDATE ${t} SET ${sets.map((c, i) => `"${c}" = $${i + 1}`).join(', ')} WHERE id = $${sets.length + 1}`, [...params, id]);
        },
      });
    });
  }
  const sqlite = cdb.sqlite;
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    const resolver = new RefResolver(sqlite, 'main');
    const upserter = new SqliteUpserter(sqlite, spec, resolver, 'main', e.user, now);
    const out = await fn({
      resolver,
      find: async (row) => upserter.find(row),
      insert: async (row) => {
        const r = upserter.insert(row);
        return r.kind === 'inserted' ? r.id : -1;
      },
      byId: async (id) => sqlite.prepare(`SELECT * FROM ${spec.table} WHERE id = ?`).get(id) as Record<string, Value> | undefined,
      update: async (id, sets, params) => {
        sqlite.prepare(`UPDATE ${spec.table} SET ${sets.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...params, id);
      },
    });
    sqlite.exec('COMMIT');
    return out;
  } catch (err) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw err;
  }
}

/** One reference as people type it (an e-mail, an external id, a name), on either backend. */
export async function resolveReference(cdb: CrmDatabase, target: RefTarget, text: string): Promise<Resolved> {
  if (cdb.kind === 'postgres') {
    const { resolveOnePg } = await import('../db/pg-import.js');
    return resolveOnePg(cdb.pgPool!, target, text);
  }
  return new RefResolver(cdb.sqlite, 'main').resolve(target, text);
}

/** Inserts one new record; refuses when it matches an existing one by the entity's keys. */
export function addRecord(cdb: CrmDatabase, spec: EntitySpec, values: Map<FieldSpec, string>, e: EditContext, extra: Record<string, Value> = {}): Promise<number> {
  return inTransaction(cdb, spec, values, e, async ({ resolver, find, insert }) => {
    const { row, problems } = buildRow(spec, values, resolver, { defaultCountry: e.defaultCountry }, false);
    Object.assign(row, extra);
    for (const f of spec.fields) {
      if (f.required && (row[f.column] === null || row[f.column] === undefined) && !problems.some((p) => p.field === f.name)) {
        problems.push({ field: f.name, reason: 'required' });
      }
    }
    if (problems.length === 0) problems.push(...crossCheck(spec, row));
    failIfProblems(spec, problems);
    const existing = await find(row);
    if (existing && existing.length > 0) {
      throw new UsageError(
        `a matching ${spec.name.replace(/s$/, '')} exists already (#${existing.join(', #')})`,
        `change it with crm ${spec.name.replace(/s$/, '')} update #${existing[0]}`,
      );
    }
    return insert(row);
  });
}

export interface Change {
  readonly field: string;
  readonly before: Value;
  readonly after: Value;
}

/** Changes the given fields of one record; returns what changed. */
export async function updateRecord(cdb: CrmDatabase, spec: EntitySpec, id: number, values: Map<FieldSpec, string>, e: EditContext, extra: Record<string, Value> = {}): Promise<Change[]> {
  if (values.size === 0 && Object.keys(extra).length === 0) throw new UsageError('nothing to change: give the fields to set, e.g. --phone "+7 495 123-45-67"');
  return inTransaction(cdb, spec, values, e, async ({ resolver, byId, update }) => {
    const { row, problems } = buildRow(spec, values, resolver, { defaultCountry: e.defaultCountry }, false);
    Object.assign(row, extra);
    const before = await byId(id);
    if (!before) throw new UsageError(`no ${spec.name.replace(/s$/, '')} #${id}`);
    // an empty value given on purpose clears the field (unlike an import, where empty means "unknown")
    for (const [f, raw] of values) if (raw.trim() === '' && !f.required) row[f.column] = null;
    if (problems.length === 0) problems.push(...crossCheck(spec, { ...before, ...row }));
    failIfProblems(spec, problems);
    const changes: Change[] = Object.keys(row)
      .filter((c) => before[c] !== row[c])
      .map((c) => ({ field: spec.fields.find((f) => f.column === c)?.name ?? c, before: before[c] ?? null, after: row[c] ?? null }));
    if (changes.length === 0) return [];
    const sets = [...Object.keys(row).filter((c) => before[c] !== row[c])];
    const params: Value[] = sets.map((c) => row[c] ?? null);
    if (spec.stamped) {
      sets.push('updated_at', 'updated_by');
      params.push(localDateTime(e.now), e.user);
    }
    await update(id, sets, params);
    return changes;
  });
}
