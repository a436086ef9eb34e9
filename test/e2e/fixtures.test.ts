import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG, ROOT, crm, query, tempDir, newDb } from '../helpers/cli.js';

const ENTITIES = ['staff', 'clients', 'contacts', 'account_team', 'products', 'promotions', 'responses', 'deals', 'plan_tasks', 'activities', 'goals', 'assessments'];
let dir: string;
let db: string;
beforeAll(() => {
  dir = tempDir();
  db = newDb(dir);
  crm(['init', '--db', db]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the fixtures (the demo company)', () => {
  it('import completely and cleanly, in dependency order', () => {
    for (const e of ENTITIES) {
      const r = crm(['import', e, path.join(ROOT, 'fixtures', `${e}.csv`), '--db', db]);
      expect(r.status, `${e}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toMatch(/ 0 rejected/);
    }
    // PostgreSQL checks every reference as it is written; SQLite is asked
    if (!PG) expect(query(db, 'PRAGMA foreign_key_check')).toEqual([]);
    const n = (sql: string) => (query(db, sql)[0] as { n: number }).n;
    expect(n('SELECT count(*) AS n FROM clients')).toBeGreaterThanOrEqual(290);
    expect(n('SELECT count(*) AS n FROM clients WHERE is_key_account = 1')).toBeGreaterThanOrEqual(20);
    expect(n("SELECT count(*) AS n FROM clients WHERE status = 'lost' AND lost_reason IS NOT NULL AND lost_competitor IS NOT NULL")).toBeGreaterThanOrEqual(5);
    expect(n('SELECT count(DISTINCT parent_id) AS n FROM clients WHERE parent_id IS NOT NULL')).toBeGreaterThanOrEqual(4);
    expect(n("SELECT count(*) AS n FROM activities WHERE kind = 'top_to_top'")).toBeGreaterThan(0);
    expect(n('SELECT count(DISTINCT week) AS n FROM plan_tasks')).toBeGreaterThanOrEqual(8);
    expect(n('SELECT count(*) AS n FROM promotions')).toBeGreaterThanOrEqual(10);
    expect(n('SELECT count(*) AS n FROM deals WHERE response_id IS NOT NULL')).toBeGreaterThan(0);
    expect(n("SELECT count(DISTINCT stage) AS n FROM deals")).toBe(3);
  });

  it('a second import of every file, forced with --again, changes nothing', () => {
    const before = query(db, 'SELECT * FROM clients ORDER BY id');
    for (const e of ENTITIES) {
      const r = crm(['import', e, path.join(ROOT, 'fixtures', `${e}.csv`), '--db', db, '--again']);
      expect(r.status, e).toBe(0);
      expect(r.stderr, e).toMatch(/: 0 inserted, 0 updated, \d+ unchanged, 0 rejected/);
    }
    expect(query(db, 'SELECT * FROM clients ORDER BY id')).toEqual(before);
  });

  it('the generator is deterministic: regenerating gives the committed files', async () => {
    const { spawnSync } = await import('node:child_process');
    const out = tempDir('crm-fixtures-');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'fixtures/generate.mjs'), '--out', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    for (const e of ENTITIES) expect(fs.readFileSync(path.join(out, `${e}.csv`), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'fixtures', `${e}.csv`), 'utf8'));
    fs.rmSync(out, { recursive: true, force: true });
  });
});
