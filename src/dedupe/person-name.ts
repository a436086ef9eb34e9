/**
 * People's names for matching: words in any order, initials for given name and patronymic,
 * Cyrillic or Latin (Иванов Иван Иванович ~ И. И. Иванов ~ Ivanov Ivan).
 */
import { fold } from '../util/normalize.js';
import { jaroWinkler, words } from './text.js';
import { skeleton } from './translit.js';

export interface NamePart {
  readonly skeleton: string;
  /** a single letter: an initial */
  readonly initial: boolean;
}

export interface PersonName {
  readonly raw: string;
  readonly parts: readonly NamePart[];
}

const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'dr', 'prof', 'sir', 'господин', 'госпожа', 'г-н', 'г-жа', 'тов']);

export function parsePersonName(name: string): PersonName {
  const parts = words(fold(name))
    .filter((w) => !TITLES.has(w) && !/^\p{N}+$/u.test(w))
    .map((w) => {
      const s = skeleton(w);
      return { skeleton: s, initial: w.length === 1 };
    })
    .filter((p) => p.skeleton.length > 0);
  return { raw: name, parts };
}

/** Jaro-Winkler below this is no match for two full name words. */
const WORD_MATCH = 0.85;
const INITIAL_MATCH = 0.9;

function partSimilarity(a: NamePart, b: NamePart): number {
  if (a.initial || b.initial) return a.skeleton[0] === b.skeleton[0] ? INITIAL_MATCH : 0;
  const s = jaroWinkler(a.skeleton, b.skeleton);
  return s >= WORD_MATCH ? s : 0;
}

const weight = (p: NamePart) => (p.initial ? 0.5 : 1);

export interface PersonNameComparison {
  /** 0..1 */
  readonly similarity: number;
  /** words of the shorter name that found a partner, of all its words */
  readonly matched: number;
  readonly of: number;
}

/**
 * Similarity of two people's names, independent of word order. Initials match the full word
 * they start; a name with fewer words (no patronymic, no given name) is compared by how much of
 * it the other covers, at a discount. At least one full word must match.
 * @example comparePersonNames(parsePersonName('Иванов Иван Иванович'), parsePersonName('И. И. Иванов')).similarity // ≈ 0.86
 */
export function comparePersonNames(a: PersonName, b: PersonName): PersonNameComparison {
  const pa = a.parts;
  const pb = b.parts;
  if (pa.length === 0 || pb.length === 0) return { similarity: 0, matched: 0, of: 0 };
  // every pairing scored; greedy one-to-one assignment by descending similarity (names are short)
  const cand: [number, number, number][] = [];
  for (let i = 0; i < pa.length; i++) {
    for (let j = 0; j < pb.length; j++) {
      const s = partSimilarity(pa[i]!, pb[j]!);
      if (s > 0) cand.push([s * Math.min(weight(pa[i]!), weight(pb[j]!)), i, j]);
    }
  }
  cand.sort((x, y) => y[0] - x[0]);
  const usedA = new Uint8Array(pa.length);
  const usedB = new Uint8Array(pb.length);
  let sum = 0;
  let full = false;
  let matched = 0;
  for (const [s, i, j] of cand) {
    if (usedA[i] || usedB[j]) continue;
    usedA[i] = 1;
    usedB[j] = 1;
    sum += s;
    matched++;
    if (!pa[i]!.initial && !pb[j]!.initial) full = true;
  }
  const wa = pa.reduce((t, p) => t + weight(p), 0);
  const wb = pb.reduce((t, p) => t + weight(p), 0);
  const dice = (2 * sum) / (wa + wb);
  const containment = sum / Math.min(wa, wb);
  // covering a shorter name completely is good evidence, but less than matching every word
  let similarity = Math.max(dice, 0.9 * containment);
  if (!full) similarity = Math.min(similarity, 0.5);
  return { similarity: Math.min(1, similarity), matched, of: Math.min(pa.length, pb.length) };
}
