/**
 * Text from a file → the value stored in the database, per field type. Pure.
 */
import { parseDate, parseDateTime } from '../util/dates.js';
import { isValidWeek, parseWeek } from '../util/isoweek.js';
import { parseMoney } from '../util/money.js';
import { fold, normalizeEmail, normalizeInn, normalizeKpp, normalizePhone, normalizeWebsite } from '../util/normalize.js';
import type { FieldType } from './entities.js';

export type Converted = { ok: true; value: string | number | null } | { ok: false; reason: string };

export interface ConvertOptions {
  /** phones without a country code are read in this country (ISO 3166 code) */
  readonly defaultCountry: string;
}

const TRUE = new Set(['yes', 'y', 'true', '1', 'да', 'д', '+', 'x', 'х', 'истина', 'on']);
const FALSE = new Set(['no', 'n', 'false', '0', 'нет', 'н', '-', 'ложь', 'off']);

/** Answers per enum type for the texts seen so far (a file repeats a handful of them). */
const enumAnswers = new WeakMap<FieldType, Map<string, Converted>>();
const ENUM_ANSWERS = 256;
/** a line break that /\s+$/gm would see */
const LINE_BREAK = /[\n\r\u2028\u2029]/;

export function convert(type: FieldType, raw: string, opts: ConvertOptions): Converted {
  const text = raw.trim();
  if (text === '') return { ok: true, value: null };
  switch (type.kind) {
    case 'text':
      if (type.max && text.length > type.max) return { ok: false, reason: `too long: ${text.length} characters, at most ${type.max}` };
      // trailing spaces of each line go; without line breaks trim() has done that
      return { ok: true, value: LINE_BREAK.test(text) ? text.replace(/\s+$/gm, '') : text };
    case 'enum': {
      let answers = enumAnswers.get(type);
      if (!answers) enumAnswers.set(type, (answers = new Map()));
      let answer = answers.get(text);
      if (answer) return answer;
      const key = fold(text);
      const underscored = key.replace(/[\s-]+/g, '_');
      const value = type.values.find((v) => v === underscored) ?? type.aliases?.[key] ?? type.aliases?.[underscored];
      answer = value ? { ok: true, value } : { ok: false, reason: `must be one of: ${type.values.join(', ')}` };
      if (answers.size < ENUM_ANSWERS) answers.set(text, answer);
      return answer;
    }
    case 'date': {
      const r = parseDate(text);
      return r.ok ? r : { ok: false, reason: r.reason };
    }
    case 'datetime': {
      const r = parseDateTime(text);
      return r.ok ? r : { ok: false, reason: r.reason };
    }
    case 'money': {
      const r = parseMoney(text);
      if (!r.ok) return { ok: false, reason: `${r.reason}: write rubles as 1234.50 or 1 234,50` };
      if (r.minor < 0) return { ok: false, reason: 'must not be negative' };
      return { ok: true, value: r.minor };
    }
    case 'int': {
      if (!/^[+-]?\d+$/.test(text)) return { ok: false, reason: `not a whole number (${type.min}–${type.max})` };
      const n = Number(text);
      if (n < type.min || n > type.max) return { ok: false, reason: `must be between ${type.min} and ${type.max}` };
      return { ok: true, value: n };
    }
    case 'bool': {
      const key = fold(text);
      if (TRUE.has(key)) return { ok: true, value: 1 };
      if (FALSE.has(key)) return { ok: true, value: 0 };
      return { ok: false, reason: 'must be yes or no (да/нет, true/false, 1/0)' };
    }
    case 'phone': {
      const r = normalizePhone(text, opts.defaultCountry);
      return r.ok ? r : { ok: false, reason: r.reason };
    }
    case 'email': {
      const r = normalizeEmail(text);
      return r.ok ? r : { ok: false, reason: r.reason };
    }
    case 'inn': {
      const r = normalizeInn(text);
      return r.ok ? r : { ok: false, reason: r.reason };
    }
    case 'kpp': {
      const r = normalizeKpp(text);
      return r.ok ? r : { ok: false, reason: r.reason };
    }
    case 'website': {
      const r = normalizeWebsite(text);
      return r.ok ? r : { ok: false, reason: r.reason };
    }
    case 'week': {
      const week = /^\d{4}-?[wW]\d{1,2}$/.test(text) ? parseWeek(text, '2000-01-01') : null;
      return week && isValidWeek(week) ? { ok: true, value: week } : { ok: false, reason: 'not an ISO week: write 2026-W48' };
    }
    case 'ref':
      return { ok: true, value: text };
  }
}
