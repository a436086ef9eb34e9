/**
 * Finding duplicates: records in, scored pairs and groups out. Blocking picks the pairs, the
 * scorer weighs each with its evidence, grouping joins them. Pure: no database, no I/O.
 */
import { CandidateIndex, DEFAULT_BLOCKING, clientKeys, clientOrdering, contactKeys, contactOrdering, type BlockingOptions, type Ordering } from './blocking.js';
import { groupPairs, type Edge } from './group.js';
import { NameStats } from './org-similarity.js';
import { prepareClient, prepareContact, type ClientRecord, type ContactRecord, type PreparedClient, type PreparedContact } from './records.js';
import { DEFAULT_THRESHOLD, clientsCannotMatch, scoreClients, scoreContacts, type Evidence, type Relation } from './score.js';

export type EntityKind = 'client' | 'contact';

export interface ScoredPair {
  /** record ids, a < b */
  readonly a: number;
  readonly b: number;
  readonly score: number;
  readonly evidence: readonly Evidence[];
  readonly relation: Relation;
}

export interface DuplicateGroup {
  /** record ids, ascending */
  readonly ids: readonly number[];
  /** the pairs at or above the threshold inside the group, strongest first */
  readonly pairs: readonly ScoredPair[];
  /** the weakest pair that holds the group together */
  readonly score: number;
}

export interface FindOptions {
  readonly threshold?: number;
  /** id pairs marked "not duplicates": never proposed, never in one group */
  readonly notDuplicates?: Iterable<readonly [number, number]>;
  /** only pairs with at least one of these ids (checking incoming rows against the base) */
  readonly only?: ReadonlySet<number>;
  readonly blocking?: BlockingOptions;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface FindResult {
  readonly groups: readonly DuplicateGroup[];
  /** every pair at or above the threshold (in groups or held apart) */
  readonly pairs: readonly ScoredPair[];
  /** pairs that look alike but are a company and its branch: not duplicates, and said so */
  readonly branches: readonly ScoredPair[];
  /** pairs at or above the threshold kept out of a group by a different ИНН or a "not duplicates" mark */
  readonly heldApart: readonly ScoredPair[];
  readonly records: number;
  readonly compared: number;
}

type Prepared = PreparedClient | PreparedContact;

function pairKey(a: number, b: number): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

export function findClientDuplicates(records: readonly ClientRecord[], opts: FindOptions = {}): FindResult {
  const prepared = records.map(prepareClient);
  const stats = new NameStats();
  for (const p of prepared) {
    for (const n of p.names) stats.add(n);
    if (p.inn) stats.addOwner(p.names[0]!, p.inn);
  }
  return run(
    prepared,
    (p) => clientKeys(p as PreparedClient),
    (p) => clientOrdering(p as PreparedClient),
    (a, b, floor) => (clientsCannotMatch(a as PreparedClient, b as PreparedClient) ? null : scoreClients(a as PreparedClient, b as PreparedClient, stats, floor)),
    (i) => (prepared[i] as PreparedClient).entityKey,
    opts,
  );
}

export function findContactDuplicates(records: readonly ContactRecord[], opts: FindOptions = {}): FindResult {
  const prepared = records.map(prepareContact);
  const words = new Map<string, number>();
  for (const p of prepared) for (const w of p.name.parts) if (!w.initial) words.set(w.skeleton, (words.get(w.skeleton) ?? 0) + 1);
  return run(
    prepared,
    (p) => contactKeys(p as PreparedContact, (w) => words.get(w) ?? 0),
    (p) => contactOrdering(p as PreparedContact),
    (a, b, floor) => scoreContacts(a as PreparedContact, b as PreparedContact, floor),
    () => null,
    opts,
  );
}

function run(
  prepared: readonly Prepared[],
  keysOf: (p: Prepared) => string[],
  orderingOf: (p: Prepared) => Ordering,
  score: (a: Prepared, b: Prepared, floor: number) => { score: number; evidence: readonly Evidence[]; relation: Relation } | null,
  entityKey: (i: number) => string | null,
  opts: FindOptions,
): FindResult {
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const n = prepared.length;
  const index = new CandidateIndex(n, (i) => keysOf(prepared[i]!), prepared.map(orderingOf), opts.blocking ?? DEFAULT_BLOCKING);
  const indexOf = new Map<number, number>();
  prepared.forEach((p, i) => indexOf.set(p.record.id, i));
  const marked = new Set<string>();
  const apart: [number, number][] = [];
  for (const [x, y] of opts.notDuplicates ?? []) {
    marked.add(pairKey(x, y));
    const ix = indexOf.get(x);
    const iy = indexOf.get(y);
    if (ix !== undefined && iy !== undefined) apart.push([ix, iy]);
  }
  const only = opts.only;
  const edges: Edge[] = [];
  const pairs: ScoredPair[] = [];
  const branches: ScoredPair[] = [];
  let compared = 0;
  for (let i = 0; i < n; i++) {
    const idI = prepared[i]!.record.id;
    const focus = only ? only.has(idI) : true;
    if (!focus) continue;
    // with a focus set, a pair of two focused records is taken from the smaller index only
    for (const j of index.partners(i, !only)) {
      const idJ = prepared[j]!.record.id;
      if (only && only.has(idJ) && j < i) continue;
      compared++;
      if (marked.size && marked.has(pairKey(idI, idJ))) continue;
      const s = score(prepared[i]!, prepared[j]!, threshold);
      if (!s || s.score < threshold) continue;
      const [a, b] = idI < idJ ? [idI, idJ] : [idJ, idI];
      const pair: ScoredPair = { a, b, score: s.score, evidence: s.evidence, relation: s.relation };
      if (s.relation === 'branch') branches.push(pair);
      else if (s.relation === 'duplicate') {
        pairs.push(pair);
        edges.push({ a: Math.min(i, j), b: Math.max(i, j), score: s.score });
      }
    }
    if (opts.onProgress && (i & 1023) === 0) opts.onProgress(i, n);
  }
  opts.onProgress?.(n, n);
  const { groups, heldApart } = groupPairs({ n, edges, entityKey, apart });
  const byKey = new Map(pairs.map((p) => [pairKey(p.a, p.b), p]));
  const held = new Set(heldApart.map((e) => pairKey(prepared[e.a]!.record.id, prepared[e.b]!.record.id)));
  const groupOf = new Int32Array(n).fill(-1);
  groups.forEach((g, gi) => g.forEach((i) => (groupOf[i] = gi)));
  const inGroup: ScoredPair[][] = groups.map(() => []);
  for (const e of edges) {
    const g = groupOf[e.a]!;
    if (g >= 0 && g === groupOf[e.b]) inGroup[g]!.push(byKey.get(pairKey(prepared[e.a]!.record.id, prepared[e.b]!.record.id))!);
  }
  const result: DuplicateGroup[] = groups.map((g, gi) => {
    const ps = inGroup[gi]!.filter((p) => !held.has(pairKey(p.a, p.b))).sort((x, y) => y.score - x.score || x.a - y.a || x.b - y.b);
    return { ids: g.map((i) => prepared[i]!.record.id).sort((x, y) => x - y), pairs: ps, score: spanningScore(g.length, ps) };
  });
  result.sort((x, y) => y.score - x.score || x.ids[0]! - y.ids[0]!);
  const sortPairs = (list: ScoredPair[]) => list.sort((x, y) => y.score - x.score || x.a - y.a || x.b - y.b);
  return {
    groups: result,
    pairs: sortPairs(pairs),
    branches: sortPairs(branches),
    heldApart: sortPairs(pairs.filter((p) => held.has(pairKey(p.a, p.b)))),
    records: n,
    compared,
  };
}

/** The weakest link of the strongest tree through the group (what joins its last member). */
function spanningScore(size: number, pairs: readonly ScoredPair[]): number {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  let joined = 1;
  let weakest = 1;
  for (const p of pairs) {
    const ra = find(p.a);
    const rb = find(p.b);
    if (ra === rb) continue;
    parent.set(ra, rb);
    parent.set(rb, rb);
    weakest = Math.min(weakest, p.score);
    if (++joined === size) break;
  }
  return weakest;
}
