import { describe, expect, it } from 'vitest';
import { CompactIds } from '../../src/util/compact-ids.js';

describe('CompactIds', () => {
  it('answers every key with its id and nothing else, Cyrillic and empty keys included', () => {
    const keys: string[] = [];
    const ids: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      keys.push(i % 7 === 0 ? `КЛ-${i}` : `CT-${String(i).padStart(7, '0')}`);
      ids.push(i * 3 + 1);
    }
    keys.push('');
    ids.push(2 ** 40);
    const m = new CompactIds(keys, ids);
    expect(m.size).toBe(50_001);
    keys.forEach((k, i) => expect(m.get(k)).toBe(ids[i]));
    expect(m.get('')).toBe(2 ** 40);
    // prefixes, extensions and near misses of stored keys are not found
    for (const k of ['CT-000001', 'CT-00000010', 'CT-0000001 ', 'кл-7', 'КЛ-70000', 'X']) expect(m.get(k), k).toBeUndefined();
  });

  it('an empty map finds nothing', () => {
    expect(new CompactIds([], []).get('A')).toBeUndefined();
  });
});
