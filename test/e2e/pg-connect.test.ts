/**
 * Logging in to a PostgreSQL server: the password only from PGPASSWORD or ~/.pgpass, never
 * echoed, and every way of not getting in ends with exit code 8 ("cannot connect") and a message
 * that names the user and the server. Needs the test server (CRM_TEST_BACKEND=postgres), whose
 * role crm_pw logs in with a password (scram) over TCP on 127.0.0.1.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG, crm, psql, tempDir, type RunResult } from '../helpers/cli.js';

const PASSWORD = process.env.CRM_TEST_PG_PASSWORD ?? '';
const PORT = process.env.CRM_TEST_PG_PORT ?? '';
const DB = `crm_pw_${process.pid}`;
const url = (database = DB, port = PORT) => `postgres://crm_pw@127.0.0.1:${port}/${database}`;

let home: string;
beforeAll(() => {
  if (!PG) return;
  home = tempDir('crm-pg-home-');
  psql(process.env.CRM_TEST_PG_URL!, `CREATE DATABASE ${DB} OWNER crm_pw`);
});
afterAll(() => {
  if (!PG) return;
  fs.rmSync(home, { recursive: true, force: true });
  psql(process.env.CRM_TEST_PG_URL!, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
});

/** crm with HOME in an empty directory (no ~/.pgpass) and only the password we give. */
function login(args: string[], env: Record<string, string | undefined> = {}): RunResult {
  return crm(args, { env: { HOME: home, PGPASSWORD: undefined, PGPASSFILE: undefined, PGUSER: undefined, PGHOST: undefined, ...env } });
}

function cannotConnect(r: RunResult, ...mustSay: RegExp[]): void {
  expect(r.status).toBe(8);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^crm: /);
  expect(r.stderr).not.toMatch(/internal error|\bat .*\.js/);
  for (const m of mustSay) expect(r.stderr).toMatch(m);
  expect(r.stderr).not.toContain(PASSWORD);
}

/** A port on 127.0.0.1 where nothing listens. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe.skipIf(!PG)('logging in to a PostgreSQL server', () => {
  it('PGPASSWORD logs in (crm init, then any command)', () => {
    expect(login(['init', '--db', url()], { PGPASSWORD: PASSWORD }).status).toBe(0);
    const r = login(['info', '--db', url(), '--format', 'csv'], { PGPASSWORD: PASSWORD });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`postgres://crm_pw@127.0.0.1:${PORT}/${DB}`);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('a wrong password: exit 8, the user and the server named, neither password echoed', () => {
    const wrong = 'Неверный-пароль-42';
    const r = login(['info', '--db', url()], { PGPASSWORD: wrong });
    cannotConnect(r, /password authentication failed for user "crm_pw"/, new RegExp(`127\\.0\\.0\\.1:${PORT}/${DB}`), /PGPASSWORD or ~\/\.pgpass/);
    expect(r.stderr).not.toContain(wrong);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(2); // the message and its hint
  });

  it('no password at all where the server wants one: exit 8, says where a password comes from', () => {
    const r = login(['info', '--db', url()]);
    cannotConnect(r, /wants a password and none was given/, /crm_pw@127\.0\.0\.1/, /PGPASSWORD.*~\/\.pgpass/);
  });

  it('a password in the URL is refused without being echoed (exit 2), in --db and in CRM_DB', () => {
    const secret = 'Секрет-в-URL';
    const withPassword = `postgres://crm_pw:${encodeURIComponent(secret)}@127.0.0.1:${PORT}/${DB}`;
    for (const r of [login(['info', '--db', withPassword]), login(['info'], { CRM_DB: withPassword })]) {
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/holds a password/);
      expect(r.stderr).not.toContain(secret);
      expect(r.stderr).not.toContain(encodeURIComponent(secret));
    }
  });

  it('~/.pgpass (mode 0600) logs in, for crm itself and for pg_dump; a file others can read is ignored', () => {
    const pgpass = path.join(home, '.pgpass');
    fs.writeFileSync(pgpass, `# crm tests\nother.host:5432:*:crm_pw:nope\n127.0.0.1:${PORT}:*:crm_pw:${PASSWORD}\n`, { mode: 0o600 });
    fs.chmodSync(pgpass, 0o600);
    try {
      expect(login(['init', '--db', url()])).toMatchObject({ status: 0 });
      const info = login(['info', '--db', url(), '--format', 'csv']);
      expect(info.status).toBe(0);
      expect(info.stderr).toBe(''); // no warning from the driver either
      const bk = path.join(home, 'bk');
      const backup = login(['backup', '--db', url(), '--to', bk, '--quiet']);
      expect(backup).toMatchObject({ status: 0, stdout: '', stderr: '' });
      expect(fs.readdirSync(bk).filter((n) => n.endsWith('.dump'))).toHaveLength(1);
      fs.chmodSync(pgpass, 0o644);
      cannotConnect(login(['info', '--db', url()]), /wants a password/, /chmod 0600/);
    } finally {
      fs.rmSync(pgpass, { force: true });
    }
  });

  it('a refused connection (nothing listens on the port): exit 8', async () => {
    const port = String(await closedPort());
    cannotConnect(login(['info', '--db', url(DB, port)], { PGPASSWORD: PASSWORD }), /cannot connect to the PostgreSQL server/, new RegExp(`127\\.0\\.0\\.1:${port}`));
    cannotConnect(login(['init', '--db', url(DB, port)], { PGPASSWORD: PASSWORD }), /ECONNREFUSED/);
  });

  it('a database that does not exist: exit 8, with a hint to create it', () => {
    const r = login(['info', '--db', url('нет_такой_базы')], { PGPASSWORD: PASSWORD });
    cannotConnect(r, /database "нет_такой_базы" does not exist/, /createdb/);
  });
});
