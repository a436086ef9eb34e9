/**
 * Which record of a group should survive a merge: the one people rely on. A record with an ИНН,
 * an active client, the one with the most history (contacts, deals, activities…), the most
 * complete, and finally the oldest.
 */
import type { Row } from './merge-plan.js';

export interface SurvivorCandidate {
  readonly row: Row;
  /** rows elsewhere that point at it */
  readonly references: number;
}

const RANK: Readonly<Record<string, number>> = { active: 2, lost: 1, prospect: 0 };

function filled(row: Row): number {
  let n = 0;
  for (const [k, v] of Object.entries(row)) if (v !== null && v !== '' && !k.endsWith('_at') && !k.endsWith('_by')) n++;
  return n;
}

function rankKey(c: SurvivorCandidate): number[] {
  const r = c.row;
  return [r.inn ? 1 : 0, RANK[String(r.status)] ?? (r.active === 0 ? 0 : 1), c.references, filled(r), -Number(r.id)];
}

/** The id of the record that should survive. */
export function suggestSurvivor(candidates: readonly SurvivorCandidate[]): number {
  let best = candidates[0]!;
  let bestKey = rankKey(best);
  for (const c of candidates.slice(1)) {
    const k = rankKey(c);
    for (let i = 0; i < k.length; i++) {
      if (k[i]! === bestKey[i]!) continue;
      if (k[i]! > bestKey[i]!) {
        best = c;
        bestKey = k;
      }
      break;
    }
  }
  return Number(best.row.id);
}
