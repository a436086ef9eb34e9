/**
 * Duplicate candidates for `crm report data-health`: the groups `crm dedupe` would propose at its
 * default threshold, one row per client in a group.
 */
import type { CrmDatabase } from '../db/open.js';
import type { DuplicateCandidate } from '../reports/data-health.js';

export async function duplicateClients(cdb: CrmDatabase): Promise<DuplicateCandidate[]> {
  const q = await import('../db/queries/dedupe.js');
  const { findClientDuplicates } = await import('./find.js');
  const result = findClientDuplicates(await q.loadClientRecords(cdb.db), { notDuplicates: await q.notDuplicatePairs(cdb.db, 'client') });
  const rows = await q.fetchRows(cdb.db, 'client', result.groups.flatMap((g) => g.ids));
  return result.groups.flatMap((g, i) => g.ids.map((id) => ({ group: i + 1, id, name: String(rows.get(id)?.name ?? ''), score: Math.round(g.score * 1000) / 1000 })));
}
