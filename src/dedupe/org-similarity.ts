/**
 * How alike two organisation names are, in [0, 1]. Words are weighted by how rare they are in
 * the base being deduplicated (a shared «Вектор» says less than a shared «Волгахимпром») and
 * match despite typos and transliteration; a name contained in a longer one, names that differ
 * only in spacing, and names whose numbers differ (Школа №400 / №401) are handled explicitly.
 */
import type { OrgName } from './org-name.js';
import { jaroWinkler, levenshtein } from './text.js';

/** Document frequencies of name words over the records being compared. */
export class NameStats {
  private readonly df = new Map<string, number>();
  private total = 0;

  add(name: OrgName): void {
    this.total++;
    for (const s of new Set(name.skeletons)) this.df.set(s, (this.df.get(s) ?? 0) + 1);
  }

  /** How many names contain the word. */
  count(skeleton: string): number {
    return this.df.get(skeleton) ?? 0;
  }

  private readonly owners = new Map<string, string | Set<string>>();

  /** Notes that the legal entity `inn` carries this name (and each of its words). */
  addOwner(name: OrgName, inn: string): void {
    NameStats.note(this.owners, name.key, inn);
    for (const w of new Set(name.skeletons)) NameStats.note(this.owners, `\u0000${w}`, inn);
  }

  /** Distinct ИНН per key, counted up to a small cap: "two or more" is what matters. */
  private static note(map: Map<string, string | Set<string>>, key: string, inn: string): void {
    const seen = map.get(key);
    if (seen === undefined) map.set(key, inn);
    else if (typeof seen === 'string') {
      if (seen !== inn) map.set(key, new Set([seen, inn]));
    } else if (seen.size < 16) seen.add(inn);
  }

  private entities(key: string): number {
    const seen = this.owners.get(key);
    return seen === undefined ? 0 : typeof seen === 'string' ? 1 : seen.size;
  }

  /** How many different legal entities (ИНН) carry exactly this name: 2 or more make it ambiguous. */
  entitiesNamed(key: string): number {
    return this.entities(key);
  }

  /** How many different legal entities carry a name with every word of this one (counted by its most distinctive word). */
  entitiesSharing(name: OrgName): number {
    let least = Infinity;
    for (const w of name.skeletons) least = Math.min(least, this.entities(`\u0000${w}`));
    return least === Infinity ? 0 : least;
  }

  get size(): number {
    return this.total;
  }

  /** Inverse document frequency: rare words weigh more. An unseen word counts as seen once. */
  idf(skeleton: string): number {
    return Math.log(1 + Math.max(this.total, 1) / Math.max(this.df.get(skeleton) ?? 1, 1));
  }

  private readonly cache = new WeakMap<OrgName, NameWeights>();

  /** The words' weights, their sum and squared norm; computed once per name (add() every name first). */
  weights(name: OrgName): NameWeights {
    let w = this.cache.get(name);
    if (!w) {
      const each = name.skeletons.map((s) => this.idf(s));
      w = { each, sum: each.reduce((t, x) => t + x, 0), norm2: each.reduce((t, x) => t + x * x, 0) };
      this.cache.set(name, w);
    }
    return w;
  }
}

export interface NameWeights {
  readonly each: readonly number[];
  readonly sum: number;
  readonly norm2: number;
}

/** Jaro-Winkler at or above this makes two name words one word with a typo. */
const WORD_MATCH = 0.88;
/** A name wholly contained in another is this similar (Philips / Philips Gloeilampenfabrieken). */
export const CONTAINED = 0.9;

function wordSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const numA = a.charCodeAt(0) <= 57;
  const numB = b.charCodeAt(0) <= 57;
  if (numA || numB) return 0;
  // very short words (abbreviations) must be equal
  if (a.length < 3 || b.length < 3) return 0;
  const s = jaroWinkler(a, b);
  return s >= WORD_MATCH ? s : 0;
}

export interface OrgNameComparison {
  readonly similarity: number;
  /** how it was reached, for the evidence shown to people */
  readonly how: 'same words' | 'spacing' | 'similar words' | 'contained' | 'typo' | 'different numbers' | 'different';
}

function numbersConflict(a: OrgName, b: OrgName): 'both' | 'one' | null {
  if (a.numbers.length === 0 && b.numbers.length === 0) return null;
  if (a.numbers.length > 0 && b.numbers.length > 0) {
    const same = a.numbers.length === b.numbers.length && a.numbers.every((n) => b.numbers.includes(n));
    return same ? null : 'both';
  }
  return 'one';
}

/**
 * Soft TF-IDF cosine of the two names' words, the share of the shorter name found in the longer
 * (discounted), and the edit-distance ratio of the names written without spaces; the best wins.
 */
export function compareOrgNames(a: OrgName, b: OrgName, stats: NameStats): OrgNameComparison {
  const conflict = numbersConflict(a, b);
  const cap = conflict === 'both' ? 0.6 : conflict === 'one' ? 0.9 : 1;
  if (a.key === b.key) return conflict === 'both' ? { similarity: cap, how: 'different numbers' } : { similarity: 1, how: 'same words' };
  if (a.concat === b.concat) return { similarity: Math.min(cap, 0.98), how: 'spacing' };
  const sa = a.skeletons;
  const sb = b.skeletons;
  const WA = stats.weights(a);
  const WB = stats.weights(b);
  const wa = WA.each;
  const wb = WB.each;
  const cand: [number, number, number][] = [];
  for (let i = 0; i < sa.length; i++) {
    for (let j = 0; j < sb.length; j++) {
      const s = wordSimilarity(sa[i]!, sb[j]!);
      if (s > 0) cand.push([s, i, j]);
    }
  }
  if (cand.length > 1) cand.sort((x, y) => y[0] - x[0]);
  const usedA = new Uint8Array(sa.length);
  const usedB = new Uint8Array(sb.length);
  let dot = 0;
  let coverA = 0;
  let coverB = 0;
  for (const [s, i, j] of cand) {
    if (usedA[i] || usedB[j]) continue;
    usedA[i] = 1;
    usedB[j] = 1;
    dot += wa[i]! * wb[j]! * s;
    coverA += wa[i]! * s;
    coverB += wb[j]! * s;
  }
  const ta = WA.sum;
  const tb = WB.sum;
  const cosine = dot / Math.sqrt(WA.norm2 * WB.norm2);
  const contained = Math.max(ta > 0 ? coverA / ta : 0, tb > 0 ? coverB / tb : 0) * CONTAINED;
  let typo = 0;
  const la = a.concat.length;
  const lb = b.concat.length;
  const longer = Math.max(la, lb);
  // the edit-distance ratio can reach at most 1 - |la - lb| / longer: skip it when that cannot win
  if (longer > 0 && Math.abs(la - lb) <= longer * 0.25 && 1 - Math.abs(la - lb) / longer > Math.max(cosine, contained)) {
    const max = Math.floor(longer * 0.25);
    const d = Math.min(levenshtein(a.concat, b.concat, max), levenshtein(a.key.replaceAll(' ', ''), b.key.replaceAll(' ', ''), max));
    typo = d <= max ? 1 - d / longer : 0;
  }
  const best = Math.max(cosine, contained, typo);
  const how = conflict === 'both' ? 'different numbers' : best === 0 ? 'different' : best === typo ? 'typo' : best === contained && contained > cosine ? 'contained' : 'similar words';
  return { similarity: Math.min(cap, best), how };
}
