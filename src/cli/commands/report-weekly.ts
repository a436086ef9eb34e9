/**
 * crm report weekly: the review of one week's plans (per staff member and in total, against the
 * week before) and its carry-over list, or with --weeks N the trend week by week. Facts from
 * src/db/queries/plan-review.ts, figures from src/plan/review.ts, layout src/reports/weekly.ts.
 */
import { carryOverFacts, reviewFacts } from '../../db/queries/plan-review.js';
import { resolveStaff } from '../../db/queries/plan.js';
import { UsageError } from '../../errors.js';
import { carryOverList, reviewWeeks, type CarryOverItem } from '../../plan/review.js';
import { weekOption } from '../../plan/tasks.js';
import { carryOverModel, carryOverRow, trendModel, weeklyModel } from '../../reports/weekly.js';
import { localDate } from '../../util/dates.js';
import { isoWeekOf, weekMonday, weekSunday, weeksEnding } from '../../util/isoweek.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

export interface WeeklyFlags {
  week?: string;
  staff?: string;
  weeks?: string;
  carryOver?: boolean;
}

/** --weeks: 1…104. */
export function parseWeeks(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 104) throw new UsageError(`--weeks ${JSON.stringify(text)}: give a number of weeks from 1 to 104`);
  return n;
}

/** The carry-over list inside the JSON object: the rows of the CSV, without the week it is for. */
function carryOverJson(items: readonly CarryOverItem[]) {
  return items.map((t) => {
    const { week: _week, ...row } = carryOverRow(t);
    return row;
  });
}

export async function run(ctx: Context, flags: WeeklyFlags): Promise<void> {
  const today = localDate(ctx.now());
  const week = weekOption(flags.week, today);
  const weeks = parseWeeks(flags.weeks);
  if (weeks !== undefined && flags.carryOver) throw new UsageError('--carry-over lists one week: leave out --weeks');
  const compact = ctx.render.format === 'table';
  await withDatabase(ctx, async (cdb) => {
    const staff = flags.staff !== undefined ? await resolveStaff(cdb.db, flags.staff) : undefined;
    const meta = { report: 'weekly', week, week_start: weekMonday(week), week_end: weekSunday(week), staff_id: staff?.id ?? null, staff: staff?.name ?? null };
    if (week === isoWeekOf(today)) ctx.info(`${week} is the current week (today is ${today}): its not-done tasks include those still to come`);

    if (weeks !== undefined) {
      const span = weeksEnding(week, weeks);
      const reviews = reviewWeeks(await reviewFacts(cdb.db, span, staff?.id), span, { staffId: staff?.id });
      await ctx.output(trendModel(reviews, { compact, who: staff?.name, meta: { ...meta, report: 'weekly-trend', first_week: span[0], weeks } }));
      return;
    }

    const [review] = reviewWeeks(await reviewFacts(cdb.db, [week], staff?.id), [week], { staffId: staff?.id });
    const { facts, ancestors } = await carryOverFacts(cdb.db, week, staff?.id);
    const carry = carryOverList(facts, ancestors);
    if (flags.carryOver) {
      await ctx.output(carryOverModel(carry, week, { compact, meta }));
      return;
    }
    await ctx.output(weeklyModel(review!, { compact, single: staff !== undefined, meta: { ...meta, previous_week: review!.previousWeek, carry_over: carryOverJson(carry) } }));
    if (compact) {
      ctx.streams.stdout.write('\n');
      await ctx.output(carryOverModel(carry, week, { compact }));
    } else if (ctx.render.format !== 'json') {
      ctx.info(`the carry-over list (${carry.length} task${carry.length === 1 ? '' : 's'}): crm report weekly --week ${week} --carry-over`);
    }
  });
}
