/**
 * crm restore FILE --db postgres://… — the server's side of crm restore: verify the dump, ask
 * (or require --yes), back up what the database holds now, restore with pg_restore in one
 * transaction, check the result. See src/backup/pg-restore.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { acquireLock } from '../../backup/lock.js';
import { totalRows } from '../../backup/manifest.js';
import { resolveBackupFile } from '../../backup/paths.js';
import { createPgBackup, isPgDump } from '../../backup/pg-dump.js';
import { checkPgBackup, checkRestoreTarget, restorePgBackup, targetState } from '../../backup/pg-restore.js';
import { withInterrupt } from '../../backup/interrupt.js';
import type { VerifyOutcome } from '../../backup/verify.js';
import type { PgTarget } from '../../db/postgres.js';
import { CrmError, InterruptedError, UsageError } from '../../errors.js';
import { localDateTime } from '../../util/dates.js';
import type { Context } from '../context.js';
import type { RestoreFlags } from './restore.js';

function describe(o: VerifyOutcome): string {
  const m = o.manifest;
  const taken = m ? `taken ${localDateTime(new Date(m.created_at))}${m.postgresql ? ` from ${m.source}` : ''}, ` : '';
  return `${taken}${totalRows(o.inspection?.rows ?? {})} rows, schema version ${o.inspection?.userVersion ?? '?'}`;
}

function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export async function restoreOnServer(ctx: Context, file: string, flags: RestoreFlags, target: PgTarget, confirm: (ctx: Context, message: string) => Promise<boolean>): Promise<void> {
  const dryRun = flags.dryRun ?? false;
  if (!flags.yes && !dryRun && !ctx.interactive) {
    throw new UsageError(`restore replaces the crm tables of ${target.display}: add --yes to confirm (there is no terminal to ask on)`, `or check first with: crm restore ${file} --dry-run`);
  }
  const dir = flags.dir ? path.resolve(flags.dir) : ctx.env.CRM_BACKUP_DIR ? path.resolve(ctx.env.CRM_BACKUP_DIR) : process.cwd();
  const backup = resolveBackupFile(file, dir);
  if (!fs.existsSync(backup) || fs.statSync(backup).isDirectory()) {
    throw new CrmError(`no backup file at ${backup}`, 'crm backup list --dir DIR shows the backups in a backup directory');
  }
  if (!isPgDump(backup)) {
    throw new UsageError(
      `${backup} is not a PostgreSQL backup (a crm-<database>-….dump of pg_dump); a SQLite backup cannot be restored onto a server`,
      'restore it into a file (crm restore FILE --db crm.db), then copy that to the server with crm migrate-to',
    );
  }
  await withInterrupt('restore', 'nothing was changed', async (signal) => {
    ctx.info(`checking ${backup} …`);
    const outcome = await checkPgBackup(backup, ctx.env, signal);
    const state = await targetState(target, ctx.env);
    checkRestoreTarget(target, state);
    const what = describe(outcome);
    const current = state.crmVersion === null ? `the empty database ${target.display}` : `the crm database ${target.display} (schema version ${state.crmVersion})`;
    if (dryRun) {
      ctx.info(`${backup} is good (${what}): its sha256 matches its manifest, pg_restore read every table back`);
      ctx.info(`crm restore would replace the crm tables of ${current}${state.crmVersion === null ? '' : ', backing it up first'}; nothing was changed`);
      return;
    }
    if (!flags.yes) {
      ctx.info(`${backup} is good (${what}).`);
      const ok = await confirm(ctx, `Replace the crm tables of ${current} with it?${state.crmVersion === null ? '' : ' What it holds now is backed up first.'}`);
      if (!ok) throw new InterruptedError('restore cancelled; nothing was changed');
    }
    if (state.crmVersion !== null) {
      const safetyDir = flags.dir || ctx.env.CRM_BACKUP_DIR ? dir : path.dirname(backup);
      const lock = await acquireLock(safetyDir, { waitMs: 0 });
      try {
        ctx.info(`backing up ${target.display} first …`);
        const safety = await createPgBackup({ target, env: ctx.env, dir: safetyDir, check: 'quick', crmVersion: packageVersion(), now: () => ctx.now(), signal });
        ctx.info(`what ${target.display} held is kept as ${safety.path}`);
      } finally {
        lock.release();
      }
    }
    await restorePgBackup(backup, outcome, target, state, ctx.env, signal);
    ctx.info(`restored ${target.display} from ${backup} (${what})`);
  });
}
