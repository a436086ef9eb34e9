/**
 * Several people on one base at the same moment: two `crm plan next --yes`, a `crm dedupe --auto`,
 * an import and a `crm plan done` of a task plan next wants to carry, all started together.
 * Whatever order the database puts them in, no row and no update is lost: every planned task is
 * carried exactly once, the task marked done is either done or carried (never both), every
 * imported row is there, and no row points at a client merged away. The same test runs on both
 * backends: SQLite lets one writer in at a time (the others wait on the lock); PostgreSQL runs the
 * writers side by side in serializable transactions and retries the one that lost a race.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, PG, copyDb, crm, newDb, query, tempDir, type RunResult } from '../helpers/cli.js';

const WEEK = '2026-W47';
const NEXT = '2026-W48';
/** Enough attempts that a loaded test machine does not make the PostgreSQL runs give up. */
const ENV = { CRM_USER: 'tester', CRM_PG_RETRIES: '30' };

/** A valid 10-digit INN from a 9-digit stem (the check digit of the tax service's rule). */
function inn(stem: number): string {
  const d = String(stem).padStart(9, '0').split('').map(Number);
  const w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  return d.join('') + String((d.reduce((s, x, i) => s + x * w[i]!, 0) % 11) % 10);
}

const CLIENTS = 16;

function writeFixtures(dir: string): Record<string, string> {
  const files: Record<string, string> = {
    'staff.csv': 'external_id,name,email,role\nS1,Белова Ирина Николаевна,belova@example.ru,account_manager\nS2,Соколов Пётр Ильич,sokolov@example.ru,account_manager\n',
    'clients.csv':
      'external_id,name,client_type,city,phone,inn,status,manager\n' +
      Array.from({ length: CLIENTS }, (_, i) => `C${i + 1},ООО «Клиент-${i + 1}»,retail,Город ${i + 1},+7 (495) 100-00-${String(i + 10)},${inn(500100 + i)},active,${i % 2 ? 'S2' : 'S1'}\n`).join('') +
      // two planted pairs of duplicates
      `DA,ООО «Ромашка»,retail,Москва,+7 (495) 349-05-83,${inn(770708389)},active,S1\n` +
      `DB,Ромашка ООО,retail,Москва,+7 495 3490583,${inn(770708389)},active,S1\n` +
      `DC,АО «Ёлка-Трейд»,distributor,Казань,+7 (843) 200-11-22,${inn(165501234)},active,S2\n` +
      `DD,АО «Елка-Трейд»,distributor,Казань,+7 843 2001122,${inn(165501234)},active,S2\n`,
    'plan_tasks.csv':
      'external_id,week,staff,client,kind,task,status\n' +
      [...Array.from({ length: CLIENTS }, (_, i) => `C${i + 1}`), 'DA', 'DB', 'DC', 'DD']
        .map((c, i) => `T${i + 1},${WEEK},${i % 2 ? 'S2' : 'S1'},${c},call,Позвонить: ${c},planned\n`)
        .join(''),
    'activities.csv': 'external_id,client,staff,kind,occurred_at,subject\nA0,C1,S1,call,2026-11-02 10:00,Первый звонок\n',
    'new-activities.csv':
      'external_id,client,staff,kind,occurred_at,subject\n' +
      Array.from({ length: 40 }, (_, i) => {
        const client = ['DA', 'DB', 'DC', 'DD'][i % 4] ?? 'C1';
        return `N${i + 1},${i % 5 === 0 ? `C${(i % CLIENTS) + 1}` : client},S${(i % 2) + 1},call,2026-11-${String(10 + (i % 9)).padStart(2, '0')} 1${i % 8}:00,Звонок ${i + 1}\n`;
      }).join(''),
  };
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    out[name] = path.join(dir, name);
    fs.writeFileSync(out[name], text);
  }
  return out;
}

/** The real binary, started now, not waited for. */
function start(args: string[], env: Record<string, string> = {}): { done: Promise<RunResult>; stderr: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<RunResult>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  return { done, stderr: () => stderr };
}

let shared: string;
let base: string;
let files: Record<string, string>;
let dir: string;
let db: string;

beforeAll(() => {
  shared = tempDir('crm-race-');
  files = writeFixtures(shared);
  base = newDb(shared, 'base.db');
  expect(crm(['init', '--db', base, '-q']).status).toBe(0);
  for (const e of ['staff', 'clients', 'plan_tasks', 'activities']) {
    const r = crm(['import', e, files[`${e}.csv`]!, '--db', base, '-q']);
    expect(r.status, r.stderr).toBe(0);
  }
});
afterAll(() => fs.rmSync(shared, { recursive: true, force: true }));
beforeEach(() => {
  dir = tempDir();
  db = copyDb(base, dir);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const count = (sql: string, ...params: unknown[]) => Number(query<{ n: number }>(db, sql, ...params)[0]!.n);

/**
 * Every task of WEEK was carried exactly once, or is `done` (the one marked done) and not carried
 * at all but followed up once.
 */
function expectEveryTaskCarriedOnce(doneTask: string | null): void {
  const tasks = query<{ id: number; external_id: string; status: string; successors: number }>(
    db,
    `SELECT t.id, t.external_id, t.status, (SELECT count(*) FROM plan_tasks n WHERE n.carried_from_id = t.id) AS successors
     FROM plan_tasks t WHERE t.week = ? ORDER BY t.id`,
    WEEK,
  );
  expect(tasks).toHaveLength(CLIENTS + 4);
  for (const t of tasks) {
    if (t.external_id === doneTask) expect([t.status, Number(t.successors)], t.external_id).toEqual(['done', 0]);
    else expect([t.status, Number(t.successors)], t.external_id).toEqual(['carried', 1]);
  }
  // nothing else was added to the next week: two runs of plan next made one plan — the carries,
  // and for the task marked done (a success: done, no activity saying otherwise) one follow-up
  expect(count('SELECT count(*) AS n FROM plan_tasks WHERE week = ? AND carried_from_id IS NOT NULL', NEXT)).toBe(tasks.length - (doneTask ? 1 : 0));
  const followUps = query<{ client: string | null }>(
    db,
    'SELECT c.external_id AS client FROM plan_tasks t LEFT JOIN clients c ON c.id = t.client_id WHERE t.week = ? AND t.carried_from_id IS NULL',
    NEXT,
  );
  expect(followUps).toEqual(doneTask ? [{ client: query<{ c: string }>(db, 'SELECT c.external_id AS c FROM plan_tasks t JOIN clients c ON c.id = t.client_id WHERE t.external_id = ?', doneTask)[0]!.c }] : []);
}

function expectNothingPointsAtMergedClients(): void {
  for (const table of ['activities', 'plan_tasks']) {
    expect(count(`SELECT count(*) AS n FROM ${table} x JOIN clients c ON c.id = x.client_id WHERE c.merged_into_id IS NOT NULL`), table).toBe(0);
  }
}

describe('writers at the same time lose no row and no update', () => {
  it('two plan next, a dedupe --auto, an import and a plan done at once', async () => {
    const activitiesBefore = count('SELECT count(*) AS n FROM activities');
    const runs = {
      next1: start(['plan', 'next', '--week', WEEK, '--yes', '--db', db, '--format', 'csv']),
      dedupe: start(['dedupe', 'clients', '--auto', '--threshold', '0.9', '--db', db, '--format', 'csv']),
      importer: start(['import', 'activities', files['new-activities.csv']!, '--db', db, '-q']),
      done: start(['plan', 'done', 'T5', '--db', db, '--format', 'csv']),
      next2: start(['plan', 'next', '--week', WEEK, '--yes', '--db', db, '--format', 'csv']),
    };
    const r = Object.fromEntries(await Promise.all(Object.entries(runs).map(async ([k, v]) => [k, await v.done] as const)));
    for (const k of ['next1', 'next2', 'dedupe', 'importer']) expect(r[k]!.status, `${k}: ${r[k]!.stderr}`).toBe(0);

    // plan done came first (T5 is done, not carried), or plan next did (T5 carried, plan done refused)
    const done = r.done!;
    if (done.status === 0) expectEveryTaskCarriedOnce('T5');
    else {
      expect(done.status, done.stderr).toBe(2);
      expect(done.stderr).toMatch(/was carried/);
      expectEveryTaskCarriedOnce(null);
    }
    // every imported row is there
    expect(count('SELECT count(*) AS n FROM activities')).toBe(activitiesBefore + 40);
    // both planted pairs merged, once each; nothing refers to the merged records any more
    expect(count('SELECT count(*) AS n FROM merges WHERE undone_at IS NULL')).toBe(2);
    expect(count('SELECT count(*) AS n FROM clients WHERE merged_into_id IS NOT NULL')).toBe(2);
    expectNothingPointsAtMergedClients();
  });

  it('with a task done before: two plan next, a dedupe --auto and an import at once follow it up once', async () => {
    const done = crm(['plan', 'done', 'T5', '--db', db], { env: ENV });
    expect(done.status, done.stderr).toBe(0);
    const runs = [
      start(['plan', 'next', '--week', WEEK, '--yes', '--db', db, '--format', 'csv']),
      start(['dedupe', 'clients', '--auto', '--threshold', '0.9', '--db', db, '--format', 'csv']),
      start(['import', 'activities', files['new-activities.csv']!, '--db', db, '-q']),
      start(['plan', 'next', '--week', WEEK, '--yes', '--db', db, '--format', 'csv']),
    ];
    for (const r of await Promise.all(runs.map((x) => x.done))) expect(r.status, r.stderr).toBe(0);
    expectEveryTaskCarriedOnce('T5');
    expect(count('SELECT count(*) AS n FROM clients WHERE merged_into_id IS NOT NULL')).toBe(2);
    expectNothingPointsAtMergedClients();
  });

  it('plan next waits for a dedupe that holds the same rows, then writes on top of it', async () => {
    const next = await whileMergePaused(ENV);
    expect(next.status, next.stderr).toBe(0);
    expectEveryTaskCarriedOnce(null);
    expectNothingPointsAtMergedClients();
  });

  it.skipIf(!PG)('when the retries are used up: a clear message, exit 5, nothing written; the next run succeeds', async () => {
    const next = await whileMergePaused({ ...ENV, CRM_PG_RETRIES: '1' });
    expect(next.status, next.stderr).toBe(5);
    expect(next.stderr).toMatch(/crm plan next gave up after 1 attempt: conflicting changes by other crm runs on the same rows at the same time/);
    expect(next.stderr).toMatch(/nothing of it was saved/);
    expect(next.stderr).toMatch(/hint: run the command again/);
    expect(count('SELECT count(*) AS n FROM plan_tasks WHERE week = ?', NEXT)).toBe(0);
    expect(count("SELECT count(*) AS n FROM plan_tasks WHERE status = 'carried'")).toBe(0);
    const again = crm(['plan', 'next', '--week', WEEK, '--yes', '--db', db, '--format', 'csv'], { env: ENV });
    expect(again.status, again.stderr).toBe(0);
    expectEveryTaskCarriedOnce(null);
    expectNothingPointsAtMergedClients();
  });
});

/**
 * A dedupe --auto paused inside its transaction after its first merge (which re-points a task of
 * WEEK), and meanwhile plan next --yes, which carries that task. On PostgreSQL the pause ends once
 * plan next waits for the row the merge holds, so that plan next always meets the committed merge
 * (a serialization failure, retried); on SQLite plan next waits for the write lock.
 */
async function whileMergePaused(env: Record<string, string>): Promise<RunResult> {
  const resume = path.join(dir, 'resume');
  const merging = start(['dedupe', 'clients', '--auto', '--threshold', '0.9', '--db', db, '--format', 'csv'], { CRM_TEST_PAUSE_IN_MERGE: '60000', CRM_TEST_RESUME_FILE: resume });
  await waitFor(merging, 'paused inside the merge transaction');
  const next = start(['plan', 'next', '--week', WEEK, '--yes', '--db', db, '--format', 'csv'], env);
  if (PG) {
    // until plan next's backend waits on a lock the paused merge holds
    while (count("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") === 0) {
      const finished = await Promise.race([next.done, new Promise<null>((resolve) => setTimeout(() => resolve(null), 50))]);
      if (finished) throw new Error(`plan next did not wait for the merge (exit ${finished.status}): ${finished.stderr}`);
    }
  } else await new Promise((resolve) => setTimeout(resolve, 500));
  fs.writeFileSync(resume, '');
  const merged = await merging.done;
  expect(merged.status, merged.stderr).toBe(0);
  return next.done;
}

async function waitFor(run: { done: Promise<RunResult>; stderr: () => string }, text: string): Promise<void> {
  for (;;) {
    if (run.stderr().includes(text)) return;
    const finished = await Promise.race([run.done.then((r) => r), new Promise<null>((resolve) => setTimeout(() => resolve(null), 50))]);
    if (finished) throw new Error(`exited (${finished.status}) before "${text}": ${finished.stderr}`);
  }
}
