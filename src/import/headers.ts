/**
 * Which field each column of a file fills: by field name, by an English or Russian alias, or by
 * the user's --map / --mapping. Pure: headers and options in, a mapping or problems out.
 */
import { UsageError } from '../errors.js';
import { fold } from '../util/normalize.js';
import type { EntitySpec, FieldSpec } from './entities.js';

/** Header spellings compared without case, ё/е, spaces and punctuation: "E-mail" = "email", "Эл. почта" = "эл почта". */
export function headerKey(text: string): string {
  return fold(text).replace(/[^\p{L}\p{N}]+/gu, '');
}

/** A user's mapping: source header (or 1-based column number) → field name, or "-" to ignore. */
export type UserMap = ReadonlyMap<string, string>;

/** Parses repeated `--map 'Source header=field'` values. */
export function parseMapOptions(values: readonly string[], spec: EntitySpec): Map<string, string> {
  const map = new Map<string, string>();
  for (const v of values) {
    const at = v.lastIndexOf('=');
    if (at <= 0) throw new UsageError(`--map needs 'Source header=field', got ${JSON.stringify(v)}`);
    const source = v.slice(0, at).trim();
    const field = v.slice(at + 1).trim();
    checkField(field, spec, `--map ${JSON.stringify(v)}`);
    map.set(source, field);
  }
  return map;
}

/** A mapping file: JSON {"Source header": "field"} or lines `Source header=field` (# comments). */
export function parseMappingFile(text: string, file: string, spec: EntitySpec): Map<string, string> {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  const map = new Map<string, string>();
  if (trimmed.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(trimmed);
    } catch (err) {
      throw new UsageError(`${file}: not valid JSON: ${(err as Error).message}`);
    }
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      if (typeof v !== 'string') throw new UsageError(`${file}: the value for ${JSON.stringify(k)} must be a field name`);
      checkField(v, spec, `${file}: ${JSON.stringify(k)}`);
      map.set(k, v);
    }
    return map;
  }
  trimmed.split(/\r?\n/).forEach((line, i) => {
    const l = line.trim();
    if (!l || l.startsWith('#')) return;
    const at = l.lastIndexOf('=');
    if (at <= 0) throw new UsageError(`${file} line ${i + 1}: expected 'Source header=field'`);
    const field = l.slice(at + 1).trim();
    checkField(field, spec, `${file} line ${i + 1}`);
    map.set(l.slice(0, at).trim(), field);
  });
  return map;
}

function checkField(field: string, spec: EntitySpec, where: string): void {
  if (field === '-' || spec.fields.some((f) => f.name === field)) return;
  throw new UsageError(
    `${where}: ${spec.name} has no field ${JSON.stringify(field)}`,
    `the fields are: ${spec.fields.map((f) => f.name).join(', ')} (see crm import fields ${spec.name})`,
  );
}

/** The columns --rejects adds; a fixed rejects file imports again without mapping them. */
export const REJECTS_COLUMNS = ['crm_line', 'crm_errors'];

export interface HeaderProblem {
  readonly column: number;
  readonly header: string;
  readonly reason: string;
}

export interface HeaderMapping {
  /** per source column: the field it fills, or null when ignored */
  readonly fields: readonly (FieldSpec | null)[];
  readonly problems: readonly HeaderProblem[];
}

/** Finds the field a header names; undefined when it names none. */
export function fieldForHeader(spec: EntitySpec, header: string): FieldSpec | undefined {
  const key = headerKey(header);
  if (!key) return undefined;
  return spec.fields.find((f) => headerKey(f.name) === key) ?? spec.fields.find((f) => f.aliases.some((a) => headerKey(a) === key));
}

/**
 * Maps the columns of a file. With `positional` (--no-header), column i fills the i-th field
 * named in `positional`.
 */
export function mapHeaders(
  spec: EntitySpec,
  headers: readonly string[],
  opts: { userMap?: UserMap; ignoreUnknown?: boolean; positional?: readonly string[] } = {},
): HeaderMapping {
  const problems: HeaderProblem[] = [];
  const fields: (FieldSpec | null)[] = [];
  const userMap = new Map<string, string>();
  for (const [k, v] of opts.userMap ?? []) userMap.set(headerKey(k), v);
  headers.forEach((raw, i) => {
    const header = raw.trim();
    const byUser = userMap.get(String(i + 1)) ?? userMap.get(headerKey(header));
    let field: FieldSpec | null | undefined;
    if (REJECTS_COLUMNS.includes(header)) field = null;
    else if (byUser !== undefined) field = byUser === '-' ? null : spec.fields.find((f) => f.name === byUser);
    else if (opts.positional) {
      const name = opts.positional[i];
      field = name === undefined || name === '-' ? null : spec.fields.find((f) => f.name === name);
    } else field = fieldForHeader(spec, header);
    if (field === undefined) {
      if (opts.ignoreUnknown) field = null;
      else {
        problems.push({
          column: i + 1,
          header,
          reason: header
            ? `unknown column ${JSON.stringify(header)}: map it with --map '${header}=FIELD', or drop it with --map '${header}=-' or --ignore-unknown`
            : `column ${i + 1} has no header: name it, or map it with --map '${i + 1}=FIELD'`,
        });
        field = null;
      }
    }
    if (field) {
      const first = fields.indexOf(field);
      if (first >= 0) {
        problems.push({
          column: i + 1,
          header,
          reason: `columns ${first + 1} (${JSON.stringify(headers[first]?.trim())}) and ${i + 1} (${JSON.stringify(header)}) both fill field ${field.name}: drop one with --map '${header}=-'`,
        });
      }
    }
    fields.push(field);
  });
  for (const f of spec.fields) {
    if (f.required && !fields.includes(f)) {
      problems.push({
        column: 0,
        header: '',
        reason: `no column for the required field ${f.name} (headers it accepts: ${[f.name, ...f.aliases].join(', ')}); map one with --map 'Header=${f.name}'`,
      });
    }
  }
  return { fields, problems };
}
