/**
 * The password of a server login from the password file, as libpq reads it: $PGPASSFILE, else
 * ~/.pgpass; lines `host:port:database:user:password` (`*` matches anything, `\:` and `\\` are
 * escapes, `#` starts a comment); the first matching line wins; a file that the group or others
 * may read is ignored (chmod 0600). node-postgres can read it too, but prints a deprecation
 * warning on every login, which would break `crm backup --quiet` under cron.
 */
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { ConnectError } from '../errors.js';

export interface LoginParams {
  readonly host?: string;
  readonly port?: number | string;
  readonly database?: string;
  readonly user?: string;
}

function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) cur += line[++i];
    else if (ch === ':' && out.length < 4) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function passwordFile(env: NodeJS.ProcessEnv): string | null {
  if (env.PGPASSFILE) return env.PGPASSFILE;
  return env.HOME ? path.join(env.HOME, '.pgpass') : null;
}

/** The password for a login from the password file, or undefined. */
export function pgpassPassword(p: LoginParams, env: NodeJS.ProcessEnv): string | undefined {
  const file = passwordFile(env);
  if (!file) return undefined;
  let text: string;
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || (st.mode & 0o077) !== 0) return undefined;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const want = [p.host ?? 'localhost', String(p.port ?? 5432), p.database ?? '', p.user ?? ''];
  for (const raw of text.split(/\r?\n/)) {
    if (!raw.trim() || raw.startsWith('#')) continue;
    const f = fields(raw);
    if (f.length !== 5) continue;
    if (want.every((w, i) => f[i] === '*' || f[i] === w)) return f[4];
  }
  return undefined;
}

export function noPassword(): ConnectError {
  return new ConnectError(
    'the PostgreSQL server wants a password and none was given',
    'set PGPASSWORD, or add a line host:port:database:user:password to ~/.pgpass (chmod 0600); never put it in the URL',
  );
}

/** The login a URL names, with libpq's and node-postgres' defaults from the environment. */
export function loginOf(url: string, env: NodeJS.ProcessEnv): LoginParams {
  const u = new URL(url);
  return {
    host: u.searchParams.get('host') ?? (u.hostname ? decodeURIComponent(u.hostname.replace(/^\[(.*)\]$/, '$1')) : (env.PGHOST ?? 'localhost')),
    port: u.port || env.PGPORT || 5432,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
    user: u.username ? decodeURIComponent(u.username) : (env.PGUSER ?? env.USER ?? ''),
  };
}

/**
 * A pg Client class for a pool on that URL whose password, when PGPASSWORD is not set, comes
 * from the password file at each login (none: no password, and the server says whether it wants
 * one). A class, because node-postgres lets the parsed connection string (password '') win over
 * a `password` option.
 */
export function pgClientClass(driver: typeof pg, url: string, env: NodeJS.ProcessEnv): typeof pg.Client | undefined {
  if (env.PGPASSWORD !== undefined) return undefined;
  const login = loginOf(url, env);
  return class extends driver.Client {
    constructor(config?: pg.ClientConfig) {
      super(config);
      // node-postgres calls a function here when the server asks for a password. Without one
      // the login fails: say so, and close the socket, which node-postgres would leave open
      // (keeping the process alive) until the server's authentication timeout
      const password = () => {
        const found = pgpassPassword(login, env);
        if (found !== undefined) return Promise.resolve(found);
        setImmediate(() => void this.end().catch(() => {}));
        return Promise.reject(noPassword());
      };
      Object.defineProperty(this, 'password', { configurable: true, enumerable: false, writable: true, value: password });
    }
  };
}
