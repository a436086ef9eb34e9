/**
 * The facts behind `crm report lost`: the lost clients of a period (by lost_date), their
 * activities and their won deals; merged clients are left out. Activities are read light (id,
 * client, moment); the details — kind, subject, who had it, with whom — only of the ones the
 * report shows (activityDetails), since the details of all would cost a lookup in staff and
 * contacts per row. Portable Kysely.
 */
import type { Kysely } from 'kysely';
import type { ContactDetails, LostClientFact, LostMomentFact, WonDealFact } from '../../reports/lost.js';
import type { Period } from '../../reports/period.js';
import type { DB } from '../types.js';

/** ids per IN list: well under the bound-parameter limits of SQLite and PostgreSQL */
const CHUNK = 5000;

export interface LostFacts {
  readonly clients: LostClientFact[];
  readonly moments: LostMomentFact[];
  readonly wonDeals: WonDealFact[];
}

export async function lostFacts(db: Kysely<DB>, p: Period): Promise<LostFacts> {
  const lost = () => {
    let q = db.selectFrom('clients as lc').select('lc.id').where('lc.status', '=', 'lost').where('lc.merged_into_id', 'is', null).where('lc.lost_date', 'is not', null);
    if (p.from !== null) q = q.where('lc.lost_date', '>=', p.from);
    if (p.to !== null) q = q.where('lc.lost_date', '<=', p.to);
    return q;
  };

  const clients = (
    await db
      .selectFrom('clients as c')
      .leftJoin('staff as m', 'm.id', 'c.manager_id')
      .select(['c.id', 'c.external_id', 'c.name', 'c.client_type', 'c.region', 'm.name as manager', 'c.lost_date', 'c.lost_reason', 'c.lost_competitor'])
      .where('c.id', 'in', lost())
      .orderBy('c.id')
      .execute()
  ).map((c) => ({
    id: c.id,
    externalId: c.external_id,
    name: c.name,
    clientType: c.client_type,
    region: c.region,
    managerName: c.manager,
    lostDate: c.lost_date!,
    lostReason: c.lost_reason,
    lostCompetitor: c.lost_competitor,
  }));
  if (clients.length === 0) return { clients, moments: [], wonDeals: [] };

  const moments: LostMomentFact[] = await db.selectFrom('activities').select(['id', 'client_id as clientId', 'occurred_at as occurredAt']).where('client_id', 'in', lost()).execute();

  const wonDeals = (
    await db.selectFrom('deals').select(['client_id', 'closed_on', 'amount_minor']).where('client_id', 'in', lost()).where('stage', '=', 'won').where('closed_on', 'is not', null).execute()
  ).map((d) => ({ clientId: d.client_id, closedOn: d.closed_on!, amountMinor: Number(d.amount_minor) }));

  return { clients, moments, wonDeals };
}

/** Kind, outcome, subject, staff and client contact of the given activities. */
export async function activityDetails(db: Kysely<DB>, ids: readonly number[]): Promise<Map<number, ContactDetails>> {
  const details = new Map<number, ContactDetails>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    for (const d of await db
      .selectFrom('activities as a')
      .leftJoin('staff as s', 's.id', 'a.staff_id')
      .leftJoin('contacts as k', 'k.id', 'a.contact_id')
      .select(['a.id', 'a.kind', 'a.outcome', 'a.subject', 's.name as staff', 'k.full_name as contact'])
      .where('a.id', 'in', ids.slice(i, i + CHUNK))
      .execute()) {
      details.set(d.id, { kind: d.kind, outcome: d.outcome, subject: d.subject, staffName: d.staff, contactName: d.contact });
    }
  }
  return details;
}
