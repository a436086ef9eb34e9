/**
 * Who should be a key account (DESIGN §2, seed 001): high purchase potential, complex buying
 * behaviour, and a wish for a long-term partnership. `qualify` is the one definition, used by
 * condition 6 of the key-account scoring too; `keyCandidatesModel` is `crm report key-candidates`:
 * clients that qualify but are not key accounts, and key accounts that do not qualify.
 * Pure: facts in, model out.
 */
import type { QualifySettings } from '../config/kam.js';
import type { Row, TableModel } from '../render/model.js';
import { formatMoneyGrouped } from '../util/money.js';

export interface QualificationFacts {
  /** expected purchases a year, kopecks; null when unknown */
  readonly potentialMinor: number | null;
  readonly partnership: string | null;
  /** active contacts (of the client and its branches) whose buying role is decision_maker */
  readonly decisionMakers: number;
  /** active contacts with any buying role */
  readonly buyingCentre: number;
  /** the distinct regions of the client and its branches */
  readonly regions: readonly string[];
  /** the contract, shown beside the partnership stance */
  readonly contractNo?: string | null;
  readonly contractUntil?: string | null;
}

export interface CriterionResult {
  readonly met: boolean;
  /** what the base holds */
  readonly evidence: string;
  /** the rule, with the settings it used */
  readonly threshold: string;
  /** why it fails, in a few words (null when met) */
  readonly failure: string | null;
}

export interface Qualification {
  readonly potential: CriterionResult;
  readonly complex: CriterionResult;
  readonly partnership: CriterionResult;
  readonly qualifies: boolean;
}

/** Russian collation: one collator for every sort (localeCompare with a locale builds one per call). */
export const collate = new Intl.Collator('ru').compare;

/** 12 500 000 RUB (kopecks shown only when there are any) */
export function rub(minor: number): string {
  return `${formatMoneyGrouped(minor).replace(/\.00$/, '')} RUB`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function qualify(f: QualificationFacts, q: QualifySettings, asOf?: string): Qualification {
  const potentialMet = f.potentialMinor !== null && f.potentialMinor >= q.minPotentialMinor;
  const potential: CriterionResult = {
    met: potentialMet,
    evidence: f.potentialMinor === null ? 'purchase potential not recorded' : `purchase potential ${rub(f.potentialMinor)} a year`,
    threshold: `≥ ${rub(q.minPotentialMinor)} (kam.qualify.min_potential)`,
    failure: potentialMet ? null : f.potentialMinor === null ? 'no purchase potential recorded' : `potential ${rub(f.potentialMinor)} < ${rub(q.minPotentialMinor)}`,
  };

  const byDms = f.decisionMakers >= q.minDecisionMakers;
  const byCentre = f.buyingCentre >= q.minBuyingCentre;
  const byRegions = f.regions.length >= q.minRegions;
  const complexMet = byDms || byCentre || byRegions;
  const regionText = f.regions.length ? `${plural(f.regions.length, 'region', 'regions')} (${f.regions.join(', ')})` : 'no region recorded';
  const complex: CriterionResult = {
    met: complexMet,
    evidence: `${plural(f.decisionMakers, 'decision maker', 'decision makers')}, buying centre of ${f.buyingCentre}, ${regionText}`,
    threshold: `≥ ${q.minDecisionMakers} decision makers, or a buying centre ≥ ${q.minBuyingCentre}, or ≥ ${q.minRegions} regions (kam.qualify.min_decision_makers, min_buying_centre, min_regions)`,
    failure: complexMet
      ? null
      : `simple buying: ${plural(f.decisionMakers, 'decision maker', 'decision makers')}, buying centre of ${f.buyingCentre}, ${plural(f.regions.length, 'region', 'regions')}`,
  };

  const partnershipMet = f.partnership !== null && q.partnership.includes(f.partnership);
  let contract = '';
  if (f.contractNo || f.contractUntil) {
    const parts = ['contract'];
    if (f.contractNo) parts.push(f.contractNo);
    if (f.contractUntil) parts.push(`${asOf && f.contractUntil < asOf ? 'ended' : 'until'} ${f.contractUntil}`);
    contract = `; ${parts.join(' ')}`;
  }
  const partnership: CriterionResult = {
    met: partnershipMet,
    evidence: `partnership: ${f.partnership ?? 'not recorded'}${contract}`,
    threshold: `one of ${q.partnership.join(', ')} (kam.qualify.partnership)`,
    failure: partnershipMet ? null : `partnership ${f.partnership ?? 'not recorded'}`,
  };

  return { potential, complex, partnership, qualifies: potentialMet && complexMet && partnershipMet };
}

export interface CandidateFacts extends QualificationFacts {
  readonly id: number;
  readonly externalId: string | null;
  readonly name: string;
  readonly status: string;
  readonly clientType: string;
  readonly isKeyAccount: boolean;
  readonly managerName: string | null;
}

export interface CandidateRow {
  readonly facts: CandidateFacts;
  readonly verdict: 'candidate' | 'not_qualified';
  readonly qualification: Qualification;
}

/**
 * The rows of the report: non-key clients that meet every criterion ("candidate"), then key
 * accounts that miss at least one ("not_qualified"); each group by potential, largest first.
 */
export function keyCandidates(facts: readonly CandidateFacts[], q: QualifySettings, asOf?: string): CandidateRow[] {
  const rows: CandidateRow[] = [];
  for (const f of facts) {
    const qualification = qualify(f, q, asOf);
    if (!f.isKeyAccount && qualification.qualifies) rows.push({ facts: f, verdict: 'candidate', qualification });
    if (f.isKeyAccount && !qualification.qualifies) rows.push({ facts: f, verdict: 'not_qualified', qualification });
  }
  const order = (r: CandidateRow) => (r.verdict === 'candidate' ? 0 : 1);
  return rows.sort(
    (a, b) => order(a) - order(b) || (b.facts.potentialMinor ?? -1) - (a.facts.potentialMinor ?? -1) || collate(a.facts.name, b.facts.name) || a.facts.id - b.facts.id,
  );
}

const CRITERIA = ['potential', 'complex', 'partnership'] as const;
const CRITERION_LABEL: Record<(typeof CRITERIA)[number], string> = { potential: 'purchase potential', complex: 'complex buying', partnership: 'long-term partnership' };

export function keyCandidatesModel(rows: readonly CandidateRow[], q: QualifySettings, opts: { compact?: boolean } = {}): TableModel {
  const out: Row[] = rows.map((r) => {
    const { facts: f, qualification: x } = r;
    return {
      verdict: r.verdict,
      client_id: f.id,
      external_id: f.externalId,
      client: f.name,
      status: f.status,
      client_type: f.clientType,
      manager: f.managerName,
      potential: f.potentialMinor,
      partnership: f.partnership,
      decision_makers: f.decisionMakers,
      buying_centre: f.buyingCentre,
      regions: f.regions.length,
      meets_potential: x.potential.met,
      meets_complex_buying: x.complex.met,
      meets_partnership: x.partnership.met,
      meets: CRITERIA.filter((c) => x[c].met).map((c) => CRITERION_LABEL[c]).join(', ') || null,
      fails: CRITERIA.map((c) => x[c].failure).filter((s) => s !== null).join('; ') || null,
    };
  });
  const all = [
    { key: 'verdict', header: 'Verdict' },
    { key: 'client_id', header: 'Id', type: 'int' as const },
    { key: 'external_id', header: 'Ext. id' },
    { key: 'client', header: 'Client' },
    { key: 'status', header: 'Status' },
    { key: 'client_type', header: 'Type' },
    { key: 'manager', header: 'Manager' },
    { key: 'potential', header: 'Potential', type: 'money' as const },
    { key: 'partnership', header: 'Partnership' },
    { key: 'decision_makers', header: 'DMs', type: 'int' as const },
    { key: 'buying_centre', header: 'Buying centre', type: 'int' as const },
    { key: 'regions', header: 'Regions', type: 'int' as const },
    { key: 'meets_potential', header: 'Potential ok', type: 'bool' as const },
    { key: 'meets_complex_buying', header: 'Complex ok', type: 'bool' as const },
    { key: 'meets_partnership', header: 'Partnership ok', type: 'bool' as const },
    { key: 'meets', header: 'Meets' },
    { key: 'fails', header: 'Fails' },
  ];
  const compactKeys = new Set(['verdict', 'external_id', 'client', 'manager', 'potential', 'partnership', 'decision_makers', 'buying_centre', 'regions', 'fails']);
  const candidates = rows.filter((r) => r.verdict === 'candidate').length;
  return {
    title: 'Key-account candidates (qualify, not key) and key accounts that do not qualify',
    columns: opts.compact ? all.filter((c) => compactKeys.has(c.key)) : all,
    rows: out,
    note:
      `${candidates} candidate${candidates === 1 ? '' : 's'}, ${rows.length - candidates} key account${rows.length - candidates === 1 ? '' : 's'} not qualified. ` +
      `A key account needs all three: potential ≥ ${rub(q.minPotentialMinor)}; complex buying (≥ ${q.minDecisionMakers} decision makers, ` +
      `or a buying centre ≥ ${q.minBuyingCentre}, or ≥ ${q.minRegions} regions); partnership ${q.partnership.join('/')}. Settings: crm config get kam.qualify`,
  };
}
