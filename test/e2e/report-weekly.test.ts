import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm, parseCsv, query, tempDir, newDb, execSql } from '../helpers/cli.js';

// A small base whose figures are computed by hand in the comments. Weeks: 2026-W45 = 2–8 Nov,
// W46 = 9–15 Nov, W47 = 16–22 Nov, W48 = 23–29 Nov; 2026-W53 = 28 Dec – 3 Jan; 2027-W01 = 4–10 Jan.
let dir: string;
let db: string;
let clock: string;

const STAFF = `name,email,role
Андреева Анна Андреевна,a@t.ru,account_manager
Борисов Борис Борисович,b@t.ru,field_rep
Ёлкин Егор Егорович,e@t.ru,executive
`;
const CLIENTS = `external_id,name,client_type,region,is_key_account,manager,status,parent,lost_date
K1,АО «Ключ»,industry,Москва,yes,a@t.ru,active,,
K1B,"АО «Ключ», филиал в Казани",industry,Татарстан,no,,active,K1,
K2,ООО «Второй ключ»,industry,Москва,yes,a@t.ru,active,,
K3,ПАО «Третий ключ»,industry,Самара,yes,b@t.ru,active,,
K4,АО «Потерянный ключ»,industry,Москва,yes,a@t.ru,lost,,2026-06-01
K5,ООО «Ключ-дубль»,industry,Москва,yes,a@t.ru,active,,
C1,ООО «Ромашка»,retail,Москва,no,a@t.ru,active,,
`;
const CONTACTS = `external_id,client,full_name,level,buying_role
P1,K2,Второв Виктор,manager,
P2,K2,Главная Галина,staff,decision_maker
P3,K3,Третьяков Тимур,executive,
`;
const TASKS = `external_id,week,staff,client,kind,task,status,completed_on,carried_from,carry_count
T1,2026-W45,a@t.ru,C1,call,Позвонить по КП,carried,,,0
T2,2026-W46,a@t.ru,C1,call,Позвонить по КП,carried,,T1,1
T3,2026-W47,a@t.ru,C1,call,Позвонить по КП,planned,,T2,2
T4,2026-W47,a@t.ru,K1,meeting,Встреча,done,2026-11-17,,0
T5,2026-W47,a@t.ru,K2,call,Звонок,failed,2026-11-18,,0
T6,2026-W47,a@t.ru,C1,email,Письмо,cancelled,,,0
T7,2026-W47,a@t.ru,K1B,visit,Визит в филиал,done,2026-11-19,,0
T8,2026-W46,a@t.ru,C1,call,Старый звонок,done,2026-11-10,,0
T9,2026-W46,a@t.ru,K2,call,Звонок-2,failed,2026-11-11,,0
T10,2026-W53,a@t.ru,C1,call,Звонок в конце года,done,2026-12-29,,0
T11,2026-W53,a@t.ru,C1,call,Поздравить с Новым годом,planned,,,0
T12,2027-W01,a@t.ru,C1,call,Первый звонок года,done,2027-01-05,,0
`;
const ACTIVITIES = `external_id,staff,client,kind,occurred_at,outcome,plan_task
A1,a@t.ru,K1,meeting,2026-11-17 10:00,success,T4
A2,a@t.ru,K2,call,2026-11-18 11:00,failure,T5
A3,a@t.ru,K1B,visit,2026-11-19,success,T7
A4,a@t.ru,C1,call,2026-11-22 23:30,neutral,
A5,a@t.ru,C1,call,2026-11-23 00:10,neutral,
A6,e@t.ru,K2,top_to_top,2026-11-20 15:00,success,
A7,a@t.ru,C1,call,2026-11-10 09:00,neutral,T8
A8,a@t.ru,K2,call,2026-11-11 09:00,failure,T9
A9,b@t.ru,K3,visit,2026-10-20 12:00,success,
A10,a@t.ru,C1,call,2027-01-03 18:00,neutral,
A11,a@t.ru,C1,call,2027-01-04 09:00,neutral,
A12,a@t.ru,C1,call,2026-12-29 10:00,success,T10
`;

/** Runs crm with the clock fixed at `now` (an ISO instant) in time zone `tz`. */
function at(now: string, tz: string, args: string[]) {
  return crm([...args, '--db', db], { env: { NODE_OPTIONS: `--import=${clock}`, CRM_TEST_NOW: now, TZ: tz } });
}
const csv = (args: string[]) => {
  const r = crm([...args, '--db', db, '--format', 'csv']);
  expect(r.stderr.includes('crm:') ? r.stderr : '', r.stderr).toBe('');
  expect(r.status).toBe(0);
  return parseCsv(r.stdout).map((row) => row.join(','));
};

beforeAll(() => {
  dir = tempDir();
  db = newDb(dir);
  clock = path.join(dir, 'clock.mjs');
  // the clock the binary sees: `new Date()` and Date.now() are CRM_TEST_NOW
  fs.writeFileSync(
    clock,
    'const fixed = Date.parse(process.env.CRM_TEST_NOW);\nconst Real = Date;\nglobalThis.Date = class extends Real { constructor(...a) { if (a.length === 0) super(fixed); else super(...a); } static now() { return fixed; } };\n',
  );
  expect(crm(['init', '--db', db]).status).toBe(0);
  const files: [string, string][] = [['staff', STAFF], ['clients', CLIENTS], ['contacts', CONTACTS], ['plan_tasks', TASKS], ['activities', ACTIVITIES]];
  for (const [entity, text] of files) {
    fs.writeFileSync(path.join(dir, `${entity}.csv`), text);
    const r = crm(['import', entity, path.join(dir, `${entity}.csv`), '--db', db, '-q']);
    expect(r.status, r.stderr).toBe(0);
  }
  // K5 was merged into K1 by dedupe: a merged client is skipped everywhere
  const edit = "UPDATE clients SET merged_into_id = (SELECT id FROM clients WHERE external_id = 'K1') WHERE external_id = 'K5'";
  execSql(db, edit);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HEADER =
  'level,week,staff_id,staff,email,planned,done,failed,not_done,carried,open,cancelled,completion_rate,success_rate,activities,unplanned_activities,key_accounts,key_not_contacted,key_not_contacted_4w,' +
  'planned_change,done_change,failed_change,not_done_change,completion_rate_change,success_rate_change,activities_change,unplanned_activities_change,key_not_contacted_change,key_not_contacted_4w_change';

// 2026-W47, Андреева: planned T3 T4 T5 T7 = 4 (T6 cancelled), done 2, failed 1, not done 1 (T3, still planned);
// completion 3/4, success 2/3; activities A1–A4 = 4 (A4 late on Sunday; A5 is Monday, W48), unplanned A4 = 1;
// key accounts K1, K2 (K4 lost, K5 merged): K1 via A1 and its branch, K2 via A2 and Ёлкин's A6 → 0 not contacted.
// Previous week W46: planned T2 T8 T9 = 3, done 1, failed 1, not done 1; completion 2/3, success 1/2; activities 2,
// unplanned 0; K1 not contacted in W46 nor W43–W46 → 1 and 1. Changes: +1 +1 0 0, 0.75−0.6667, 0.6667−0.5, +2 +1 −1 −1.
// Борисов: no tasks (rates empty); K3 last contacted in W43: not this week, none in W44–W47 (in W46: W43 counted → 0).
// Ёлкин: one unplanned activity (A6).
const W47 = [
  HEADER,
  'staff,2026-W47,1,Андреева Анна Андреевна,a@t.ru,4,2,1,1,0,1,1,0.75,0.6667,4,1,2,0,0,1,1,0,0,0.0833,0.1667,2,1,-1,-1',
  'staff,2026-W47,2,Борисов Борис Борисович,b@t.ru,0,0,0,0,0,0,0,,,0,0,1,1,1,0,0,0,0,,,0,0,0,1',
  'staff,2026-W47,3,Ёлкин Егор Егорович,e@t.ru,0,0,0,0,0,0,0,,,1,1,0,0,0,0,0,0,0,,,1,1,0,0',
  'total,2026-W47,,total,,4,2,1,1,0,1,1,0.75,0.6667,5,2,3,1,1,1,1,0,0,0.0833,0.1667,3,2,-1,0',
];

describe('crm report weekly', () => {
  it('per staff member and in total, with the change against the previous week (figures by hand)', () => {
    expect(csv(['report', 'weekly', '--week', '2026-W47'])).toEqual(W47);
  });

  it('--staff by name or e-mail: that row only; a staff member with no tasks has empty rates', () => {
    expect(csv(['report', 'weekly', '--week', '2026-W47', '--staff', 'Борисов Борис Борисович'])).toEqual([HEADER, W47[2]]);
    expect(csv(['report', 'weekly', '--week', '2026w47', '--staff', 'A@T.RU'])).toEqual([HEADER, W47[1]]);
  });

  it('the carry-over list: a task carried twice, its chain since W45', () => {
    const rows = csv(['report', 'weekly', '--week', '2026-W47', '--carry-over']);
    const t3 = query<{ id: number }>(db, "SELECT id FROM plan_tasks WHERE external_id = 'T3'")[0]!.id;
    const c1 = query<{ id: number }>(db, "SELECT id FROM clients WHERE external_id = 'C1'")[0]!.id;
    expect(rows).toEqual([
      'task_id,week,staff_id,staff,client_id,client_external_id,client,contact,kind,task,status,carry_count,since_week,weeks_open,carried_to_id,carried_to_week',
      `${t3},2026-W47,1,Андреева Анна Андреевна,${c1},C1,ООО «Ромашка»,,call,Позвонить по КП,planned,2,2026-W45,2,,`,
    ]);
  });

  it('JSON: one object with the week, the rows and the carry-over list', () => {
    const r = crm(['report', 'weekly', '--week', '2026-W47', '--db', db, '--format', 'json']);
    const json = JSON.parse(r.stdout) as { week: string; week_start: string; previous_week: string; rows: Record<string, unknown>[]; carry_over: Record<string, unknown>[] };
    expect(json).toMatchObject({ report: 'weekly', week: '2026-W47', week_start: '2026-11-16', week_end: '2026-11-22', previous_week: '2026-W46' });
    expect(json.rows[1]).toMatchObject({ staff: 'Борисов Борис Борисович', completion_rate: null, success_rate: null, key_not_contacted_4w: 1 });
    expect(json.rows[3]).toMatchObject({ level: 'total', completion_rate: 0.75, success_rate: 0.6667 });
    expect(json.carry_over).toHaveLength(1);
    expect(json.carry_over[0]).toMatchObject({ carry_count: 2, since_week: '2026-W45' });
  });

  it('a terminal table shows the figures and the carry-over list', () => {
    const r = crm(['report', 'weekly', '--week', '2026-W47', '--db', db, '--format', 'table']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Weekly plan review 2026-W47 (2026-11-16 – 2026-11-22)');
    expect(r.stdout).toContain('Андреева А. А.');
    expect(r.stdout).toContain('Carry-over from 2026-W47: 1 task not done, 1 of them carried before');
    expect(r.stdout).toContain('completion 75.0% (+8.3 pp)');
  });

  it('week 53 and the new year: --weeks 2 up to 2027-W01; activities on 3 and 4 January fall in different weeks', () => {
    // W53: T10 done, T11 planned → planned 2, completion 1/2, success 1/1; A12 (planned) and A10 (3 Jan) → 2, 1 unplanned;
    // no contact with K1 or K2 in W50–W53 → 2 and 2. W01: T12 done; A11 (4 Jan) → 1 activity, unplanned.
    expect(csv(['report', 'weekly', '--week', '2027-W01', '--weeks', '2', '--staff', 'a@t.ru'])).toEqual([
      'week,week_start,planned,done,failed,not_done,carried,open,cancelled,completion_rate,success_rate,activities,unplanned_activities,key_accounts,key_not_contacted,key_not_contacted_4w,' +
        'planned_change,done_change,failed_change,not_done_change,completion_rate_change,success_rate_change,activities_change,unplanned_activities_change,key_not_contacted_change,key_not_contacted_4w_change',
      '2026-W53,2026-12-28,2,1,0,1,0,1,0,0.5,1,2,1,2,2,2,2,1,0,1,,,2,1,0,0',
      '2027-W01,2027-01-04,1,1,0,0,0,0,0,1,1,1,1,2,2,2,-1,0,0,-1,0.5,0,-1,0,0,0',
    ]);
  });

  it('--week last on a Monday, in the time zone of the user: the same instant is W48 in Vladivostok and W47 in Los Angeles', () => {
    const now = '2026-11-22T15:30:00Z';
    const vlad = at(now, 'Asia/Vladivostok', ['report', 'weekly', '--week', 'last', '--format', 'csv']); // Monday 23 Nov, 01:30
    expect(vlad.status, vlad.stderr).toBe(0);
    expect(parseCsv(vlad.stdout).map((r) => r.join(','))).toEqual(W47);
    const la = at(now, 'America/Los_Angeles', ['report', 'weekly', '--week', 'last', '--format', 'json']); // Sunday 22 Nov, 07:30
    expect((JSON.parse(la.stdout) as { week: string }).week).toBe('2026-W46');
    const laThis = at(now, 'America/Los_Angeles', ['report', 'weekly', '--format', 'json']);
    expect((JSON.parse(laThis.stdout) as { week: string }).week).toBe('2026-W47');
    expect(laThis.stderr).toContain('2026-W47 is the current week (today is 2026-11-22)');
    // the clock is the test's, not the machine's: Monday 4 January 2027 is in week 1, last week is 53
    const jan = at('2027-01-04T12:00:00Z', 'UTC', ['report', 'weekly', '--week', 'last', '--staff', 'a@t.ru', '--format', 'json']);
    expect(JSON.parse(jan.stdout)).toMatchObject({ week: '2026-W53', previous_week: '2026-W52', rows: [{ planned: 2, done: 1, activities: 2 }] });
  });

  it('usage errors: a week that does not exist, a bad --weeks, an unknown staff member', () => {
    const bad = crm(['report', 'weekly', '--week', '2025-W53', '--db', db]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("'this', 'next', 'last'");
    expect(crm(['report', 'weekly', '--weeks', '0', '--db', db]).status).toBe(2);
    expect(crm(['report', 'weekly', '--staff', 'nobody@t.ru', '--db', db]).status).toBe(2);
    expect(crm(['report', 'weekly', '--weeks', '4', '--carry-over', '--db', db]).status).toBe(2);
  });
});

describe('crm plan next on the same base, then the review again', () => {
  it('carries the twice-carried task (carry_count 3), follows up the successes, contacts key accounts with nothing planned; idempotent', () => {
    const dry = csv(['plan', 'next', '--week', '2026-W47', '--dry-run']);
    // T3 carried; T4 (meeting, success) and T7 (visit on the branch, success) followed up — K1 is covered;
    // K2 (last contact A6 on 20 Nov) and K3 (Борисов's, last contact 20 Oct) get a contact; K4 lost, K5 merged: none
    expect(dry.slice(1).map((r) => r.split(',').slice(0, 2).concat(r.split(',').slice(4, 5)).join(' '))).toEqual([
      '1 carry Андреева Анна Андреевна',
      '2 follow_up Андреева Анна Андреевна',
      '3 follow_up Андреева Анна Андреевна',
      '4 key_account Андреева Анна Андреевна',
      '5 key_account Борисов Борис Борисович',
    ]);
    expect(dry[1]).toContain('Позвонить по КП,');
    expect(dry[2]).toContain(',proposal,Подготовить КП по итогам: Встреча,');
    expect(dry[3]).toContain('АО «Ключ», филиал в Казани');
    // K2: the decision maker is the one to call
    expect(dry[4]).toContain(',Главная Галина,call,Связаться с ключевым клиентом (последний контакт 2026-11-20),');
    expect(dry[5]).toContain(',Третьяков Тимур,call,Связаться с ключевым клиентом (последний контакт 2026-10-20),');
    expect(query(db, "SELECT count(*) AS n FROM plan_tasks WHERE week = '2026-W48'")).toEqual([{ n: 0 }]);

    const yes = crm(['plan', 'next', '--week', '2026-W47', '--yes', '--db', db, '--format', 'csv', '--user', 'тест']);
    expect(yes.status, yes.stderr).toBe(0);
    expect(yes.stderr).toContain('added 5 tasks to 2026-W48 (1 carried, 2 follow-ups, 2 key-account contacts)');
    const t3 = query<{ id: number; status: string; updated_by: string }>(db, "SELECT id, status, updated_by FROM plan_tasks WHERE external_id = 'T3'")[0]!;
    expect(t3).toMatchObject({ status: 'carried', updated_by: 'тест' });
    const carried = query<{ id: number; carry_count: number; created_by: string; status: string }>(db, 'SELECT id, carry_count, created_by, status FROM plan_tasks WHERE carried_from_id = ?', t3.id);
    expect(carried).toEqual([{ id: carried[0]!.id, carry_count: 3, created_by: 'тест', status: 'planned' }]);

    const again = crm(['plan', 'next', '--week', '2026-W47', '--yes', '--db', db, '--format', 'csv']);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('nothing to propose for 2026-W48');
    expect(query(db, "SELECT count(*) AS n FROM plan_tasks WHERE week = '2026-W48'")).toEqual([{ n: 5 }]);

    // the review of W47 is the same (a carried task is still not done), its carry-over now points to W48
    expect(csv(['report', 'weekly', '--week', '2026-W47'])[1]).toBe('staff,2026-W47,1,Андреева Анна Андреевна,a@t.ru,4,2,1,1,1,0,1,0.75,0.6667,4,1,2,0,0,1,1,0,0,0.0833,0.1667,2,1,-1,-1');
    expect(csv(['report', 'weekly', '--week', '2026-W47', '--carry-over'])[1]).toMatch(new RegExp(`,carried,2,2026-W45,2,${carried[0]!.id},2026-W48$`));
    expect(csv(['report', 'weekly', '--week', '2026-W48', '--carry-over']).find((r) => r.startsWith(`${carried[0]!.id},`))).toContain(',planned,3,2026-W45,3,,');
  });

  it('week 53: the plan goes to 2027-W01', () => {
    const rows = csv(['plan', 'next', '--week', '2026-W53', '--dry-run', '--staff', 'a@t.ru']);
    expect(rows[1]).toMatch(/^1,carry,2027-W01,1,Андреева Анна Андреевна,.*Поздравить с Новым годом/);
  });
});
