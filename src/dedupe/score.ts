/**
 * Scoring one pair: each field gives evidence for or against (a weight in log-odds, the way
 * Fellegi and Sunter add agreement weights); a field missing on either side says nothing. The
 * sum becomes a score in (0, 1). Every weight is in the tables below, and every pair carries the
 * evidence it was scored on, so a person can see why two records were proposed.
 */
import { compareAddresses } from './address.js';
import { compareCodes, compareDomains, compareEmails, compareInn, comparePhones } from './identifiers.js';
import { compareLegal } from './org-name.js';
import { compareOrgNames, type NameStats } from './org-similarity.js';
import { comparePersonNames } from './person-name.js';
import type { PreparedClient, PreparedContact } from './records.js';

/** The one documented default: pairs scoring at least this are proposed as duplicates. */
export const DEFAULT_THRESHOLD = 0.8;

/** Evidence before any field is compared: duplicates are rare among all pairs. */
const PRIOR = -2;

export type Field =
  | 'name'
  | 'inn'
  | 'phone'
  | 'email'
  | 'domain'
  | 'address'
  | 'city'
  | 'legal_form'
  | 'client'
  | 'position'
  | 'birth_date'
  | 'personal_id';

export interface Evidence {
  readonly field: Field;
  /** what was found: 'same', 'similar', 'different', 'branch'… */
  readonly outcome: string;
  /** log-odds: positive for, negative against */
  readonly weight: number;
  /** 0..1 where a similarity was measured */
  readonly similarity?: number;
}

/** How two records relate beyond their score. */
export type Relation =
  /** possibly the same record */
  | 'duplicate'
  /** the same legal entity (ИНН), but one is a branch of the other: never merged */
  | 'branch'
  /** different legal entities (different ИНН): never merged */
  | 'different_entity';

export interface PairScore {
  /** 0..1 */
  readonly score: number;
  readonly evidence: readonly Evidence[];
  readonly relation: Relation;
}

/** Piecewise-linear: the weight for a similarity, from points (similarity, weight). */
function curve(points: readonly (readonly [number, number])[], x: number): number {
  if (x <= points[0]![0]) return points[0]![1];
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i]!;
    if (x <= x1) {
      const [x0, y0] = points[i - 1]!;
      return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return points[points.length - 1]![1];
}

/** Weights: one table for everything the matcher believes. */
export const WEIGHTS = {
  orgName: [
    [0.5, -5],
    [0.7, -2],
    [0.8, 0],
    [0.9, 3.5],
    [1, 5],
  ] as const,
  personName: [
    [0, -8],
    [0.5, -4],
    [0.7, -1.5],
    [0.8, 0.5],
    [0.9, 2.5],
    [1, 4],
  ] as const,
  address: [
    [0.3, -1],
    [0.6, 0],
    [0.8, 1],
    [1, 2],
  ] as const,
  inn: { same: 7, same_other_kpp: 5, different: -12 },
  /** taken off an exact name match when companies with different ИНН carry that name (plus ln of their number) */
  ambiguousName: 2.5,
  kppSame: 0.5,
  clientPhone: { same: 4, same_line: 4, other_extension: 2, different: -1 },
  contactPhone: { same: 4, same_line: 2.5, other_extension: -1, different: -1 },
  clientEmail: { same: 4, same_mailbox_name: 1, different: 0 },
  contactEmail: { same: 6, same_mailbox_name: 2, different: -1.5 },
  domain: { same: 2.5, same_name: 1.5, different: -2.5 },
  city: { same: 0.5, different: -2.5 },
  legal: { same: 0.3, class: 0, different: -0.7, personVsOrg: -2 },
  client: { same: 1.5, different: -3 },
  position: { same: 0.5 },
  birthDate: { same: 4, one_slip: 1, different: -3 },
  personalId: { same: 6, one_slip: 2, different: -4 },
} as const;

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const logistic = (x: number) => 1 / (1 + Math.exp(-x));

function finish(evidence: Evidence[], relation: Relation): PairScore {
  const total = PRIOR + evidence.reduce((s, e) => s + e.weight, 0);
  return { score: round(logistic(total), 4), evidence, relation };
}

/** The best name agreement between two clients, any of whose names (aliases too) may match. */
function nameEvidence(a: PreparedClient, b: PreparedClient, stats: NameStats): Evidence {
  if (a.person && b.person) {
    const c = comparePersonNames(a.person, b.person);
    return { field: 'name', outcome: c.similarity >= 0.999 ? 'same' : 'similar', similarity: round(c.similarity), weight: round(curve(WEIGHTS.personName, c.similarity), 2) };
  }
  let best = { similarity: 0, how: 'different' as string };
  for (const x of a.names) {
    for (const y of b.names) {
      const c = compareOrgNames(x, y, stats);
      if (c.similarity > best.similarity) best = c;
      if (best.similarity === 1) break;
    }
  }
  const outcome = best.similarity >= 0.999 ? 'same' : best.how === 'different' ? 'different' : best.how;
  return { field: 'name', outcome, similarity: round(best.similarity), weight: round(curve(WEIGHTS.orgName, best.similarity), 2) };
}

/** Upper bound of a client pair's score from what is cheap to check: a different ИНН rules a pair out. */
export function clientsCannotMatch(a: PreparedClient, b: PreparedClient): boolean {
  return a.inn !== null && b.inn !== null && a.inn !== b.inn;
}

/** The sum of weights a pair needs to reach `score` (the inverse of the logistic). */
export function weightFor(score: number): number {
  if (score <= 0) return -Infinity;
  if (score >= 1) return Infinity;
  return Math.log(score / (1 - score)) - PRIOR;
}

const MAX_ORG_NAME = WEIGHTS.orgName[WEIGHTS.orgName.length - 1]![1];
const MAX_PERSON_NAME = WEIGHTS.personName[WEIGHTS.personName.length - 1]![1];
const MAX_ADDRESS = WEIGHTS.address[WEIGHTS.address.length - 1]![1];

/**
 * Scores two clients. With `floor`, a pair that cannot reach that score whatever its name and
 * address say is dropped early (null): the cheap fields are compared first, the name last.
 */
export function scoreClients(a: PreparedClient, b: PreparedClient, stats: NameStats, floor?: number): PairScore | null {
  const inn = compareInn(a, b);
  const parentLink = (a.record.parentId ?? null) === b.record.id || (b.record.parentId ?? null) === a.record.id;
  let relation: Relation = 'duplicate';
  let innEvidence: Evidence | null = null;
  if (inn === 'different') {
    innEvidence = { field: 'inn', outcome: 'different', weight: WEIGHTS.inn.different };
    relation = 'different_entity';
  } else if (inn !== null) {
    if (inn === 'branch' || parentLink || a.isBranch !== b.isBranch) {
      innEvidence = { field: 'inn', outcome: 'branch', weight: 0 };
      relation = 'branch';
    } else if (inn === 'same_other_kpp') innEvidence = { field: 'inn', outcome: 'same, other KPP', weight: WEIGHTS.inn.same_other_kpp };
    else innEvidence = { field: 'inn', outcome: 'same', weight: WEIGHTS.inn.same + (a.kpp && a.kpp === b.kpp ? WEIGHTS.kppSame : 0) };
  } else if (parentLink) {
    innEvidence = { field: 'inn', outcome: 'branch', weight: 0 };
    relation = 'branch';
  }
  const phone = comparePhones(a.phones, b.phones);
  const email = compareEmails(a.emails, b.emails);
  const shownEmail = email && email !== 'different' ? email : null;
  // a shared mailbox already says the domain is shared
  const domain = email !== 'same' ? compareDomains(a.domains, b.domains) : null;
  const city = a.city && b.city ? (a.city === b.city ? 'same' : 'different') : null;
  const na = a.names[0]!;
  const nb = b.names[0]!;
  const legal = compareLegal(na, nb);
  const legalWeight =
    legal === 'unknown' ? 0 : legal === 'different' && (na.legalClass === 'sole') !== (nb.legalClass === 'sole') ? WEIGHTS.legal.personVsOrg : WEIGHTS.legal[legal];
  const cheap =
    (innEvidence?.weight ?? 0) +
    (phone ? WEIGHTS.clientPhone[phone] : 0) +
    (shownEmail ? WEIGHTS.clientEmail[shownEmail] : 0) +
    (domain ? WEIGHTS.domain[domain] : 0) +
    (city ? WEIGHTS.city[city] : 0) +
    legalWeight;
  const need = floor === undefined ? -Infinity : weightFor(floor);
  const hasAddress = a.address !== null && b.address !== null;
  const maxName = a.person && b.person ? MAX_PERSON_NAME : MAX_ORG_NAME;
  if (cheap + maxName + (hasAddress ? MAX_ADDRESS : 0) < need) return null;
  let addressEvidence: Evidence | null = null;
  if (hasAddress) {
    const s = compareAddresses(a.address!, b.address!);
    addressEvidence = { field: 'address', outcome: s >= 0.999 ? 'same' : s >= 0.6 ? 'similar' : 'different', similarity: round(s), weight: round(curve(WEIGHTS.address, s), 2) };
    if (cheap + addressEvidence.weight + maxName < need) return null;
  }
  let name = nameEvidence(a, b, stats);
  // a name several companies carry (different ИНН) says less, unless the ИНН confirms the pair:
  // the whole name for an exact match, the words of the shorter name for a partial one
  if (!a.person && name.weight > 0 && inn !== 'same' && inn !== 'same_other_kpp') {
    const exact = name.outcome === 'same';
    const shorter = a.names[0]!.skeletons.length <= b.names[0]!.skeletons.length ? a.names[0]! : b.names[0]!;
    const owners = exact ? stats.entitiesNamed(a.names[0]!.key) : stats.entitiesSharing(shorter);
    if (owners >= 2) {
      const outcome = exact ? `same, but ${owners} companies have this name` : `${name.outcome}, but ${owners} companies have such names`;
      name = { ...name, outcome, weight: round(name.weight - WEIGHTS.ambiguousName - Math.log(owners), 2) };
    }
  }
  const ev: Evidence[] = [name];
  if (innEvidence) ev.push(innEvidence);
  if (phone) ev.push({ field: 'phone', outcome: phone, weight: WEIGHTS.clientPhone[phone] });
  if (shownEmail) ev.push({ field: 'email', outcome: shownEmail, weight: WEIGHTS.clientEmail[shownEmail] });
  if (domain) ev.push({ field: 'domain', outcome: domain, weight: WEIGHTS.domain[domain] });
  if (addressEvidence) ev.push(addressEvidence);
  if (city) ev.push({ field: 'city', outcome: city, weight: WEIGHTS.city[city] });
  if (legal !== 'unknown') ev.push({ field: 'legal_form', outcome: legal === 'class' ? 'same kind' : legal, weight: legalWeight });
  return finish(ev, relation);
}

/** Scores two contacts; with `floor`, drops early (null) a pair that cannot reach it. */
export function scoreContacts(a: PreparedContact, b: PreparedContact, floor?: number): PairScore | null {
  // the cheap fields first, as plain numbers: most pairs stop here, before anything is allocated
  const email = compareEmails(a.emails, b.emails);
  const phone = comparePhones(a.phones, b.phones);
  const ca = a.record.clientId ?? null;
  const cb = b.record.clientId ?? null;
  const client = ca !== null && cb !== null ? (ca === cb ? 'same' : 'different') : null;
  const position = a.position !== null && a.position === b.position;
  const bd = a.birthDate && b.birthDate ? compareCodes([a.birthDate], [b.birthDate]) : null;
  const pid = compareCodes(a.personalIds, b.personalIds);
  const cheap =
    (email ? WEIGHTS.contactEmail[email] : 0) +
    (phone ? WEIGHTS.contactPhone[phone] : 0) +
    (client ? WEIGHTS.client[client] : 0) +
    (position ? WEIGHTS.position.same : 0) +
    (bd ? WEIGHTS.birthDate[bd] : 0) +
    (pid ? WEIGHTS.personalId[pid] : 0);
  const need = floor === undefined ? -Infinity : weightFor(floor);
  const hasAddress = a.address !== null && b.address !== null;
  if (cheap + MAX_PERSON_NAME + (hasAddress ? MAX_ADDRESS : 0) < need) return null;
  const n = comparePersonNames(a.name, b.name);
  const nameWeight = round(curve(WEIGHTS.personName, n.similarity), 2);
  if (cheap + nameWeight + (hasAddress ? MAX_ADDRESS : 0) < need) return null;
  const ev: Evidence[] = [{ field: 'name', outcome: n.similarity >= 0.999 ? 'same' : n.similarity >= 0.7 ? 'similar' : 'different', similarity: round(n.similarity), weight: nameWeight }];
  if (email) ev.push({ field: 'email', outcome: email, weight: WEIGHTS.contactEmail[email] });
  if (phone) ev.push({ field: 'phone', outcome: phone, weight: WEIGHTS.contactPhone[phone] });
  if (client) ev.push({ field: 'client', outcome: client, weight: WEIGHTS.client[client] });
  if (position) ev.push({ field: 'position', outcome: 'same', weight: WEIGHTS.position.same });
  if (hasAddress) {
    const s = compareAddresses(a.address!, b.address!);
    ev.push({ field: 'address', outcome: s >= 0.999 ? 'same' : s >= 0.6 ? 'similar' : 'different', similarity: round(s), weight: round(curve(WEIGHTS.address, s), 2) });
  }
  if (bd) ev.push({ field: 'birth_date', outcome: bd, weight: WEIGHTS.birthDate[bd] });
  if (pid) ev.push({ field: 'personal_id', outcome: pid, weight: WEIGHTS.personalId[pid] });
  return finish(ev, 'duplicate');
}

const LABEL: Record<Field, string> = {
  name: 'name',
  inn: 'INN',
  phone: 'phone',
  email: 'e-mail',
  domain: 'domain',
  address: 'address',
  city: 'city',
  legal_form: 'legal form',
  client: 'client',
  position: 'position',
  birth_date: 'birth date',
  personal_id: 'id',
};

/**
 * The evidence in one line, strongest first.
 * @example 'INN same +7.5; name same words 1.00 +5; phone same +4; city different −2.5'
 */
export function explain(evidence: readonly Evidence[]): string {
  return [...evidence]
    .sort((x, y) => Math.abs(y.weight) - Math.abs(x.weight))
    .map((e) => {
      const sim = e.similarity !== undefined && e.outcome !== 'same' ? ` ${e.similarity.toFixed(2)}` : '';
      const w = e.weight === 0 ? '' : ` ${e.weight > 0 ? '+' : '−'}${Math.abs(e.weight)}`;
      return `${LABEL[e.field]} ${e.outcome.replaceAll('_', ' ')}${sim}${w}`;
    })
    .join('; ');
}
