/**
 * What `crm query <entity>` may filter, show and sort by: the table's columns (read from the
 * database, so they always match the schema) under friendly names, plus the names of what a
 * reference points at (client, manager, product…). Pure: columns in, fields and filters out.
 */
import { UsageError } from '../errors.js';
import type { ColumnType } from '../render/model.js';
import { parseDate } from '../util/dates.js';
import { parseMoney } from '../util/money.js';

export type Op = '=' | '!=' | '~' | '>' | '<' | '>=' | '<=';

export interface QueryField {
  /** the name users type and CSV headers carry */
  readonly name: string;
  /** the SQL expression's parts: table alias and column */
  readonly alias: string;
  readonly column: string;
  readonly type: ColumnType;
  /** shown when --columns is not given */
  readonly shown: boolean;
}

export interface Filter {
  readonly field: QueryField;
  /** set when the field is the client's (t.client_id IN clients matching it) */
  readonly viaClient?: boolean;
  readonly op: Op;
  /** bound as a parameter, never spliced into SQL */
  readonly value: string | number;
}

/** A reference column and the table/column whose value names what it points at. */
const REFERENCES: Record<string, { table: string; column: string }> = {
  client_id: { table: 'clients', column: 'name' },
  parent_id: { table: 'clients', column: 'name' },
  survivor_id: { table: 'clients', column: 'name' },
  contact_id: { table: 'contacts', column: 'full_name' },
  staff_id: { table: 'staff', column: 'name' },
  manager_id: { table: 'staff', column: 'name' },
  owner_id: { table: 'staff', column: 'name' },
  handled_by_id: { table: 'staff', column: 'name' },
  assessor_id: { table: 'staff', column: 'name' },
  product_id: { table: 'products', column: 'name' },
  promotion_id: { table: 'promotions', column: 'name' },
};

const HIDDEN = new Set(['created_by', 'updated_at', 'updated_by', 'source', 'merged_into_id', 'merged_row', 'survivor_before', 'moved']);

function typeOf(column: string): ColumnType {
  if (column.endsWith('_minor')) return 'money';
  if (column.startsWith('is_') || column === 'active' || column === 'verified') return 'bool';
  if (/(_on|_at|_date|^since|^until|contract_since|contract_until)$/.test(column)) return 'date';
  if (column === 'id' || (column.endsWith('_id') && column !== 'external_id') || /^(criterion|rating|carry_count|inserted|updated|unchanged|rejected|bytes|score)$/.test(column)) return 'int';
  return 'text';
}

export interface JoinSpec {
  readonly alias: string;
  readonly table: string;
  readonly on: string;
}

export interface EntityFields {
  readonly table: string;
  readonly fields: readonly QueryField[];
  readonly joins: readonly JoinSpec[];
}

/** Fields of a table, given its columns in order: money without _minor, references with names. */
export function fieldsOf(table: string, columns: readonly string[]): EntityFields {
  const fields: QueryField[] = [];
  const joins: JoinSpec[] = [];
  for (const column of columns) {
    const type = typeOf(column);
    const name = type === 'money' ? column.replace(/_minor$/, '') : column;
    fields.push({ name, alias: 't', column, type, shown: !HIDDEN.has(column) });
    const ref = REFERENCES[column];
    if (ref && !(table === 'clients' && column === 'survivor_id')) {
      const alias = `j_${column}`;
      joins.push({ alias, table: ref.table, on: column });
      fields.push({ name: column.replace(/_id$/, '').replace(/^handled_by$/, 'handled_by'), alias, column: ref.column, type: 'text', shown: true });
    }
  }
  return { table, fields, joins };
}

export function findField(spec: EntityFields, name: string): QueryField {
  const f = spec.fields.find((x) => x.name === name) ?? spec.fields.find((x) => x.column === name && x.alias === 't');
  if (!f) {
    throw new UsageError(`${spec.table} has no field ${JSON.stringify(name)}`, `the fields are: ${spec.fields.map((x) => x.name).join(', ')}`);
  }
  return f;
}

const OPS: readonly Op[] = ['>=', '<=', '!=', '=', '~', '>', '<'];

/** Parses `field=value`, `field~text`, `amount>=1000`, `opened_on<2026-01-01`. */
export function parseWhere(spec: EntityFields, text: string): Filter {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|!=|=|~|>|<)(.*)$/s.exec(text);
  if (!m) throw new UsageError(`--where ${JSON.stringify(text)}: expected FIELD=VALUE (or ~ != > < >= <=)`, "e.g. --where region=Москва --where 'name~ромашка' --where 'amount>=100000'");
  const field = findField(spec, m[1]!);
  const op = m[2] as Op;
  if (!OPS.includes(op)) throw new UsageError(`unknown operator ${op}`);
  return { field, op, value: filterValue(field, op, m[3]!.trim()) };
}

/** A value in the form the column holds: kopecks for money, ISO for dates, 0/1 for flags. */
export function filterValue(field: QueryField, op: Op, raw: string): string | number {
  if (op === '~') return raw;
  switch (field.type) {
    case 'money': {
      const p = parseMoney(raw);
      if (!p.ok) throw new UsageError(`${field.name}: ${JSON.stringify(raw)} is not an amount (${p.reason})`);
      return p.minor;
    }
    case 'int':
    case 'number': {
      if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new UsageError(`${field.name}: ${JSON.stringify(raw)} is not a number`);
      return Number(raw);
    }
    case 'bool': {
      const v = raw.toLowerCase();
      if (['1', 'yes', 'true', 'да'].includes(v)) return 1;
      if (['0', 'no', 'false', 'нет'].includes(v)) return 0;
      throw new UsageError(`${field.name}: ${JSON.stringify(raw)} is not yes or no`);
    }
    case 'date': {
      if (/^\d{4}(-\d{2})?$/.test(raw)) return raw; // a year or a month compares as a prefix of ISO dates
      const d = /\d{2}:\d{2}/.test(raw) ? raw : parseDate(raw);
      if (typeof d === 'string') return d;
      if (!d.ok) throw new UsageError(`${field.name}: ${d.reason}`);
      return d.value;
    }
    default:
      return raw;
  }
}

export interface SortKey {
  readonly field: QueryField;
  readonly desc: boolean;
}

/** `--sort name`, `--sort -amount`, `--sort amount:desc,name`. */
export function parseSort(spec: EntityFields, text: string): SortKey[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      let desc = false;
      let name = s;
      if (name.startsWith('-')) {
        desc = true;
        name = name.slice(1);
      }
      const m = /^(.*):(asc|desc)$/i.exec(name);
      if (m) {
        name = m[1]!;
        desc = m[2]!.toLowerCase() === 'desc';
      }
      return { field: findField(spec, name), desc };
    });
}
