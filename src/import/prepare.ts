/**
 * Validation of a whole file apart from its writing: records → rows ready to upsert, in batches,
 * for entities whose references all point at tables the import does not write (activities,
 * deals, responses, contacts…). Such rows do not depend on what earlier rows wrote, so a big
 * file is read, parsed, converted and resolved on a worker thread (prepare-worker.ts) while the
 * main thread writes (run.ts); without a worker the same generator runs on the main thread.
 */
import type { InputProblem } from '../errors.js';
import type { RefResolver, Value } from '../db/sqlite-import.js';
import { REF_TABLE } from '../db/sqlite-import.js';
import type { ConvertOptions } from './convert.js';
import type { EntitySpec } from './entities.js';
import type { RawRecord } from './records.js';
import { buildRow, referencesOf } from './row.js';

/** Rows whose references are looked up in one query per table. */
export const PREFETCH_ROWS = 2048;

/** One batch of records in file order: the valid ones as rows, the others with their problems. */
export interface PreparedBatch {
  /** line of every record */
  readonly lines: number[];
  /** columns of the valid rows (a column a row lacks is null in it, which upserts the same) */
  readonly cols: string[];
  /** the valid rows, one after another, cols.length values each */
  readonly values: Value[];
  /** the invalid records: their index in `lines` and every problem */
  readonly bad: { at: number; problems: InputProblem[] }[];
  /** the raw fields of every record, when rejected rows are written to a file */
  readonly raws?: (readonly string[])[];
  /** raw fields of the invalid records (always: the message may need them) */
  readonly badRaws: (readonly string[])[];
}

/**
 * Whether every reference of this entity points at a table its import does not write: then no
 * row's validation depends on what the rows before it wrote.
 */
export function validatesApart(spec: EntitySpec): boolean {
  return !spec.fields.some((f) => f.type.kind === 'ref' && REF_TABLE[f.type.target] === spec.table);
}

export interface PrepareOptions {
  readonly displayName: string;
  readonly convert: ConvertOptions;
  /** keep every record's raw fields (for --rejects) */
  readonly keepRaw: boolean;
}

/** Validates batches of records (buildRow, with the references of each batch looked up together). */
export async function* prepareBatches(spec: EntitySpec, records: AsyncIterable<RawRecord[]>, resolver: RefResolver, opts: PrepareOptions): AsyncGenerator<PreparedBatch> {
  for await (const batch of records) {
    for (let from = 0; from < batch.length; from += PREFETCH_ROWS) {
      const part = from === 0 && batch.length <= PREFETCH_ROWS ? batch : batch.slice(from, from + PREFETCH_ROWS);
      resolver.prefetch(referencesOf(spec, part.map((r) => r.values), opts.convert));
      yield prepareOne(spec, part, resolver, opts);
    }
  }
}

function prepareOne(spec: EntitySpec, part: readonly RawRecord[], resolver: RefResolver, opts: PrepareOptions): PreparedBatch {
  const lines: number[] = new Array<number>(part.length);
  const rows: Record<string, Value>[] = [];
  const bad: { at: number; problems: InputProblem[] }[] = [];
  const badRaws: (readonly string[])[] = [];
  const cols: string[] = [];
  const known = new Set<string>();
  for (let i = 0; i < part.length; i++) {
    const rec = part[i]!;
    lines[i] = rec.line;
    const built = buildRow(spec, rec.values, resolver, opts.convert, true);
    if (rec.problems.length === 0 && built.problems.length === 0) {
      rows.push(built.row);
      for (const c in built.row) {
        if (!known.has(c)) {
          known.add(c);
          cols.push(c);
        }
      }
    } else {
      bad.push({ at: i, problems: [...rec.problems, ...built.problems.map((p) => ({ file: opts.displayName, line: rec.line, ...p }))] });
      badRaws.push(rec.raw);
    }
  }
  const values: Value[] = new Array<Value>(rows.length * cols.length);
  let k = 0;
  for (const row of rows) for (const c of cols) values[k++] = row[c] ?? null;
  return { lines, cols, values, bad, badRaws, raws: opts.keepRaw ? part.map((r) => r.raw) : undefined };
}
