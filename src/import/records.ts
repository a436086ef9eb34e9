/**
 * Text → records of raw field values with their line numbers, from CSV (RFC 4180 and the
 * spreadsheet variants), a JSON array or NDJSON. Header problems stop the file before any row.
 */
import { parse, type Options } from 'csv-parse';
import { InputError, type InputProblem } from '../errors.js';
import { FastCsv } from './csv-fast.js';
import type { EntitySpec, FieldSpec } from './entities.js';
import { fieldForHeader, mapHeaders, type UserMap } from './headers.js';
import { decode, type ByteSource, type InputFacts, type InputFormat } from './input.js';

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
  /** the name problems with rows give (the base name, as the checks of their values do); default `name` */
  readonly displayName?: string;
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
  /** records in batches: one await per batch, not per row */
  readonly records: AsyncGenerator<RawRecord[]>;
}

/** The records of an import's input, decoded and parsed as `facts` says, mapped as `opts` says. */
export function readRecords(spec: EntitySpec, src: ByteSource, facts: InputFacts, opts: Pick<RecordOptions, 'header' | 'positional' | 'userMap' | 'ignoreUnknown'>): Promise<RecordStream> {
  return openRecords(spec, decode(src.chunks(), facts.encoding, facts.bom, facts.name), {
    name: facts.name,
    displayName: facts.displayName,
    format: facts.format,
    delimiter: facts.delimiter,
    header: opts.header,
    positional: opts.positional,
    userMap: opts.userMap,
    ignoreUnknown: opts.ignoreUnknown,
  });
}

export async function openRecords(spec: EntitySpec, text: AsyncIterable<string>, opts: RecordOptions): Promise<RecordStream> {
  if (opts.format === 'csv') return openCsv(spec, text, opts);
  return openJson(spec, text, opts);
}

function csvError(err: unknown, name: string, linesBefore: number): never {
  const e = err as { code?: string; lines?: number; message?: string };
  const near = (e.lines ?? 0) + linesBefore;
  if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
    throw new InputError(`${name}: a quote is opened and never closed (the file ends inside a quoted field, near line ${near})`, 'close the quote, or double a quote that is part of the text ("")');
  }
  if (e.code === 'CSV_MAX_RECORD_SIZE') {
    throw new InputError(`${name}: a row longer than ${MAX_RECORD / 1024 / 1024} MB near line ${near}: a closing quote is probably missing`);
  }
  if (typeof e.code === 'string' && e.code.startsWith('CSV_')) throw new InputError(`${name}: ${linesBefore ? e.message?.replace(/\bline (\d+)/g, (_, l: string) => `line ${Number(l) + linesBefore}`) : e.message}`);
  throw err;
}

/**
 * Text → CSV records in batches (each field's raw text; an empty line is ['']). FastCsv takes
 * the text as long as it is plain RFC 4180; from the first record it is not sure about,
 * csv-parse takes the rest.
 */
export async function* csvBatches(text: AsyncIterable<string>, opts: Pick<RecordOptions, 'name' | 'delimiter'>): AsyncGenerator<string[][]> {
  const it = text[Symbol.asyncIterator]();
  let rest: string | null = null;
  let linesBefore = 0;
  if (FastCsv.supports(opts.delimiter)) {
    const fast = new FastCsv(opts.delimiter, MAX_RECORD);
    for (;;) {
      const r = await it.next();
      const out: string[][] = [];
      rest = fast.push(r.done ? '' : r.value, out, r.done === true);
      if (out.length) yield out;
      if (rest !== null) break;
      if (r.done) return;
    }
    linesBefore = fast.lines;
  }
  const remaining: AsyncIterable<string> = {
    async *[Symbol.asyncIterator]() {
      if (rest) yield rest;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    },
  };
  yield* csvParseBatches(remaining, opts, linesBefore);
}

/** The same by csv-parse alone (the spreadsheet variants: quotes inside fields, bare CR…). */
export async function* csvParseBatches(text: AsyncIterable<string>, opts: Pick<RecordOptions, 'name' | 'delimiter'>, linesBefore: number): AsyncGenerator<string[][]> {
  const parser = parse({
    delimiter: opts.delimiter,
    relax_column_count: true,
    relax_quotes: true,
    // empty lines arrive as [''] and are skipped by the caller, so line numbers can be counted
    // without csv-parse's per-record info objects (a third of its time)
    skip_empty_lines: false,
    max_record_size: MAX_RECORD,
    record_delimiter: ['\r\n', '\n', '\r'],
    // let records pile up between awaits so they are handled in batches
    readableHighWaterMark: 1024,
  } as unknown as Options);
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
  let ended = false;
  let failed: unknown;
  parser.on('end', () => (ended = true));
  parser.on('error', (err) => (failed = err));
  for (;;) {
    if (failed) csvError(failed, opts.name, linesBefore);
    const batch: string[][] = [];
    let item: string[] | null;
    while ((item = parser.read() as string[] | null) !== null) batch.push(item);
    if (batch.length) {
      yield batch;
      continue;
    }
    if (ended) break;
    await new Promise<void>((resolve) => {
      const done = () => {
        parser.off('readable', done).off('end', done).off('error', done);
        resolve();
      };
      parser.on('readable', done).on('end', done).on('error', done);
    });
  }
  await feed;
}

async function openCsv(spec: EntitySpec, text: AsyncIterable<string>, opts: RecordOptions): Promise<RecordStream> {
  type Item = string[];
  const batches = csvBatches(text, opts);
  const nextBatch = async (): Promise<Item[] | null> => {
    const r = await batches.next();
    return r.done ? null : r.value;
  };
  const firstBatch = await nextBatch();
  let queue = firstBatch ?? [];
  const next = async (): Promise<{ done: true } | { done: false; value: Item }> => {
    if (queue.length === 0) {
      const b = await nextBatch();
      if (!b) return { done: true };
      queue = b;
    }
    return { done: false, value: queue.shift()! };
  };

  let headers: string[];
  let pending: { record: string[]; line: number } | undefined;
  let nextLine = 1;
  /** The line a record starts on; null for an empty line. Quoted line breaks count too. */
  const startLine = (record: string[]): number | null => {
    const line = nextLine;
    nextLine++;
    for (const field of record) for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) nextLine++;
    return record.length === 1 && record[0] === '' ? null : line;
  };

  let first = await next();
  let firstLine: number | null = null;
  while (!first.done && (firstLine = startLine(first.value)) === null) first = await next();
  if (first.done || firstLine === null) throw new InputError(`${opts.name} is empty`, opts.header ? 'a file needs a header row and at least one data row' : undefined);
  if (opts.header) {
    headers = first.value.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h));
  } else {
    headers = first.value.map((_, i) => String(i + 1));
    pending = { record: first.value, line: firstLine };
  }
  const mapping = mapHeaders(spec, headers, { userMap: opts.userMap, ignoreUnknown: opts.ignoreUnknown, positional: opts.header ? undefined : opts.positional });
  if (mapping.problems.length) {
    throw new InputError(
      `${opts.name}: the columns do not fit ${spec.name}`,
      `crm import fields ${spec.name} lists the fields and the headers each accepts`,
      mapping.problems.map((p) => ({ file: opts.displayName ?? opts.name, line: opts.header ? firstLine : undefined, field: p.header || undefined, reason: p.reason })),
    );
  }
  const width = headers.length;

  async function* records(): AsyncGenerator<RawRecord[]> {
    let count = 0;
    const toRecord = (record: string[], line: number): RawRecord => {
      count++;
      const problems: InputProblem[] = [];
      if (record.length !== width) {
        problems.push({
          file: opts.displayName ?? opts.name,
          line,
          reason: `${record.length} fields where the header has ${width}: a delimiter inside a value needs quotes, or a field is missing`,
        });
      }
      const values = new Map<FieldSpec, string>();
      record.forEach((value, i) => {
        const field = mapping.fields[i];
        if (!field) return;
        if (value.length > MAX_FIELD) {
          problems.push({ file: opts.displayName ?? opts.name, line, field: field.name, value: value.slice(0, 40), reason: `${value.length} characters, more than ${MAX_FIELD}: is a closing quote missing?` });
          return;
        }
        values.set(field, value);
      });
      return { line, values, problems, raw: record };
    };
    const convert = (items: Item[], out: RawRecord[] = []) => {
      for (const item of items) {
        const line = startLine(item);
        if (line !== null) out.push(toRecord(item, line));
      }
      return out;
    };
    const out: RawRecord[] = pending ? [toRecord(pending.record, pending.line)] : [];
    convert(queue, out);
    queue = [];
    if (out.length) yield out;
    for (let batch = await nextBatch(); batch; batch = await nextBatch()) {
      const records = convert(batch);
      if (records.length) yield records;
    }
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
      problems.push({ file: opts.displayName ?? opts.name, line, reason: 'not a JSON object' });
      return { line, values, problems, raw: [JSON.stringify(obj)] };
    }
    for (const [k, v] of Object.entries(obj)) {
      const field = fieldFor(k);
      if (!field || v === null || v === undefined) continue;
      if (typeof v === 'object') {
        problems.push({ file: opts.displayName ?? opts.name, line, field: field.name, reason: 'a nested object or array where a single value belongs' });
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

  async function* records(): AsyncGenerator<RawRecord[]> {
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
      for (let i = 0; i < data.length; i += 1024) {
        const batch = data.slice(i, i + 1024).map((o, k) => toRecord(o, i + k + 1));
        count += batch.length;
        yield batch;
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
          return { line, values: new Map(), problems: [{ file: opts.displayName ?? opts.name, line, reason: `not valid JSON: ${(err as Error).message}` }], raw: [l] };
        }
        const r = toRecord(obj, line);
        checkUnknown();
        return r;
      };
      for await (const chunk of text) {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        const batch = lines.map(handle).filter((r): r is RawRecord => r !== null);
        count += batch.length;
        if (batch.length) yield batch;
      }
      const r = handle(buffer);
      if (r) {
        count++;
        yield [r];
      }
    }
    if (count === 0) throw new InputError(`${opts.name} holds no records`);
    const required = spec.fields.filter((f) => f.required && ![...keys.values()].includes(f));
    if (required.length) throw new InputError(`${opts.name}: no key for the required field(s) ${required.map((f) => f.name).join(', ')}`);
  }
  return { headers: ['json'], records: records() };
}
