import { initTarget } from '../../db/open.js';
import { resolveTarget } from '../../db/target.js';
import { atServer } from '../../errors.js';
import type { Context } from '../context.js';

export async function run(ctx: Context): Promise<void> {
  const target = resolveTarget(ctx.dbFlag, ctx.env);
  const result = await initTarget(target, ctx.env).catch((err: unknown) => {
    throw target.kind === 'postgres' ? atServer(err, target.display) : err;
  });
  if (result.created) {
    ctx.info(`created ${target.display} (schema version ${result.version})`);
  } else {
    ctx.info(`${target.display} already exists (schema version ${result.version}); nothing changed`);
  }
}
