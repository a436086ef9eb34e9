/**
 * One write transaction around many Kysely statements, on either backend: all of it is
 * committed, or (on an error, or a dry run) none of it.
 *
 * - SQLite: BEGIN IMMEDIATE (src/db/sqlite-merge.ts): the writer lock is taken up front, so a
 *   transaction that reads first and writes later cannot lose a race.
 * - PostgreSQL: SERIALIZABLE, so that several people writing at once lose no update: when the
 *   server detects that another transaction's commit would make this one's reads stale (40001)
 *   or a deadlock (40P01), the whole of `fn` runs again on a fresh snapshot, a bounded number of
 *   times (src/db/pg-retry.ts), then gives up with a clear message (exit 5).
 *
 * `fn` may run more than once on PostgreSQL: it must do all its work through the `db` it is given
 * and keep its results in what it returns, not in variables outside it.
 */
import { sql, type Kysely } from 'kysely';
import type { CrmDatabase } from './open.js';
import type { DB } from './types.js';

export interface WriteOptions {
  /** roll back at the end, whatever happened: what a --dry-run reports is what would have been written */
  readonly dryRun?: boolean;
  /** what is being written, for the message when PostgreSQL retries give up: "crm plan next" */
  readonly what?: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * PostgreSQL: tables that only writers passing this option insert into (dedupe's merges and
   * client_aliases). Their ids stay as SQLite gives them (the highest id + 1) although a sequence
   * does not roll back: those writers queue behind one session lock, and each attempt first moves
   * the table's identity sequence back to its highest id, undoing what a dry run or a failed
   * attempt took.
   */
  readonly denseIds?: readonly ('merges' | 'client_aliases')[];
}

/** The advisory lock the writers of denseIds tables queue behind: 'CRMD'. */
const DENSE_LOCK = 0x43524d44;

type Writable = Pick<CrmDatabase, 'kind' | 'db' | 'sqlite'>;

class DryRunRollback<T> extends Error {
  constructor(readonly result: T) {
    super('dry run: rolled back');
  }
}

export async function writeTransaction<T>(cdb: Writable, fn: (db: Kysely<DB>) => Promise<T>, opts: WriteOptions = {}): Promise<T> {
  const dryRun = opts.dryRun ?? false;
  if (cdb.kind === 'sqlite') {
    const { sqliteWriteTransaction } = await import('./sqlite-merge.js');
    return sqliteWriteTransaction(cdb, fn, dryRun);
  }
  const { withRetry } = await import('./pg-retry.js');
  const dense = opts.denseIds ?? [];
  const attempts = (db: Kysely<DB>) =>
    withRetry({ what: opts.what ?? 'the change', env: opts.env }, async () => {
      try {
        return await db
          .transaction()
          .setIsolationLevel('serializable')
          .execute(async (trx) => {
            for (const t of dense) {
              await sql`SELECT setval(pg_get_serial_sequence(${t}, 'id'), coalesce((SELECT max(id) FROM ${sql.table(t)}), 0) + 1, false)`.execute(trx);
            }
            const result = await fn(trx);
            if (dryRun) throw new DryRunRollback(result);
            return result;
          });
      } catch (err) {
        if (err instanceof DryRunRollback) return err.result as T;
        throw err;
      }
    });
  if (dense.length === 0) return attempts(cdb.db);
  return cdb.db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${DENSE_LOCK})`.execute(conn);
    try {
      return await attempts(conn);
    } finally {
      await sql`SELECT pg_advisory_unlock(${DENSE_LOCK})`.execute(conn).catch(() => {});
    }
  });
}
