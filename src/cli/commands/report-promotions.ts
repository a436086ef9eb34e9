/**
 * crm report promotions: responses → deals → won deals, revenue, cost and ROI per promotion,
 * channel, staff member, client type or month (src/reports/promotions.ts defines the figures).
 */
import { promotionsFacts } from '../../db/queries/promotions.js';
import { parseCount, parsePeriod } from '../../reports/period.js';
import { parseBy, promotionsModel, promotionsReport } from '../../reports/promotions.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

export interface PromotionsFlags {
  by?: string;
  from?: string;
  to?: string;
  attributionDays?: string;
}

export async function run(ctx: Context, flags: PromotionsFlags): Promise<void> {
  const by = parseBy(flags.by);
  const period = parsePeriod(flags.from, flags.to);
  const attributionDays = parseCount('--attribution-days', flags.attributionDays, 0, 3650, 'a number of days');
  await withDatabase(ctx, async (cdb) => {
    const facts = await promotionsFacts(cdb.db, { period, attributionDays, clientTypes: by === 'client-type' });
    const report = promotionsReport(facts, { by, period, attributionDays });
    if (attributionDays !== null) {
      const n = report.inferredDeals;
      ctx.info(`${n} deal${n === 1 ? '' : 's'} credited to a response by the ${attributionDays}-day attribution window (no explicit link); ${report.total.deals - n} by explicit link`);
    }
    if (report.groups.length === 0) ctx.info('no responses and no promotion cost in this period');
    await ctx.output(promotionsModel(report, { compact: ctx.render.format === 'table' }));
  });
}
