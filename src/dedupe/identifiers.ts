/**
 * Phones, e-mail addresses, web domains and other identifiers, compared the way people reuse
 * them: one office line with different extensions, one corporate domain for many mailboxes,
 * public mail services whose domain says nothing.
 */
import { osaDistance } from './text.js';

/** Mail services anyone can sign up to: a shared domain there is no evidence. */
const PUBLIC_MAIL = new Set([
  'mail.ru', 'bk.ru', 'inbox.ru', 'list.ru', 'internet.ru', 'yandex.ru', 'ya.ru', 'yandex.com', 'yandex.by', 'yandex.kz',
  'yandex.ua', 'narod.ru', 'rambler.ru', 'lenta.ru', 'ro.ru', 'autorambler.ru', 'myrambler.ru', 'qip.ru', 'pochta.ru',
  'ngs.ru', 'e1.ru', 'km.ru', 'hotbox.ru', 'mail.ua', 'ukr.net', 'tut.by', 'gmail.com', 'googlemail.com', 'hotmail.com',
  'outlook.com', 'live.com', 'msn.com', 'yahoo.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com', 'protonmail.com',
  'proton.me', 'gmx.de', 'gmx.net', 'web.de', 'zoho.com', 'yandex.com.tr',
]);

export function isPublicMailDomain(domain: string): boolean {
  return PUBLIC_MAIL.has(domain);
}

/** '+74951234567;ext=12' → { base: '+74951234567', ext: '12' } (phones are stored in E.164 by the import). */
export function splitPhone(phone: string): SplitPhone {
  const m = /^(.*?)(?:;ext=(\d+))?$/.exec(phone.trim())!;
  const digits = m[1]!.replace(/[^\d+]/g, '');
  return { base: digits, ext: m[2] ?? null };
}

export type PhoneMatch = 'same' | 'same_line' | 'other_extension' | 'different';

export interface SplitPhone {
  readonly base: string;
  readonly ext: string | null;
}

const PHONE_RANK = { same: 3, same_line: 2, other_extension: 1, different: 0 } as const;

/** The best agreement between two sets of phones (split with splitPhone). */
export function comparePhones(a: readonly SplitPhone[], b: readonly SplitPhone[]): PhoneMatch | null {
  if (a.length === 0 || b.length === 0) return null;
  let best: PhoneMatch = 'different';
  for (const px of a) {
    for (const py of b) {
      if (px.base !== py.base) continue;
      const m: PhoneMatch = px.ext === py.ext ? 'same' : px.ext === null || py.ext === null ? 'same_line' : 'other_extension';
      if (PHONE_RANK[m] > PHONE_RANK[best]) best = m;
    }
  }
  return best;
}

/** The host of a web address or the domain of an e-mail address, without "www.". */
export function domainOf(value: string): string | null {
  const v = value.trim().toLowerCase();
  const at = v.lastIndexOf('@');
  const host = (at >= 0 ? v.slice(at + 1) : v.replace(/^[a-z]+:\/\//, '').split(/[/?#:]/)[0]!).replace(/^www\./, '');
  return /\./.test(host) ? host : null;
}

/** A domain without its top-level part ('romashka.ru' → 'romashka', 'x.co.uk' → 'x'). */
export function domainStem(domain: string): string {
  const parts = domain.split('.');
  if (parts.length >= 3 && ['co', 'com', 'org', 'net', 'ac', 'gov', 'msk', 'spb'].includes(parts[parts.length - 2]!)) return parts.slice(0, -2).join('.');
  return parts.slice(0, -1).join('.');
}

export type EmailMatch = 'same' | 'same_mailbox_name' | 'different';

export interface Email {
  readonly address: string;
  /** the part before the @ */
  readonly local: string;
}

export function toEmail(address: string): Email {
  return { address, local: address.slice(0, address.lastIndexOf('@')) };
}

export function compareEmails(a: readonly Email[], b: readonly Email[]): EmailMatch | null {
  if (a.length === 0 || b.length === 0) return null;
  let best: EmailMatch = 'different';
  for (const x of a) {
    for (const y of b) {
      if (x.address === y.address) return 'same';
      // the same personal mailbox name at two providers (ivan.petrov@mail.ru, ivan.petrov@gmail.com)
      if (x.local === y.local && x.local.length >= 6 && /[._-]|\d/.test(x.local)) best = 'same_mailbox_name';
    }
  }
  return best;
}

export type DomainMatch = 'same' | 'same_name' | 'different';

export interface Domain {
  readonly domain: string;
  /** the domain without its top-level part */
  readonly stem: string;
}

export function toDomain(domain: string): Domain {
  return { domain, stem: domainStem(domain) };
}

/** Corporate domains (from e-mails and web sites): the same, the same name under another TLD, or different. */
export function compareDomains(a: readonly Domain[], b: readonly Domain[]): DomainMatch | null {
  if (a.length === 0 || b.length === 0) return null;
  let best: DomainMatch = 'different';
  for (const x of a) {
    for (const y of b) {
      if (x.domain === y.domain) return 'same';
      if (x.stem === y.stem && x.stem.length >= 3) best = 'same_name';
    }
  }
  return best;
}

export type CodeMatch = 'same' | 'one_slip' | 'different';

/** Identifiers typed by people (an id number, a date): equal, one slip apart (a digit or a swap), or different. */
export function compareCodes(a: readonly string[], b: readonly string[]): CodeMatch | null {
  if (a.length === 0 || b.length === 0) return null;
  let best: CodeMatch = 'different';
  for (const x of a) {
    for (const y of b) {
      if (x === y) return 'same';
      if (x.length >= 4 && Math.abs(x.length - y.length) <= 1 && osaDistance(x, y) <= 1) best = 'one_slip';
    }
  }
  return best;
}

/**
 * How two Russian taxpayer registrations relate. The same ИНН is the same legal entity; a
 * different КПП with a branch reason code (positions 5-6: 43 branch, 44 representative office,
 * 45 separate unit) is a branch of it, not a duplicate.
 */
export type InnMatch = 'same' | 'same_other_kpp' | 'branch' | 'different';

export function isBranchKpp(kpp: string | null | undefined): boolean {
  if (!kpp || kpp.length !== 9) return false;
  const reason = kpp.slice(4, 6);
  return reason === '43' || reason === '44' || reason === '45';
}

export function compareInn(a: { inn: string | null; kpp: string | null }, b: { inn: string | null; kpp: string | null }): InnMatch | null {
  if (!a.inn || !b.inn) return null;
  if (a.inn !== b.inn) return 'different';
  if (!a.kpp || !b.kpp || a.kpp === b.kpp) return 'same';
  if (isBranchKpp(a.kpp) || isBranchKpp(b.kpp)) return 'branch';
  // both registered at their own address, at two tax offices: the company moved
  return 'same_other_kpp';
}
