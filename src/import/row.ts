/**
 * One record's raw text → the row to write: converted values, resolved references, required
 * fields and cross-field rules. Shared by `crm import` (a file's rows) and the edit commands
 * (`crm client add`, `crm log`…: one row from flags), so both accept exactly the same input.
 */
import type { Resolved, Value } from '../db/sqlite-import.js';
import { convert, type ConvertOptions } from './convert.js';
import type { EntitySpec, FieldSpec, RefTarget } from './entities.js';

export interface RowProblem {
  readonly field: string;
  readonly value?: string;
  readonly reason: string;
}

export interface Resolver {
  resolve(target: RefTarget, text: string): Resolved;
}

export function buildRow(
  spec: EntitySpec,
  values: ReadonlyMap<FieldSpec, string>,
  resolver: Resolver,
  opts: ConvertOptions,
  requireAll: boolean,
): { row: Record<string, Value>; problems: RowProblem[] } {
  const row: Record<string, Value> = {};
  const problems: RowProblem[] = [];
  for (const [field, raw] of values) {
    const c = convert(field.type, raw, opts);
    if (!c.ok) {
      problems.push({ field: field.name, value: raw, reason: c.reason });
      continue;
    }
    if (c.value !== null && field.type.kind === 'ref') {
      const r = resolver.resolve(field.type.target, String(c.value));
      if (!r.ok) problems.push({ field: field.name, value: raw, reason: r.reason });
      else row[field.column] = r.id;
    } else row[field.column] = c.value;
  }
  // a whole record (an import row) is checked here; a partial one (an update) by its caller,
  // once the values it does not change are known
  if (requireAll) {
    for (const f of spec.fields) {
      if (f.required && (row[f.column] === null || row[f.column] === undefined) && !problems.some((p) => p.field === f.name)) {
        problems.push({ field: f.name, reason: 'required, but empty' });
      }
    }
    if (problems.length === 0) problems.push(...crossCheck(spec, row));
  }
  return { row, problems };
}

/** The texts of the references in these records, per target (what a resolver looks up in one go: PgResolver.prepare(), RefResolver.prefetch()). */
export function referencesOf(spec: EntitySpec, records: Iterable<ReadonlyMap<FieldSpec, string>>, opts: ConvertOptions): Map<RefTarget, Set<string>> {
  const wanted = new Map<RefTarget, Set<string>>();
  const refFields = spec.fields.filter((f) => f.type.kind === 'ref');
  if (refFields.length === 0) return wanted;
  for (const values of records) {
    for (const f of refFields) {
      const raw = values.get(f);
      if (raw === undefined || f.type.kind !== 'ref') continue;
      const c = convert(f.type, raw, opts);
      if (!c.ok || c.value === null) continue;
      let set = wanted.get(f.type.target);
      if (!set) wanted.set(f.type.target, (set = new Set()));
      set.add(String(c.value));
    }
  }
  return wanted;
}

/** Cross-field rules, with messages that say how to fix the row. */
export function crossCheck(spec: EntitySpec, row: Record<string, Value>): { field: string; reason: string }[] {
  const out: { field: string; reason: string }[] = [];
  switch (spec.name) {
    case 'deals':
      if ((row.stage === 'won' || row.stage === 'lost') && !row.closed_on) out.push({ field: 'closed_on', reason: `a ${row.stage} deal needs closed_on` });
      if (row.closed_on && row.opened_on && String(row.closed_on) < String(row.opened_on)) out.push({ field: 'closed_on', reason: 'closed before it was opened' });
      break;
    case 'plan_tasks':
      if ((row.status === 'done' || row.status === 'failed') && !row.completed_on) out.push({ field: 'completed_on', reason: `a ${row.status} task needs completed_on` });
      break;
    case 'clients':
      if (row.status === 'lost' && !row.lost_date) out.push({ field: 'lost_date', reason: 'a lost client needs lost_date' });
      break;
    case 'promotions':
      if (row.ends_on && row.starts_on && String(row.ends_on) < String(row.starts_on)) out.push({ field: 'ends_on', reason: 'ends before it starts' });
      break;
    case 'responses':
      if (!row.client_id && !row.raw_company && !row.raw_name && !row.raw_phone && !row.raw_email) {
        out.push({ field: 'client', reason: 'a response needs a client, or at least one of raw_company, raw_name, raw_phone, raw_email' });
      }
      break;
  }
  return out;
}

