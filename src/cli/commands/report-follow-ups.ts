/**
 * crm report follow-ups: responses at least N days old that no activity and no deal answers,
 * oldest first, with who handled them (src/reports/follow-ups.ts).
 */
import { followUpFacts, followUpLookups, lastActivities } from '../../db/queries/follow-ups.js';
import { followUpCutoff, followUpsModel, followUpsReport } from '../../reports/follow-ups.js';
import { parseCount, parseDateFlag } from '../../reports/period.js';
import { localDate } from '../../util/dates.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

export interface FollowUpsFlags {
  days?: string;
  asOf?: string;
  from?: string;
}

export const DEFAULT_DAYS = 14;

export async function run(ctx: Context, flags: FollowUpsFlags): Promise<void> {
  const days = parseCount('--days', flags.days, 0, 3650, 'a number of days') ?? DEFAULT_DAYS;
  const asOf = parseDateFlag('--as-of', flags.asOf) ?? localDate(ctx.now());
  const from = parseDateFlag('--from', flags.from);
  await withDatabase(ctx, async (cdb) => {
    const responses = await followUpFacts(cdb.db, { asOf, cutoff: followUpCutoff(asOf, days), from });
    const lastActivity = await lastActivities(cdb.db, responses.flatMap((f) => (f.clientId === null ? [] : [f.clientId])), asOf);
    const report = followUpsReport({ responses, lastActivity, ...(await followUpLookups(cdb.db)) }, { asOf, days, from });
    if (report.cutoff < (from ?? report.cutoff)) ctx.info(`--from ${from} is later than ${report.cutoff}: no response that recent is ${days} days old yet`);
    else if (report.rows.length === 0) ctx.info(`every response of ${report.cutoff} or earlier has a follow-up`);
    await ctx.output(followUpsModel(report, { compact: ctx.render.format === 'table' }));
  });
}
