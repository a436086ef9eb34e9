import { openDatabase, resolveDbPath, type CrmDatabase } from '../db/open.js';
import type { Context } from './context.js';

/** Opens the chosen database for one command, says so if it was migrated, and always closes it. */
export async function withDatabase<T>(ctx: Context, fn: (cdb: CrmDatabase) => Promise<T>): Promise<T> {
  const cdb = openDatabase(resolveDbPath(ctx.dbFlag, ctx.env), { env: ctx.env });
  try {
    if (cdb.migratedFrom) {
      ctx.info(`migrated ${cdb.path} from schema version ${cdb.migratedFrom.version}; the old file was saved as ${cdb.migratedFrom.backup}`);
    }
    return await fn(cdb);
  } finally {
    await cdb.close();
  }
}
