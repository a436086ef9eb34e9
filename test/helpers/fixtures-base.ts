/**
 * The demo company of fixtures/ imported with `crm import` into a SQLite file — always a file,
 * whatever the backend switch says: the source of `crm migrate-to` and the SQLite side of the
 * report parity test.
 */
import path from 'node:path';
import { ROOT, crm } from './cli.js';

export const FIXTURE_ENTITIES = ['staff', 'clients', 'contacts', 'account_team', 'products', 'promotions', 'responses', 'deals', 'plan_tasks', 'activities', 'goals', 'assessments'];

/** Builds dir/file from the fixtures; returns its path. Throws if any import fails. */
export function fixturesSqlite(dir: string, file = 'fixtures.db'): string {
  const db = path.join(dir, file);
  const init = crm(['init', '--db', db, '-q']);
  if (init.status !== 0) throw new Error(`crm init: ${init.stderr}`);
  for (const e of FIXTURE_ENTITIES) {
    const r = crm(['import', e, path.join(ROOT, 'fixtures', `${e}.csv`), '--db', db, '-q']);
    if (r.status !== 0) throw new Error(`crm import ${e}: ${r.stderr}`);
  }
  return db;
}
