// A big import of rows that do not depend on each other (activities, deals, responses…) is
// validated on a second thread while the main thread writes. It must give exactly what the same
// load validated on the main thread gives, and what the row-by-row load of a small file gives:
// rows, counts, every message, the rejects file, and an untouched base on any error.
// CRM_TEST_IMPORT_BULK=1 makes the fixtures a bulk load; CRM_TEST_IMPORT_THREAD=0 keeps the
// validation on the main thread.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG, ROOT, copyDb, crm, encodeCp1251, newDb, parseCsv, query, snapshot, tempDir } from '../helpers/cli.js';

const MODES = {
  thread: { CRM_TEST_IMPORT_BULK: '1' },
  main: { CRM_TEST_IMPORT_BULK: '1', CRM_TEST_IMPORT_THREAD: '0' },
  rows: {},
} as const;
type Mode = keyof typeof MODES;

let dir: string;
let base: string;

beforeAll(() => {
  dir = tempDir('crm-thread-');
  base = newDb(dir);
  expect(crm(['init', '--db', base]).status).toBe(0);
  for (const e of ['staff', 'clients', 'contacts', 'account_team', 'products', 'promotions', 'responses', 'deals', 'plan_tasks']) {
    const r = crm(['import', e, path.join(ROOT, 'fixtures', `${e}.csv`), '--db', base, '-q']);
    expect(r.status, r.stderr).toBe(0);
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The fixture's activities with changes: (line index from 1, after the header) → new fields. */
function activities(change: (i: number, fields: string[]) => string[] | string = (_i, f) => f): string {
  const [header, ...lines] = fs.readFileSync(path.join(ROOT, 'fixtures', 'activities.csv'), 'utf8').trimEnd().split('\n');
  // lines, not records (a quoted note may span two): the lines changed are whole records
  const out = [header!];
  lines.forEach((l, i) => {
    const r = change(i + 1, l.split(','));
    out.push(typeof r === 'string' ? r : r.join(','));
  });
  return out.join('\n') + '\n';
}

/** Imports `content` into a fresh copy of the base in each mode; what each run left behind. */
function each(entity: string, content: string | Buffer, ...args: string[]) {
  return eachFile(entity, `${entity}.csv`, content, ...args);
}

function eachFile(entity: string, fileName: string, content: string | Buffer, ...args: string[]) {
  const out = {} as Record<Mode, { status: number | null; stdout: string; stderr: string; db: string; rejects?: string }>;
  for (const mode of Object.keys(MODES) as Mode[]) {
    const db = copyDb(base, dir, `${mode}-${Math.random().toString(36).slice(2)}.db`);
    const file = path.join(dir, fileName);
    fs.writeFileSync(file, content);
    const rejects = path.join(dir, `rejects-${mode}.csv`);
    const extra = args.map((a) => (a === 'REJECTS' ? rejects : a));
    const r = crm(['import', entity, file, '--db', db, ...extra], { env: MODES[mode] });
    out[mode] = { ...r, stderr: r.stderr.replace(/\d+\.\d+ s/g, 'N s').replaceAll(rejects, 'REJECTS'), db, rejects: fs.existsSync(rejects) ? fs.readFileSync(rejects, 'utf8') : undefined };
    fs.rmSync(rejects, { force: true });
  }
  return out;
}

/** A table's rows without the clock's columns. */
function rowsOf(db: string, table: string): unknown[] {
  return query<Record<string, unknown>>(db, `SELECT * FROM ${table} ORDER BY id`).map(({ created_at: _c, updated_at: _u, ...rest }) => rest);
}

describe.skipIf(PG)('a big import validated on a second thread', () => {
  it('writes the same rows, ids and counts as validation on the main thread and the row-by-row load', () => {
    const r = each('activities', activities());
    for (const mode of Object.keys(MODES) as Mode[]) expect(r[mode].status, `${mode}: ${r[mode].stderr}`).toBe(0);
    expect(r.thread.stderr).toMatch(/4047 inserted, 0 updated, 0 unchanged, 0 rejected/);
    expect(r.main.stderr).toBe(r.thread.stderr);
    expect(r.rows.stderr).toBe(r.thread.stderr);
    const rows = rowsOf(r.thread.db, 'activities');
    expect(rows).toHaveLength(4047);
    expect(rowsOf(r.main.db, 'activities')).toEqual(rows);
    expect(rowsOf(r.rows.db, 'activities')).toEqual(rows);
    expect(query(r.thread.db, 'PRAGMA foreign_key_check')).toEqual([]);
    expect(query(r.thread.db, "SELECT name FROM sqlite_master WHERE tbl_name = 'activities' AND type = 'index' ORDER BY name")).toEqual(query(r.rows.db, "SELECT name FROM sqlite_master WHERE tbl_name = 'activities' AND type = 'index' ORDER BY name"));
  });

  it('contacts, responses and deals too (written one by one: later rows may refer to them by name)', () => {
    const dbs = {} as Record<Mode, string>;
    for (const mode of Object.keys(MODES) as Mode[]) {
      const db = newDb(path.join(dir), `chain-${mode}.db`);
      expect(crm(['init', '--db', db]).status).toBe(0);
      for (const e of ['staff', 'clients', 'products', 'promotions', 'contacts', 'responses', 'deals']) {
        const r = crm(['import', e, path.join(ROOT, 'fixtures', `${e}.csv`), '--db', db], { env: MODES[mode] });
        expect(r.status, `${e} (${mode}): ${r.stderr}`).toBe(0);
      }
      dbs[mode] = db;
    }
    for (const t of ['contacts', 'responses', 'deals']) {
      expect(rowsOf(dbs.thread, t).length).toBeGreaterThan(500);
      expect(rowsOf(dbs.main, t)).toEqual(rowsOf(dbs.thread, t));
      expect(rowsOf(dbs.rows, t)).toEqual(rowsOf(dbs.thread, t));
    }
  });

  it('bad rows: the same report in file order, nothing written; --skip-invalid writes the same rejects and rows', () => {
    const before = snapshot(base);
    const content = activities((i, f) => {
      if (i === 7) f[4] = 'танец'; // not a kind
      if (i === 1500) f[1] = 'Нет такого клиента';
      if (i === 2999) f[5] = '31.02.2026';
      if (i === 3000) return f.slice(0, 4).join(','); // ragged
      if (i === 4100) f[3] = 'никто@example.ru';
      return f;
    });
    const r = each('activities', content);
    for (const mode of Object.keys(MODES) as Mode[]) {
      expect(r[mode].status, r[mode].stderr).toBe(3);
      expect(snapshot(r[mode].db)).toBe(before);
    }
    expect(r.thread.stderr).toContain('5 of 4047 rows are invalid; nothing was imported');
    expect(r.thread.stderr).toMatch(/line 8, field kind[\s\S]*line 1501, field client[\s\S]*line 3000, field occurred_at[\s\S]*line 3001: 4 fields[\s\S]*line 4101, field staff/);
    expect(r.main.stderr).toBe(r.thread.stderr);
    expect(r.rows.stderr).toBe(r.thread.stderr);

    const s = each('activities', content, '--skip-invalid', '--rejects', 'REJECTS');
    expect(s.thread.status, s.thread.stderr).toBe(0);
    expect(s.thread.stderr).toMatch(/4042 inserted, 0 updated, 0 unchanged, 5 rejected/);
    expect(s.thread.rejects).toMatch(/^external_id,client,.*crm_line,crm_errors\r\n/);
    expect(s.thread.rejects!.trimEnd().split('\r\n')).toHaveLength(6);
    for (const mode of ['main', 'rows'] as const) {
      expect(s[mode].stderr).toBe(s.thread.stderr);
      expect(s[mode].rejects).toBe(s.thread.rejects);
      expect(rowsOf(s[mode].db, 'activities')).toEqual(rowsOf(s.thread.db, 'activities'));
    }
  });

  it('what stops the whole file there stops it here: the same message, exit code and an untouched base', () => {
    const before = snapshot(base);
    const text = activities();
    const cases: [string, string | Buffer][] = [
      ['an unclosed quote near the end', text + 'A-X,"не закрыта,,,call,2026-01-01,,,,,\n'],
      ['invalid UTF-8 in the middle', Buffer.concat([Buffer.from(text.slice(0, 200_000)), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from(text.slice(200_000))])],
      ['a NUL byte', text.replace('Позвонить', 'Позв\0онить')],
      ['an unknown column', text.replace('external_id,', 'external_id,Цвет,')],
      ['a header only', text.split('\n')[0] + '\n'],
    ];
    for (const [what, content] of cases) {
      const r = each('activities', content);
      for (const mode of Object.keys(MODES) as Mode[]) {
        expect(r[mode].status, `${what} (${mode}): ${r[mode].stderr}`).toBe(3);
        expect(r[mode].stderr, `${what} (${mode})`).toBe(r.rows.stderr);
        expect(r[mode].stderr).not.toMatch(/at .*\.js:\d+|internal error/);
        expect(snapshot(r[mode].db), `${what} (${mode})`).toBe(before);
      }
    }
  });

  it('reads every input form the same way there: Windows-1251 with ; and Russian headers, --map, --no-header --columns, NDJSON, --dry-run', () => {
    const [header, ...rows] = parseCsv(fs.readFileSync(path.join(ROOT, 'fixtures', 'activities.csv'), 'utf8')).filter((r) => r.length > 1);
    const csv = (h: string[] | null, d: string) =>
      [...(h ? [h] : []), ...rows].map((r) => r.map((f) => (/[";\n,]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(d)).join('\r\n') + '\r\n';
    const russian = ['внешний код', 'Клиент', 'контактное лицо', 'Сотрудник', 'Вид', 'Дата', 'Результат', 'Тема', 'Примечание', 'Задача плана', 'Отклик'];
    expect(header).toHaveLength(russian.length);
    const base = each('activities', csv(header!, ','));
    expect(base.thread.status, base.thread.stderr).toBe(0);
    const expected = rowsOf(base.thread.db, 'activities');
    const variants: [string, string, string | Buffer, string[]][] = [
      ['Windows-1251, ; and Russian headers', 'a.csv', encodeCp1251(csv(russian, ';')), []],
      ['--map', 'a.csv', csv([...header!.slice(0, 3), 'Менеджер', ...header!.slice(4)], '\t'), ['--map', 'Менеджер=staff']],
      ['--no-header --columns', 'a.csv', csv(null, ','), ['--no-header', '--columns', header!.join(',')]],
      ['NDJSON', 'a.ndjson', rows.map((r) => JSON.stringify(Object.fromEntries(header!.map((h, i) => [h, r[i]])))).join('\n') + '\n', []],
    ];
    for (const [what, name, content, args] of variants) {
      const r = eachFile('activities', name, content, ...args);
      for (const mode of Object.keys(MODES) as Mode[]) {
        expect(r[mode].status, `${what} (${mode}): ${r[mode].stderr}`).toBe(0);
        expect(r[mode].stderr.replace(/^.*→/, ''), `${what} (${mode})`).toBe(base.thread.stderr.replace(/^.*→/, ''));
        expect(rowsOf(r[mode].db, 'activities'), `${what} (${mode})`).toEqual(expected);
      }
    }
    const dry = each('activities', csv(header!, ','), '--dry-run');
    for (const mode of Object.keys(MODES) as Mode[]) {
      expect(dry[mode].status, dry[mode].stderr).toBe(0);
      expect(dry[mode].stderr).toBe(dry.rows.stderr);
      expect(rowsOf(dry[mode].db, 'activities')).toEqual([]);
    }
    expect(dry.thread.stderr).toMatch(/dry run, nothing written\): would insert 4047, update 0; 0 unchanged, 0 rejected/);
  });
});
