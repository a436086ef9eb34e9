import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyDatabase, headerJournal, type CopyMethod } from '../../src/db/sqlite.js';
import { snapshot } from '../helpers/cli.js';

let dir: string;
let src: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-copy-'));
  src = path.join(dir, 'src.db');
  const c = new Database(src);
  c.pragma('journal_mode = WAL');
  c.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, body BLOB); CREATE INDEX t_name ON t (name);
    WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 3000)
    INSERT INTO t (name, body) SELECT 'имя ' || n, randomblob(n % 9000) FROM i;
    PRAGMA user_version = 7;`);
  c.close();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('copyDatabase', () => {
  it.each<CopyMethod>(['backup-api', 'vacuum-into'])('%s: every row, index and the user_version come back; the file is 0600', async (method) => {
    const c = new Database(src);
    // uncheckpointed changes in the WAL are part of the copy
    c.pragma('wal_autocheckpoint = 0');
    c.exec("UPDATE t SET name = name || ' (изменено)' WHERE id % 7 = 0; DELETE FROM t WHERE id % 11 = 0");
    const target = path.join(dir, 'copy.db');
    try {
      expect(await copyDatabase(c, target, method)).toBe(method);
    } finally {
      c.close();
    }
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
    expect(snapshot(target)).toBe(snapshot(src));
    const copy = new Database(target, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();
    // a page copy keeps the source's WAL header; VACUUM INTO writes a rollback-journal file
    expect(headerJournal(target)).toBe(method === 'backup-api' ? 'wal' : 'rollback');
  });

  it('refuses a target that exists', async () => {
    const target = path.join(dir, 'copy.db');
    fs.writeFileSync(target, 'mine');
    const c = new Database(src);
    try {
      await expect(copyDatabase(c, target)).rejects.toMatchObject({ code: 'EEXIST' });
    } finally {
      c.close();
    }
    expect(fs.readFileSync(target, 'utf8')).toBe('mine');
  });

  // better-sqlite3 reports a backup whose first step found the source locked as finished with
  // 0 pages: that must not pass for a copy
  it('a source locked by a writer is an error, never an empty copy, and leaves no file', async () => {
    const locked = path.join(dir, 'rollback.db');
    const setup = new Database(locked);
    setup.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    setup.close();
    const writer = new Database(locked);
    writer.exec('BEGIN EXCLUSIVE; INSERT INTO t VALUES (2)');
    const c = new Database(locked, { timeout: 0 });
    const target = path.join(dir, 'copy.db');
    try {
      await expect(copyDatabase(c, target)).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) as unknown });
    } finally {
      c.close();
      writer.exec('ROLLBACK');
      writer.close();
    }
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('copy'))).toEqual([]);
  });
});
