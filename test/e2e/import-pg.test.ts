/**
 * `crm import` on a PostgreSQL server shared by several people: a connection dropped in the middle
 * of a file leaves nothing of it; two imports of overlapping files at once lose no row; a writer
 * that changes a row the import is about to update loses nothing (the import retries on a fresh
 * snapshot), and when the retries are used up the user is told so. PostgreSQL only: SQLite has one
 * writer at a time and its kill -9 counterpart is in import.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, PG, crm, newDb, psql, query, tempDir, type RunResult } from '../helpers/cli.js';

let dir: string;
let db: string;
const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};
const imp = (...args: string[]) => crm(['import', ...args, '--db', db]);

/** A valid 10-digit INN from a 9-digit stem. */
function inn(stem: number): string {
  const d = String(stem).padStart(9, '0').split('').map(Number);
  const w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  return d.join('') + String((d.reduce((s, x, i) => s + x * w[i]!, 0) % 11) % 10);
}

/** Runs crm in the background; resolves with its result when it exits. */
function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<RunResult>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  return { child, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds, polling; fails the test after `seconds`. */
async function until(what: string, check: () => boolean, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const dbName = () => new URL(db).pathname.slice(1);
/** crm's server processes on the test database doing something, by what they wait for. */
const crmBackends = (where: string) =>
  Number(psql(db, `SELECT count(*) FROM pg_stat_activity WHERE datname = '${dbName()}' AND application_name = 'crm' AND ${where}`).trim());

/** A psql session that holds a transaction open until commit() is called. */
function holdTransaction(sqlText: string): { ready: Promise<void>; commit: () => Promise<void> } {
  const bin = process.env.CRM_TEST_PG_BINDIR ? path.join(process.env.CRM_TEST_PG_BINDIR, 'psql') : 'psql';
  const child = spawn(bin, [db, '-X', '-v', 'ON_ERROR_STOP=1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise<void>((resolve) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('HELD')) resolve();
    });
  });
  child.stdin!.write(`BEGIN;\n${sqlText};\nSELECT 'HELD';\n`);
  return {
    ready,
    commit: async () => {
      child.stdin!.end('COMMIT;\n');
      await new Promise((r) => child.on('close', r));
    },
  };
}

beforeEach(() => {
  if (!PG) return;
  dir = tempDir();
  db = newDb(dir);
  expect(crm(['init', '--db', db]).status).toBe(0);
  expect(imp('staff', file('staff.csv', 'external_id,name,email,role\nS1,Белова Ирина,belova@example.ru,account_manager\nS2,Соколов Пётр,sokolov@example.ru,field_rep\n')).status).toBe(0);
});
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!PG)('crm import on PostgreSQL', () => {
  it('a connection dropped in the middle of a file: exit 8, a clear message, nothing of that file left', async () => {
    expect(imp('clients', file('c.csv', `external_id,name,client_type,inn\nC1,ООО «Ромашка»,retail,${inn(770708389)}\n`)).status).toBe(0);
    const lines = ['external_id,client,staff,kind,occurred_at,subject'];
    for (let i = 0; i < 120_000; i++) lines.push(`A${i},C1,belova@example.ru,call,2026-01-0${(i % 9) + 1} 10:00,Звонок ${i}`);
    const big = file('big.csv', lines.join('\n') + '\n');
    const run = start(['import', 'activities', big, '--db', db]);
    // the import holds its advisory lock from before BEGIN to the end: once some rows went to the server, cut it off
    await until('the import to be writing', () => Number(psql(db, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted`).trim()) > 0 && crmBackends(`xact_start IS NOT NULL AND now() - xact_start > interval '300 ms'`) > 0);
    psql(db, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${dbName()}' AND application_name = 'crm'`);
    const r = await run.done;
    expect(r.status, r.stderr).toBe(8);
    expect(r.stderr).toMatch(/connection to the PostgreSQL server failed or was lost/);
    expect(r.stderr).toMatch(/nothing of the interrupted command was committed/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(query(db, 'SELECT count(*) AS n FROM activities')).toEqual([{ n: 0 }]);
    expect(query(db, "SELECT count(*) AS n FROM import_batches WHERE entity = 'activities'")).toEqual([{ n: 0 }]);
    // and the base works on: a file imports, and the interrupted one was not logged as imported
    const small = imp('activities', file('small.csv', 'external_id,client,staff,kind,occurred_at\nA0,C1,S1,call,2026-01-01 10:00\n'));
    expect(small.status, small.stderr).toBe(0);
    expect(small.stderr).toContain('1 inserted');
  });

  it('killing the import process mid-file leaves nothing of that file', async () => {
    expect(imp('clients', file('c.csv', 'external_id,name,client_type\nC1,ООО «Ромашка»,retail\n')).status).toBe(0);
    const lines = ['external_id,client,staff,kind,occurred_at'];
    for (let i = 0; i < 120_000; i++) lines.push(`A${i},C1,S1,visit,2026-02-0${(i % 9) + 1} 09:30`);
    const big = file('big.csv', lines.join('\n') + '\n');
    const run = start(['import', 'activities', big, '--db', db]);
    await until('the import to be writing', () => crmBackends(`xact_start IS NOT NULL AND now() - xact_start > interval '300 ms'`) > 0);
    run.child.kill('SIGKILL');
    await run.done;
    // the server notices the lost client and rolls its transaction back
    await until('the server to drop the killed session', () => crmBackends('true') === 0);
    expect(query(db, 'SELECT count(*) AS n FROM activities')).toEqual([{ n: 0 }]);
    expect(query(db, "SELECT count(*) AS n FROM import_batches WHERE entity = 'activities'")).toEqual([{ n: 0 }]);
  });

  it('two imports of overlapping files at the same time lose no row and create no duplicate', async () => {
    const row = (i: number, city: string) => `C${i},ООО «Клиент ${i}»,retail,${city},${inn(400000 + i)}`;
    const head = 'external_id,name,client_type,city,inn\n';
    const a = file('a.csv', head + Array.from({ length: 3000 }, (_, i) => row(i + 1, 'Москва')).join('\n') + '\n');
    const b = file('b.csv', head + Array.from({ length: 3000 }, (_, i) => row(i + 1501, 'Казань')).join('\n') + '\n');
    const [ra, rb] = await Promise.all([start(['import', 'clients', a, '--db', db]).done, start(['import', 'clients', b, '--db', db]).done]);
    expect(ra.status, ra.stderr).toBe(0);
    expect(rb.status, rb.stderr).toBe(0);
    expect(query(db, 'SELECT count(*) AS n, count(DISTINCT external_id) AS d FROM clients')).toEqual([{ n: 4500, d: 4500 }]);
    const counts = (s: string) => /(\d+) inserted, (\d+) updated, (\d+) unchanged/.exec(s)!.slice(1).map(Number);
    const [ia, ua] = counts(ra.stderr);
    const [ib, ub] = counts(rb.stderr);
    // whichever ran second found the 1500 shared rows and updated their city
    expect(ia! + ib!).toBe(4500);
    expect(ua! + ub!).toBe(1500);
    const second = ub === 1500 ? 'Казань' : 'Москва';
    expect(query(db, 'SELECT city, count(*) AS n FROM clients WHERE id IN (SELECT id FROM clients WHERE external_id IN (?, ?)) GROUP BY city', 'C1600', 'C2900')).toEqual([{ city: second, n: 2 }]);
    expect(query(db, "SELECT count(*) AS n FROM import_batches WHERE entity = 'clients'")).toEqual([{ n: 2 }]);
  });

  it('a writer that changes a row the import updates loses nothing: the import retries on a fresh snapshot', async () => {
    expect(imp('clients', file('c.csv', 'external_id,name,client_type,city\nC1,ООО «Ромашка»,retail,Москва\nC2,АО «Ёлка»,retail,Казань\n')).status).toBe(0);
    // another session changes C1's notes and keeps its transaction open
    const other = holdTransaction(`UPDATE clients SET notes = 'звонить после обеда' WHERE external_id = 'C1'`);
    await other.ready;
    const run = start(['import', 'clients', file('u.csv', 'external_id,name,client_type,phone\nC1,ООО «Ромашка»,retail,+7 495 123-45-67\nC2,АО «Ёлка»,retail,+7 843 200-11-22\n'), '--db', db], { CRM_PG_RETRIES: '5' });
    await until('the import to wait for the row', () => crmBackends(`wait_event_type = 'Lock'`) > 0);
    await other.commit();
    const r = await run.done;
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/0 inserted, 2 updated/);
    expect(query(db, 'SELECT external_id, city, phone, notes FROM clients ORDER BY id')).toEqual([
      { external_id: 'C1', city: 'Москва', phone: '+74951234567', notes: 'звонить после обеда' },
      { external_id: 'C2', city: 'Казань', phone: '+78432001122', notes: null },
    ]);
  });

  it('when the retries are used up it says so, exits 5 and writes nothing', async () => {
    expect(imp('clients', file('c.csv', 'external_id,name,client_type\nC1,ООО «Ромашка»,retail\n')).status).toBe(0);
    const other = holdTransaction(`UPDATE clients SET notes = 'занято' WHERE external_id = 'C1'`);
    await other.ready;
    const run = start(['import', 'clients', file('u.csv', 'external_id,name,client_type,city\nC1,ООО «Ромашка»,retail,Тверь\nC9,ООО «Тула»,retail,Тула\n'), '--db', db], { CRM_PG_RETRIES: '1' });
    await until('the import to wait for the row', () => crmBackends(`wait_event_type = 'Lock'`) > 0);
    await other.commit();
    const r = await run.done;
    expect(r.status, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/the import of .*u\.csv gave up after 1 attempt: conflicting changes by other crm runs on the same rows at the same time/);
    expect(r.stderr).toContain('nothing of it was saved');
    expect(query(db, 'SELECT external_id, city, notes FROM clients ORDER BY id')).toEqual([{ external_id: 'C1', city: null, notes: 'занято' }]);
  });

  it('edits of the same client at the same time all land (no lost update)', async () => {
    expect(imp('clients', file('c.csv', `external_id,name,client_type\nC1,ООО «Ромашка»,retail\n`)).status).toBe(0);
    const fields = [
      ['--city', 'Москва'],
      ['--region', 'Московская область'],
      ['--phone', '+7 495 123-45-67'],
      ['--website', 'romashka.ru'],
      ['--notes', 'ключевой поставщик'],
      ['--legal-form', 'ООО'],
    ];
    const runs = await Promise.all(fields.map((f) => start(['client', 'update', 'C1', ...f, '--db', db], { CRM_USER: 'tester', CRM_PG_RETRIES: '30' }).done));
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    expect(query(db, 'SELECT city, region, phone, website, notes, legal_form FROM clients')).toEqual([
      { city: 'Москва', region: 'Московская область', phone: '+74951234567', website: 'romashka.ru', notes: 'ключевой поставщик', legal_form: 'ООО' },
    ]);
  });
});
