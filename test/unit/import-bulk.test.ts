// The bulk load of a big file (multi-row INSERTs, indexes rebuilt and references checked once at
// the end) must leave exactly the database, counts and error reports the row-by-row load does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDatabase, openDatabase, type CrmDatabase } from '../../src/db/open.js';
import { BatchUpserter, RefResolver, SqliteUpserter, type Settled } from '../../src/db/sqlite-import.js';
import { foreignKeysOff, missingReferences } from '../../src/db/sqlite.js';
import { InputError } from '../../src/errors.js';
import { findEntity, type RefTarget } from '../../src/import/entities.js';
import { importFile, type ImportSummary } from '../../src/import/run.js';

let dir: string;
let base: string;
const NOW = new Date(2026, 10, 20, 10, 0, 0);

const write = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

async function load(db: string, entity: string, file: string, extra: { bulk?: boolean; again?: boolean; skipInvalid?: boolean } = {}): Promise<ImportSummary> {
  const cdb = openDatabase(db);
  try {
    return await importFile(cdb, {
      spec: findEntity(entity)!,
      file,
      stdin: process.stdin,
      source: 'main',
      header: true,
      ignoreUnknown: false,
      skipInvalid: extra.skipInvalid ?? false,
      dryRun: false,
      again: extra.again ?? true,
      defaultCountry: 'RU',
      user: 'tester',
      now: NOW,
      bulk: extra.bulk,
    });
  } finally {
    await close(cdb);
  }
}

/** Closes the file itself too (Kysely closes only a connection it used), so a copy holds everything. */
async function close(cdb: CrmDatabase): Promise<void> {
  await cdb.close();
  if (cdb.sqlite.open) cdb.sqlite.close();
}

/** Everything the import writes, in id order (import_batches without its wall-clock finish). */
function dump(db: string): unknown {
  const cdb = openDatabase(db, { readonly: true });
  try {
    return {
      activities: cdb.sqlite.prepare('SELECT * FROM activities ORDER BY id').all(),
      batches: cdb.sqlite.prepare('SELECT entity, sha256, status, inserted, updated, unchanged, rejected FROM import_batches ORDER BY id').all(),
      indexes: cdb.sqlite.prepare("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'activities' ORDER BY name").all(),
      foreignKeys: cdb.sqlite.pragma('foreign_key_check'),
    };
  } finally {
    void close(cdb);
  }
}

const KINDS = ['call', 'встреча', 'visit', 'email', 'letter', 'Презентация'];
const OUTCOMES = ['success', '', 'нет ответа', 'neutral', ''];

/** An activities file: mostly new external ids, with the awkward cases in between. */
function activities(n: number, change: (i: number, fields: string[]) => void = () => {}): string {
  const lines = ['external_id,client,contact,staff,kind,occurred_at,outcome,subject,notes'];
  for (let i = 1; i <= n; i++) {
    const c = 1 + (i % 20);
    const fields = [
      `A-${i}`,
      i % 17 === 0 ? `Клиент номер ${c}` : `C${c}`, // some by name
      i % 3 === 0 ? '' : `CT${c}`,
      i % 5 === 0 ? 'Петров Пётр' : 'elkina@example.ru',
      KINDS[i % KINDS.length]!,
      `2026-0${1 + (i % 9)}-1${i % 10} 1${i % 10}:${10 + (i % 50)}`,
      OUTCOMES[i % OUTCOMES.length]!,
      i % 4 === 0 ? '' : `Тема ${i % 7}`,
      i % 11 === 0 ? '"Заметка, с запятой\nи переносом ""в кавычках"""' : i % 2 ? '' : `заметка ${i}`,
    ];
    change(i, fields);
    lines.push(fields.join(','));
  }
  return lines.join('\n') + '\n';
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bulk-'));
  base = path.join(dir, 'base.db');
  initDatabase(base);
  await load(base, 'staff', write('staff.csv', 'name,email,role\nЕлкина Алёна,elkina@example.ru,account_manager\nПетров Пётр,petrov@example.ru,field_rep\n'));
  const clients = ['external_id,name,client_type'];
  for (let c = 1; c <= 21; c++) clients.push(`C${c},Клиент номер ${c},retail`);
  await load(base, 'clients', write('clients.csv', clients.join('\n') + '\n'));
  const contacts = ['external_id,client,full_name'];
  for (let c = 1; c <= 21; c++) contacts.push(`CT${c},C${c},Контакт ${c}`);
  await load(base, 'contacts', write('contacts.csv', contacts.join('\n') + '\n'));
  // merged records: a reference to them lands on the record they were merged into
  const cdb = openDatabase(base);
  try {
    cdb.sqlite.exec("UPDATE clients SET merged_into_id = (SELECT id FROM clients WHERE external_id = 'C20') WHERE external_id = 'C21'");
    cdb.sqlite.exec("UPDATE contacts SET merged_into_id = (SELECT id FROM contacts WHERE external_id = 'CT20') WHERE external_id = 'CT21'");
  } finally {
    await close(cdb);
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The same files imported one after another into two copies of the base, bulk and not. */
async function both(files: string[]): Promise<{ bulk: ImportSummary[]; rows: ImportSummary[]; dbBulk: string; dbRows: string }> {
  const tag = Math.random().toString(36).slice(2);
  const dbBulk = path.join(dir, `bulk-${tag}.db`);
  const dbRows = path.join(dir, `rows-${tag}.db`);
  fs.copyFileSync(base, dbBulk);
  fs.copyFileSync(base, dbRows);
  const bulk: ImportSummary[] = [];
  const rows: ImportSummary[] = [];
  for (const f of files) {
    bulk.push(await load(dbBulk, 'activities', f, { bulk: true }));
    rows.push(await load(dbRows, 'activities', f, { bulk: false }));
  }
  return { bulk, rows, dbBulk, dbRows };
}

const counts = (s: ImportSummary) => ({ inserted: s.inserted, updated: s.updated, unchanged: s.unchanged, rejected: s.rejected });

describe('bulk load of a big file', () => {
  it('writes the same rows, ids and counts as the row-by-row load, duplicates and natural keys included', async () => {
    const file = write(
      'a1.csv',
      activities(300, (i, f) => {
        if (i === 100) f[0] = 'A-40'; // an external id twice in one file: the second updates the first
        if (i === 130) f[0] = 'A-129'; // … also within one multi-row INSERT
        if (i === 200) f[0] = ''; // no external id: found by its natural key, or inserted
        if (i % 23 === 0) [f[1], f[2]] = ['C21', 'CT21']; // merged into C20 and CT20
        if (i % 29 === 0) f[1] = `  C${1 + (i % 20)}  `; // extra spaces around an external id
      }),
    );
    const r = await both([file]);
    const idOf = (table: string, ext: string) => {
      const cdb = openDatabase(r.dbBulk, { readonly: true });
      try {
        return (cdb.sqlite.prepare(`SELECT id FROM ${table} WHERE external_id = ?`).get(ext) as { id: number }).id;
      } finally {
        void close(cdb);
      }
    };
    const rowsOf = dump(r.dbBulk) as { activities: { external_id: string; client_id: number; contact_id: number | null }[] };
    const a46 = rowsOf.activities.find((a) => a.external_id === 'A-46')!;
    expect([a46.client_id, a46.contact_id]).toEqual([idOf('clients', 'C20'), idOf('contacts', 'CT20')]);
    expect(rowsOf.activities.find((a) => a.external_id === 'A-58')!.client_id).toBe(idOf('clients', 'C19'));
    expect(counts(r.bulk[0]!)).toEqual(counts(r.rows[0]!));
    expect(r.bulk[0]!.updated).toBe(2);
    expect(r.bulk[0]!.inserted).toBe(298);
    const d = dump(r.dbBulk) as { activities: unknown[]; foreignKeys: unknown[] };
    expect(d.activities).toHaveLength(298);
    expect(d.foreignKeys).toEqual([]);
    expect(dump(r.dbBulk)).toEqual(dump(r.dbRows));
  });

  it('a re-import updates by (source, external_id): updated and unchanged are counted right', async () => {
    const first = write('b1.csv', activities(250));
    const again = write('b2.csv', activities(260, (i, f) => {
      if (i % 50 === 0) f[6] = 'failure'; // 5 changed rows
      if (i === 7) f[8] = ''; // an empty value never overwrites
    }));
    const r = await both([first, again, again]);
    expect(r.bulk.map(counts)).toEqual(r.rows.map(counts));
    expect(counts(r.bulk[1]!)).toEqual({ inserted: 10, updated: 5, unchanged: 245, rejected: 0 });
    expect(counts(r.bulk[2]!)).toEqual({ inserted: 0, updated: 0, unchanged: 260, rejected: 0 });
    expect(dump(r.dbBulk)).toEqual(dump(r.dbRows));
  });

  it('a bad row in the middle rolls the whole file back, with the same report', async () => {
    const bad = write('c1.csv', activities(400, (i, f) => {
      if (i === 150) f[4] = 'dance';
      if (i === 151) f[1] = 'C999';
      if (i === 310) f[5] = '31.02.2026';
    }));
    const errors: InputError[] = [];
    const dbs: string[] = [];
    for (const bulk of [true, false]) {
      const db = path.join(dir, `bad-${bulk}.db`);
      fs.copyFileSync(base, db);
      dbs.push(db);
      const e = await load(db, 'activities', bad, { bulk }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(InputError);
      errors.push(e as InputError);
    }
    expect(errors[0]!.message).toBe(errors[1]!.message);
    expect(errors[0]!.problems).toEqual(errors[1]!.problems);
    // row i starts on line i + 1, plus one for each earlier note with a line break (every 11th row)
    const line = (i: number) => i + 1 + Math.floor((i - 1) / 11);
    expect(errors[0]!.problems.map((p) => [p.line, p.field, p.value])).toEqual([
      [line(150), 'kind', 'dance'],
      [line(151), 'client', 'C999'],
      [line(310), 'occurred_at', '31.02.2026'],
    ]);
    expect(dump(dbs[0]!)).toEqual(dump(base));
    // and the connection enforces foreign keys again afterwards
    const cdb = openDatabase(dbs[0]!);
    expect(cdb.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    await close(cdb);
  });

  it('--skip-invalid keeps the good rows, in the same order, with the same ids', async () => {
    const bad = write('d1.csv', activities(200, (i, f) => {
      if (i === 70 || i === 71) f[4] = 'dance';
    }));
    const dbBulk = path.join(dir, 'skip-bulk.db');
    const dbRows = path.join(dir, 'skip-rows.db');
    fs.copyFileSync(base, dbBulk);
    fs.copyFileSync(base, dbRows);
    const a = await load(dbBulk, 'activities', bad, { bulk: true, skipInvalid: true });
    const b = await load(dbRows, 'activities', bad, { bulk: false, skipInvalid: true });
    expect(counts(a)).toEqual({ inserted: 198, updated: 0, unchanged: 0, rejected: 2 });
    expect(a.problems).toEqual(b.problems);
    expect(dump(dbBulk)).toEqual(dump(dbRows));
  });
});

describe('an import that stops half way', () => {
  it('closes its input file', async () => {
    const file = write('half.csv', activities(4000));
    const openOn = () => fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
      } catch {
        return false;
      }
    }).length;
    for (const bulk of [true, false]) {
      const db = path.join(dir, `half-${bulk}.db`);
      fs.copyFileSync(base, db);
      const cdb = openDatabase(db);
      try {
        const opts = { spec: findEntity('activities')!, file, stdin: process.stdin, source: 'main', header: true, ignoreUnknown: false, skipInvalid: false, dryRun: false, again: true, defaultCountry: 'RU', user: 'tester', now: NOW, bulk };
        await expect(importFile(cdb, { ...opts, onProgress: () => { throw new Error('stopped by the test'); } })).rejects.toThrow('stopped by the test');
        // a stream closes its file a few turns of the event loop later
        for (let waited = 0; openOn() > 0 && waited < 3000; waited += 50) await new Promise((r) => setTimeout(r, 50));
        expect(openOn(), `bulk ${bulk}`).toBe(0);
        expect(cdb.sqlite.prepare('SELECT count(*) AS n FROM activities').get()).toEqual({ n: 0 });
      } finally {
        await close(cdb);
      }
    }
  });
});

describe('the pieces of the bulk load', () => {
  it('references prefetched for a batch (a table read whole, or asked per batch) resolve as looked up one by one', () => {
    const cdb = openDatabase(base, { readonly: true });
    try {
      const texts: [RefTarget, string][] = [
        ['client', 'C3'], ['client', 'C21'], ['client', '  C4 '], ['client', 'Клиент номер 5'], ['client', 'C99'], ['client', 'c3'],
        ['contact', 'CT21'], ['contact', 'CT7'], ['contact', 'нет'], ['staff', 'elkina@example.ru'], ['staff', 'Петров Пётр'],
      ];
      const refs = new Map<RefTarget, Set<string>>();
      for (const [t, x] of texts) refs.set(t, (refs.get(t) ?? new Set()).add(x));
      const answers = (r: RefResolver) => texts.map(([t, x]) => r.resolve(t, x)).map((a) => (a.ok ? a.id : a.reason));
      const plain = answers(new RefResolver(cdb.sqlite, 'main', { writes: 'activities' }));
      expect(plain.slice(0, 2)).toEqual([3, 20]); // C21 was merged into C20
      for (const wholeLimit of [undefined, 0]) {
        const r = new RefResolver(cdb.sqlite, 'main', { writes: 'activities', wholeLimit });
        r.prefetch(refs);
        expect(answers(r), `wholeLimit ${wholeLimit}`).toEqual(plain);
      }
    } finally {
      void close(cdb);
    }
  });

  it('a refused multi-row INSERT is redone row by row, each row settled once and in order', () => {
    const db = path.join(dir, 'pieces.db');
    fs.copyFileSync(base, db);
    const cdb = openDatabase(db);
    try {
      const spec = findEntity('activities')!;
      const resolver = new RefResolver(cdb.sqlite, 'main', { writes: 'activities' });
      const upserter = new SqliteUpserter(cdb.sqlite, spec, resolver, 'main', 'tester', '2026-11-20 10:00:00');
      const settled: [number, Settled['kind']][] = [];
      const writer = new BatchUpserter<number>(upserter, (tag, s) => settled.push([tag, s.kind]));
      const row = (ext: string, kind: string) => ({ external_id: ext, client_id: 1, staff_id: 1, kind, occurred_at: '2026-01-01 10:00', subject: null });
      cdb.sqlite.exec('BEGIN');
      writer.upsert(row('X1', 'call'), 1);
      writer.upsert(row('X2', 'call'), 2);
      writer.upsert(row('X1', 'visit'), 3); // same external id: an update once redone alone
      writer.upsert(row('X3', 'not-a-kind'), 4); // refused by the CHECK constraint
      expect(settled).toEqual([]);
      writer.flush();
      expect(settled).toEqual([[1, 'inserted'], [2, 'inserted'], [3, 'updated'], [4, 'error']]);
      expect(cdb.sqlite.prepare("SELECT external_id, kind FROM activities WHERE external_id LIKE 'X%' ORDER BY id").all()).toEqual([
        { external_id: 'X1', kind: 'visit' },
        { external_id: 'X2', kind: 'call' },
      ]);
      cdb.sqlite.exec('ROLLBACK');
    } finally {
      void close(cdb);
    }
  });

  it('missingReferences finds what foreign_keys = ON would have refused', () => {
    const db = path.join(dir, 'fk.db');
    fs.copyFileSync(base, db);
    const cdb = openDatabase(db);
    try {
      const restore = foreignKeysOff(cdb.sqlite);
      cdb.sqlite.exec('BEGIN');
      const ins = cdb.sqlite.prepare("INSERT INTO activities (client_id, staff_id, contact_id, kind, occurred_at) VALUES (?, 1, ?, 'call', '2026-01-01')");
      const ok = Number(ins.run(1, 2).lastInsertRowid);
      expect(missingReferences(cdb.sqlite, 'activities', 0)).toBeUndefined();
      ins.run(1, 424242);
      expect(missingReferences(cdb.sqlite, 'activities', ok)).toBe('activities.contact_id = 424242 refers to no row of contacts');
      // an old row updated by the load is checked too
      cdb.sqlite.prepare('UPDATE activities SET client_id = 77777 WHERE id = ?').run(ok);
      expect(missingReferences(cdb.sqlite, 'activities', ok + 1, [])).toBeUndefined();
      expect(missingReferences(cdb.sqlite, 'activities', ok + 1, [ok])).toBe('activities.client_id = 77777 refers to no row of clients');
      cdb.sqlite.exec('ROLLBACK');
      restore();
      expect(cdb.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      void close(cdb);
    }
  });
});
