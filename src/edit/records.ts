/**
 * Adding and changing single records from the command line (crm client, crm contact, crm log):
 * the same fields, formats, references and rules as `crm import`, one transaction per command,
 * stamped with who and when.
 */
import type { CrmDatabase } from '../db/open.js';
import { RefResolver, SqliteUpserter, type Value } from '../db/sqlite-import.js';
import { InputError, UsageError } from '../errors.js';
import type { EntitySpec, FieldSpec } from '../import/entities.js';
import { buildRow, crossCheck } from '../import/row.js';
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

function inTransaction<T>(cdb: CrmDatabase, fn: () => T): T {
  return cdb.sqlite.transaction(fn).immediate();
}

/** Inserts one new record; refuses when it matches an existing one by the entity's keys. */
export function addRecord(cdb: CrmDatabase, spec: EntitySpec, values: Map<FieldSpec, string>, e: EditContext, extra: Record<string, Value> = {}): number {
  return inTransaction(cdb, () => {
    const resolver = new RefResolver(cdb.sqlite, 'main');
    const { row, problems } = buildRow(spec, values, resolver, { defaultCountry: e.defaultCountry }, false);
    Object.assign(row, extra);
    for (const f of spec.fields) {
      if (f.required && (row[f.column] === null || row[f.column] === undefined) && !problems.some((p) => p.field === f.name)) {
        problems.push({ field: f.name, reason: 'required' });
      }
    }
    if (problems.length === 0) problems.push(...crossCheck(spec, row));
    failIfProblems(spec, problems);
    const upserter = new SqliteUpserter(cdb.sqlite, spec, resolver, 'main', e.user, localDateTime(e.now));
    const existing = upserter.find(row);
    if (existing && existing.length > 0) {
      throw new UsageError(
        `a matching ${spec.name.replace(/s$/, '')} exists already (#${existing.join(', #')})`,
        `change it with crm ${spec.name.replace(/s$/, '')} update #${existing[0]}`,
      );
    }
    const r = upserter.insert(row);
    return r.kind === 'inserted' ? r.id : -1;
  });
}

export interface Change {
  readonly field: string;
  readonly before: Value;
  readonly after: Value;
}

/** Changes the given fields of one record; returns what changed. */
export function updateRecord(cdb: CrmDatabase, spec: EntitySpec, id: number, values: Map<FieldSpec, string>, e: EditContext, extra: Record<string, Value> = {}): Change[] {
  if (values.size === 0 && Object.keys(extra).length === 0) throw new UsageError('nothing to change: give the fields to set, e.g. --phone "+7 495 123-45-67"');
  return inTransaction(cdb, () => {
    const resolver = new RefResolver(cdb.sqlite, 'main');
    const { row, problems } = buildRow(spec, values, resolver, { defaultCountry: e.defaultCountry }, false);
    Object.assign(row, extra);
    const before = cdb.sqlite.prepare(`SELECT * FROM ${spec.table} WHERE id = ?`).get(id) as Record<string, Value> | undefined;
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
    cdb.sqlite.prepare(`UPDATE ${spec.table} SET ${sets.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...params, id);
    return changes;
  });
}
