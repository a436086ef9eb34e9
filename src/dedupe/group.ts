/**
 * Grouping scored pairs into groups of duplicates: the strongest pairs first, joined transitively
 * (A~B and B~C make one group), except where a group would then hold two records that must stay
 * apart: two different legal entities (ИНН), a company and its branch, or a pair someone marked
 * "not duplicates".
 */

export interface Edge {
  readonly a: number;
  readonly b: number;
  readonly score: number;
}

export interface GroupingInput {
  /** number of records; edges and constraints use indices 0..n-1 */
  readonly n: number;
  readonly edges: readonly Edge[];
  /** per record: records with different non-null keys never share a group */
  readonly entityKey?: (i: number) => string | null;
  /** pairs that never share a group */
  readonly apart?: readonly (readonly [number, number])[];
}

export interface GroupResult {
  /** each group's member indices, ascending; groups ordered by their first member */
  readonly groups: readonly (readonly number[])[];
  /** edges that would have joined records that must stay apart */
  readonly heldApart: readonly Edge[];
}

export function groupPairs(input: GroupingInput): GroupResult {
  const { n } = input;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const members = new Map<number, number[]>();
  const entity = new Map<number, string>();
  const apart = new Map<number, number[]>();
  for (const [x, y] of input.apart ?? []) {
    (apart.get(x) ?? apart.set(x, []).get(x)!).push(y);
    (apart.get(y) ?? apart.set(y, []).get(y)!).push(x);
  }
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const membersOf = (r: number) => members.get(r) ?? [r];
  const entityOf = (r: number): string | null => (members.has(r) ? (entity.get(r) ?? null) : (input.entityKey?.(r) ?? null));
  const heldApart: Edge[] = [];
  const sorted = [...input.edges].sort((x, y) => y.score - x.score || x.a - y.a || x.b - y.b);
  for (const e of sorted) {
    const ra = find(e.a);
    const rb = find(e.b);
    if (ra === rb) continue;
    const ea = entityOf(ra);
    const eb = entityOf(rb);
    let ok = ea === null || eb === null || ea === eb;
    if (ok && apart.size > 0) {
      const [small, other] = membersOf(ra).length <= membersOf(rb).length ? [ra, rb] : [rb, ra];
      outer: for (const m of membersOf(small)) {
        for (const x of apart.get(m) ?? []) {
          if (find(x) === other) {
            ok = false;
            break outer;
          }
        }
      }
    }
    if (!ok) {
      heldApart.push(e);
      continue;
    }
    const [big, small] = membersOf(ra).length >= membersOf(rb).length ? [ra, rb] : [rb, ra];
    const joined = membersOf(big).concat(membersOf(small));
    parent[small] = big;
    members.set(big, joined);
    members.delete(small);
    const key = ea ?? eb;
    if (key !== null) entity.set(big, key);
    entity.delete(small);
  }
  const groups = [...members.values()].map((m) => [...m].sort((x, y) => x - y)).sort((x, y) => x[0]! - y[0]!);
  return { groups, heldApart };
}
