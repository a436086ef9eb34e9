/**
 * The facts of `crm report key-candidates`: every live key account, and the live top-level
 * clients (not branches) that are not key accounts but pass the cheap filters in SQL (potential
 * and partnership); their decision makers, buying centre and regions, branches included.
 */
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { QualifySettings } from '../../config/kam.js';
import type { CandidateFacts } from '../../reports/key-candidates.js';
import { fold } from '../../util/normalize.js';
import type { DB } from '../types.js';

type IdQuery = SelectQueryBuilder<DB, 'clients', { id: number }>;

export async function candidateFacts(db: Kysely<DB>, q: QualifySettings): Promise<CandidateFacts[]> {
  const heads = (): IdQuery =>
    db
      .selectFrom('clients')
      .select('clients.id')
      .where('clients.merged_into_id', 'is', null)
      .where('clients.status', '!=', 'lost')
      .where((eb) =>
        eb.or([
          eb('clients.is_key_account', '=', 1),
          eb.and([
            eb('clients.parent_id', 'is', null),
            eb('clients.purchase_potential_minor', '>=', q.minPotentialMinor),
            eb('clients.partnership', 'in', q.partnership.length ? [...q.partnership] : ['-']),
          ]),
        ]),
      );
  const branches = () => db.selectFrom('clients as b').where('b.parent_id', 'in', heads()).where('b.merged_into_id', 'is', null).where('b.status', '!=', 'lost');
  const units = (): IdQuery => heads().union(branches().select('b.id'));

  const clients = await db
    .selectFrom('clients as c')
    .leftJoin('staff as m', 'm.id', 'c.manager_id')
    .select([
      'c.id',
      'c.external_id',
      'c.name',
      'c.status',
      'c.client_type',
      'c.is_key_account',
      'c.region',
      'c.purchase_potential_minor',
      'c.partnership',
      'c.contract_no',
      'c.contract_until',
      'm.name as manager_name',
    ])
    .where('c.id', 'in', heads())
    .orderBy('c.id')
    .execute();
  if (clients.length === 0) return [];

  const headOf = new Map<number, number[]>();
  const add = (unit: number, head: number) => {
    const list = headOf.get(unit);
    if (list) list.push(head);
    else headOf.set(unit, [head]);
  };
  const regions = new Map<number, Map<string, string>>();
  const addRegion = (head: number, region: string | null) => {
    if (!region) return;
    let m = regions.get(head);
    if (!m) regions.set(head, (m = new Map()));
    if (!m.has(fold(region))) m.set(fold(region), region);
  };
  for (const c of clients) {
    add(c.id, c.id);
    addRegion(c.id, c.region);
  }
  for (const b of await branches().select(['b.id', 'b.parent_id', 'b.region']).orderBy('b.id').execute()) {
    add(b.id, b.parent_id!);
    addRegion(b.parent_id!, b.region);
  }

  const dms = new Map<number, number>();
  const centre = new Map<number, number>();
  for (const r of await db
    .selectFrom('contacts')
    .select((eb) => [
      'client_id',
      eb.fn.sum<number>(eb.case().when('buying_role', '=', 'decision_maker').then(1).else(0).end()).as('dms'),
      eb.fn.count<number>('buying_role').as('centre'),
    ])
    .where('client_id', 'in', units())
    .where('active', '=', 1)
    .where('merged_into_id', 'is', null)
    .groupBy('client_id')
    .execute()) {
    for (const h of headOf.get(r.client_id) ?? []) {
      dms.set(h, (dms.get(h) ?? 0) + Number(r.dms));
      centre.set(h, (centre.get(h) ?? 0) + Number(r.centre));
    }
  }

  return clients.map((c) => ({
    id: c.id,
    externalId: c.external_id,
    name: c.name,
    status: c.status,
    clientType: c.client_type,
    isKeyAccount: c.is_key_account === 1,
    managerName: c.manager_name,
    potentialMinor: c.purchase_potential_minor,
    partnership: c.partnership,
    decisionMakers: dms.get(c.id) ?? 0,
    buyingCentre: centre.get(c.id) ?? 0,
    regions: [...(regions.get(c.id)?.values() ?? [])],
    contractNo: c.contract_no,
    contractUntil: c.contract_until,
  }));
}
