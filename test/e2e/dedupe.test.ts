import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, PG, ROOT, copyDb, crm, execSql, parseCsv, query, tempDir, newDb } from '../helpers/cli.js';

// One base built from fixtures/ for the whole file; each test works on its own copy.
let shared: string;
let fixturesDb: string;
let dir: string;
let db: string;

const ENTITIES = ['staff', 'clients', 'contacts', 'account_team', 'products', 'promotions', 'responses', 'deals', 'plan_tasks', 'activities', 'goals', 'assessments'];

beforeAll(() => {
  shared = tempDir('crm-dedupe-fixtures-');
  fixturesDb = newDb(shared, 'fixtures.db');
  expect(crm(['init', '--db', fixturesDb, '-q']).status).toBe(0);
  for (const e of ENTITIES) {
    const r = crm(['import', e, path.join(ROOT, 'fixtures', `${e}.csv`), '--db', fixturesDb, '-q']);
    expect(r.status, r.stderr).toBe(0);
  }
});
afterAll(() => fs.rmSync(shared, { recursive: true, force: true }));

beforeEach(() => {
  dir = tempDir();
  db = copyDb(fixturesDb, dir);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const dd = (...args: string[]) => crm(['dedupe', ...args, '--db', db], { env: { CRM_USER: 'tester' } });
const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};

/** Every row of every table (order-insensitive), except the merge log. */
function dump(dbFile: string): Record<string, string[]> {
  const tables = PG
    ? query<{ name: string }>(dbFile, "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'merges'")
    : query<{ name: string }>(dbFile, "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'merges'");
  const out: Record<string, string[]> = {};
  for (const { name } of tables) out[name] = query(dbFile, `SELECT * FROM "${name}"`).map((r) => JSON.stringify(r)).sort();
  return out;
}

function pairsOf(csv: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(csv);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

function groupsOf(csv: string): string[] {
  const byGroup = new Map<string, Set<number>>();
  for (const p of pairsOf(csv).filter((x) => x.relation === 'duplicate')) {
    const g = byGroup.get(p.group!) ?? new Set<number>();
    g.add(Number(p.id_a)).add(Number(p.id_b));
    byGroup.set(p.group!, g);
  }
  return [...byGroup.values()].map((g) => [...g].sort((a, b) => a - b).join(',')).sort();
}

const ids = (table: string, externalIds: string[]) =>
  Object.fromEntries(query<{ id: number; external_id: string }>(db, `SELECT id, external_id FROM ${table} WHERE external_id IN (${externalIds.map(() => '?').join(',')})`, ...externalIds).map((r) => [r.external_id, r.id]));

describe('crm dedupe: finding', () => {
  it('lists exactly the planted duplicate clients of the fixtures, with evidence and a suggested survivor', () => {
    const r = dd('clients', '--format', 'csv');
    expect(r.status, r.stderr).toBe(0);
    const c = ids('clients', ['CL-0067', 'CL-0295', 'CL-0296', 'CL-0140', 'CL-0299', 'CL-0193', 'CL-0300', 'CL-0301', 'CL-0235', 'CL-0297', 'CL-0192', 'CL-0298']);
    const expected = [
      [c['CL-0067'], c['CL-0295'], c['CL-0296']],
      [c['CL-0140'], c['CL-0299']],
      [c['CL-0193'], c['CL-0300'], c['CL-0301']],
      [c['CL-0235'], c['CL-0297']],
      [c['CL-0192'], c['CL-0298']],
    ].map((g) => g.sort((a, b) => a! - b!).join(','));
    expect(groupsOf(r.stdout)).toEqual(expected.sort());
    const [header] = parseCsv(r.stdout);
    expect(header!.slice(0, 11)).toEqual(['decision', 'survivor_id', 'entity', 'group', 'score', 'relation', 'id_a', 'name_a', 'id_b', 'name_b', 'evidence']);
    const rows = pairsOf(r.stdout);
    expect(rows.every((p) => p.decision === '' && p.entity === 'client')).toBe(true);
    // the originals survive: they have the ИНН, the history, the active status
    const survivors = new Set(rows.map((p) => Number(p.survivor_id)));
    expect(survivors).toEqual(new Set([c['CL-0067'], c['CL-0140'], c['CL-0193'], c['CL-0235'], c['CL-0192']]));
    const romashka = rows.find((p) => p.name_b === 'Ромашка ООО' || p.name_a === 'Ромашка ООО')!;
    expect(romashka.evidence).toMatch(/^INN same \+7\.5; name same \+5; phone same \+4/);
    expect(r.stderr).toMatch(/301 clients, [\d,]+ pairs compared .*: 5 groups of likely duplicates/);
    expect(r.stderr).toMatch(/nothing was merged/);
  });

  it('lists the planted duplicate contacts (ё/е, double spaces, a phone in digits only)', () => {
    const r = dd('contacts', '--format', 'csv');
    expect(r.status, r.stderr).toBe(0);
    const t = ids('contacts', ['CT-00083', 'CT-00935', 'CT-00209', 'CT-00933', 'CT-00846', 'CT-00934', 'CT-00806', 'CT-00932']);
    const groups = groupsOf(r.stdout);
    for (const [x, y] of [['CT-00083', 'CT-00935'], ['CT-00209', 'CT-00933'], ['CT-00846', 'CT-00934'], ['CT-00806', 'CT-00932']]) {
      expect(groups).toContain([t[x!]!, t[y!]!].sort((a, b) => a - b).join(','));
    }
  });

  it('Cyrillic and Latin spellings of one company are one group; a typo too; another company is not', () => {
    const fresh = newDb(dir, 'fresh.db');
    expect(crm(['init', '--db', fresh, '-q']).status).toBe(0);
    const csv =
      'external_id,name,client_type,city,phone,email\n' +
      'A1,ООО «Ромашка»,retail,Москва,+7 495 111-22-33,\n' +
      'A2,"""Ромашка"" ООО",retail,Москва,8 495 1112233,\n' +
      'A3,"Ромашка, ООО",retail,Москва,,info@romashka.ru\n' +
      'A4,Romashka LLC,retail,Москва,84951112233,\n' +
      "A5,ООО 'РОМАШКА',retail,Москва,+74951112233,info@romashka.ru\n" +
      'A6,ООО «Рамашка»,retail,Москва,+7 (495) 111-22-33,\n' +
      'A7,ООО «Ромашка»,retail,Казань,+7 843 000-00-00,office@romashka-kazan.ru\n';
    expect(crm(['import', 'clients', file('c.csv', csv), '--db', fresh, '-q']).status).toBe(0);
    const r = crm(['dedupe', '--db', fresh, '--format', 'csv']);
    expect(r.status, r.stderr).toBe(0);
    expect(groupsOf(r.stdout)).toEqual(['1,2,3,4,5,6']);
  });

  it('a branch sharing its HQ ИНН is listed as a branch, never grouped or merged', () => {
    const fresh = newDb(dir, 'fresh.db');
    expect(crm(['init', '--db', fresh, '-q']).status).toBe(0);
    const csv =
      'external_id,name,client_type,city,phone,inn,kpp,parent\n' +
      'H,АО «ТрансЛогистик»,distributor,Москва,+7 495 111-22-33,7707083893,770701001,\n' +
      'B,АО «ТрансЛогистик»,distributor,Москва,+7 495 111-22-33,7707083893,771043001,H\n';
    expect(crm(['import', 'clients', file('c.csv', csv), '--db', fresh, '-q']).status).toBe(0);
    const r = crm(['dedupe', '--db', fresh, '--format', 'csv']);
    expect(pairsOf(r.stdout).map((p) => [p.id_a, p.id_b, p.relation, p.group])).toEqual([['1', '2', 'branch', '']]);
    expect(r.stderr).toMatch(/1 look alike but are a company and its branch/);
    const auto = crm(['dedupe', '--db', fresh, '--auto', '--threshold', '0.5', '--format', 'csv']);
    expect(auto.status).toBe(0);
    expect(query(fresh, 'SELECT count(*) AS n FROM merges')).toEqual([{ n: 0 }]);
  });

  it('refuses bad flags with exit 2', () => {
    expect(dd('--auto').status).toBe(2);
    expect(dd('--threshold', '1.5').status).toBe(2);
    expect(dd('--limit', '0').status).toBe(2);
    expect(dd('undo', 'x').status).toBe(2);
    expect(dd('history', '--entity', 'deals').status).toBe(2);
  });
});

describe('crm dedupe: merging and undoing', () => {
  it('a merge re-points every referencing row, keeps the differing values, and undo restores every table exactly', () => {
    const before = dump(db);
    const c = ids('clients', ['CL-0067', 'CL-0295', 'CL-0296']);
    const refsOf = (id: number) =>
      ['contacts', 'deals', 'activities', 'responses', 'plan_tasks', 'goals', 'assessments'].map((t) => query<{ n: number }>(db, `SELECT count(*) AS n FROM ${t} WHERE client_id = ?`, id)[0]!.n);
    const total = (id: number) => refsOf(id).reduce((s, n) => s + n, 0);
    const expectedRefs = total(c['CL-0067']!) + total(c['CL-0295']!) + total(c['CL-0296']!);
    expect(total(c['CL-0295']!) + total(c['CL-0296']!)).toBeGreaterThan(0);

    const r = dd('clients', '--auto', '--threshold', '0.9', '--format', 'csv');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/merged 7 clients into 5 survivors/);
    const c2 = dd('contacts', '--auto', '--threshold', '0.9', '--format', 'csv');
    expect(c2.status, c2.stderr).toBe(0);

    expect(total(c['CL-0067']!)).toBe(expectedRefs);
    expect(total(c['CL-0295']!) + total(c['CL-0296']!)).toBe(0);
    expect(query(db, 'SELECT id, merged_into_id FROM clients WHERE id IN (?, ?) ORDER BY id', c['CL-0295'], c['CL-0296'])).toEqual([
      { id: c['CL-0295'], merged_into_id: c['CL-0067'] },
      { id: c['CL-0296'], merged_into_id: c['CL-0067'] },
    ]);
    expect(query(db, 'SELECT field, value FROM client_aliases WHERE client_id = ? ORDER BY id', c['CL-0067'])).toEqual([
      { field: 'name', value: 'Ромашка ООО' },
      { field: 'external_id', value: 'main:CL-0295' },
      { field: 'name', value: '"Romashka" LLC' },
      { field: 'legal_form', value: 'LLC' },
      { field: 'external_id', value: 'main:CL-0296' },
    ]);
    // the merge log holds the merged row as it was
    const log = query<{ merged_row: string; merged_by: string }>(db, 'SELECT merged_row, merged_by FROM merges WHERE merged_id = ?', c['CL-0296']);
    expect(JSON.parse(log[0]!.merged_row)).toMatchObject({ name: '"Romashka" LLC', external_id: 'CL-0296', merged_into_id: null });
    expect(log[0]!.merged_by).toBe('tester');
    // a later import by the merged record's external id lands on the survivor
    const imp = crm(['import', 'deals', file('d.csv', 'external_id,client,amount,opened_on\nD-NEW,CL-0296,1000,2026-11-01\n'), '--db', db, '-q']);
    expect(imp.status, imp.stderr).toBe(0);
    expect(query(db, "SELECT client_id FROM deals WHERE external_id = 'D-NEW'")).toEqual([{ client_id: c['CL-0067'] }]);
    expect(crm(['dedupe', 'clients', '--db', db, '--format', 'csv']).stdout.split('\r\n').filter(Boolean)).toHaveLength(1);

    const h = dd('history', '--format', 'json');
    const merges = JSON.parse(h.stdout) as { merge_id: number; entity: string; moved_rows: number }[];
    expect(merges.filter((m) => m.entity === 'client')).toHaveLength(7);
    expect(merges.map((m) => m.merge_id)).toEqual([...merges.map((m) => m.merge_id)].sort((a, b) => b - a));
    // undo needs the latest merge of a record first
    const first = merges[merges.length - 1]!.merge_id;
    const refused = dd('undo', String(first));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/cannot be undone while a later merge involves the same records/);
    expect(refused.stderr).toMatch(/hint: undo that one first: crm dedupe undo \d+/);

    // the new deal is not part of any merge: it stays with the survivor; remove it to compare
    execSql(db, "DELETE FROM deals WHERE external_id = 'D-NEW'; DELETE FROM import_batches WHERE entity = 'deals' AND file_name LIKE '%d.csv'");
    const dry = dd('undo', String(merges[0]!.merge_id), '--dry-run');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/dry run, nothing written/);
    // one merge alone, then all the others together (newest first, in one transaction)
    const last = dd('undo', String(merges[0]!.merge_id));
    expect(last.status, last.stderr).toBe(0);
    const rest = dd('undo', ...merges.slice(1).map((m) => String(m.merge_id)).reverse());
    expect(rest.status, rest.stderr).toBe(0);
    expect(rest.stderr.match(/^undid merge/gm)).toHaveLength(merges.length - 1);
    expect(dump(db)).toEqual(before);
    expect(query(db, 'SELECT count(*) AS n FROM merges WHERE undone_at IS NULL')).toEqual([{ n: 0 }]);
    expect(dd('undo', String(first)).stderr).toMatch(/was undone already/);
  });

  it('the pair file: --format csv, decisions in a spreadsheet, crm dedupe apply; "not duplicates" survive later runs', () => {
    const listed = dd('clients', '--format', 'csv', '--delimiter', ';', '--bom');
    expect(listed.stdout.startsWith('\uFEFF')).toBe(true);
    const rows = parseCsv(listed.stdout, ';');
    const header = rows[0]!;
    const col = (k: string) => header.findIndex((h) => h.replace('\uFEFF', '') === k);
    const groups = [...new Set(rows.slice(1).map((r) => r[col('group')]))];
    // group 1: merge (keep the suggestion); group 2: not duplicates; the rest: left empty
    for (const r of rows.slice(1)) {
      if (r[col('group')] === groups[0]) r[col('decision')] = 'merge';
      if (r[col('group')] === groups[1]) r[col('decision')] = 'Не дубль';
    }
    const notDup = rows.slice(1).filter((r) => r[col('group')] === groups[1]).map((r) => [Number(r[col('id_a')]), Number(r[col('id_b')])].sort((a, b) => a - b));
    const reviewed = file('reviewed.csv', rows.map((r) => r.map((f) => `"${f.replaceAll('"', '""')}"`).join(';')).join('\r\n'));

    const before = dump(db);
    const dry = dd('apply', reviewed, '--dry-run', '--format', 'csv');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dump(db)).toEqual(before);

    const r = dd('apply', reviewed, '--format', 'csv');
    expect(r.status, r.stderr).toBe(0);
    const results = pairsOf(r.stdout);
    expect(results.filter((x) => x.decision === 'merge').some((x) => /^merged #\d+/.test(x.result!))).toBe(true);
    expect(query<{ id_a: number; id_b: number }>(db, "SELECT id_a, id_b FROM not_duplicates WHERE entity = 'client' ORDER BY id_a, id_b").map((x) => [x.id_a, x.id_b])).toEqual(notDup);
    const again = dd('clients', '--format', 'csv');
    const left = pairsOf(again.stdout);
    expect(left.length).toBe(rows.length - 1 - rows.slice(1).filter((x) => x[col('group')] === groups[0] || x[col('group')] === groups[1]).length);
    for (const [a, b] of notDup) expect(left.some((x) => Number(x.id_a) === a && Number(x.id_b) === b)).toBe(false);
    expect(again.stderr).toMatch(/pairs marked not duplicates are not proposed again/);
    // applying the same file again: merges are already done, marks already there
    const twice = dd('apply', reviewed, '--format', 'csv');
    expect(twice.status).toBe(0);
    expect(pairsOf(twice.stdout).map((x) => x.result)).toContain('already merged');
  });

  it('apply refuses a file with bad rows (exit 3, every problem listed) and changes nothing', () => {
    const before = dump(db);
    const bad = file('bad.csv', 'entity,id_a,id_b,decision,survivor_id\nclient,67,295,merge,67\nclient,67,999999,merge,67\nclient,67,296,perhaps,67\nclient,67,296,merge,\n');
    const r = dd('apply', bad);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/bad\.csv: 2 rows cannot be applied; nothing was changed/);
    expect(r.stderr).toMatch(/line 4/);
    expect(r.stderr).toMatch(/line 5/);
    expect(dump(db)).toEqual(before);
    const missing = dd('apply', file('m.csv', 'entity,id_a,id_b,decision,survivor_id\nclient,67,999999,merge,67\n'));
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/there is no client #999999/);
    expect(dd('apply', path.join(dir, 'nope.csv')).status).toBe(3);
  });

  it('kill -9 in the middle of a merge leaves no half merge', async () => {
    const before = dump(db);
    const child = spawn(process.execPath, [BIN, 'dedupe', 'clients', '--auto', '--threshold', '0.9', '--db', db, '--format', 'csv'], {
      env: { ...process.env, CRM_TEST_PAUSE_IN_MERGE: '30000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('paused inside the merge transaction')) resolve();
      });
      child.on('exit', () => reject(new Error(`exited before the pause: ${err}`)));
    });
    // the first merge is written inside the open transaction when the pause begins
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    expect(dump(db)).toEqual(before);
    if (!PG) expect(query(db, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(query(db, 'SELECT count(*) AS n FROM merges')).toEqual([{ n: 0 }]);
    const r = dd('clients', '--auto', '--threshold', '0.9', '--format', 'csv');
    expect(r.status, r.stderr).toBe(0);
    expect(query(db, 'SELECT count(*) AS n FROM merges')).toEqual([{ n: 7 }]);
  });
});

describe('crm import --check-duplicates', () => {
  it('warns about incoming rows that look like existing clients, and imports them anyway', () => {
    const csv = 'name,client_type,city,phone,inn\n"Romashka LLC",retail,Москва,+7 495 349 05 83,\nНовая компания,retail,Тверь,+7 4822 123456,\n';
    const r = crm(['import', 'clients', file('new.csv', csv), '--check-duplicates', '--db', db]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/--check-duplicates: 1 of the 2 new clients look like records already in the base/);
    expect(r.stderr).toMatch(/line 2 «Romashka LLC» looks like client #\d+ «ООО «Ромашка»» \(CL-0067\): score 1\.00 \(name same \+5; phone same \+4/);
    expect(r.stderr).toMatch(/2 inserted/);
    expect(crm(['import', 'deals', file('d.csv', 'client,amount,opened_on\nCL-0067,1,2026-01-01\n'), '--check-duplicates', '--db', db]).status).toBe(2);
  });
});

describe('crm dedupe: interactive review on a terminal', () => {
  const haveScript = fs.existsSync('/usr/bin/script');
  it.skipIf(!haveScript)('merges a group into the suggested survivor on Enter, then stops', async () => {
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} dedupe clients --db ${JSON.stringify(db)}`;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI' && !k.startsWith('GITHUB_')) env[k] = v;
    env.TERM = 'xterm';
    env.NO_COLOR = '1';
    env.CRM_USER = 'reviewer';
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let prompts = 0;
    let closed = false;
    // a prompt redrawn just as the review ends can schedule a key press after the child is gone
    child.stdin.on('error', () => {});
    const answered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no prompt: ${out}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const seen = out.split('what to do?').length - 1;
        if (seen > prompts) {
          prompts = seen;
          // group 1: Enter takes the first choice (merge into the suggested survivor); group 2: up to "Stop reviewing"
          setTimeout(() => {
            if (!closed) child.stdin.write(prompts === 1 ? '\r' : '\u001b[A\r');
          }, 150);
        }
      });
      child.on('close', () => {
        closed = true;
        clearTimeout(timer);
        resolve();
      });
    });
    await answered;
    expect(out).toMatch(/Group 1 of 5/);
    expect(out).toMatch(/merged #\d+(, #\d+)? into #\d+ \(merge \d+/);
    expect(out).toMatch(/review done: [12] merged/);
    const merges = query<{ merged_by: string }>(db, 'SELECT merged_by FROM merges');
    expect(merges.length).toBeGreaterThanOrEqual(1);
    expect(merges.every((m) => m.merged_by === 'reviewer')).toBe(true);
  });
});
