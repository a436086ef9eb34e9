/**
 * The facts behind `crm report promotions`: the promotions, every response (the cost of a
 * promotion is shared over all of its responses, whatever the period, so all are read), the deals
 * that name a response and, with an attribution window, the deals that name none. Plain scans and
 * small lookup tables rather than joins per row: at 200,000 responses and deals a scan in table
 * order is several times faster than following an index into the table row by row. Portable
 * Kysely: nothing here is SQLite-only. Rows of merged clients are left out (dedupe re-points
 * them to the survivor); responses with no client yet (raw details only) count all the same.
 */
import type { Kysely } from 'kysely';
import type { DealFact, PromotionFact, PromotionsInput, ResponseFact } from '../../reports/promotions.js';
import type { Period } from '../../reports/period.js';
import { addDays } from '../../util/dates.js';
import type { DB } from '../types.js';

export interface PromotionsQuery {
  readonly period: Period;
  /** with a window: also the deals that name no response */
  readonly attributionDays: number | null;
  /** read each responding client's type (for --by client-type) */
  readonly clientTypes: boolean;
}

export async function promotionsFacts(db: Kysely<DB>, q: PromotionsQuery): Promise<PromotionsInput> {
  const merged = () => db.selectFrom('clients as mc').select('mc.id').where('mc.merged_into_id', 'is not', null);

  const promotions: PromotionFact[] = (
    await db.selectFrom('promotions').select(['id', 'code', 'name', 'channel', 'target_client_type', 'starts_on', 'ends_on', 'cost_minor']).orderBy('id').execute()
  ).map((p) => ({
    id: p.id,
    code: p.code,
    name: p.name,
    channel: p.channel,
    targetClientType: p.target_client_type,
    startsOn: p.starts_on,
    endsOn: p.ends_on,
    costMinor: Number(p.cost_minor),
  }));

  const staff = new Map((await db.selectFrom('staff').select(['id', 'name', 'email']).execute()).map((s) => [s.id, { name: s.name, email: s.email }]));
  let clientTypes: Map<number, string> | undefined;
  if (q.clientTypes) {
    clientTypes = new Map((await db.selectFrom('clients').select(['id', 'client_type']).where('merged_into_id', 'is', null).execute()).map((c) => [c.id, c.client_type]));
  }

  // rows come out in the shape of the facts: no copy of 200,000 objects
  const responses: ResponseFact[] = await db
    .selectFrom('responses as r')
    .select(['r.id', 'r.promotion_id as promotionId', 'r.responded_on as respondedOn', 'r.client_id as clientId', 'r.handled_by_id as staffId'])
    .where((eb) => eb.or([eb('r.client_id', 'is', null), eb('r.client_id', 'not in', merged())]))
    .orderBy('r.id')
    .execute();

  // A deal naming no response can only be credited to a response in [opened_on − N, opened_on]:
  // for that response to lie in [from, to], the deal opened in [from, to + N].
  const { from, to } = q.period;
  const n = q.attributionDays;
  let deals = db
    .selectFrom('deals as d')
    .select(['d.id', 'd.response_id as responseId', 'd.client_id as clientId', 'd.opened_on as openedOn', 'd.stage', 'd.amount_minor as amountMinor'])
    .where('d.client_id', 'not in', merged());
  if (n === null) {
    deals = deals.where('d.response_id', 'is not', null);
  } else if (from !== null || to !== null) {
    const first = from;
    const last = to === null ? null : addDays(to, n);
    deals = deals.where((eb) => {
      const unlinked = [eb('d.response_id', 'is', null)];
      if (first !== null) unlinked.push(eb('d.opened_on', '>=', first));
      if (last !== null) unlinked.push(eb('d.opened_on', '<=', last));
      return eb.or([eb('d.response_id', 'is not', null), eb.and(unlinked)]);
    });
  }
  const dealFacts: DealFact[] = await deals.orderBy('d.id').execute();

  return { promotions, responses, deals: dealFacts, staff, clientTypes };
}
