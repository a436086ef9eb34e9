/**
 * Retrying a PostgreSQL transaction that lost a race: a serialization failure (40001) or a
 * deadlock (40P01) means the server rolled it back so that the others' work stays intact; the
 * same work run again on a fresh snapshot then sees what they committed. The number of attempts
 * is bounded; when they are used up, the user gets a clear message (exit 5, "busy") instead of a
 * silently lost update.
 */
import type pg from 'pg';
import { BusyError } from '../errors.js';

/** Attempts before giving up (CRM_PG_RETRIES overrides it; tests set it to 1 to see the message). */
export const DEFAULT_ATTEMPTS = 5;

export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

export interface RetryOptions {
  /** what is being done, for the message when it gives up: "import of clients.csv" */
  readonly what: string;
  readonly attempts?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** called before each new attempt (after the first failed), e.g. to reset counters */
  readonly onRetry?: (attempt: number, err: unknown) => void;
}

export function attemptsFrom(env: NodeJS.ProcessEnv = process.env, fallback = DEFAULT_ATTEMPTS): number {
  const n = Number(env.CRM_PG_RETRIES);
  return Number.isInteger(n) && n >= 1 && n <= 100 ? n : fallback;
}

/**
 * Runs `fn` until it succeeds, retrying on 40001/40P01 with a short randomised back-off. `fn`
 * must do all of its work inside one transaction it opens and closes itself (see inTransaction).
 */
export async function withRetry<T>(opts: RetryOptions, fn: (attempt: number) => Promise<T>): Promise<T> {
  const attempts = opts.attempts ?? attemptsFrom(opts.env);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err)) throw err;
      if (attempt >= attempts) {
        const why = (err as { code?: string }).code === '40P01' ? 'a deadlock with' : 'conflicting changes by';
        throw new BusyError(
          `${opts.what} gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${why} other crm runs on the same rows at the same time (${(err as Error).message}); nothing of it was saved`,
          'run the command again when the other runs have finished',
        );
      }
      opts.onRetry?.(attempt, err);
      const ms = Math.min(2000, 50 * 2 ** (attempt - 1)) * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, ms));
    }
  }
}

export type Isolation = 'SERIALIZABLE' | 'REPEATABLE READ' | 'READ COMMITTED';

/**
 * One transaction on a client of its own: BEGIN at the given level, `fn`, COMMIT; ROLLBACK on
 * any error. A client whose connection failed is destroyed instead of going back to the pool.
 */
export async function inTransaction<T>(pool: pg.Pool, isolation: Isolation, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
    try {
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => (broken ??= e));
      throw err;
    }
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** `inTransaction` retried on serialization failures: the common way to write on PostgreSQL. */
export function retryTransaction<T>(pool: pg.Pool, opts: RetryOptions & { isolation?: Isolation }, fn: (client: pg.PoolClient, attempt: number) => Promise<T>): Promise<T> {
  return withRetry(opts, (attempt) => inTransaction(pool, opts.isolation ?? 'SERIALIZABLE', (client) => fn(client, attempt)));
}
