import { openTarget, type CrmDatabase } from '../db/open.js';
import { resolveTarget } from '../db/target.js';
import { atServer } from '../errors.js';
import type { Context } from './context.js';

/** Opens the chosen database for one command, says so if it was migrated, and always closes it. */
export async function withDatabase<T>(ctx: Context, fn: (cdb: CrmDatabase) => Promise<T>): Promise<T> {
  const target = resolveTarget(ctx.dbFlag, ctx.env);
  const cdb = await openTarget(target, { env: ctx.env }).catch((err: unknown) => {
    throw target.kind === 'postgres' ? atServer(err, target.display) : err;
  });
  try {
    if (cdb.migratedFrom) {
      const { version, backup } = cdb.migratedFrom;
      ctx.info(`migrated ${cdb.path} from schema version ${version}` + (backup ? `; the old file was saved as ${backup}` : ' in one transaction'));
    }
    return await fn(cdb);
  } finally {
    await cdb.close();
  }
}
