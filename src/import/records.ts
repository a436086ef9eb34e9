/**
 * Text → records of raw field values with their line numbers, from CSV (RFC 4180 and the
 * spreadsheet variants), a JSON array or NDJSON. Header problems stop the file before any row.
 */
import { parse } from 'csv-parse';
import { InputError, type InputProblem } from '../errors.js';
import type { EntitySpec, FieldSpec } from './entities.js';
import { fieldForHeader, mapHeaders, type UserMap } from './headers.js';
import type { InputFormat } from './input.js';

/** One input row: raw text per field name, and problems with its shape. */
export interface RawRecord {
  readonly line: number;
  readonly values: ReadonlyMap<FieldSpec, string>;
  readonly problems: readonly InputProblem[];
  /** the row as it was, for --rejects */
  readonly raw: readonly string[];
}

export interface RecordOptions {
  readonly name: string;
  readonly format: InputFormat;
  readonly delimiter: string;
  readonly header: boolean;
  readonly positional?: readonly string[];
  readonly userMap?: UserMap;
  readonly ignoreUnknown: boolean;
}

/** Longest field accepted; longer ones are nearly always a missing closing quote. */
export const MAX_FIELD = 65536;
const MAX_RECORD = 16 * 1024 * 1024;

export interface RecordStream {
  /** source column headers (CSV) or keys (JSON), for --rejects */
  readonly headers: readonly string[];
  readonly records: AsyncGenerator<RawRecord>;
}

export async function openRecords(spec: EntitySpec, text: AsyncIterable<string>, opts: RecordOptions): Promise<RecordStream> {
  if (opts.format === 'csv') return openCsv(spec, text, opts);
  return openJson(spec, text, opts);
}

function csvError(err: unknown, name: string): never {
  const e = err as { code?: string; lines?: number; message?: string };
  if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
    throw new InputError(`${name}: a quote is opened and never closed (the file ends inside a quoted field, near line ${e.lines})`, 'close the quote, or double a quote that is part of the text ("")');
  }
  if (e.code === 'CSV_MAX_RECORD_SIZE') {
    throw new InputError(`${name}: a row longer than ${MAX_RECORD / 1024 / 1024} MB near line ${e.lines}: a closing quote is probably missing`);
  }
  if (typeof e.code === 'string' && e.code.startsWith('CSV_')) throw new InputError(`${name}: ${e.message}`);
  throw err;
}

async function openCsv(spec: EntitySpec, text: AsyncIterable<string>, opts: RecordOptions): Promise<RecordStream> {
  const parser = parse({
    delimiter: opts.delimiter,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD,
  });
  const feed = (async () => {
    try {
      for await (const chunk of text) {
        if (!parser.write(chunk)) await new Promise((r) => parser.once('drain', r));
      }
      parser.end();
    } catch (err) {
      parser.destroy(err as Error);
    }
  })();
  const it = (parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>)[Symbol.asyncIterator]();
  const next = async () => {
    try {
      return await it.next();
    } catch (err) {
      csvError(err, opts.name);
    }
  };

  let headers: string[];
  let pending: { record: string[]; line: number } | undefined;
  let prevLines = 0;
  let prevEmpty = 0;
  const startLine = (info: { lines: number; empty_lines: number }) => {
    const start = prevLines + 1 + (info.empty_lines - prevEmpty);
    prevLines = info.lines;
    prevEmpty = info.empty_lines;
    return start;
  };

  const first = await next();
  if (first.done) throw new InputError(`${opts.name} is empty`, opts.header ? 'a file needs a header row and at least one data row' : undefined);
  const firstLine = startLine(first.value.info);
  if (opts.header) {
    headers = first.value.record.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h));
  } else {
    headers = first.value.record.map((_, i) => String(i + 1));
    pending = { record: first.value.record, line: firstLine };
  }
  const mapping = mapHeaders(spec, headers, { userMap: opts.userMap, ignoreUnknown: opts.ignoreUnknown, positional: opts.header ? undefined : opts.positional });
  if (mapping.problems.length) {
    throw new InputError(
      `${opts.name}: the columns do not fit ${spec.name}`,
      `crm import fields ${spec.name} lists the fields and the headers each accepts`,
      mapping.problems.map((p) => ({ file: opts.name, line: opts.header ? firstLine : undefined, field: p.header || undefined, reason: p.reason })),
    );
  }
  const width = headers.length;

  async function* records(): AsyncGenerator<RawRecord> {
    let count = 0;
    const toRecord = (record: string[], line: number): RawRecord => {
      count++;
      const problems: InputProblem[] = [];
      if (record.length !== width) {
        problems.push({
          file: opts.name,
          line,
          reason: `${record.length} fields where the header has ${width}: a delimiter inside a value needs quotes, or a field is missing`,
        });
      }
      const values = new Map<FieldSpec, string>();
      record.forEach((value, i) => {
        const field = mapping.fields[i];
        if (!field) return;
        if (value.length > MAX_FIELD) {
          problems.push({ file: opts.name, line, field: field.name, value: value.slice(0, 40), reason: `${value.length} characters, more than ${MAX_FIELD}: is a closing quote missing?` });
          return;
        }
        values.set(field, value);
      });
      return { line, values, problems, raw: record };
    };
    if (pending) yield toRecord(pending.record, pending.line);
    for (;;) {
      const n = await next();
      if (n.done) break;
      yield toRecord(n.value.record, startLine(n.value.info));
    }
    await feed;
    if (count === 0) throw new InputError(`${opts.name} has a header but no rows`, 'there is nothing to import');
  }
  return { headers, records: records() };
}

async function openJson(spec: EntitySpec, text: AsyncIterable<string>, opts: RecordOptions): Promise<RecordStream> {
  const keys = new Map<string, FieldSpec | null>();
  const unknown = new Set<string>();
  const userMap = new Map<string, string>();
  for (const [k, v] of opts.userMap ?? []) userMap.set(k, v);
  const fieldFor = (key: string): FieldSpec | null => {
    let f = keys.get(key);
    if (f !== undefined) return f;
    const mapped = userMap.get(key);
    if (mapped !== undefined) f = mapped === '-' ? null : (spec.fields.find((x) => x.name === mapped) ?? null);
    else f = fieldForHeader(spec, key) ?? null;
    if (f === null && mapped === undefined && !opts.ignoreUnknown) unknown.add(key);
    keys.set(key, f);
    return f;
  };

  const toRecord = (obj: unknown, line: number): RawRecord => {
    const problems: InputProblem[] = [];
    const values = new Map<FieldSpec, string>();
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      problems.push({ file: opts.name, line, reason: 'not a JSON object' });
      return { line, values, problems, raw: [JSON.stringify(obj)] };
    }
    for (const [k, v] of Object.entries(obj)) {
      const field = fieldFor(k);
      if (!field || v === null || v === undefined) continue;
      if (typeof v === 'object') {
        problems.push({ file: opts.name, line, field: field.name, reason: 'a nested object or array where a single value belongs' });
        continue;
      }
      values.set(field, String(v));
    }
    return { line, values, problems, raw: [JSON.stringify(obj)] };
  };

  const checkUnknown = () => {
    if (unknown.size) {
      throw new InputError(`${opts.name}: unknown keys for ${spec.name}: ${[...unknown].join(', ')}`, `map them with --map 'key=FIELD', drop them with --map 'key=-' or --ignore-unknown; crm import fields ${spec.name} lists the fields`);
    }
  };

  async function* records(): AsyncGenerator<RawRecord> {
    let count = 0;
    if (opts.format === 'json') {
      let all = '';
      for await (const chunk of text) all += chunk;
      let data: unknown;
      try {
        data = JSON.parse(all);
      } catch (err) {
        throw new InputError(`${opts.name}: not valid JSON: ${(err as Error).message}`);
      }
      if (!Array.isArray(data)) throw new InputError(`${opts.name}: expected a JSON array of objects`);
      data.forEach((o) => o && typeof o === 'object' && Object.keys(o).forEach(fieldFor));
      checkUnknown();
      for (let i = 0; i < data.length; i++) {
        count++;
        yield toRecord(data[i], i + 1);
      }
    } else {
      let buffer = '';
      let line = 0;
      const handle = (l: string): RawRecord | null => {
        line++;
        if (!l.trim()) return null;
        let obj: unknown;
        try {
          obj = JSON.parse(l);
        } catch (err) {
          return { line, values: new Map(), problems: [{ file: opts.name, line, reason: `not valid JSON: ${(err as Error).message}` }], raw: [l] };
        }
        const r = toRecord(obj, line);
        checkUnknown();
        return r;
      };
      for await (const chunk of text) {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const r = handle(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
          if (r) {
            count++;
            yield r;
          }
        }
      }
      const r = handle(buffer);
      if (r) {
        count++;
        yield r;
      }
    }
    if (count === 0) throw new InputError(`${opts.name} holds no records`);
    const required = spec.fields.filter((f) => f.required && ![...keys.values()].includes(f));
    if (required.length) throw new InputError(`${opts.name}: no key for the required field(s) ${required.map((f) => f.name).join(', ')}`);
  }
  return { headers: ['json'], records: records() };
}
