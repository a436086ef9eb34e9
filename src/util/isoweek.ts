/**
 * ISO 8601 weeks ('2026-W48'): weeks start on Monday; week 1 holds the year's first Thursday.
 * Computed on calendar dates in UTC arithmetic, never shifted by a time zone.
 */
import { addDays } from './dates.js';

const WEEK = /^(\d{4})-W(\d{2})$/;

function utc(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

/** The ISO week of a 'YYYY-MM-DD' date. */
export function isoWeekOf(date: string): string {
  const d = utc(date);
  const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(d.getTime() + (3 - dow) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  const week = 1 + Math.floor((thursday.getTime() - jan1) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** How many ISO weeks a year has: 52 or 53. */
export function weeksInYear(year: number): number {
  return isoWeekOf(`${year}-12-28`) === `${year}-W53` ? 53 : 52;
}

export function isValidWeek(week: string): boolean {
  const m = WEEK.exec(week);
  if (!m) return false;
  const w = Number(m[2]);
  return w >= 1 && w <= weeksInYear(Number(m[1]));
}

/** The Monday of an ISO week. */
export function weekMonday(week: string): string {
  const m = WEEK.exec(week);
  if (!m) throw new Error(`not an ISO week: ${week}`);
  const year = Number(m[1]);
  const jan4 = utc(`${year}-01-04`);
  const mondayOfWeek1 = addDays(`${year}-01-04`, -((jan4.getUTCDay() + 6) % 7));
  return addDays(mondayOfWeek1, (Number(m[2]) - 1) * 7);
}

/** The Sunday of an ISO week. */
export function weekSunday(week: string): string {
  return addDays(weekMonday(week), 6);
}

export function addWeeks(week: string, n: number): string {
  return isoWeekOf(addDays(weekMonday(week), n * 7));
}

/**
 * '2026-W48', '2026-w48', 'this', 'next', 'last' (relative to `today`), or a date inside the week.
 * Returns null when the text is none of these.
 */
export function parseWeek(text: string, today: string): string | null {
  const t = text.trim().toLowerCase();
  if (t === 'this' || t === 'current') return isoWeekOf(today);
  if (t === 'next') return addWeeks(isoWeekOf(today), 1);
  if (t === 'last' || t === 'previous') return addWeeks(isoWeekOf(today), -1);
  const m = /^(\d{4})-?w(\d{1,2})$/.exec(t);
  if (m) {
    const week = `${m[1]}-W${m[2]!.padStart(2, '0')}`;
    return isValidWeek(week) ? week : null;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(t) && !Number.isNaN(Date.parse(`${t}T00:00:00Z`))) return isoWeekOf(t);
  return null;
}

/** The ISO week of a moment 'YYYY-MM-DD[ HH:MM[:SS]]' (its local calendar date). */
export function isoWeekOfMoment(moment: string): string {
  return isoWeekOf(moment.slice(0, 10));
}

/**
 * The `n` consecutive weeks that end with `last`, oldest first.
 * @example weeksEnding('2027-W01', 3) // ['2026-W52', '2026-W53', '2027-W01']
 */
export function weeksEnding(last: string, n: number): string[] {
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(addWeeks(last, -i));
  return out;
}

/** How many weeks from `a` to `b` (b − a; negative when b is earlier). */
export function weeksBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${weekMonday(b)}T00:00:00Z`) - Date.parse(`${weekMonday(a)}T00:00:00Z`)) / (7 * 86_400_000));
}

/** '2026-W47 (2026-11-16 – 2026-11-22)' */
export function describeWeek(week: string): string {
  return `${week} (${weekMonday(week)} – ${weekSunday(week)})`;
}
