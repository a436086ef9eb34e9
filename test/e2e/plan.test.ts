import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm, parseCsv, query, snapshot, tempDir, newDb } from '../helpers/cli.js';

let dir: string;
let db: string;
let clock: string;

/** crm with the clock fixed at `now` (an ISO instant) in time zone `tz`, as user `user`. */
function at(now: string, tz: string, args: string[], user = 'оператор') {
  return crm([...args, '--db', db, '--user', user], { env: { NODE_OPTIONS: `--import=${clock}`, CRM_TEST_NOW: now, TZ: tz } });
}
// Sunday 22 Nov 2026 07:30 in Los Angeles (2026-W47); Monday 23 Nov 01:30 in Vladivostok (2026-W48)
const NOW = '2026-11-22T15:30:00Z';
const LA = 'America/Los_Angeles';
const VL = 'Asia/Vladivostok';
type Task = { id: number; week: string; staff_id: number; client_id: number | null; contact_id: number | null; kind: string | null; task: string; status: string; outcome_note: string | null; completed_on: string | null; created_by: string; created_at: string; updated_by: string | null };
const task = (id: number) => query<Task>(db, 'SELECT * FROM plan_tasks WHERE id = ?', id)[0]!;
const idOf = (ext: string) => query<{ id: number }>(db, 'SELECT id FROM plan_tasks WHERE external_id = ?', ext)[0]!.id;

beforeAll(() => {
  dir = tempDir();
  db = newDb(dir);
  clock = path.join(dir, 'clock.mjs');
  fs.writeFileSync(
    clock,
    'const fixed = Date.parse(process.env.CRM_TEST_NOW);\nconst Real = Date;\nglobalThis.Date = class extends Real { constructor(...a) { if (a.length === 0) super(fixed); else super(...a); } static now() { return fixed; } };\n',
  );
  expect(crm(['init', '--db', db]).status).toBe(0);
  const files: [string, string][] = [
    ['staff', 'name,email,role,active\nЁлкина Алёна Петровна,elkina@t.ru,account_manager,yes\nПетров Пётр Петрович,petrov@t.ru,field_rep,yes\nУшедший Ульян,gone@t.ru,account_manager,no\n'],
    ['clients', 'external_id,name,client_type,is_key_account,manager,status,lost_date\nC1,ООО «Ромашка»,retail,yes,elkina@t.ru,active,\nC2,АО «Лютик»,retail,no,petrov@t.ru,active,\nC3,ИП Потерян,retail,no,,lost,2026-01-10\n'],
    ['contacts', 'external_id,client,full_name,email\nP1,C1,Иванов Иван,ivanov@romashka.ru\nP2,C2,Сидорова Анна,\n'],
    [
      'plan_tasks',
      'external_id,week,staff,client,kind,task,status,completed_on,carried_from,carry_count\n' +
        'T1,2026-W46,elkina@t.ru,C1,call,Позвонить,carried,,,0\n' +
        'T2,2026-W47,elkina@t.ru,C1,call,Позвонить,planned,,T1,1\n' +
        'T3,2026-W47,elkina@t.ru,C2,meeting,Встреча,planned,,,0\n' +
        'T4,2026-W47,petrov@t.ru,,other,Отчёт,planned,,,0\n' +
        'T5,2026-W47,petrov@t.ru,C2,visit,Визит,done,2026-11-18,,0\n',
    ],
  ];
  for (const [entity, text] of files) {
    fs.writeFileSync(path.join(dir, `${entity}.csv`), text);
    const r = crm(['import', entity, path.join(dir, `${entity}.csv`), '--db', db, '-q']);
    expect(r.status, r.stderr).toBe(0);
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('crm plan add', () => {
  it('adds a task for a staff member (by name, ё = е) and client, in this week of the local calendar', () => {
    const la = at(NOW, LA, ['plan', 'add', 'Встреча', 'по', 'КП', '--staff', 'елкина алена петровна', '--client', 'C1', '--contact', 'Иванов Иван', '--kind', 'Meeting', '--format', 'csv']);
    expect(la.status, la.stderr).toBe(0);
    const row = parseCsv(la.stdout);
    expect(row[0]!.slice(0, 4)).toEqual(['id', 'week', 'staff_id', 'staff']);
    const t = task(Number(row[1]![0]));
    expect(t).toMatchObject({ week: '2026-W47', staff_id: 1, client_id: 1, contact_id: 1, kind: 'meeting', task: 'Встреча по КП', status: 'planned', created_by: 'оператор', created_at: '2026-11-22 07:30:00' });
    const vl = at(NOW, VL, ['plan', 'add', 'Звонок', '--staff', 'petrov@t.ru', '--client', 'АО «Лютик»', '--format', 'csv']);
    expect(task(Number(parseCsv(vl.stdout)[1]![0]))).toMatchObject({ week: '2026-W48', created_at: '2026-11-23 01:30:00', kind: null });
  });

  it('--week next over the year end; the user as the staff member when --staff is left out', () => {
    const r = at('2026-12-31T09:00:00Z', 'UTC', ['plan', 'add', 'Поздравить', '--client', 'C1', '--week', 'next', '--format', 'csv'], 'ELKINA@t.ru');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('the current user');
    expect(task(Number(parseCsv(r.stdout)[1]![0]))).toMatchObject({ week: '2027-W01', staff_id: 1 });
  });

  it('usage errors change nothing: no staff, a week that does not exist, an unknown kind, client or contact', () => {
    const before = snapshot(db);
    const noStaff = crm(['plan', 'add', 'x', '--db', db, '--user', 'nobody']);
    expect(noStaff.status).toBe(2);
    expect(noStaff.stderr).toContain('--staff');
    for (const args of [
      ['--staff', 'petrov@t.ru', '--week', '2025-W53'],
      ['--staff', 'petrov@t.ru', '--kind', 'lunch'],
      ['--staff', 'petrov@t.ru', '--client', 'C9'],
      ['--staff', 'petrov@t.ru', '--client', 'C2', '--contact', 'Иванов Иван'],
      ['--staff', 'Петр'],
    ]) {
      const r = crm(['plan', 'add', 'x', ...args, '--db', db]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    }
    expect(snapshot(db)).toBe(before);
  });
});

describe('crm plan list', () => {
  it("a week's tasks, by staff member; --status filters", () => {
    const r = crm(['plan', 'list', '--week', '2026-W47', '--status', 'planned', '--db', db, '--format', 'csv']);
    expect(r.status).toBe(0);
    const rows = parseCsv(r.stdout);
    expect(rows[0]).toEqual(['id', 'week', 'staff_id', 'staff', 'client_id', 'client_external_id', 'client', 'contact_id', 'contact', 'kind', 'task', 'status', 'outcome_note', 'completed_on', 'carried_from_id', 'carry_count', 'external_id']);
    expect(rows.slice(1).map((x) => [x[16], x[3], x[11], x[15]])).toEqual([
      ['T2', 'Ёлкина Алёна Петровна', 'planned', '1'],
      ['T3', 'Ёлкина Алёна Петровна', 'planned', '0'],
      ['', 'Ёлкина Алёна Петровна', 'planned', '0'],
      ['T4', 'Петров Пётр Петрович', 'planned', '0'],
    ]);
    expect(crm(['plan', 'list', '--week', '2026-W47', '--status', 'maybe', '--db', db]).status).toBe(2);
    const none = crm(['plan', 'list', '--week', '2026-W30', '--db', db, '--format', 'csv']);
    expect(none.status).toBe(0);
    expect(parseCsv(none.stdout)).toHaveLength(1);
  });
});

describe('crm plan done|fail|cancel', () => {
  it('done with a note and the activity in one step; the day and time from the local clock', () => {
    const t3 = idOf('T3');
    const r = at(NOW, VL, ['plan', 'done', String(t3), '--note', 'Договорились', '--log']);
    expect(r.status, r.stderr).toBe(0);
    expect(task(t3)).toMatchObject({ status: 'done', completed_on: '2026-11-23', outcome_note: 'Договорились', updated_by: 'оператор' });
    expect(query(db, 'SELECT client_id, contact_id, staff_id, kind, occurred_at, outcome, subject, notes, created_by FROM activities WHERE plan_task_id = ?', t3)).toEqual([
      { client_id: 2, contact_id: null, staff_id: 1, kind: 'meeting', occurred_at: '2026-11-23 01:30', outcome: 'success', subject: 'Встреча', notes: 'Договорились', created_by: 'оператор' },
    ]);
    // marking it again corrects it, but logs no second activity
    const again = at(NOW, VL, ['plan', 'fail', `#${t3}`, '--on', '2026-11-20', '--outcome', 'no_answer']);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('already has an activity logged');
    expect(task(t3)).toMatchObject({ status: 'failed', completed_on: '2026-11-20' });
    expect(query(db, 'SELECT count(*) AS n FROM activities WHERE plan_task_id = ?', t3)).toEqual([{ n: 1 }]);
  });

  it('fail by external id with an outcome logs that outcome on the given day', () => {
    const r = at(NOW, LA, ['plan', 'fail', 'T2', '--on', '20.11.2026', '--outcome', 'no_answer', '--note', 'Не дозвонился']);
    expect(r.status, r.stderr).toBe(0);
    expect(task(idOf('T2'))).toMatchObject({ status: 'failed', completed_on: '2026-11-20' });
    expect(query(db, 'SELECT occurred_at, outcome FROM activities WHERE plan_task_id = ?', idOf('T2'))).toEqual([{ occurred_at: '2026-11-20', outcome: 'no_answer' }]);
  });

  it('refusals change nothing, for any of the tasks named: carried, finished → cancelled, no client to log, the future', () => {
    const before = snapshot(db);
    const carried = crm(['plan', 'done', 'T1', '--db', db]);
    expect(carried.status).toBe(2);
    expect(carried.stderr).toContain(`was carried to #${idOf('T2')} in 2026-W47: mark that one instead`);
    const mixed = crm(['plan', 'cancel', 'T4', 'T5', '--db', db]);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toContain('is already done (on 2026-11-18)');
    expect(crm(['plan', 'done', 'T4', '--log', '--db', db]).stderr).toContain('has no client');
    expect(at(NOW, LA, ['plan', 'done', 'T4', '--on', '2026-11-23']).stderr).toContain('is in the future');
    expect(crm(['plan', 'done', 'T4', '--outcome', 'failure', '--db', db]).status).toBe(2);
    expect(crm(['plan', 'done', '999', '--db', db]).status).toBe(2);
    expect(snapshot(db)).toBe(before);
  });

  it('cancel sets the status and the note, and clears the day', () => {
    const r = crm(['plan', 'cancel', 'T4', '--note', 'не нужен', '--db', db, '--format', 'csv']);
    expect(r.status, r.stderr).toBe(0);
    expect(task(idOf('T4'))).toMatchObject({ status: 'cancelled', completed_on: null, outcome_note: 'не нужен' });
    expect(parseCsv(r.stdout)[1]![11]).toBe('cancelled');
  });
});

describe('crm plan next: prompts only on a terminal', () => {
  it('without a terminal it needs --yes or --dry-run, not both', () => {
    const r = crm(['plan', 'next', '--db', db]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--yes accepts them all, --dry-run only lists them');
    expect(crm(['plan', 'next', '--yes', '--dry-run', '--db', db]).status).toBe(2);
  });

  it('the key account of an inactive manager is left out, with the reason on stderr; covered clients get nothing more', () => {
    crm(['import', 'clients', '-', '--db', db, '-q'], { input: 'external_id,name,client_type,is_key_account,manager\nC4,АО «Сирота»,retail,yes,gone@t.ru\n' });
    const r = crm(['plan', 'next', '--week', '2026-W47', '--dry-run', '--db', db, '--format', 'csv']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('left out (key_account: its manager Ушедший Ульян is no longer active): client #4');
    const reasons = parseCsv(r.stdout).slice(1).map((x) => `${x[1]} ${x[7]} ${x[11]}`);
    // the task added for C1 this week is carried, which covers the key account C1; Петров's visit to C2 was a
    // success, but he already has a task for C2 next week (added in Vladivostok): no follow-up besides
    expect(reasons).toEqual(['carry ООО «Ромашка» Встреча по КП']);
  });
});
