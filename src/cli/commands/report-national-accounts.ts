/**
 * crm report national-accounts: HQs with branches, the regions they cover, the field rep in each
 * region, the last activity per branch, and the gaps.
 */
import { resolveClient } from '../../db/queries/client-ref.js';
import { nationalAccountFacts } from '../../db/queries/national-accounts.js';
import { kamPeriod } from '../../reports/key-accounts.js';
import { nationalAccountsModel } from '../../reports/national-accounts.js';
import { localDate } from '../../util/dates.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';
import { kamSettingsOf } from './report-key-accounts.js';
import { parseAsOf, parseWindow } from './report.js';

export interface NationalAccountsFlags {
  asOf?: string;
  window?: string;
  client?: string;
  keyOnly?: boolean;
}

export async function run(ctx: Context, flags: NationalAccountsFlags): Promise<void> {
  const asOf = parseAsOf(flags.asOf, localDate(ctx.now()));
  const window = parseWindow(flags.window);
  await withDatabase(ctx, async (cdb) => {
    const { kam } = await kamSettingsOf(ctx, cdb, window);
    let clientId: number | undefined;
    if (flags.client !== undefined) {
      const c = await resolveClient(cdb.db, flags.client);
      clientId = c.parent_id ?? c.id;
    }
    const period = kamPeriod(asOf, kam.windowWeeks);
    const facts = await nationalAccountFacts(cdb.db, { asOf, clientId, keyOnly: flags.keyOnly });
    if (facts.length === 0) ctx.info(clientId !== undefined ? 'that client has no branches (clients whose parent it is)' : 'no client has branches: give branches a parent (crm import clients, column parent)');
    await ctx.output(nationalAccountsModel(facts, period, { compact: ctx.render.format === 'table', settingsJson: { 'kam.window_weeks': kam.windowWeeks } }));
  });
}
