/**
 * Normalising what people type: names for matching, phones to E.164, e-mails, INN and KPP.
 * Pure functions; the import validates with them and the search and dedupe match with them.
 */
import { createRequire } from 'node:module';
import type { CountryCode, parsePhoneNumberFromString as ParsePhone } from 'libphonenumber-js';

// libphonenumber-js carries its metadata: load it when the first phone is read, not at start-up
let parsePhone: typeof ParsePhone | undefined;
function phoneParser(): typeof ParsePhone {
  parsePhone ??= (createRequire(import.meta.url)('libphonenumber-js') as { parsePhoneNumberFromString: typeof ParsePhone }).parsePhoneNumberFromString;
  return parsePhone;
}

/**
 * The form two names are compared in: trimmed, inner spaces collapsed, lower case (Cyrillic too),
 * ё as е, typographic quotes and dashes unified.
 * @example fold('  ООО  «Ёлка» ') // 'ооо "елка"'
 */
export function fold(text: string): string {
  return text
    .normalize('NFC')
    .trim()
    .replace(/\s+/g, ' ')
    .toLowerCase()
    .replaceAll('ё', 'е')
    .replace(/[«»„“”]/g, '"')
    .replace(/[‘’]/g, "'")
    .replace(/[‐‑‒–—]/g, '-');
}

export type Normalized = { ok: true; value: string } | { ok: false; reason: string };

/** A phone in E.164 (+74951234567), with an extension as ";ext=123". */
export function normalizePhone(text: string, defaultCountry: string = 'RU'): Normalized {
  const trimmed = text.trim();
  if (!/\d/.test(trimmed)) return { ok: false, reason: 'no digits in the phone number' };
  const cleaned = trimmed.replace(/\s*(доб\.?|добавочный|вн\.?|ext\.?|x)\s*(\d+)\s*$/i, ' ext. $2');
  const parsed = phoneParser()(cleaned, defaultCountry.toUpperCase() as CountryCode);
  if (!parsed || !parsed.isValid()) {
    const digits = trimmed.replace(/\D/g, '');
    const reason =
      digits.length < 10
        ? `too few digits (${digits.length}) for a full number: give the area code too, e.g. +7 495 123-45-67`
        : `not a valid phone number for ${parsed?.country ?? defaultCountry}`;
    return { ok: false, reason };
  }
  return { ok: true, value: parsed.ext ? `${parsed.number};ext=${parsed.ext}` : parsed.number };
}

const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[^\s@"(),:;<>[\\\]]+\.[^\s@"(),:;<>[\\\]]{2,}$/u;

/** An e-mail address, lower-cased and checked for the usual typing slips. */
export function normalizeEmail(text: string): Normalized {
  const value = text.trim().replace(/^mailto:/i, '').toLowerCase();
  if (!EMAIL.test(value)) return { ok: false, reason: 'not an e-mail address (expected name@domain.tld)' };
  if (value.includes('..')) return { ok: false, reason: 'two dots in a row' };
  return { ok: true, value };
}

const INN10 = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

function checkDigit(digits: number[], weights: number[]): number {
  return (weights.reduce((s, w, i) => s + w * digits[i]!, 0) % 11) % 10;
}

/** A Russian taxpayer number (ИНН): 10 digits for an organisation, 12 for a person, checksum verified. */
export function normalizeInn(text: string): Normalized {
  const value = text.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(value)) return { ok: false, reason: 'an INN has only digits' };
  if (value.length !== 10 && value.length !== 12) {
    return { ok: false, reason: `an INN has 10 digits (organisation) or 12 (individual), not ${value.length}` };
  }
  const d = [...value].map(Number);
  const valid =
    value.length === 10
      ? checkDigit(d, INN10) === d[9]
      : checkDigit(d, INN11) === d[10] && checkDigit(d, INN12) === d[11];
  if (!valid) return { ok: false, reason: 'the INN checksum does not match: a digit is wrong or two are swapped' };
  return { ok: true, value };
}

/** КПП: 9 characters, digits (positions 5-6 may be letters). */
export function normalizeKpp(text: string): Normalized {
  const value = text.replace(/\s/g, '').toUpperCase();
  if (!/^\d{4}[\dA-Z]{2}\d{3}$/.test(value)) return { ok: false, reason: 'a KPP has 9 characters, e.g. 770701001' };
  return { ok: true, value };
}

/** A web address without scheme, "www." or trailing slash, lower case: the form to compare domains in. */
export function normalizeWebsite(text: string): Normalized {
  const value = text.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/\/+$/, '');
  if (!/^[\p{L}\d-]+(\.[\p{L}\d-]+)+(\/\S*)?$/u.test(value)) return { ok: false, reason: 'not a web address (expected e.g. example.ru)' };
  return { ok: true, value };
}
