/**
 * The period of a report: --from and --to as calendar dates, both inclusive, either open. The
 * previous period (for trends) is the same number of days immediately before --from. Calendar
 * arithmetic only (src/util/dates.ts): no time zone ever moves a day.
 */
import { UsageError } from '../errors.js';
import { addDays, daysBetween, parseDate } from '../util/dates.js';

export interface Period {
  /** first day, inclusive; null = from the beginning */
  readonly from: string | null;
  /** last day, inclusive; null = up to the end */
  readonly to: string | null;
}

export interface ClosedPeriod {
  readonly from: string;
  readonly to: string;
}

/** A --from/--to value as 'YYYY-MM-DD' (YYYY-MM-DD or DD.MM.YYYY accepted). */
export function parseDateFlag(flag: string, text: string | undefined): string | null {
  if (text === undefined) return null;
  const d = parseDate(text);
  if (!d.ok) throw new UsageError(`${flag} ${JSON.stringify(text)}: ${d.reason}`, 'give a date as YYYY-MM-DD or DD.MM.YYYY');
  return d.value;
}

/** --from and --to; either may be missing. A --from after --to is a usage error. */
export function parsePeriod(from: string | undefined, to: string | undefined): Period {
  const p = { from: parseDateFlag('--from', from), to: parseDateFlag('--to', to) };
  if (p.from !== null && p.to !== null && p.from > p.to) {
    throw new UsageError(`--from ${p.from} is after --to ${p.to}`, 'both dates are inclusive: --from is the first day, --to the last');
  }
  return p;
}

/** Whether a date lies in the period (both ends inclusive). */
export function inPeriod(date: string, p: Period): boolean {
  return (p.from === null || date >= p.from) && (p.to === null || date <= p.to);
}

/** The same calendar day n months later (or earlier); the 31st becomes the month's last day. */
export function addMonths(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) + n;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** Days in a closed period, both ends counted. */
export function periodDays(p: ClosedPeriod): number {
  return daysBetween(p.from, p.to) + 1;
}

/** The period of the same length that ends the day before `p.from`. */
export function previousPeriod(p: ClosedPeriod): ClosedPeriod {
  return { from: addDays(p.from, -periodDays(p)), to: addDays(p.from, -1) };
}

/**
 * A closed period from --from/--to with a default of the 12 months up to `today`: a missing --to
 * is today; a missing --from is the day after the same date a year before --to.
 */
export function closedPeriod(p: Period, today: string): ClosedPeriod {
  const to = p.to ?? (p.from !== null && p.from > today ? p.from : today);
  const from = p.from ?? addDays(addMonths(to, -12), 1);
  return { from, to };
}

/** "2026-01-01…2026-06-30", "from 2026-01-01", "up to 2026-06-30", "all dates" */
export function periodText(p: Period): string {
  if (p.from !== null && p.to !== null) return p.from === p.to ? p.from : `${p.from}…${p.to}`;
  if (p.from !== null) return `from ${p.from}`;
  if (p.to !== null) return `up to ${p.to}`;
  return 'all dates';
}

/** A whole number flag within bounds, else a usage error that says the bounds. */
export function parseCount(flag: string, text: string | undefined, min: number, max: number, what: string): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  const n = Number(t);
  if (!/^\d+$/.test(t) || n < min || n > max) throw new UsageError(`${flag} ${JSON.stringify(text)}: give ${what}, a whole number from ${min} to ${max}`);
  return n;
}
