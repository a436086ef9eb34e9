import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectDatabaseFile, openForCheck, planCheck } from '../../src/db/sqlite.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-check-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A small database: an indexed table, a plain one, a WITHOUT ROWID one and an FTS5 table. */
function sample(name = 'a.db'): string {
  const file = path.join(dir, name);
  const c = new Database(file);
  c.exec(`
    CREATE TABLE big (id INTEGER PRIMARY KEY, x TEXT, y TEXT); CREATE INDEX big_x ON big (x); CREATE UNIQUE INDEX big_y ON big (y);
    CREATE TABLE plain (id INTEGER PRIMARY KEY, body BLOB);
    CREATE TABLE pairs (a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;
    CREATE VIRTUAL TABLE search USING fts5(x);
    WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 200)
    INSERT INTO big (x, y) SELECT 'x' || n, 'y' || n FROM i;
    INSERT INTO plain (body) VALUES (randomblob(10000)), (NULL);
    INSERT INTO pairs VALUES ('a', 'b'), ('c', 'd');
    INSERT INTO search (x) SELECT x FROM big;
    PRAGMA application_id = 42; PRAGMA user_version = 3;`);
  c.close();
  return file;
}

/** The index big_x now claims to be on y: its entries no longer match the rows. Only the index cross-check sees it. */
function indexDisagrees(file: string): void {
  const c = new Database(file);
  c.unsafeMode(true);
  c.pragma('writable_schema = ON');
  c.prepare("UPDATE sqlite_master SET sql = 'CREATE INDEX big_x ON big (y)' WHERE name = 'big_x'").run();
  c.close();
}

/** One more page in the file that no b-tree and no freelist owns. Only the check of the file as a whole sees it. */
function orphanPage(file: string): void {
  const fd = fs.openSync(file, 'r+');
  const header = Buffer.alloc(4);
  fs.readSync(fd, header, 0, 4, 28);
  const pages = header.readUInt32BE(0);
  header.writeUInt32BE(pages + 1);
  fs.writeSync(fd, header, 0, 4, 28);
  fs.writeSync(fd, Buffer.alloc(4096), 0, 4096, pages * 4096);
  fs.closeSync(fd);
}

describe('the check of a copy', () => {
  it('full: quick_check of the file plus integrity_check of each table that has an index or no rowid, biggest first', () => {
    const sqlite = openForCheck(sample());
    try {
      const plan = planCheck(sqlite, 'full');
      expect(plan).toMatchObject({ applicationId: 42, userVersion: 3, problems: [], countProblem: null });
      expect(plan.rows).toMatchObject({ big: 200, plain: 2, pairs: 2, search: 200 });
      const names = plan.tasks.map((t) => `${t.pragma}${t.table ? `(${t.table})` : ''}`);
      expect(plan.tasks.map((t) => t.cost)).toEqual(plan.tasks.map((t) => t.cost).sort((a, b) => b - a));
      expect(names).toContain('integrity_check(big)');
      expect(names).toContain('quick_check');
      expect(names).toContain('integrity_check(pairs)');
      // plain has nothing quick_check leaves out; the FTS5 table is checked by quick_check
      expect(names).not.toContain('integrity_check(plain)');
      expect(names).not.toContain('integrity_check(search)');
      expect(planCheck(sqlite, 'quick').tasks.map((t) => t.pragma)).toEqual(['quick_check']);
    } finally {
      sqlite.close();
    }
  });

  it('a sound file: no problems, and the rows of every table', () => {
    const r = inspectDatabaseFile(sample(), 'full');
    expect(r).toMatchObject({ problems: [], applicationId: 42, userVersion: 3 });
    expect(r.rows).toMatchObject({ big: 200, plain: 2, pairs: 2, search: 200 });
  });

  it('finds what PRAGMA integrity_check finds: an index that disagrees with its table (quick_check does not)', () => {
    const file = sample();
    indexDisagrees(file);
    const full = inspectDatabaseFile(file, 'full');
    expect(full.problems[0]).toMatch(/row \d+ missing from index big_x/);
    expect(full.rows).toEqual({});
    expect(inspectDatabaseFile(file, 'quick').problems).toEqual([]);
  });

  it('and a page nothing uses, which integrity_check of each table alone would miss', () => {
    const file = sample();
    orphanPage(file);
    const sqlite = openForCheck(file);
    try {
      expect(sqlite.pragma('integrity_check(big)', { simple: true })).toBe('ok');
    } finally {
      sqlite.close();
    }
    expect(inspectDatabaseFile(file, 'full').problems[0]).toMatch(/Page \d+: never used/);
    expect(inspectDatabaseFile(file, 'quick').problems[0]).toMatch(/Page \d+: never used/);
  });

  it('a file that is not a database is a problem, not an exception', () => {
    const file = path.join(dir, 'junk.db');
    fs.writeFileSync(file, Buffer.alloc(8192, 0x41));
    expect(inspectDatabaseFile(file, 'full').problems[0]).toMatch(/not a database/);
  });
});
