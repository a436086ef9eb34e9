/**
 * `crm find`: what kind of text was typed, and how well a row matches it. Pure.
 */
import { fold, normalizeInn, normalizePhone } from '../util/normalize.js';

export interface SearchTerms {
  /** the text folded: lower case, ё as е, single spaces */
  readonly text: string;
  /** the digits typed, when the text looks like a phone number or an INN */
  readonly digits: string | null;
  /** the number in E.164 when it is a full phone number */
  readonly phone: string | null;
  readonly inn: string | null;
  readonly email: string | null;
}

export function searchTerms(input: string): SearchTerms {
  const looksNumeric = /^[\d\s()+\-.]+$/.test(input.trim());
  const digits = looksNumeric ? input.replace(/\D/g, '') : null;
  let phone: string | null = null;
  if (digits && digits.length >= 10) {
    const p = normalizePhone(input);
    if (p.ok) phone = p.value.replace(/;ext=.*/, '');
  }
  const inn = digits && (digits.length === 10 || digits.length === 12) && normalizeInn(digits).ok ? digits : null;
  const email = input.includes('@') ? input.trim().toLowerCase() : null;
  return { text: looksNumeric ? '' : fold(input), digits: digits && digits.length >= 4 ? digits : null, phone, inn, email };
}

export interface Candidate {
  readonly name: string;
  readonly city: string | null;
  readonly phone: string | null;
  readonly email: string | null;
  readonly inn: string | null;
}

export interface Match {
  readonly score: number;
  readonly matched: string;
}

/** How well a candidate matches, 0–100, and on which field; null when it does not. */
export function rank(t: SearchTerms, c: Candidate): Match | null {
  const found: Match[] = [];
  if (t.inn && c.inn === t.inn) found.push({ score: 100, matched: 'inn' });
  const phone = c.phone?.replace(/;ext=.*/, '') ?? null;
  if (t.phone && phone === t.phone) found.push({ score: 98, matched: 'phone' });
  if (t.email && c.email === t.email) found.push({ score: 97, matched: 'email' });
  if (t.digits) {
    const own = phone?.replace(/\D/g, '') ?? '';
    // a local number typed without the area code matches the end of the full one
    if (own.endsWith(t.digits)) found.push({ score: t.digits.length >= 7 ? 85 : 60, matched: 'phone' });
    else if (own.includes(t.digits)) found.push({ score: 45, matched: 'phone' });
    if (c.inn && c.inn.startsWith(t.digits)) found.push({ score: 70, matched: 'inn' });
  }
  if (t.text) {
    const name = fold(c.name);
    const at = name.indexOf(t.text);
    if (name === t.text) found.push({ score: 95, matched: 'name' });
    else if (at === 0) found.push({ score: 90, matched: 'name' });
    else if (at > 0) {
      // the start of a word ("ромашка" in ООО «Ромашка») beats the middle of one
      found.push({ score: /[\p{L}\p{N}]/u.test(name[at - 1]!) ? 60 : 80, matched: 'name' });
    }
    else if (t.text.includes(' ') && t.text.split(' ').every((w) => name.includes(w))) found.push({ score: 70, matched: 'name' });
    if (c.email && c.email.includes(t.text)) found.push({ score: 65, matched: 'email' });
    const city = c.city ? fold(c.city) : '';
    if (city && city === t.text) found.push({ score: 50, matched: 'city' });
    else if (city.includes(t.text)) found.push({ score: 40, matched: 'city' });
  }
  if (found.length === 0) return null;
  return found.reduce((a, b) => (b.score > a.score ? b : a));
}
