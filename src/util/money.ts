/**
 * Money is integer minor units (kopecks) everywhere: parsed from text without floats,
 * summed as integers, formatted back to rubles at the edge.
 */

export type MoneyParse = { ok: true; minor: number } | { ok: false; reason: string };

const MAX_MINOR = Number.MAX_SAFE_INTEGER;

/**
 * Parses "1234.50", "1 234,50", "1,234.50", "1.234.567,8", "-15" into kopecks.
 * A lone comma is a decimal comma (Russian usage); several commas or dots are thousands
 * separators; when both appear the last one is the decimal separator.
 * @example parseMoney('1 234,5') // { ok: true, minor: 123450 }
 */
export function parseMoney(input: string): MoneyParse {
  let text = input.trim().replace(/[\s\u00a0\u202f']/g, '').replace(/(руб\.?|₽|RUB|р\.)$/i, '');
  if (text === '') return { ok: false, reason: 'empty amount' };
  let sign = 1;
  if (text.startsWith('-') || text.startsWith('−')) {
    sign = -1;
    text = text.slice(1);
  } else if (text.startsWith('+')) {
    text = text.slice(1);
  }
  const commas = (text.match(/,/g) ?? []).length;
  const dots = (text.match(/\./g) ?? []).length;
  let intPart: string;
  let fracPart = '';
  if (commas > 0 && dots > 0) {
    const decimal = text.lastIndexOf(',') > text.lastIndexOf('.') ? ',' : '.';
    const thousands = decimal === ',' ? '.' : ',';
    if ((text.match(decimal === ',' ? /,/g : /\./g) ?? []).length > 1) return { ok: false, reason: 'not a number' };
    [intPart = '', fracPart = ''] = text.replaceAll(thousands, '').split(decimal);
  } else if (commas > 1 || dots > 1) {
    const sep = commas > 1 ? ',' : '.';
    if (!new RegExp(`^\\d{1,3}(\\${sep}\\d{3})+$`).test(text)) return { ok: false, reason: 'not a number' };
    intPart = text.replaceAll(sep, '');
  } else {
    [intPart = '', fracPart = ''] = text.split(/[.,]/);
  }
  if (!/^\d+$/.test(intPart) || !/^\d*$/.test(fracPart)) return { ok: false, reason: 'not a number' };
  if (fracPart.length > 2) {
    if (!/^0*$/.test(fracPart.slice(2))) return { ok: false, reason: 'more than two decimal places (kopecks)' };
    fracPart = fracPart.slice(0, 2);
  }
  const minor = Number(intPart) * 100 + Number(fracPart.padEnd(2, '0'));
  if (!Number.isSafeInteger(minor) || minor > MAX_MINOR) return { ok: false, reason: 'amount too large' };
  return { ok: true, minor: sign * minor };
}

/** Kopecks as "1234.50" (CSV, JSON). */
export function formatMoney(minor: number): string {
  if (!Number.isFinite(minor)) return '';
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(minor));
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Kopecks as "1 234 567.50" for a terminal table. */
export function formatMoneyGrouped(minor: number): string {
  const plain = formatMoney(minor);
  const [int = '', frac = ''] = plain.split('.');
  return `${int.replace(/\B(?=(\d{3})+(?!\d))/g, ' ')}.${frac}`;
}
