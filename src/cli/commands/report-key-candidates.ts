/**
 * crm report key-candidates: clients that meet the key-account criteria but are not key accounts,
 * and key accounts that do not meet them, with the criteria each meets or fails.
 */
import { candidateFacts } from '../../db/queries/key-candidates.js';
import { keyCandidates, keyCandidatesModel } from '../../reports/key-candidates.js';
import { localDate } from '../../util/dates.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';
import { kamSettingsOf } from './report-key-accounts.js';
import { parseAsOf } from './report.js';

export interface KeyCandidatesFlags {
  asOf?: string;
}

export async function run(ctx: Context, flags: KeyCandidatesFlags): Promise<void> {
  const asOf = parseAsOf(flags.asOf, localDate(ctx.now()));
  await withDatabase(ctx, async (cdb) => {
    const { kam, settings } = await kamSettingsOf(ctx, cdb);
    const rows = keyCandidates(await candidateFacts(cdb.db, kam.qualify), kam.qualify, asOf);
    const model = keyCandidatesModel(rows, kam.qualify, { compact: ctx.render.format === 'table' });
    await ctx.output({ ...model, meta: { report: 'key-candidates', as_of: asOf, settings: settings.json('kam.qualify.') } });
  });
}
