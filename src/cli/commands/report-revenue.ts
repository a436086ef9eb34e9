/**
 * crm report revenue: won revenue and share by product × client type, the top combinations, and
 * the trend against the previous period of the same length (src/reports/revenue.ts).
 */
import { wonRevenue } from '../../db/queries/revenue.js';
import { closedPeriod, parseCount, parsePeriod, previousPeriod } from '../../reports/period.js';
import { parseRevenueBy, revenueModel, revenueReport } from '../../reports/revenue.js';
import { localDate } from '../../util/dates.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

export interface RevenueFlags {
  by?: string;
  from?: string;
  to?: string;
  top?: string;
}

export async function run(ctx: Context, flags: RevenueFlags): Promise<void> {
  const by = parseRevenueBy(flags.by);
  const period = closedPeriod(parsePeriod(flags.from, flags.to), localDate(ctx.now()));
  const previous = previousPeriod(period);
  const top = parseCount('--top', flags.top, 1, 100000, 'how many rows to keep');
  await withDatabase(ctx, async (cdb) => {
    const [current, before] = [await wonRevenue(cdb.db, period), await wonRevenue(cdb.db, previous)];
    const report = revenueReport({ current, previous: before }, { by, period, previous, top });
    if (report.total.revenueMinor === 0) ctx.info(`no won deals closed ${period.from}…${period.to}`);
    await ctx.output(revenueModel(report, { compact: ctx.render.format === 'table' }));
  });
}
