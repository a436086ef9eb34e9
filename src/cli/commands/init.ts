import { initDatabase, resolveDbPath } from '../../db/open.js';
import type { Context } from '../context.js';

export async function run(ctx: Context): Promise<void> {
  const file = resolveDbPath(ctx.dbFlag, ctx.env);
  const result = initDatabase(file, ctx.env);
  if (result.created) {
    ctx.info(`created ${file} (schema version ${result.version})`);
  } else {
    ctx.info(`${file} already exists (schema version ${result.version}); nothing changed`);
  }
}
