/**
 * PostgreSQL's own client programs, which make and read crm's server backups: pg_dump and
 * pg_restore. Found on PATH or in Debian's /usr/lib/postgresql/<major>/bin (or only in
 * $CRM_PG_BINDIR when set); the one matching the server's major version is preferred, else the
 * oldest newer one (pg_dump refuses a server newer than itself). The connection goes to them in
 * the environment (PGHOST, PGPORT, PGUSER, PGDATABASE from the URL); a password only ever comes
 * from PGPASSWORD or the password file, never from a command line.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { PgTarget } from '../db/postgres.js';
import { BusyError, ConnectError, CrmError } from '../errors.js';

export type PgToolName = 'pg_dump' | 'pg_restore';

export interface PgTool {
  readonly name: PgToolName;
  readonly path: string;
  readonly major: number;
  /** as it says itself: '15.18 (Debian 15.18-0+deb12u1)' */
  readonly version: string;
}

/** The major version of a PostgreSQL version string: '15.18 (Debian …)' → 15, '9.6.24' → 9. */
export function majorOf(version: string): number {
  const m = /(\d+)(?:\.(\d+))?/.exec(version);
  return m ? Number(m[1]) : 0;
}

function candidates(name: PgToolName, env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  if (env.CRM_PG_BINDIR) dirs.push(env.CRM_PG_BINDIR);
  else {
    dirs.push(...(env.PATH ?? '').split(path.delimiter).filter(Boolean));
    const debian = '/usr/lib/postgresql';
    try {
      for (const v of fs.readdirSync(debian)) dirs.push(path.join(debian, v, 'bin'));
    } catch {
      // not Debian's layout
    }
  }
  const seen = new Set<string>();
  const found: string[] = [];
  for (const d of dirs) {
    const file = path.join(d, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      continue;
    }
    const real = fs.realpathSync(file);
    // Debian's /usr/bin/pg_dump is a wrapper shared by every version: keep it by its own name
    const key = real.endsWith('pg_wrapper') ? file : real;
    if (!seen.has(key)) {
      seen.add(key);
      found.push(file);
    }
  }
  return found;
}

function describeTool(name: PgToolName, file: string): PgTool | null {
  try {
    const out = execFileSync(file, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    const m = /\(PostgreSQL\)\s+(.+)/.exec(out.trim());
    if (!m) return null;
    return { name, path: file, version: m[1]!.trim(), major: majorOf(m[1]!) };
  } catch {
    return null;
  }
}

/** The pg_dump or pg_restore to use with a server (or an archive) of major version `minMajor`. */
export function findPgTool(name: PgToolName, minMajor: number, env: NodeJS.ProcessEnv): PgTool {
  const tools = candidates(name, env)
    .map((f) => describeTool(name, f))
    .filter((t): t is PgTool => t !== null);
  const where = env.CRM_PG_BINDIR ? `in CRM_PG_BINDIR (${env.CRM_PG_BINDIR})` : 'on PATH or in /usr/lib/postgresql/*/bin';
  if (tools.length === 0) {
    throw new CrmError(
      `${name} was not found ${where}; crm uses it for backups on a PostgreSQL server`,
      `install PostgreSQL's client programs${minMajor ? `, version ${minMajor} or newer` : ''} (Debian: apt-get install postgresql-client), or set CRM_PG_BINDIR to their directory`,
    );
  }
  const fit = tools.filter((t) => t.major >= minMajor).sort((a, b) => a.major - b.major);
  if (fit.length > 0) return fit[0]!;
  const newest = [...tools].sort((a, b) => b.major - a.major)[0]!;
  throw new CrmError(
    `${name} ${newest.version} (${newest.path}) is older than PostgreSQL ${minMajor}, which it would have to read`,
    `install the client programs of PostgreSQL ${minMajor} or newer (Debian: apt-get install postgresql-client-${minMajor}), or set CRM_PG_BINDIR to their directory`,
  );
}

/**
 * The environment of a pg_dump or pg_restore run against a target: the inherited one (so
 * PGPASSWORD, PGSSLROOTCERT… pass through untouched) with the connection of the URL on top.
 */
export function pgToolEnv(target: PgTarget, env: NodeJS.ProcessEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const url = new URL(target.url);
  const out: NodeJS.ProcessEnv = { ...env };
  const socket = url.searchParams.get('host');
  const host = socket ?? (url.hostname ? decodeURIComponent(url.hostname.replace(/^\[(.*)\]$/, '$1')) : undefined);
  // node-postgres, which crm itself connects with, defaults to localhost; libpq to its socket
  out.PGHOST = host ?? env.PGHOST ?? 'localhost';
  if (url.port) out.PGPORT = url.port;
  else if (url.searchParams.get('port')) out.PGPORT = url.searchParams.get('port')!;
  if (url.username) out.PGUSER = decodeURIComponent(url.username);
  out.PGDATABASE = target.database;
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode) out.PGSSLMODE = sslmode;
  out.PGAPPNAME = 'crm';
  out.PGCONNECT_TIMEOUT ??= '15';
  // the same password file node-postgres reads
  if (!out.PGPASSFILE && out.HOME) out.PGPASSFILE = path.join(out.HOME, '.pgpass');
  delete out.PGSERVICE;
  return { ...out, ...extra };
}

export interface ToolRun {
  readonly tool: PgTool;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** receives stdout, when given; else stdout is ignored */
  readonly onStdout?: (chunk: Buffer) => void;
  /** how the run is named in an error: 'pg_dump of postgres://…' */
  readonly what: string;
}

/** The error lines of a tool's stderr, without its name in front; at most three. */
function errorLines(stderr: string, name: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(new RegExp(`^${name}: (error: |detail: |hint: )?`), '').trim())
    .filter((l) => l && !/^warning:/i.test(l));
  return lines.slice(0, 3).join('; ') || 'no message';
}

/** Runs pg_dump or pg_restore; a failure becomes a CrmError with its own words (which never hold a password). */
export function runPgTool(run: ToolRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.tool.path, [...run.args], {
      env: run.env,
      stdio: ['ignore', run.onStdout ? 'pipe' : 'ignore', 'pipe'],
      signal: run.signal,
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += d.toString();
    });
    if (run.onStdout) child.stdout!.on('data', run.onStdout);
    child.on('error', (err) => {
      if ((err as Error).name === 'AbortError') reject(run.signal?.reason ?? err);
      else reject(new CrmError(`cannot run ${run.tool.path}: ${err.message}`, 'check the PostgreSQL client installation, or set CRM_PG_BINDIR'));
    });
    child.on('close', (code, sig) => {
      if (run.signal?.aborted) return reject(run.signal.reason);
      if (code === 0) return resolve();
      reject(toolFailure(run, errorLines(stderr, run.tool.name), sig));
    });
  });
}

function toolFailure(run: ToolRun, detail: string, sig: NodeJS.Signals | null): CrmError {
  const message = `${run.what} failed: ${sig ? `killed by ${sig}` : detail}`;
  if (/password authentication failed|no password supplied|fe_sendauth|connection to server .* failed|could not connect|could not translate host name|Connection refused|server closed the connection/i.test(detail)) {
    return new ConnectError(message, 'check that the server runs and the URL (host, port, database, user); the password comes from PGPASSWORD or ~/.pgpass');
  }
  if (/lock timeout|could not obtain lock/i.test(detail)) {
    return new BusyError(message, 'another session holds a lock on the tables; try again when it has finished');
  }
  if (/No space left on device|could not write to output file/i.test(detail)) {
    return new CrmError(message, 'free some space in the backup directory, or choose another with --to');
  }
  return new CrmError(message);
}
