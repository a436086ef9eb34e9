import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, crm, parseCsv, query, snapshot, tempDir } from '../helpers/cli.js';

let dir: string;
let db: string;
beforeEach(() => {
  dir = tempDir();
  db = path.join(dir, 'база клиентов.db');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const ESC = '\u001b[';

describe('crm init', () => {
  it('creates the whole model with WAL, mode 0600 and a schema version', () => {
    const r = crm(['init', '--db', db]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('created');
    expect(fs.statSync(db).mode & 0o777).toBe(0o600);
    const tables = query<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type='table'").map((t) => t.name);
    for (const t of ['clients', 'contacts', 'staff', 'account_team', 'products', 'promotions', 'responses', 'deals', 'activities', 'plan_tasks', 'goals', 'assessments', 'import_batches', 'merges']) {
      expect(tables).toContain(t);
    }
    expect(query(db, 'PRAGMA user_version')[0]).toEqual({ user_version: 1 });
    expect(query(db, 'PRAGMA journal_mode')[0]).toEqual({ journal_mode: 'wal' });
  });

  it('on an existing database says so and changes nothing', () => {
    expect(crm(['init', '--db', db]).status).toBe(0);
    const conn = new Database(db);
    conn.prepare("INSERT INTO staff (name, role) VALUES ('Иванов Иван', 'field_rep')").run();
    conn.close();
    const before = snapshot(db);
    const r = crm(['init', '--db', db]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/already exists.*nothing changed/);
    expect(snapshot(db)).toBe(before);
  });

  it('refuses a SQLite file that is not a crm database and leaves it alone', () => {
    const other = new Database(db);
    other.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    other.close();
    const before = snapshot(db);
    const r = crm(['init', '--db', db]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('not a crm database');
    expect(snapshot(db)).toBe(before);
  });

  it('names a missing directory', () => {
    const r = crm(['init', '--db', path.join(dir, 'no/such/dir/x.db')]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('does not exist');
  });
});

describe('which database', () => {
  it('a missing database is an error that says how to create it, and nothing is created', () => {
    const r = crm(['info', '--db', db]);
    expect(r.status).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no database at');
    expect(r.stderr).toContain('crm init');
    expect(fs.existsSync(db)).toBe(false);
  });

  it('uses CRM_DB, then ./crm.db, and --db wins over both', () => {
    crm(['init', '--db', db]);
    expect(crm(['info', '--format', 'csv'], { env: { CRM_DB: db } }).stdout).toContain(db);
    const local = path.join(dir, 'crm.db');
    expect(crm(['init'], { cwd: dir }).status).toBe(0);
    expect(fs.existsSync(local)).toBe(true);
    expect(crm(['info', '--format', 'csv'], { cwd: dir }).stdout).toContain(local);
    expect(crm(['info', '--format', 'csv', '--db', local], { env: { CRM_DB: db } }).stdout).toContain(local);
  });

  it('a file that is not a database gets a clear error', () => {
    fs.writeFileSync(db, 'Наименование;ИНН\nООО «Ромашка»;7707083893\n'.repeat(200));
    const r = crm(['info', '--db', db]);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/not a database/);
    expect(r.stderr).not.toMatch(/at .*\.js/);
  });
});

describe('crm info and the output formats', () => {
  beforeEach(() => {
    crm(['init', '--db', db]);
    const conn = new Database(db);
    conn.prepare("INSERT INTO staff (name, role) VALUES ('Ёлкина Алёна', 'account_manager')").run();
    conn.prepare("INSERT INTO clients (name, client_type) VALUES ('ООО \"Ромашка\", Москва', 'retail')").run();
    conn.close();
  });

  it('CSV when piped: RFC 4180, a header, raw numbers', () => {
    const r = crm(['info', '--db', db]);
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('property,value\r\n')).toBe(true);
    const rows = parseCsv(r.stdout);
    const map = new Map(rows.slice(1).map(([k, v]) => [k, v]));
    expect(map.get('path')).toBe(db);
    expect(map.get('schema_version')).toBe('1');
    expect(map.get('rows.clients')).toBe('1');
    expect(map.get('rows.staff')).toBe('1');
    expect(map.get('engine')).toMatch(/^SQLite 3\.\d+/);
    expect(r.stdout).not.toContain(ESC);
  });

  it('--bom and --delimiter', () => {
    const r = crm(['info', '--db', db, '--format', 'csv', '--bom', '--delimiter', ';']);
    expect(r.stdout.startsWith('\uFEFFproperty;value\r\n')).toBe(true);
    expect(parseCsv(r.stdout, ';').find((x) => x[0] === 'rows.clients')).toEqual(['rows.clients', '1']);
    expect(crm(['info', '--db', db, '--format', 'csv', '--delimiter', 'tab']).stdout.startsWith('property\tvalue')).toBe(true);
    const bad = crm(['info', '--db', db, '--delimiter', '::']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--delimiter');
  });

  it('JSON: an array of objects with raw numbers', () => {
    const r = crm(['info', '--db', db, '--format', 'json']);
    const data = JSON.parse(r.stdout) as { property: string; value: unknown }[];
    expect(data.find((x) => x.property === 'rows.clients')?.value).toBe(1);
    expect(data.find((x) => x.property === 'last_backup')?.value).toBeNull();
  });

  it('NDJSON: one object per line', () => {
    const lines = crm(['info', '--db', db, '--format', 'ndjson']).stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(JSON.parse(l)).toHaveProperty('property');
  });

  it('an unknown format is a usage error', () => {
    const r = crm(['info', '--db', db, '--format', 'xml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('xml');
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  const onTerminal = (extraEnv: string, args: string) =>
    spawnSync('script', ['-qec', `${extraEnv} ${process.execPath} ${BIN} info --db '${db}' ${args}`, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm' } as NodeJS.ProcessEnv,
    }).stdout;

  it.runIf(hasScript)('a table with colour on a terminal; none with NO_COLOR or --no-color', () => {
    const coloured = onTerminal('', '');
    expect(coloured).toContain('┌');
    expect(coloured).toContain(ESC);
    expect(coloured).toContain('rows.clients');
    const noColor = onTerminal('NO_COLOR=1', '');
    expect(noColor).toContain('┌');
    expect(noColor).not.toContain(ESC);
    expect(onTerminal('', '--no-color')).not.toContain(ESC);
    expect(onTerminal('', '--format csv')).not.toContain(ESC);
  });

  it('a closed pipe ends quietly', () => {
    const r = spawnSync('bash', ['-c', `${process.execPath} ${BIN} info --db '${db}' --format csv | true; echo "status \${PIPESTATUS[0]}"`], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/status 0/);
  });
});

describe('usage errors and help', () => {
  it('unknown command and bad flag exit 2 with a message', () => {
    const a = crm(['no-such-command']);
    expect(a.status).toBe(2);
    expect(a.stderr).toContain("unknown command 'no-such-command'");
    const b = crm(['info', '--no-such-flag']);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain("unknown option '--no-such-flag'");
  });

  it('--help lists every command with a one-line purpose and exits 0', () => {
    const r = crm(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['init', 'info']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b.*\\S`, 'm'));
    expect(r.stdout).toContain('Exit codes');
  });

  it('the start-up snapshot of --help is exactly what commander prints', () => {
    const direct = spawnSync(process.execPath, [path.join(import.meta.dirname, '../../dist/cli/main.js'), '--help'], { encoding: 'utf8' });
    expect(direct.status).toBe(0);
    expect(crm(['--help']).stdout).toBe(direct.stdout);
  });

  it('every command has --help with an example', async () => {
    const { buildProgram } = await import('../../src/cli/program.js');
    type Cmd = { name(): string; commands: readonly Cmd[] };
    const paths: string[][] = [];
    const walk = (c: Cmd, prefix: string[]) => {
      for (const sub of c.commands) {
        if (sub.name() === 'help') continue;
        paths.push([...prefix, sub.name()]);
        walk(sub, [...prefix, sub.name()]);
      }
    };
    walk(buildProgram() as unknown as Cmd, []);
    expect(paths.length).toBeGreaterThan(10);
    for (const p of paths) {
      const r = crm([...p, '--help']);
      expect(r.status, p.join(' ')).toBe(0);
      expect(r.stdout, p.join(' ')).toMatch(/Examples:\n {2}\$ crm /);
    }
  });

  it('--version prints the package version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(crm(['--version']).stdout.trim()).toBe(pkg.version);
    expect(crm(['-V']).stdout.trim()).toBe(pkg.version);
  });
});
