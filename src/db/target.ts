/**
 * Where the database is: a SQLite file (the default) or a PostgreSQL server named by a URL.
 * `--db`, else `CRM_DB`, else ./crm.db. A URL never carries a password: that comes only from
 * PGPASSWORD or ~/.pgpass, and nothing the tool prints shows one.
 */
import path from 'node:path';
import { UsageError } from '../errors.js';

export type DbTarget =
  | { readonly kind: 'sqlite'; readonly path: string; readonly display: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly display: string; readonly database: string };

const PG_URL = /^postgres(?:ql)?:\/\//i;

export function isPostgresUrl(text: string): boolean {
  return PG_URL.test(text);
}

/** A PostgreSQL URL as shown to people: user, host, port and database, nothing else. */
export function displayUrl(url: URL): string {
  const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
  const host = url.hostname || (url.searchParams.get('host') ?? '');
  const port = url.port ? `:${url.port}` : '';
  const socket = url.hostname ? '' : host ? `?host=${host}` : '';
  return `postgres://${user}${url.hostname}${port}${url.pathname}${socket}`;
}

export function parsePostgresUrl(text: string): DbTarget & { kind: 'postgres' } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('the --db value looks like a PostgreSQL URL but cannot be read', 'write it as postgres://user@host:port/dbname');
  }
  if (url.password) {
    // the text is not repeated: it holds a password
    throw new UsageError(
      'the PostgreSQL URL holds a password; crm does not take passwords on the command line or in CRM_DB',
      'remove it from the URL and set PGPASSWORD, or add a line to ~/.pgpass (chmod 0600)',
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new UsageError(`no database name in ${displayUrl(url)}`, 'write it as postgres://user@host:port/dbname');
  return { kind: 'postgres', url: url.toString(), display: displayUrl(url), database };
}

export function resolveTarget(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): DbTarget {
  const chosen = flag ?? (env.CRM_DB ? env.CRM_DB : undefined) ?? 'crm.db';
  if (isPostgresUrl(chosen)) return parsePostgresUrl(chosen);
  const file = path.resolve(chosen);
  return { kind: 'sqlite', path: file, display: file };
}
