/**
 * What the matcher needs of a client or a contact, and the features it derives from them once
 * (parsed names, phone numbers, domains, addresses), before any pair is compared.
 */
import { fold, normalizeEmail } from '../util/normalize.js';
import { parseAddress, type Address } from './address.js';
import { domainOf, isBranchKpp, isPublicMailDomain, splitPhone, toDomain, toEmail, type Domain, type Email, type SplitPhone } from './identifiers.js';
import { parseOrgName, type OrgName } from './org-name.js';
import { parsePersonName, type PersonName } from './person-name.js';

export interface ClientRecord {
  readonly id: number;
  readonly name: string;
  /** other names it is known by (aliases kept by earlier merges) */
  readonly otherNames?: readonly string[];
  readonly legalForm?: string | null;
  readonly inn?: string | null;
  readonly kpp?: string | null;
  readonly parentId?: number | null;
  readonly phones?: readonly string[];
  readonly emails?: readonly string[];
  readonly websites?: readonly string[];
  readonly address?: string | null;
  readonly city?: string | null;
}

export interface ContactRecord {
  readonly id: number;
  readonly name: string;
  readonly clientId?: number | null;
  readonly phones?: readonly string[];
  readonly emails?: readonly string[];
  readonly address?: string | null;
  readonly position?: string | null;
  /** not in the contacts table (yet); the benchmark on person records uses it */
  readonly birthDate?: string | null;
  /** personal identifiers (a passport or social-security number); the benchmark uses it */
  readonly personalIds?: readonly string[];
}

export interface PreparedClient {
  readonly kind: 'client';
  readonly record: ClientRecord;
  readonly names: readonly OrgName[];
  /** an individual entrepreneur's name, parsed as a person's */
  readonly person: PersonName | null;
  readonly inn: string | null;
  readonly kpp: string | null;
  readonly phones: readonly SplitPhone[];
  readonly emails: readonly Email[];
  readonly domains: readonly Domain[];
  readonly address: Address | null;
  readonly city: string | null;
  readonly isBranch: boolean;
  /** records with different entity keys are different legal entities (or units) and never one group */
  readonly entityKey: string | null;
}

export interface PreparedContact {
  readonly kind: 'contact';
  readonly record: ContactRecord;
  readonly name: PersonName;
  readonly phones: readonly SplitPhone[];
  readonly emails: readonly Email[];
  readonly address: Address | null;
  readonly position: string | null;
  readonly birthDate: string | null;
  readonly personalIds: readonly string[];
}

const present = (v: string | null | undefined): v is string => v !== null && v !== undefined && v.trim() !== '';

function emailsOf(values: readonly string[] | undefined): Email[] {
  const out = new Set<string>();
  for (const v of values ?? []) {
    if (!present(v)) continue;
    const n = normalizeEmail(v);
    out.add(n.ok ? n.value : v.trim().toLowerCase());
  }
  return [...out].map(toEmail);
}

function phonesOf(values: readonly string[] | undefined): SplitPhone[] {
  return [...new Set((values ?? []).filter(present).map((p) => p.trim()))].map(splitPhone).filter((p) => p.base.length > 0);
}

export function prepareClient(r: ClientRecord): PreparedClient {
  const names = [r.name, ...(r.otherNames ?? [])].filter(present).map((n, i) => parseOrgName(n, i === 0 ? r.legalForm : null));
  const main = names[0] ?? parseOrgName(r.name, r.legalForm);
  const emails = emailsOf(r.emails);
  const domains = new Set<string>();
  for (const e of emails) {
    const d = domainOf(e.address);
    if (d && !isPublicMailDomain(d)) domains.add(d);
  }
  for (const w of r.websites ?? []) {
    const d = present(w) ? domainOf(w) : null;
    if (d) domains.add(d);
  }
  const inn = present(r.inn) ? r.inn.trim() : null;
  const kpp = present(r.kpp) ? r.kpp.trim().toUpperCase() : null;
  const isBranch = main.isBranch || isBranchKpp(kpp);
  const entityKey = inn === null ? null : isBranchKpp(kpp) ? `${inn}/${kpp}` : main.isBranch ? `${inn}/~${main.key}` : inn;
  return {
    kind: 'client',
    record: r,
    names: names.length ? names : [main],
    person: main.isPerson ? parsePersonName(main.words.join(' ')) : null,
    inn,
    kpp,
    phones: phonesOf(r.phones),
    emails,
    domains: [...domains].map(toDomain),
    address: present(r.address) ? parseAddress(r.address) : null,
    city: present(r.city) ? fold(r.city).replace(/^(г|город)\.?\s+/, '') : null,
    isBranch,
    entityKey,
  };
}

export function prepareContact(r: ContactRecord): PreparedContact {
  return {
    kind: 'contact',
    record: r,
    name: parsePersonName(r.name),
    phones: phonesOf(r.phones),
    emails: emailsOf(r.emails),
    address: present(r.address) ? parseAddress(r.address) : null,
    position: present(r.position) ? fold(r.position) : null,
    birthDate: present(r.birthDate) ? r.birthDate.replace(/\D/g, '') : null,
    personalIds: (r.personalIds ?? []).filter(present).map((x) => x.replace(/[\s-]/g, '')),
  };
}
