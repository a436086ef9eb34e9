import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm, parseCsv, snapshot, tempDir, newDb, PG } from '../helpers/cli.js';

let dir: string;
let db: string;
const q = (...args: string[]) => crm(['query', ...args, '--db', db, '--format', 'csv']);
const rowsOf = (r: { stdout: string }) => parseCsv(r.stdout);

beforeAll(() => {
  dir = tempDir();
  db = newDb(dir);
  crm(['init', '--db', db]);
  const w = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  w('staff.csv', 'name,email,role\nЁлкина Алёна,elkina@example.ru,account_manager\nПетров Пётр,petrov@example.ru,field_rep\n');
  w('clients.csv', 'external_id,name,client_type,region,inn,is_key_account,manager,status\n' +
    'C1,ООО «Ромашка»,retail,Москва,7707083893,yes,elkina@example.ru,active\n' +
    'C2,АО Ёлка,distributor,Татарстан,,no,petrov@example.ru,prospect\n' +
    'C3,ежевика ООО,retail,Москва,,no,petrov@example.ru,active\n' +
    "C4,\"O'Brien; DROP TABLE clients;--\",retail,Москва,,no,,active\n");
  w('deals.csv', 'external_id,client,amount,stage,opened_on,closed_on,owner\nD1,C1,1 000 000,won,2026-01-10,2026-02-01,elkina@example.ru\nD2,C2,500,open,2026-03-01,,petrov@example.ru\nD3,C1,250000.50,lost,2026-02-01,2026-02-20,elkina@example.ru\n');
  w('contacts.csv', 'client,full_name,position\nC1,Иванов Иван,Генеральный директор\nC2,Сидорова Анна,бухгалтер\n');
  for (const e of ['staff', 'clients', 'deals', 'contacts']) expect(crm(['import', e, path.join(dir, `${e}.csv`), '--db', db]).status).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('crm query <entity>', () => {
  it('filters with =, ~, >= and shortcuts; Cyrillic case-insensitive with ё = е', () => {
    expect(rowsOf(q('clients', '--where', 'name~ЁЛК', '--columns', 'name'))).toEqual([['name'], ['АО Ёлка']]);
    expect(rowsOf(q('clients', '--where', 'name~елк', '--columns', 'name'))).toEqual([['name'], ['АО Ёлка']]);
    expect(rowsOf(q('clients', '--type', 'retail', '--region', 'москва', '--key-accounts', '--columns', 'external_id,manager'))).toEqual([['external_id', 'manager'], ['C1', 'Ёлкина Алёна']]);
    expect(rowsOf(q('deals', '--where', 'amount>=250000.50', '--columns', 'external_id,amount', '--sort', '-amount'))).toEqual([['external_id', 'amount'], ['D1', '1000000.00'], ['D3', '250000.50']]);
    expect(rowsOf(q('deals', '--where', 'opened_on<2026-02', '--columns', 'external_id'))).toEqual([['external_id'], ['D1']]);
    expect(rowsOf(q('deals', '--manager', 'ELKINA@example.ru', '--status', 'won', '--columns', 'external_id,client'))).toEqual([['external_id', 'client'], ['D1', 'ООО «Ромашка»']]);
    expect(rowsOf(q('contacts', '--key-accounts', '--columns', 'full_name,client'))).toEqual([['full_name', 'client'], ['Иванов Иван', 'ООО «Ромашка»']]);
    expect(rowsOf(q('contacts', '--type', 'distributor', '--columns', 'full_name'))).toEqual([['full_name'], ['Сидорова Анна']]);
  });

  it('sorts Cyrillic alphabetically, ignoring case, ё as е', () => {
    expect(rowsOf(q('clients', '--sort', 'name', '--columns', 'name', '--where', 'region=Москва')).slice(1).map((r) => r[0])).toEqual(['O\'Brien; DROP TABLE clients;--', 'ежевика ООО', 'ООО «Ромашка»']);
    expect(rowsOf(q('staff', '--sort', 'name:desc', '--columns', 'name')).slice(1).map((r) => r[0])).toEqual(['Петров Пётр', 'Ёлкина Алёна']);
  });

  it('every output format; --limit; money as rubles', () => {
    const json = JSON.parse(crm(['query', 'deals', '--db', db, '--format', 'json', '--columns', 'external_id,amount,opened_on', '--limit', '1']).stdout);
    expect(json).toEqual([{ external_id: 'D1', amount: 1000000, opened_on: '2026-01-10' }]);
    const nd = crm(['query', 'clients', '--db', db, '--format', 'ndjson', '--columns', 'name']).stdout.trim().split('\n');
    expect(nd).toHaveLength(4);
    const table = crm(['query', 'clients', '--db', db, '--format', 'table', '--columns', 'name,is_key_account']).stdout;
    expect(table).toContain('ООО «Ромашка»');
    expect(table).toContain('yes');
  });

  it('unknown fields and entities are usage errors that list what is valid', () => {
    const r = q('clients', '--where', 'colour=red');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('clients has no field "colour"');
    expect(r.stderr).toContain('client_type');
    expect(q('widgets').status).toBe(2);
    expect(q('products', '--type', 'retail').status).toBe(2);
    expect(q('deals', '--where', 'amount>lots').stderr).toContain('not an amount');
  });

  it('SQL injection in every filter is just data', () => {
    const before = snapshot(db);
    for (const evil of ["x' OR '1'='1", "'; DROP TABLE clients; --", '%', '_', '\\']) {
      for (const args of [
        ['clients', '--where', `name=${evil}`],
        ['clients', '--where', `name~${evil}`],
        ['clients', '--where', `name!=${evil}`],
        ['clients', '--type', evil],
        ['clients', '--region', evil],
        ['clients', '--status', evil],
        ['deals', '--where', `opened_on<=${evil.replace(/\d/g, '')}2026`],
      ]) {
        const r = q(...args);
        expect([0, 2]).toContain(r.status);
      }
    }
    expect(rowsOf(q('clients', '--where', 'name~%', '--columns', 'name'))).toEqual([['name']]);
    expect(rowsOf(q('clients', '--where', "name~drop table", '--columns', 'external_id'))).toEqual([['external_id'], ['C4']]);
    expect(rowsOf(q('clients', '--where', "name!=x' OR '1'='1", '--columns', 'external_id'))).toHaveLength(5);
    expect(q('clients', '--columns', 'name; DROP TABLE clients').status).toBe(2);
    expect(q('clients', '--sort', 'name desc; DROP TABLE clients').status).toBe(2);
    expect(snapshot(db)).toBe(before);
  }, 300_000); // some 40 runs of crm: minutes on a busy machine
});

describe('crm query sql', () => {
  it('runs a SELECT with named parameters; reads SQL from stdin', () => {
    expect(rowsOf(q('sql', 'SELECT external_id FROM deals WHERE amount_minor > :min ORDER BY 1', '--param', 'min=100000'))).toEqual([['external_id'], ['D1'], ['D3']]);
    const r = crm(['query', 'sql', '-', '--db', db, '--format', 'csv'], { input: 'SELECT count(*) AS n FROM clients' });
    expect(rowsOf(r)).toEqual([['n'], ['4']]);
  });

  it('refuses writes, ATTACH, state-changing PRAGMAs and load_extension; the file is unchanged', () => {
    const before = snapshot(db);
    const bytes = PG ? null : fs.readFileSync(db);
    for (const stmt of [
      'DELETE FROM clients',
      "UPDATE clients SET name = 'x'",
      'DROP TABLE clients',
      "INSERT INTO staff (name, role) VALUES ('x', 'crm')",
      `ATTACH '${path.join(dir, 'evil.db')}' AS evil`,
      'PRAGMA user_version = 99',
      'PRAGMA journal_mode = DELETE',
      `VACUUM INTO '${path.join(dir, 'copy.db')}'`,
      'SELECT 1; DELETE FROM clients',
      '/* hi */ delete from clients',
      "WITH x AS (SELECT 1) DELETE FROM clients",
      'CREATE TABLE t (x)',
      ...(PG
        ? [
            // the server's READ ONLY transaction refuses what the keyword check lets through
            "SELECT nextval(pg_get_serial_sequence('clients', 'id'))",
            'SELECT id FROM clients FOR UPDATE',
            'EXPLAIN ANALYZE DELETE FROM clients',
            "COPY clients TO '/tmp/crm-evil.csv'",
            'DO $$ BEGIN DELETE FROM clients; END $$',
            'SET TRANSACTION READ WRITE',
          ]
        : ["SELECT load_extension('/tmp/evil.so')"]),
    ]) {
      const r = q('sql', stmt);
      expect(r.status, stmt).not.toBe(0);
      expect(r.stderr, stmt).toMatch(/refused|only reads|one statement|would change|not authorized/);
    }
    expect(fs.existsSync(path.join(dir, 'evil.db'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'copy.db'))).toBe(false);
    expect(snapshot(db)).toBe(before);
    if (bytes) expect(fs.readFileSync(db).equals(bytes)).toBe(true);
    if (PG) expect(rowsOf(q('sql', "SELECT value AS user_version FROM crm_meta WHERE key = 'schema_version'"))).toEqual([['user_version'], ['1']]);
    else expect(rowsOf(q('sql', 'PRAGMA user_version'))).toEqual([['user_version'], ['1']]);
  });
});
