#!/usr/bin/env node
/**
 * A throwaway PostgreSQL cluster for the tests and benchmarks: initdb into a temporary
 * directory, a server on a Unix socket there and on 127.0.0.1 (a free port), stopped and removed
 * afterwards. Runs the server as the `postgres` user when we are root (initdb refuses root).
 *
 *   node scripts/pg-cluster.mjs run -- CMD ARGS…   start, run CMD with CRM_TEST_PG_* set, stop
 *   node scripts/pg-cluster.mjs start DIR          start one and print its env (for a shell)
 *   node scripts/pg-cluster.mjs stop DIR
 *
 * The cluster has a superuser `crm` (trust on the socket) and a role `crm_pw` whose password is
 * in CRM_TEST_PG_PASSWORD (scram over TCP), for the tests of logins.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function findBinDir() {
  const fromEnv = process.env.PG_BINDIR;
  if (fromEnv && fs.existsSync(path.join(fromEnv, 'initdb'))) return fromEnv;
  const base = '/usr/lib/postgresql';
  if (fs.existsSync(base)) {
    const versions = fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin/initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions.length) return path.join(base, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return path.dirname(fs.realpathSync(which.stdout.trim()));
  return null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const isRoot = process.getuid?.() === 0;

/** Runs a server binary as the postgres user when we are root. */
function asServer(bin, args) {
  if (isRoot) return execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return execFileSync(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function start(dir) {
  const bin = findBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (no initdb): apt-get install postgresql');
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  if (isRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwfile = path.join(dir, 'pw');
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
  if (isRoot) execFileSync('chown', ['postgres:postgres', pwfile]);
  asServer(path.join(bin, 'initdb'), ['-D', data, '-U', 'crm', '-E', 'UTF8', '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`]);
  fs.rmSync(pwfile);
  const port = await freePort();
  const opts = [`-k ${dir}`, `-p ${port}`, `-c listen_addresses=127.0.0.1`, '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=200', '-c shared_buffers=128MB'].join(' ');
  asServer(path.join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', path.join(dir, 'server.log'), '-w', 'start']);
  const psql = path.join(bin, 'psql');
  execFileSync(psql, ['-h', dir, '-p', String(port), '-U', 'crm', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE ROLE crm_pw LOGIN CREATEDB PASSWORD '${password}'`]);
  return {
    CRM_TEST_PG_DIR: dir,
    CRM_TEST_PG_BINDIR: bin,
    CRM_TEST_PG_SOCKET: dir,
    CRM_TEST_PG_PORT: String(port),
    // the admin URL: superuser crm over the socket (trust)
    CRM_TEST_PG_URL: `postgres://crm@localhost:${port}/postgres?host=${encodeURIComponent(dir)}`,
    CRM_TEST_PG_PASSWORD: password,
  };
}

export function stop(dir) {
  const bin = findBinDir();
  const data = path.join(dir, 'data');
  if (bin && fs.existsSync(data)) {
    try {
      asServer(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already stopped */
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === 'start') {
    const env = await start(rest[0] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'crm-pg-')));
    for (const [k, v] of Object.entries(env)) console.log(`export ${k}='${v}'`);
  } else if (cmd === 'stop') {
    stop(rest[0]);
  } else if (cmd === 'run') {
    if (!findBinDir()) {
      if (process.env.CRM_SKIP_PG === '1' && !process.env.CI) {
        console.error('pg-cluster: PostgreSQL is not installed; CRM_SKIP_PG=1, so the PostgreSQL end-to-end suite did NOT run');
        process.exit(0);
      }
      console.error('pg-cluster: PostgreSQL is not installed, so the PostgreSQL end-to-end suite cannot run.\n' +
        '  install it (apt-get install postgresql; .ci/run does this), or skip it on this machine only with CRM_SKIP_PG=1');
      process.exit(1);
    }
    const i = rest.indexOf('--');
    const argv = i >= 0 ? rest.slice(i + 1) : rest;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-pg-'));
    let status = 1;
    try {
      const env = await start(dir);
      const r = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', env: { ...process.env, ...env } });
      status = r.status ?? 1;
    } finally {
      stop(dir);
    }
    process.exit(status);
  } else {
    console.error('usage: pg-cluster.mjs run -- CMD… | start [DIR] | stop DIR');
    process.exit(2);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(`pg-cluster: ${err.stderr?.toString() || err.message}`);
    process.exit(1);
  });
}
