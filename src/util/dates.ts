/**
 * Dates are calendar dates: 'YYYY-MM-DD' text, computed in UTC arithmetic so that no time
 * zone ever shifts them. Moments are local wall-clock 'YYYY-MM-DD HH:MM[:SS]'.
 */

export type DateParse = { ok: true; value: string } | { ok: false; reason: string };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function validDate(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const RU = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

interface Parts {
  y: number;
  m: number;
  d: number;
  hh?: number;
  mm?: number;
  ss?: number;
}

function parts(text: string): Parts | null {
  const t = text.trim();
  let m = ISO.exec(t);
  if (m) return { y: +m[1]!, m: +m[2]!, d: +m[3]!, hh: m[4] ? +m[4] : undefined, mm: m[5] ? +m[5] : undefined, ss: m[6] ? +m[6] : undefined };
  m = RU.exec(t);
  if (m) return { y: +m[3]!, m: +m[2]!, d: +m[1]!, hh: m[4] ? +m[4] : undefined, mm: m[5] ? +m[5] : undefined, ss: m[6] ? +m[6] : undefined };
  return null;
}

const FORMATS_HINT = 'use YYYY-MM-DD or DD.MM.YYYY';

/** '2026-11-20', '20.11.2026', '2026-11-20T10:00' → '2026-11-20' (a time, if any, is dropped). */
export function parseDate(text: string): DateParse {
  const p = parts(text);
  if (!p) return { ok: false, reason: `not a date: ${FORMATS_HINT}` };
  if (!validDate(p.y, p.m, p.d)) return { ok: false, reason: 'no such day in the calendar' };
  return { ok: true, value: `${p.y}-${pad(p.m)}-${pad(p.d)}` };
}

/** A date with an optional time → 'YYYY-MM-DD HH:MM[:SS]' or 'YYYY-MM-DD'. */
export function parseDateTime(text: string): DateParse {
  const p = parts(text);
  if (!p) return { ok: false, reason: `not a date or date and time: ${FORMATS_HINT} [HH:MM]` };
  if (!validDate(p.y, p.m, p.d)) return { ok: false, reason: 'no such day in the calendar' };
  const date = `${p.y}-${pad(p.m)}-${pad(p.d)}`;
  if (p.hh === undefined) return { ok: true, value: date };
  if (p.hh > 23 || (p.mm ?? 0) > 59 || (p.ss ?? 0) > 59) return { ok: false, reason: 'no such time of day' };
  return { ok: true, value: `${date} ${pad(p.hh)}:${pad(p.mm ?? 0)}${p.ss !== undefined ? `:${pad(p.ss)}` : ''}` };
}

/** The local calendar date of a moment (the user's day, not UTC's). */
export function localDate(moment: Date): string {
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
}

/** The local wall-clock time of a moment, 'YYYY-MM-DD HH:MM:SS'. */
export function localDateTime(moment: Date): string {
  return `${localDate(moment)} ${pad(moment.getHours())}:${pad(moment.getMinutes())}:${pad(moment.getSeconds())}`;
}

/** Days between two dates, b - a. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

export function addDays(date: string, days: number): string {
  const t = new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}
