/**
 * crm report lost: lost clients by reason and by competitor, the revenue of the 12 months before
 * each loss, and the last contact before it with who had it (src/reports/lost.ts). A terminal
 * shows the three tables; CSV holds one (--section, default clients); JSON all three by key.
 */
import { activityDetails, lostFacts } from '../../db/queries/lost.js';
import { UsageError } from '../../errors.js';
import { LOST_SECTIONS, lastContactIds, lostReport, lostSections, type LostSection } from '../../reports/lost.js';
import { parsePeriod } from '../../reports/period.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

export interface LostFlags {
  from?: string;
  to?: string;
  section?: string;
}

export async function run(ctx: Context, flags: LostFlags): Promise<void> {
  const period = parsePeriod(flags.from, flags.to);
  const section = flags.section?.trim().toLowerCase();
  if (section !== undefined && !(LOST_SECTIONS as readonly string[]).includes(section)) {
    throw new UsageError(`--section ${JSON.stringify(flags.section)}: no such part`, `the parts are: ${LOST_SECTIONS.join(', ')}`);
  }
  await withDatabase(ctx, async (cdb) => {
    const facts = await lostFacts(cdb.db, period);
    const details = await activityDetails(cdb.db, lastContactIds(facts.clients, facts.moments));
    const report = lostReport({ ...facts, details }, period);
    if (report.clients.length === 0) ctx.info('no lost clients in this period (status lost, by lost_date)');
    const sections = lostSections(report, { compact: ctx.render.format === 'table' });
    const shown = section ? sections.filter((s) => s.key === section) : sections;
    await ctx.outputSections(shown, (section as LostSection | undefined) ?? 'clients');
    if (ctx.render.format === 'csv' && !section) ctx.info('CSV holds one table: the clients; --section reasons|competitors for the others');
  });
}
