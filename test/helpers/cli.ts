import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isPgUrl, pgQuery, pgSnapshot } from './backend.js';

export { BACKEND, PG, copyDb, execSql, newDb, newPgDatabase, psql } from './backend.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin/crm.js');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  cwd?: string;
}

/** Runs the real binary with no terminal, a clean colour environment and the given env. */
export function crm(args: string[], opts: RunOptions = {}): RunResult {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !['NO_COLOR', 'FORCE_COLOR', 'CRM_DB', 'CRM_USER', 'CRM_BACKUP_DIR'].includes(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env,
    cwd: opts.cwd ?? ROOT,
    input: opts.input ?? '',
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary directory, removed by the caller's afterEach via cleanup(). */
export function tempDir(prefix = 'crm-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Reads a database directly (not through crm) to check what a command left behind. */
export function query<T = Record<string, unknown>>(dbFile: string, sql: string, ...params: unknown[]): T[] {
  if (isPgUrl(dbFile)) return pgQuery<T>(dbFile, sql, params);
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** A stable digest of everything in the database: schema and every row of every table. */
export function snapshot(dbFile: string): string {
  if (isPgUrl(dbFile)) return pgSnapshot(dbFile);
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const parts: string[] = [];
    const tables = db.prepare("SELECT name, sql FROM sqlite_master ORDER BY type, name").all() as { name: string; sql: string | null }[];
    for (const t of tables) {
      parts.push(`${t.name}:${t.sql ?? ''}`);
      if (t.sql?.startsWith('CREATE TABLE')) {
        const rows = (db.prepare(`SELECT * FROM "${t.name}"`).raw().all() as unknown[][]).map((r) => JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)));
        parts.push(rows.sort().join('\n'));
      }
    }
    parts.push(String(db.pragma('user_version', { simple: true })));
    return parts.join('\n');
  } finally {
    db.close();
  }
}

/** Parses RFC 4180 CSV (quotes, doubled quotes, CRLF, newlines inside quotes). */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  if (text.startsWith('\uFEFF')) i = 1;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      /* part of CRLF */
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Windows-1251 bytes of a string (Cyrillic, ASCII and the typographic symbols the fixtures use). */
export function encodeCp1251(text: string): Buffer {
  const extra: Record<string, number> = { '«': 0xab, '»': 0xbb, '—': 0x97, '–': 0x96, '№': 0xb9, '„': 0x84, '“': 0x93, '”': 0x94, '…': 0x85 };
  const bytes: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) bytes.push(c);
    else if (c >= 0x410 && c <= 0x44f) bytes.push(c - 0x410 + 0xc0);
    else if (c === 0x401) bytes.push(0xa8);
    else if (c === 0x451) bytes.push(0xb8);
    else if (extra[ch] !== undefined) bytes.push(extra[ch]);
    else throw new Error(`no cp1251 byte for ${ch}`);
  }
  return Buffer.from(bytes);
}
