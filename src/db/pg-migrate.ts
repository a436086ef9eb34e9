/**
 * `crm migrate-to`: a whole SQLite crm base copied into an empty PostgreSQL database in one
 * transaction, then checked table by table (row count and a checksum computed the same way on
 * both sides); any difference rolls everything back.
 *
 * The copy: the schema of postgresDdl() (the same DDL `crm init` runs, indexes created after the
 * rows are in), then every table in dependency order with COPY … FROM STDIN, ids kept, then each
 * identity sequence moved past the largest id.
 *
 * The checksum of a table is sha256 over its rows in primary-key order, each row one line of
 * PostgreSQL's COPY text format (tab between columns, \N for NULL, backslash escapes); a REAL
 * column is written as the 16 hex digits of its IEEE 754 double, so no decimal formatting is
 * involved. The SQLite side builds those lines in JavaScript from the rows it sends; the server
 * side is `COPY (SELECT … ORDER BY pk) TO STDOUT` of what the server now holds.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { DatabaseError, InputError } from '../errors.js';
import type { Migration } from './migrations.js';
import { inSchemaTransaction, postgresDdl, type PgTarget } from './postgres.js';
import type { SqliteHandle } from './sqlite.js';

/** crm_meta's 'application' value (PRAGMA application_id on SQLite); see postgres.ts. */
const APPLICATION = 'crm';
/** The advisory lock crm init and migrations hold (postgres.ts); migrate-to holds it too. */
/** Rows per chunk written to the COPY stream. */
const CHUNK_ROWS = 2000;

export interface TableCheck {
  readonly table: string;
  readonly sqliteRows: number;
  readonly postgresRows: number;
  readonly sqliteChecksum: string;
  readonly postgresChecksum: string;
  readonly ok: boolean;
}

export interface MigrateResult {
  readonly tables: readonly TableCheck[];
  readonly ok: boolean;
  readonly schemaVersion: number;
  /** true when the copy was committed (every table matched) */
  readonly committed: boolean;
}

export interface MigrateOptions {
  readonly source: SqliteHandle;
  readonly sourceVersion: number;
  readonly target: PgTarget;
  readonly migrations: readonly Migration[];
  readonly env: NodeJS.ProcessEnv;
  /** called after each table is copied */
  readonly progress?: (table: string, rows: number) => void;
}

interface TableInfo {
  readonly name: string;
  readonly columns: readonly string[];
  /** the columns that are double precision (REAL on SQLite) */
  readonly real: ReadonlySet<string>;
  readonly key: readonly string[];
  readonly identity: string | null;
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** Text as a field of PostgreSQL's COPY text format (what COPY TO writes, what COPY FROM reads). */
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
export function copyText(s: string): string {
  return /[\\\b\f\n\r\t\v]/.test(s) ? s.replace(/[\\\b\f\n\r\t\v]/g, (c) => ESCAPES[c]!) : s;
}

/** A double as the 16 hex digits of its IEEE 754 big-endian bytes (= encode(float8send(x), 'hex')). */
export function doubleHex(x: number): string {
  const b = Buffer.allocUnsafe(8);
  b.writeDoubleBE(x);
  return b.toString('hex');
}

class RowError extends DatabaseError {}

/** One SQLite value as a COPY field: for loading (`hexReal` false) or for the checksum line. */
function field(v: unknown, real: boolean, hexReal: boolean, where: () => string): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return copyText(v);
  if (typeof v === 'bigint') return real && hexReal ? doubleHex(Number(v)) : v.toString();
  if (typeof v === 'number') return real && hexReal ? doubleHex(v) : String(v);
  throw new RowError(`${where()} holds a binary value; the server's column is text or a number`, 'fix the row in the SQLite file (or delete it) and run crm migrate-to again');
}

async function catalog(client: pg.ClientBase): Promise<TableInfo[]> {
  const names = (
    await client.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'crm_meta' ORDER BY 1`)
  ).rows.map((r) => r.t);
  const cols = (
    await client.query<{ t: string; c: string; type: string; identity: string }>(
      `SELECT table_name AS t, column_name AS c, data_type AS type, is_identity AS identity
         FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    )
  ).rows;
  const keys = (
    await client.query<{ t: string; cols: string }>(
      `SELECT c.conrelid::regclass::text AS t,
              (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY AS k(n, i)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols
         FROM pg_constraint c WHERE c.contype = 'p' AND c.connamespace = current_schema()::regnamespace`,
    )
  ).rows;
  const refs = (
    await client.query<{ t: string; r: string }>(
      `SELECT conrelid::regclass::text AS t, confrelid::regclass::text AS r
         FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace`,
    )
  ).rows;
  const info = new Map<string, TableInfo>();
  for (const name of names) {
    const mine = cols.filter((c) => c.t === name);
    const key = keys.find((k) => k.t === name)?.cols.split(',') ?? mine.map((c) => c.c);
    info.set(name, {
      name,
      columns: mine.map((c) => c.c),
      real: new Set(mine.filter((c) => c.type === 'double precision').map((c) => c.c)),
      key,
      identity: mine.find((c) => c.identity === 'YES')?.c ?? null,
    });
  }
  // dependency order: a table after every other table it references
  const ordered: TableInfo[] = [];
  const placed = new Set<string>();
  const pending = [...names];
  while (pending.length) {
    const i = pending.findIndex((t) => refs.filter((r) => r.t === t && r.r !== t).every((r) => placed.has(r.r)));
    if (i < 0) throw new Error(`circular references between tables: ${pending.join(', ')}`);
    const [t] = pending.splice(i, 1);
    placed.add(t!);
    ordered.push(info.get(t!)!);
  }
  return ordered;
}

/** Checks that the SQLite file has the tables and columns the server's schema has (FTS tables aside). */
function checkSource(source: SqliteHandle, tables: readonly TableInfo[]): void {
  const master = source.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`).all() as { name: string; sql: string | null }[];
  const virtual = master.filter((m) => /^CREATE\s+VIRTUAL\s+TABLE/i.test(m.sql ?? '')).map((m) => m.name);
  const known = new Set(tables.map((t) => t.name));
  for (const m of master) {
    if (known.has(m.name) || virtual.some((v) => m.name === v || m.name.startsWith(`${v}_`))) continue;
    throw new DatabaseError(`the source has a table ${m.name} that the crm schema does not have`, 'only a crm database can be migrated; drop that table from a copy of the file first');
  }
  for (const t of tables) {
    const have = new Set((source.prepare('SELECT name FROM pragma_table_info(?)').all(t.name) as { name: string }[]).map((r) => r.name));
    const missing = t.columns.filter((c) => !have.has(c));
    if (have.size === 0 || missing.length > 0) {
      throw new DatabaseError(`the source's table ${t.name} lacks ${have.size === 0 ? 'entirely' : `the columns ${missing.join(', ')}`}`, 'the source is not a complete crm database of this version');
    }
  }
}

function sourceRows(source: SqliteHandle, t: TableInfo): IterableIterator<unknown[]> {
  const stmt = source.prepare(`SELECT ${t.columns.map(q).join(', ')} FROM ${q(t.name)} ORDER BY ${t.key.map(q).join(', ')}`);
  return stmt.raw(true).safeIntegers(true).iterate() as IterableIterator<unknown[]>;
}

/** Streams one table into the server; returns its row count and the checksum of what was sent. */
async function copyTable(client: pg.ClientBase, source: SqliteHandle, t: TableInfo): Promise<{ rows: number; checksum: string }> {
  const hash = createHash('sha256');
  const real = t.columns.map((c) => t.real.has(c));
  let rows = 0;
  function* chunks(): Generator<string> {
    let load = '';
    let sum = '';
    let n = 0;
    for (const row of sourceRows(source, t)) {
      rows++;
      const where = () => `row ${rows} of ${t.name} (${t.key.map((k) => `${k} ${String(row[t.columns.indexOf(k)])}`).join(', ')})`;
      for (let i = 0; i < row.length; i++) {
        const sep = i === 0 ? '' : '\t';
        load += sep + field(row[i], real[i]!, false, where);
        sum += sep + field(row[i], real[i]!, true, where);
      }
      load += '\n';
      sum += '\n';
      if (++n === CHUNK_ROWS) {
        hash.update(sum);
        yield load;
        load = sum = '';
        n = 0;
      }
    }
    if (n > 0) {
      hash.update(sum);
      yield load;
    }
  }
  const cols = t.columns.map(q).join(', ');
  await pipeline(Readable.from(chunks(), { objectMode: false }), client.query(copyFrom(`COPY ${q(t.name)} (${cols}) FROM STDIN`)));
  return { rows, checksum: hash.digest('hex') };
}

/** Count and checksum of a table as the server holds it. */
async function serverChecksum(client: pg.ClientBase, t: TableInfo): Promise<{ rows: number; checksum: string }> {
  const cols = t.columns.map((c) => (t.real.has(c) ? `encode(float8send(${q(c)}), 'hex')` : q(c))).join(', ');
  const hash: Hash = createHash('sha256');
  let rows = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) rows++;
      done();
    },
  });
  await pipeline(client.query(copyTo(`COPY (SELECT ${cols} FROM ${q(t.name)} ORDER BY ${t.key.map(q).join(', ')}) TO STDOUT`)), sink);
  return { rows, checksum: hash.digest('hex') };
}

/**
 * Test hook (CRM_TEST_MIGRATE_TAMPER=table): changes one row of that table on the server after the
 * copy, so the check must find a difference and roll back.
 */
async function tamper(client: pg.ClientBase, tables: readonly TableInfo[], env: NodeJS.ProcessEnv): Promise<void> {
  const name = env.CRM_TEST_MIGRATE_TAMPER;
  if (!name) return;
  const t = tables.find((x) => x.name === name);
  if (!t) return;
  await client.query(`DELETE FROM ${q(t.name)} WHERE ctid = (SELECT ctid FROM ${q(t.name)} ORDER BY ${t.key.map(q).join(', ')} DESC LIMIT 1)`);
}

/** A row the server will not take (a wrong type, a broken constraint): the table and the row, then a clean error. */
function refused(err: unknown, table: string): unknown {
  const e = err as { code?: unknown; message?: unknown; where?: unknown; detail?: unknown };
  if (typeof e?.code !== 'string' || !/^(22|23)/.test(e.code)) return err;
  const where = typeof e.where === 'string' ? ` (${e.where.split('\n')[0]})` : '';
  const detail = typeof e.detail === 'string' ? `; ${e.detail}` : '';
  return new InputError(
    `the server refused a row of ${table}: ${String(e.message)}${detail}${where}; nothing was copied`,
    'fix that row in the SQLite file (crm query / crm edit, or sqlite3 on a copy) and run crm migrate-to again',
  );
}

async function userTables(client: pg.ClientBase): Promise<string[]> {
  const r = await client.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`);
  return r.rows.map((x) => x.t);
}

/** The whole copy in one transaction; commits only when every table's count and checksum match. */
export async function migrateToPostgres(opts: MigrateOptions): Promise<MigrateResult> {
  const { source, target, env } = opts;
  return inSchemaTransaction(target, env, async (client) => {
    const existing = await userTables(client);
    if (existing.length > 0) {
      const what = existing.includes('crm_meta') ? 'is already a crm database' : `already has ${existing.length} table${existing.length === 1 ? '' : 's'} (${existing.slice(0, 5).join(', ')}${existing.length > 5 ? ', …' : ''})`;
      throw new DatabaseError(`${target.display} ${what}; crm migrate-to copies only into an empty database`, 'create an empty one (createdb NAME) and give its URL; nothing was changed');
    }
    const ddl = postgresDdl(opts.migrations);
    // indexes after the rows are in (faster), unless a migration touches an index by name
    const deferIndexes = !ddl.some((s) => /\b(DROP|ALTER)\s+INDEX\b/i.test(s));
    const isIndex = (s: string) => deferIndexes && /^\s*CREATE\s+(UNIQUE\s+)?INDEX\b/i.test(s);
    for (const stmt of ddl) if (!isIndex(stmt)) await client.query(stmt);
    await client.query(`INSERT INTO crm_meta (key, value) VALUES ('application', $1), ('schema_version', $2)`, [APPLICATION, String(opts.sourceVersion)]);
    const tables = await catalog(client);
    checkSource(source, tables);

    // one read transaction on the source: every table from the same moment
    source.exec('BEGIN');
    const sent = new Map<string, { rows: number; checksum: string }>();
    try {
      for (const t of tables) {
        sent.set(t.name, await copyTable(client, source, t).catch((err: unknown) => Promise.reject(refused(err, t.name))));
        opts.progress?.(t.name, sent.get(t.name)!.rows);
      }
    } finally {
      try {
        source.exec('COMMIT');
      } catch {
        /* a statement still open after a failed copy: the connection closes anyway */
      }
    }
    for (const stmt of ddl) if (isIndex(stmt)) await client.query(stmt);
    for (const t of tables) {
      if (!t.identity) continue;
      await client.query(
        `SELECT setval(pg_get_serial_sequence($1, $2), m) FROM (SELECT max(${q(t.identity)}) AS m FROM ${q(t.name)}) x WHERE m IS NOT NULL`,
        [q(t.name), t.identity],
      );
    }
    await tamper(client, tables, env);

    const checks: TableCheck[] = [];
    for (const t of tables) {
      const a = sent.get(t.name)!;
      const b = await serverChecksum(client, t);
      checks.push({ table: t.name, sqliteRows: a.rows, postgresRows: b.rows, sqliteChecksum: a.checksum, postgresChecksum: b.checksum, ok: a.rows === b.rows && a.checksum === b.checksum });
    }
    const ok = checks.every((c) => c.ok);
    await client.query(ok ? 'COMMIT' : 'ROLLBACK');
    // the planner's statistics now, not when autovacuum gets round to it: reports plan on them
    if (ok) await client.query('ANALYZE');
    return { tables: checks, ok, schemaVersion: opts.sourceVersion, committed: ok };
  });
}

