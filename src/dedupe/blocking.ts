/**
 * Blocking: which pairs are worth scoring, so that 100,000 records are not 5 billion pairs.
 * Records sharing a key (a name written any way, a name word, a surname with an initial, an ИНН,
 * a phone, an e-mail, a domain) are compared; a key shared by too many records is compared only
 * between neighbours in name order; for organisations, two sorted-neighbourhood passes over all
 * names (forwards and backwards) catch typos that change every key.
 */
import type { PreparedClient, PreparedContact } from './records.js';
import type { PersonName } from './person-name.js';

export interface BlockingOptions {
  /** blocks up to this size are compared all pairs; bigger ones between neighbours only */
  readonly maxBlock: number;
  /** how many neighbours each record is compared with in big blocks and in the sorted passes */
  readonly window: number;
}

export const DEFAULT_BLOCKING: BlockingOptions = { maxBlock: 50, window: 5 };

/** Each word of a person's name (an entrepreneur's), and each with the initial of each other word ('ivanov|i'). */
function personKeys(p: PersonName, out: string[]): void {
  for (const w of p.parts) {
    if (w.initial || w.skeleton.length < 2) continue;
    if (w.skeleton.length >= 3) out.push(`t:${w.skeleton}`);
    for (const o of p.parts) if (o !== w) out.push(`pi:${w.skeleton}|${o.skeleton[0]}`);
  }
}

export function clientKeys(c: PreparedClient): string[] {
  const out: string[] = [];
  for (const n of c.names) {
    if (n.key) out.push(`n:${n.key}`);
    if (n.concat && n.concat !== n.key) out.push(`c:${n.concat}`);
    for (const s of n.skeletons) if (s.length >= 4 && !/^\d/.test(s)) out.push(`t:${s}`);
  }
  if (c.person) personKeys(c.person, out);
  if (c.inn) out.push(`i:${c.inn}`);
  for (const p of c.phones) out.push(`p:${p.base}`);
  for (const e of c.emails) out.push(`e:${e.address}`);
  for (const d of c.domains) {
    out.push(`d:${d.domain}`);
    if (d.stem.length >= 4) out.push(`ds:${d.stem}`);
  }
  return [...new Set(out)];
}

/**
 * Contacts: the name in any order, a word of the name with the initial of each other word (only
 * the two rarest words, by `frequency`: «Иванов|А» finds something, «Александр|И» everything),
 * phones, e-mails, house and street, and the benchmark's birth date and personal id.
 */
export function contactKeys(c: PreparedContact, frequency?: (skeleton: string) => number): string[] {
  const out: string[] = [];
  const key = c.name.parts.map((p) => p.skeleton).sort().join(' ');
  if (key) out.push(`n:${key}`);
  const full = c.name.parts.filter((x) => !x.initial && x.skeleton.length >= 2);
  const rarest = frequency ? [...full].sort((x, y) => frequency(x.skeleton) - frequency(y.skeleton)).slice(0, 2) : full;
  for (const w of rarest) for (const o of c.name.parts) if (o !== w) out.push(`pi:${w.skeleton}|${o.skeleton[0]}`);
  // a surname alone still meets the same surname with initials
  if (full.length === 1 && c.name.parts.length === 1) out.push(`t:${full[0]!.skeleton}`);
  for (const p of c.phones) out.push(`p:${p.base}`);
  for (const e of c.emails) out.push(`e:${e.address}`);
  // the same place: the first number and the first word of the address (house and street)
  if (c.address) {
    const number = c.address.tokens.find((t) => t.number);
    const word = c.address.tokens.find((t) => !t.number && t.skeleton.length >= 4);
    if (number && word) out.push(`a:${number.skeleton}|${word.skeleton}`);
  }
  if (c.birthDate) out.push(`b:${c.birthDate}`);
  for (const x of c.personalIds) out.push(`x:${x}`);
  return [...new Set(out)];
}

/**
 * How records are ordered: `order` puts similar names next to each other inside a big block;
 * each of `passes` is one sorted-neighbourhood pass over all records.
 */
export interface Ordering {
  readonly order: string;
  readonly passes: readonly string[];
}

/** Clients: name order, and two passes (the name's words, and the name written backwards). */
export function clientOrdering(c: PreparedClient): Ordering {
  const n = c.names[0]!;
  return { order: n.key, passes: [n.key, [...n.concat].reverse().join('')] };
}

/**
 * Contacts: initials, then name order; no passes. People's names are few and common; a duplicate
 * person shares a surname with an initial, an e-mail or a phone, and those keys find it.
 */
export function contactOrdering(c: PreparedContact): Ordering {
  // first letters first: inside a big block «Иванов А. С.» sorts next to «Иванов Александр Сергеевич»
  const initials = c.name.parts.map((p) => p.skeleton[0]).sort().join('');
  return { order: `${initials} ${c.name.parts.map((p) => p.skeleton).sort().join(' ')}`, passes: [] };
}

/** FNV-1a, 32 bits: keys become integers; a rare collision only adds a few comparisons. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Indices 0..n-1 ordered by `keys` (stable): LSD radix sort on two 16-bit digits. */
function radixOrder(keys: Uint32Array, n: number): Int32Array {
  let from = Int32Array.from({ length: n }, (_, i) => i);
  let to = new Int32Array(n);
  for (const shift of [0, 16]) {
    const count = new Int32Array(65537);
    for (let i = 0; i < n; i++) count[((keys[from[i]!]! >>> shift) & 0xffff) + 1]!++;
    for (let d = 0; d < 65536; d++) count[d + 1]! += count[d]!;
    for (let i = 0; i < n; i++) {
      const x = from[i]!;
      to[count[(keys[x]! >>> shift) & 0xffff]!++] = x;
    }
    [from, to] = [to, from];
  }
  return from;
}

/**
 * The candidate index built once over all records; `partners(i)` lists the records to compare
 * record i with. Keys are hashed to integers and blocks stored flat, so memory is a few integers
 * per key occurrence; no pair list is ever materialised.
 */
export class CandidateIndex {
  /** record i's key occurrences are keyStart[i] .. keyStart[i+1]-1 */
  private readonly keyStart: Int32Array;
  /** per occurrence: its block, and (in a windowed block) its position there */
  private readonly occBlock: Int32Array;
  private readonly occPos: Int32Array;
  /** block b's members are members[blockStart[b] .. blockStart[b+1]-1] */
  private readonly blockStart: Int32Array;
  private readonly members: Int32Array;
  private readonly windowed: Uint8Array;
  private readonly orders: { order: Int32Array; pos: Int32Array }[];
  private readonly mark: Int32Array;
  private stamp = 0;

  /** `keysOf(i)` is called once per record; its strings are hashed at once and not kept. */
  constructor(
    n: number,
    keysOf: (i: number) => readonly string[],
    orderings: readonly Ordering[],
    private readonly opts: BlockingOptions = DEFAULT_BLOCKING,
  ) {
    let hashes = new Uint32Array(Math.max(16, n * 8));
    let occRecord = new Int32Array(hashes.length);
    this.keyStart = new Int32Array(n + 1);
    let at = 0;
    for (let i = 0; i < n; i++) {
      this.keyStart[i] = at;
      for (const k of keysOf(i)) {
        if (at === hashes.length) {
          const h = new Uint32Array(at * 2);
          h.set(hashes);
          hashes = h;
          const o = new Int32Array(at * 2);
          o.set(occRecord);
          occRecord = o;
        }
        hashes[at] = hashKey(k);
        occRecord[at++] = i;
      }
    }
    this.keyStart[n] = at;
    const total = at;
    // occurrences grouped by key (records ascending inside each group, the sort is stable)
    const sorted = radixOrder(hashes, total);
    this.occBlock = new Int32Array(total);
    this.occPos = new Int32Array(total);
    this.members = new Int32Array(total);
    const starts: number[] = [];
    for (let r = 0; r < total; r++) {
      const occ = sorted[r]!;
      if (r === 0 || hashes[occ] !== hashes[sorted[r - 1]!]) starts.push(r);
      this.occBlock[occ] = starts.length - 1;
      this.members[r] = occRecord[occ]!;
    }
    starts.push(total);
    this.blockStart = Int32Array.from(starts);
    const blocks = starts.length - 1;
    this.windowed = new Uint8Array(blocks);
    // big blocks: members in name order, so that neighbours are similar names
    const primary = orderings.map((o) => o.order);
    for (let b = 0; b < blocks; b++) {
      const lo = this.blockStart[b]!;
      const hi = this.blockStart[b + 1]!;
      if (hi - lo <= opts.maxBlock) continue;
      this.windowed[b] = 1;
      const part = this.members.subarray(lo, hi);
      const order = Array.from(part).sort((x, y) => (primary[x]! < primary[y]! ? -1 : primary[x]! > primary[y]! ? 1 : x - y));
      part.set(order);
      for (let r = 0; r < order.length; r++) {
        const i = order[r]!;
        for (let p = this.keyStart[i]!; p < this.keyStart[i + 1]!; p++) {
          if (this.occBlock[p] === b) {
            this.occPos[p] = r;
            break;
          }
        }
      }
    }
    const passes = orderings.length > 0 ? orderings[0]!.passes.length : 0;
    this.orders = [];
    for (let s = 0; s < passes; s++) {
      const keys = orderings.map((o) => o.passes[s] ?? '');
      const order = Int32Array.from({ length: n }, (_, i) => i).sort((x, y) => (keys[x]! < keys[y]! ? -1 : keys[x]! > keys[y]! ? 1 : x - y));
      const pos = new Int32Array(n);
      for (let r = 0; r < n; r++) pos[order[r]!] = r;
      this.orders.push({ order, pos });
    }
    this.mark = new Int32Array(n);
  }

  /** Records to compare with record i (each once; i itself excluded). `after` keeps only j > i. */
  partners(i: number, after: boolean): number[] {
    const out: number[] = [];
    const stamp = ++this.stamp;
    const w = this.opts.window;
    const mark = this.mark;
    const members = this.members;
    for (let p = this.keyStart[i]!; p < this.keyStart[i + 1]!; p++) {
      const b = this.occBlock[p]!;
      let lo = this.blockStart[b]!;
      let hi = this.blockStart[b + 1]!;
      if (hi - lo < 2) continue;
      if (this.windowed[b]) {
        const at = lo + this.occPos[p]!;
        lo = Math.max(lo, at - w);
        hi = Math.min(hi, at + w + 1);
      }
      for (let q = lo; q < hi; q++) {
        const j = members[q]!;
        if (j === i || (after && j < i) || mark[j] === stamp) continue;
        mark[j] = stamp;
        out.push(j);
      }
    }
    for (const { order, pos } of this.orders) {
      const at = pos[i]!;
      for (let q = Math.max(0, at - w); q <= Math.min(order.length - 1, at + w); q++) {
        const j = order[q]!;
        if (j === i || (after && j < i) || mark[j] === stamp) continue;
        mark[j] = stamp;
        out.push(j);
      }
    }
    return out;
  }
}
