/**
 * One file into one entity: read, validate every row, write in one transaction. By default any
 * bad row rolls the whole file back and every problem is reported; --skip-invalid keeps the good
 * rows; --dry-run rolls back whatever happened and reports what would have.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CrmDatabase } from '../db/open.js';
import { BatchUpserter, RefResolver, SqliteUpserter, findBatchByHash, type Settled, type Value } from '../db/sqlite-import.js';
import { dropSecondaryIndexes, foreignKeysOff, journalMode, maxRowid, missingReferences, tuneForBulkWrite } from '../db/sqlite.js';
import { InputError, type InputProblem } from '../errors.js';
import { csvField } from '../render/csv.js';
import { localDateTime } from '../util/dates.js';
import type { EntitySpec } from './entities.js';
import type { UserMap } from './headers.js';
import { ByteSource, detectEncoding, detectFormat, sniffBinary, sniffDelimiter, type Encoding, type InputFacts, type InputFormat } from './input.js';
import { readRecords, type RawRecord } from './records.js';
import { PrepareThread } from './prepare-thread.js';
import { PREFETCH_ROWS, prepareBatches, validatesApart, type PreparedBatch } from './prepare.js';
import { buildRow, referencesOf } from './row.js';

export interface ImportOptions {
  readonly spec: EntitySpec;
  readonly file: string;
  readonly stdin: NodeJS.ReadableStream;
  readonly source: string;
  readonly encoding?: Encoding;
  readonly delimiter?: string;
  readonly format?: InputFormat;
  readonly header: boolean;
  readonly positional?: readonly string[];
  readonly userMap?: UserMap;
  readonly ignoreUnknown: boolean;
  readonly skipInvalid: boolean;
  readonly dryRun: boolean;
  readonly again: boolean;
  readonly rejectsFile?: string;
  readonly defaultCountry: string;
  readonly user: string;
  readonly now: Date;
  readonly onProgress?: (p: { bytes: number; total: number | null; rows: number }) => void;
  /**
   * Called with the rows this file inserted (id and line), inside its transaction, just before it
   * commits (or a dry run rolls back): `--check-duplicates` compares them with the base there.
   * On PostgreSQL `txDb` is the database as that transaction sees it.
   */
  readonly beforeCommit?: (inserted: readonly { id: number; line: number }[], txDb?: CrmDatabase) => Promise<void>;
  /**
   * Load as a bulk load (plain indexes rebuilt and references checked once at the end, new rows
   * by multi-row INSERTs); by default files of BULK_BYTES and more are. The result is the same
   * either way; tests compare.
   */
  readonly bulk?: boolean;
  /**
   * Validate a bulk load of rows that do not depend on each other on a second thread while this
   * one writes (prepare-thread.ts); by default when the built worker is there. Same result.
   */
  readonly thread?: boolean;
}

export interface ImportSummary {
  readonly file: string;
  readonly entity: string;
  readonly encoding: Encoding;
  readonly format: InputFormat;
  readonly delimiter: string;
  readonly sha256: string;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
  readonly seconds: number;
  readonly dryRun: boolean;
  /** set when the same content was imported before and --again was not given */
  readonly skippedAs?: { id: number; finished_at: string; file_name: string };
  readonly problems: readonly InputProblem[];
  readonly batchId?: number;
}

/** Files at least this big are loaded with the table's plain indexes rebuilt at the end. */
const BULK_BYTES = 32 * 1024 * 1024;

/** A record's raw fields when --rejects is not given (nothing needs them). */
const NO_RAW: readonly string[] = [];

/** What writing a row needs to know of its record. */
type Rec = Pick<RawRecord, 'line' | 'raw'>;

/** Ids of older rows a bulk load updated, kept for its reference check; beyond, it checks every row. */
const KEEP_UPDATED_IDS = 100_000;

/** Problems kept in memory for the message; all of them go to --rejects. */
const KEEP_PROBLEMS = 1000;

/** Rejected rows as CSV: the original columns, then the line and what is wrong. */
export class RejectsWriter {
  private fd: number;
  constructor(
    file: string,
    headers: readonly string[],
  ) {
    this.fd = fs.openSync(file, 'w', 0o600);
    this.line([...headers, 'crm_line', 'crm_errors']);
  }
  private line(fields: readonly string[]): void {
    fs.writeSync(this.fd, fields.map((f) => csvField(f, ',')).join(',') + '\r\n');
  }
  write(rec: Pick<RawRecord, 'line' | 'raw'>, problems: readonly InputProblem[]): void {
    this.line([...rec.raw, String(rec.line), problems.map((p) => (p.field ? `${p.field}: ${p.reason}` : p.reason)).join('; ')]);
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

export async function importFile(cdb: CrmDatabase, opts: ImportOptions): Promise<ImportSummary> {
  const started = process.hrtime.bigint();
  const { spec } = opts;
  const name = opts.file === '-' ? 'stdin' : opts.file;
  const displayName = opts.file === '-' ? 'stdin' : path.basename(opts.file);
  const src = await ByteSource.open(opts.file, opts.stdin);
  if (src.sample.length === 0) throw new InputError(`${name} is empty`, 'a file needs a header row and at least one data row');
  sniffBinary(src.sample, name);
  const complete = src.size !== null && src.sample.length >= src.size;
  const detected = detectEncoding(src.sample, complete);
  const encoding = opts.encoding ?? detected.encoding;
  const bom = opts.encoding && opts.encoding !== detected.encoding ? 0 : detected.bom;
  const sampleText = new TextDecoder(encoding).decode(src.sample.subarray(bom));
  const format = opts.format ?? detectFormat(name, sampleText);
  const delimiter = opts.delimiter ?? sniffDelimiter(sampleText);
  const facts: InputFacts = { name, displayName, encoding, bom, format, delimiter };
  if (cdb.kind === 'postgres') {
    const { importFilePg } = await import('../db/pg-import.js');
    return importFilePg(cdb, opts, { ...facts, started, src });
  }
  const problems: InputProblem[] = [];
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  let rejected = 0;
  let rows = 0;
  let lastProgress = 0;
  const insertedRows: { id: number; line: number }[] = [];

  // the same content imported before: say so and stop, unless --again
  let sha256: string | undefined;
  if (opts.file !== '-' && !opts.again) {
    const h = (await import('node:crypto')).createHash('sha256');
    for await (const chunk of fs.createReadStream(opts.file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
    sha256 = h.digest('hex');
    const known = findBatchByHash(cdb.sqlite, spec.name, sha256);
    if (known) {
      await src.close();
      return summary({ skippedAs: known });
    }
  }

  const nowText = localDateTime(opts.now);
  const bulk = opts.bulk ?? (src.size ?? 0) >= BULK_BYTES;
  const sqlite = cdb.sqlite;
  // a big file whose rows do not depend on each other is validated apart from the writing, on a
  // second thread when there is one (its own read-only connection needs WAL)
  const apart = bulk && !opts.beforeCommit && validatesApart(spec);
  // (the thread opens the file again by its name: a regular file, not a pipe that reads once)
  const threaded = apart && opts.thread !== false && opts.file !== '-' && fs.statSync(opts.file).isFile() && journalMode(sqlite) === 'wal' && PrepareThread.available();
  const convertOptions = { defaultCountry: opts.defaultCountry };
  let headers: readonly string[] = [];
  let records: AsyncGenerator<RawRecord[]> | undefined;
  if (!threaded) {
    ({ headers, records } = await readRecords(spec, src, facts, opts));
  } else await src.close();

  const resolver = new RefResolver(sqlite, opts.source, { writes: spec.table });
  const upserter = new SqliteUpserter(sqlite, spec, resolver, opts.source, opts.user, nowText);
  let rejects = opts.rejectsFile && !threaded ? new RejectsWriter(opts.rejectsFile, headers) : undefined;

  tuneForBulkWrite(sqlite);
  // a big file: its references are checked once at the end, set-based (missingReferences)
  const restoreForeignKeys = bulk ? foreignKeysOff(sqlite) : undefined;
  let open = false;
  let restoreIndexes: (() => void) | undefined;
  let thread: PrepareThread | undefined;
  let before = 0;
  /** rows this file updated that were there before it (and so are not above `before`) */
  const updatedOld: number[] = [];
  /** more than that many: the reference check reads the whole table instead (memory stays flat) */
  let updatedOldOverflow = false;
  const reject = (rec: Rec, rowProblems: readonly InputProblem[]) => {
    rejected++;
    // problems have the file's base name; the summary names the path
    for (const p of rowProblems) if (problems.length < KEEP_PROBLEMS) problems.push(p);
    rejects?.write(rec, rowProblems);
  };
  /** Counts what became of a valid row, or rejects it with the reason the database gave. */
  const settle = (rec: Rec, outcome: Settled) => {
    const problem = (field: string, reason: string) => reject(rec, [{ file: displayName, line: rec.line, field, value: undefined, reason }]);
    if (outcome.kind === 'inserted') {
      inserted++;
      if (opts.beforeCommit) insertedRows.push({ id: outcome.id, line: rec.line });
    } else if (outcome.kind === 'updated') {
      updated++;
      if (restoreForeignKeys && outcome.id <= before && !updatedOldOverflow) {
        if (updatedOld.length < KEEP_UPDATED_IDS) updatedOld.push(outcome.id);
        else updatedOldOverflow = true;
      }
    } else if (outcome.kind === 'unchanged') unchanged++;
    else if (outcome.kind === 'ambiguous') problem(spec.keys[0]?.find((c) => c !== 'source')?.replace(/^~/, '') ?? '', outcome.reason);
    else {
      const code = (outcome.error as { code?: string }).code ?? '';
      if (!code.startsWith('SQLITE_CONSTRAINT')) throw outcome.error;
      problem('', `rejected by the data model: ${(outcome.error as Error).message}`);
    }
  };
  /** Writes one valid row: waits in the multi-row writer, or upserts now. */
  const write = (row: Record<string, Value>, rec: Rec) => {
    if (writer) {
      writer.upsert(row, rec);
      return;
    }
    let outcome: Settled;
    try {
      outcome = upserter.upsert(row);
    } catch (err) {
      outcome = { kind: 'error', error: err };
    }
    settle(rec, outcome);
  };
  const progress = (bytes: number) => {
    if (opts.onProgress) {
      const t = Date.now();
      if (t - lastProgress > 200) {
        lastProgress = t;
        opts.onProgress({ bytes, total: src.size, rows });
      }
    }
  };
  /** Writes a batch validated apart (prepare.ts), in file order. */
  const consume = (b: PreparedBatch) => {
    const width = b.cols.length;
    let v = 0;
    let k = 0;
    for (let i = 0; i < b.lines.length; i++) {
      rows++;
      const line = b.lines[i]!;
      if (k < b.bad.length && b.bad[k]!.at === i) {
        // rows still waiting are settled first, so problems are listed in file order
        writer?.flush();
        reject({ line, raw: b.raws?.[i] ?? b.badRaws[k]! }, b.bad[k]!.problems);
        k++;
        continue;
      }
      const row: Record<string, Value> = {};
      for (let c = 0; c < width; c++) row[b.cols[c]!] = b.values[v++]!;
      write(row, { line, raw: b.raws?.[i] ?? NO_RAW });
    }
  };
  // in a bulk load, rows that will be new ones go in by multi-row INSERTs (unless their ids are needed one by one)
  const writer = !bulk || spec.refTarget || opts.beforeCommit ? undefined : new BatchUpserter<Rec>(upserter, settle);
  try {
    sqlite.exec('BEGIN IMMEDIATE');
    open = true;
    if (bulk) {
      before = maxRowid(sqlite, spec.table);
      // rebuild the table's plain indexes once at the end instead of row by row
      restoreIndexes = dropSecondaryIndexes(sqlite, spec.table);
    }
    if (threaded) {
      // started now: its connection then sees the base as this transaction does
      thread = new PrepareThread({
        ...facts,
        file: opts.file,
        header: opts.header,
        positional: opts.positional,
        userMap: opts.userMap ? [...opts.userMap] : undefined,
        ignoreUnknown: opts.ignoreUnknown,
        entity: spec.name,
        source: opts.source,
        db: cdb.path,
        defaultCountry: opts.defaultCountry,
        keepRaw: opts.rejectsFile !== undefined,
      });
      headers = await thread.headers();
      if (opts.rejectsFile) rejects = new RejectsWriter(opts.rejectsFile, headers);
      for await (const { batch, bytes } of thread.batches()) {
        consume(batch);
        progress(bytes);
      }
      sha256 ??= thread.result().sha256;
    } else if (apart) {
      const opt = { displayName, convert: convertOptions, keepRaw: opts.rejectsFile !== undefined };
      for await (const batch of prepareBatches(spec, records!, resolver, opt)) {
        consume(batch);
        progress(src.bytesRead);
      }
    } else {
      for await (const batch of records!) for (let i = 0; i < batch.length; i++) {
        // a big file: the references of the rows at hand are looked up together
        if (bulk && i % PREFETCH_ROWS === 0) resolver.prefetch(referencesOf(spec, batch.slice(i, i + PREFETCH_ROWS).map((r) => r.values), convertOptions));
        const rec = batch[i]!;
        rows++;
        const built = buildRow(spec, rec.values, resolver, convertOptions, true);
        if (rec.problems.length === 0 && built.problems.length === 0) write(built.row, rec);
        else {
          // rows still waiting are settled first, so problems are listed in file order
          writer?.flush();
          reject(rec, [...rec.problems, ...built.problems.map((p) => ({ file: displayName, line: rec.line, ...p }))]);
        }
        if ((i & 0x7ff) === 0) progress(src.bytesRead);
      }
    }
    writer?.flush();
    restoreIndexes?.();
    sha256 ??= src.hash.digest('hex');
    if (opts.file === '-' && !opts.again) {
      const known = findBatchByHash(sqlite, spec.name, sha256);
      if (known) {
        sqlite.exec('ROLLBACK');
        open = false;
        return summary({ skippedAs: known });
      }
    }
    if (rejected > 0 && !opts.skipInvalid) {
      sqlite.exec('ROLLBACK');
      open = false;
      throw new InputError(
        `${name}: ${rejected} of ${rows} rows are invalid; nothing was imported`,
        `fix them and import the file again${opts.rejectsFile ? ` (they are listed in ${opts.rejectsFile})` : ', or write them to a file with --rejects FILE'}; --skip-invalid imports the valid rows only`,
        problems,
      );
    }
    if (restoreForeignKeys) {
      const missing = updatedOldOverflow ? missingReferences(sqlite, spec.table, 0) : missingReferences(sqlite, spec.table, before, updatedOld);
      // cannot happen: every reference is an id just read from its table in this transaction
      if (missing) throw new Error(`import of ${name} stopped, nothing was imported: ${missing}`);
    }
    if (opts.beforeCommit) await opts.beforeCommit(insertedRows);
    if (opts.dryRun) {
      sqlite.exec('ROLLBACK');
      open = false;
      return summary({});
    }
    const batch = sqlite
      .prepare(
        'INSERT INTO import_batches (entity, file_name, sha256, started_at, finished_at, status, inserted, updated, unchanged, rejected, user) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(spec.name, opts.file === '-' ? '-' : path.resolve(opts.file), sha256, nowText, localDateTime(new Date()), rejected ? 'partial' : 'ok', inserted, updated, unchanged, rejected, opts.user);
    sqlite.exec('COMMIT');
    open = false;
    return summary({ batchId: Number(batch.lastInsertRowid) });
  } finally {
    thread?.stop();
    if (open) sqlite.exec('ROLLBACK');
    restoreForeignKeys?.();
    rejects?.close();
    // the input too, when an error stopped the reading half way
    await src.close();
  }

  function summary(extra: Partial<ImportSummary>): ImportSummary {
    return importSummary(spec, { name, encoding, format, delimiter }, opts, started, { sha256, inserted, updated, unchanged, rejected, problems }, extra);
  }
}

/** An import's summary: what the input was, what became of its rows, how long it took (both backends). */
export function importSummary(
  spec: EntitySpec,
  facts: Pick<InputFacts, 'name' | 'encoding' | 'format' | 'delimiter'>,
  opts: Pick<ImportOptions, 'dryRun'>,
  started: bigint,
  counts: { sha256?: string; inserted: number; updated: number; unchanged: number; rejected: number; problems: readonly InputProblem[] },
  extra: Partial<ImportSummary>,
): ImportSummary {
  return {
    file: facts.name,
    entity: spec.name,
    encoding: facts.encoding,
    format: facts.format,
    delimiter: facts.delimiter,
    sha256: counts.sha256 ?? '',
    inserted: counts.inserted,
    updated: counts.updated,
    unchanged: counts.unchanged,
    rejected: counts.rejected,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    dryRun: opts.dryRun,
    problems: counts.problems,
    ...extra,
  };
}
