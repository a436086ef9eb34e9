/**
 * A read-only map from strings to ids in a few typed arrays and one string: about 30 bytes per
 * entry, and nothing the garbage collector has to trace (a Map of a million strings costs ~80 bytes
 * each and slows every full collection). Open addressing with linear probing, FNV-1a hashes.
 * For the external ids an import's validating thread holds for the tables it refers to.
 */
export class CompactIds {
  private readonly keys: string;
  private readonly starts: Int32Array;
  private readonly ids: Float64Array;
  private readonly slots: Int32Array;
  private readonly mask: number;

  /** `keys` must be distinct; `ids[i]` is the id of `keys[i]`. */
  constructor(keys: readonly string[], ids: readonly number[]) {
    const n = keys.length;
    this.keys = keys.join('');
    this.starts = new Int32Array(n + 1);
    this.ids = Float64Array.from(ids);
    let size = 8;
    while (size < n * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    let at = 0;
    for (let i = 0; i < n; i++) {
      this.starts[i] = at;
      at += keys[i]!.length;
    }
    this.starts[n] = at;
    for (let i = 0; i < n; i++) {
      let p = hash(keys[i]!) & this.mask;
      while (this.slots[p] !== 0) p = (p + 1) & this.mask;
      this.slots[p] = i + 1;
    }
  }

  get size(): number {
    return this.ids.length;
  }

  get(key: string): number | undefined {
    let p = hash(key) & this.mask;
    for (let e = this.slots[p]!; e !== 0; e = this.slots[p]!) {
      const start = this.starts[e - 1]!;
      if (this.starts[e]! - start === key.length && this.keys.startsWith(key, start)) return this.ids[e - 1];
      p = (p + 1) & this.mask;
    }
    return undefined;
  }
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
