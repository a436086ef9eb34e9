import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm, execSql, parseCsv, query, tempDir, newDb } from '../helpers/cli.js';

let dir: string;
let db: string;
const run = (...args: string[]) => crm([...args, '--db', db]);

beforeAll(() => {
  dir = tempDir();
  db = newDb(dir);
  expect(crm(['init', '--db', db]).status).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('crm config', () => {
  it('`crm config` lists every setting with its default and meaning', () => {
    const r = run('config', '--format', 'csv');
    expect(r.status).toBe(0);
    const [head, ...rows] = parseCsv(r.stdout);
    expect(head).toEqual(['key', 'value', 'default', 'unit', 'source', 'updated_at', 'updated_by', 'description']);
    expect(rows.length).toBeGreaterThanOrEqual(30);
    expect(rows.find((x) => x[0] === 'kam.qualify.partnership')!.slice(0, 5)).toEqual(['kam.qualify.partnership', 'interested,contract,strategic', 'interested,contract,strategic', '', 'default']);
  });

  it('get KEY or a group; a table on a terminal shows values with their units', () => {
    expect(parseCsv(run('config', 'get', 'kam.band', '--format', 'csv').stdout).map((x) => x.slice(0, 3))).toEqual([
      ['key', 'value', 'default'],
      ['kam.band.strong', '75', '75'],
      ['kam.band.developing', '50', '50'],
    ]);
    const table = run('config', 'get', 'kam.qualify.min_potential', '--format', 'table').stdout;
    expect(table).toContain('10 000 000.00 RUB');
  });

  it('set checks the type, the range and the other settings; nothing is written on error', () => {
    const unknown = run('config', 'set', 'kam.window', '8');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no setting "kam.window"');
    expect(unknown.stderr).toContain('did you mean kam.window_weeks');
    const bad = run('config', 'set', 'kam.window_weeks', 'eight');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('kam.window_weeks "eight": expected a whole number');
    const crossed = run('config', 'set', 'kam.band.developing', '80');
    expect(crossed.status).toBe(2);
    expect(crossed.stderr).toContain('kam.band.developing must not be above kam.band.strong');
    expect(run('config', 'set', 'kam.qualify.partnership', 'contract,forever').status).toBe(2);
    expect(query(db, 'SELECT count(*) AS n FROM settings')).toEqual([{ n: 0 }]);
  });

  it('set, then reset one key or a group', () => {
    expect(run('config', 'set', 'kam.band.strong', '80', '--user', 'anna').status).toBe(0);
    expect(run('config', 'set', 'KAM.band.developing', '60', '--user', 'anna').status).toBe(0);
    expect(query(db, 'SELECT key, value, updated_by FROM settings ORDER BY key')).toEqual([
      { key: 'kam.band.developing', value: '60', updated_by: 'anna' },
      { key: 'kam.band.strong', value: '80', updated_by: 'anna' },
    ]);
    // lowering strong below developing is refused; so is a reset that would leave them crossed
    expect(run('config', 'set', 'kam.band.strong', '55').status).toBe(2);
    expect(run('config', 'set', 'kam.band.developing', '78').status).toBe(0);
    const crossed = run('config', 'reset', 'kam.band.strong');
    expect(crossed.status).toBe(2);
    expect(crossed.stderr).toContain('would leave the settings inconsistent');
    const r = run('config', 'reset', 'kam.band');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('2 settings back to the default: kam.band.strong = 75, kam.band.developing = 50\n');
    expect(query(db, 'SELECT count(*) AS n FROM settings')).toEqual([{ n: 0 }]);
  });

  it('a hand-edited value that cannot be read is reported and the default used', () => {
    execSql(db, "INSERT INTO settings (key, value) VALUES ('kam.window_weeks', 'lots')");
    const r = run('config', 'get', 'kam.window_weeks', '--format', 'csv');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('setting kam.window_weeks holds "lots": expected a whole number; using the default 13');
    expect(parseCsv(r.stdout)[1]!.slice(0, 2)).toEqual(['kam.window_weeks', '13']);
  });
});
