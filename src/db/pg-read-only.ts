/**
 * `crm query sql` on PostgreSQL: one statement in a READ ONLY transaction that is always rolled
 * back. The server refuses any write in it (SQLSTATE 25006), which becomes the same message as on
 * SQLite; statements that are not queries (COPY, DO, SET, LOCK, …) are refused before they run;
 * the extended protocol refuses a second statement. Named parameters (:name, $name, @name) become
 * $1, $2 … Values come back as SQLite gives them: numbers as numbers, true/false as 1/0, the rest
 * as the server's text.
 */
import type pg from 'pg';
import { DatabaseError, UsageError } from '../errors.js';
import { WOULD_WRITE_HINT, WOULD_WRITE_MESSAGE } from './read-only.js';
import type { DbTarget } from './target.js';

const NUMERIC_TYPES = new Set([20, 21, 23, 26, 700, 701, 1700]);
const BOOL = 16;
const BYTEA = 17;

const asSqlite = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (v: string) => unknown {
    if (format === 'binary') return (v: string) => v;
    if (NUMERIC_TYPES.has(oid)) return (v: string) => Number(v);
    if (oid === BOOL) return (v: string) => (v === 't' ? 1 : 0);
    if (oid === BYTEA) return (v: string) => Buffer.from(v.slice(2), 'hex');
    return (v: string) => v;
  },
};

/** What a query may start with: statements that only read and return rows. */
const QUERY_START = /^\s*(\(|SELECT\b|WITH\b|VALUES\b|TABLE\b|SHOW\b|EXPLAIN\b)/i;
/** Statements that write: refused with the message SQLite's check gives. */
const WRITES = /^\s*(INSERT|UPDATE|DELETE|MERGE|UPSERT|REPLACE|CREATE|DROP|ALTER|TRUNCATE|GRANT|REVOKE|COMMENT|REFRESH|CLUSTER|IMPORT|SECURITY|REASSIGN)\b/i;

const wouldWrite = () => new UsageError(WOULD_WRITE_MESSAGE, WOULD_WRITE_HINT);

/**
 * The statement with :name / $name / @name placeholders replaced by $1, $2 … in the order they
 * first appear, skipping string literals, quoted identifiers, dollar-quoted text, comments and
 * :: casts. A :name without a --param is an error; $name and @name are left alone unless given
 * (@ is also an operator on PostgreSQL).
 */
export function bindNamed(text: string, params: Readonly<Record<string, string | number>>): { text: string; values: (string | number)[] } {
  const order: string[] = [];
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < n && !(text[j] === ch && text[j + 1] !== ch)) j += text[j] === ch ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (rest.startsWith('--')) {
      const j = text.indexOf('\n', i);
      const end = j < 0 ? n : j;
      out += text.slice(i, end);
      i = end;
    } else if (rest.startsWith('/*')) {
      const j = text.indexOf('*/', i + 2);
      const end = j < 0 ? n : j + 2;
      out += text.slice(i, end);
      i = end;
    } else if ((m = /^\$([A-Za-z_]\w*)?\$/.exec(rest))) {
      const j = text.indexOf(m[0], i + m[0].length);
      const end = j < 0 ? n : j + m[0].length;
      out += text.slice(i, end);
      i = end;
    } else if (rest.startsWith('::')) {
      out += '::';
      i += 2;
    } else if ((m = /^[:$@]([A-Za-z_][A-Za-z0-9_]*)/.exec(rest)) && !/[\w$]/.test(text[i - 1] ?? ' ')) {
      const name = m[1]!;
      if (!(name in params)) {
        if (ch === ':') throw new UsageError(`Missing named parameter "${name}": give it with --param name=value`);
        out += m[0];
      } else {
        let k = order.indexOf(name);
        if (k < 0) k = order.push(name) - 1;
        out += `$${k + 1}`;
      }
      i += m[0].length;
    } else {
      out += ch;
      i++;
    }
  }
  return { text: out, values: order.map((k) => params[k]!) };
}

function failure(err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code !== 'string' || typeof e.message !== 'string') return err;
  const code = e.code;
  if (code === '25006') return wouldWrite();
  if (code === '42601' && /multiple commands/.test(e.message)) return new UsageError('crm query sql runs one statement at a time');
  if (code === '42501') return new UsageError(`refused: ${e.message}`);
  if (code === '08P01' && /parameters/.test(e.message)) return new UsageError(`the query failed: ${e.message}`, 'name parameters :name and give them with --param name=value');
  if (code === '42P02') return new UsageError(`${e.message}: give it with --param name=value`);
  if (code.startsWith('42')) return new UsageError(`the SQL does not compile: ${e.message}`);
  if (/^(08|57|53|28|3D)/.test(code)) return err; // the connection or the server: reported as such
  return new UsageError(`the query failed: ${e.message}`);
}

export async function pgReadOnlyQuery(
  target: DbTarget & { kind: 'postgres' },
  env: NodeJS.ProcessEnv,
  text: string,
  params: Readonly<Record<string, string | number>>,
): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const body = text.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
  if (WRITES.test(body)) throw wouldWrite();
  if (!QUERY_START.test(body)) {
    throw new UsageError(`crm query sql only reads: ${body.trim().split(/\s+/)[0]!.toUpperCase()} is refused`, 'use SELECT (or WITH … SELECT)');
  }
  const bound = bindNamed(text, params);
  const { createPool } = await import('./postgres.js');
  const pool = createPool(target, env, 1);
  try {
    const client: pg.PoolClient = await pool.connect();
    try {
      await client.query('BEGIN TRANSACTION READ ONLY');
      try {
        const app = await client.query<{ value: string }>(`SELECT value FROM crm_meta WHERE key = 'application'`).catch(() => null);
        if (app?.rows[0]?.value !== 'crm') throw new DatabaseError(`${target.display} is not a crm database`, 'check the URL given with --db or CRM_DB');
        let r: pg.QueryResult<Record<string, unknown>>;
        try {
          r = await client.query<Record<string, unknown>>({ text: bound.text, values: bound.values, types: asSqlite, queryMode: 'extended' } as pg.QueryConfig);
        } catch (err) {
          throw failure(err);
        }
        if (!r.fields || r.fields.length === 0) throw new UsageError('the statement returns no rows');
        return { columns: r.fields.map((f) => f.name), rows: r.rows };
      } finally {
        await client.query('ROLLBACK').catch(() => {});
      }
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}
