/**
 * The facts of `crm report national-accounts`: HQs with live branches, their teams, and the last
 * activity of each staff member at each unit. Portable Kysely, a fixed number of queries.
 */
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { TeamMember } from '../../reports/key-accounts.js';
import { teamMember } from './key-accounts.js';
import type { NationalFacts, NationalUnit, UnitStaffActivity } from '../../reports/national-accounts.js';
import { addDays } from '../../util/dates.js';
import type { DB } from '../types.js';

export interface NationalQuery {
  readonly asOf: string;
  readonly clientId?: number;
  readonly keyOnly?: boolean;
}

type IdQuery = SelectQueryBuilder<DB, 'clients', { id: number }>;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export async function nationalAccountFacts(db: Kysely<DB>, q: NationalQuery): Promise<NationalFacts[]> {
  const liveBranches = () => db.selectFrom('clients as b').where('b.merged_into_id', 'is', null).where('b.status', '!=', 'lost').where('b.parent_id', 'is not', null);
  const heads = (): IdQuery => {
    let h = db
      .selectFrom('clients')
      .select('clients.id')
      .where('clients.merged_into_id', 'is', null)
      .where('clients.status', '!=', 'lost')
      .where('clients.id', 'in', liveBranches().select('b.parent_id as id'));
    if (q.clientId !== undefined) h = h.where('clients.id', '=', q.clientId);
    if (q.keyOnly) h = h.where('clients.is_key_account', '=', 1);
    return h;
  };
  const units = (): IdQuery => heads().union(liveBranches().select('b.id').where('b.parent_id', 'in', heads()));

  const hqs = await db
    .selectFrom('clients as c')
    .leftJoin('staff as m', 'm.id', 'c.manager_id')
    .select(['c.id', 'c.external_id', 'c.name', 'c.region', 'c.city', 'c.is_key_account', 'm.name as manager_name'])
    .where('c.id', 'in', heads())
    .orderBy('c.id')
    .execute();
  if (hqs.length === 0) return [];
  const branches = await liveBranches()
    .select(['b.id', 'b.external_id', 'b.name', 'b.region', 'b.city', 'b.parent_id'])
    .where('b.parent_id', 'in', heads())
    .orderBy('b.id')
    .execute();

  // an HQ that is itself a branch of another HQ belongs to both
  const hqOf = new Map<number, number[]>();
  const unitsOf = new Map<number, NationalUnit[]>();
  for (const h of hqs) {
    push(hqOf, h.id, h.id);
    push(unitsOf, h.id, { id: h.id, externalId: h.external_id, name: h.name, region: h.region, city: h.city, isHq: true });
  }
  for (const b of branches) {
    push(hqOf, b.id, b.parent_id!);
    push(unitsOf, b.parent_id!, { id: b.id, externalId: b.external_id, name: b.name, region: b.region, city: b.city, isHq: false });
  }

  const team = new Map<number, TeamMember[]>();
  for (const r of await db
    .selectFrom('account_team as t')
    .innerJoin('staff as s', 's.id', 't.staff_id')
    .select(['t.client_id', 't.staff_id', 's.name', 's.role as staff_role', 's.region as staff_region', 's.active', 't.role', 't.region', 't.since', 't.until'])
    .where('t.client_id', 'in', units())
    .orderBy('t.id')
    .execute()) {
    const member = teamMember(r);
    for (const h of hqOf.get(r.client_id) ?? []) push(team, h, member);
  }

  const activity = new Map<number, UnitStaffActivity[]>();
  for (const r of await db
    .selectFrom('activities as a')
    .innerJoin('staff as s', 's.id', 'a.staff_id')
    .select((eb) => ['a.client_id', 'a.staff_id', 's.name', eb.fn.max('a.occurred_at').as('last')])
    .where('a.client_id', 'in', units())
    .where('a.occurred_at', '<', addDays(q.asOf, 1))
    .groupBy(['a.client_id', 'a.staff_id', 's.name'])
    .execute()) {
    for (const h of hqOf.get(r.client_id) ?? []) push(activity, h, { clientId: r.client_id, staffId: r.staff_id, staffName: r.name, last: String(r.last) });
  }

  return hqs.map((h) => ({
    hq: { id: h.id, externalId: h.external_id, name: h.name, isKeyAccount: h.is_key_account === 1, managerName: h.manager_name },
    units: unitsOf.get(h.id) ?? [],
    team: team.get(h.id) ?? [],
    activity: activity.get(h.id) ?? [],
  }));
}
