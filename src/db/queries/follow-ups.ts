/**
 * The facts behind `crm report follow-ups`: responses on or before the cutoff with no activity
 * and no deal naming them up to the as-of day (NOT EXISTS through the indexes on
 * activities.response_id and deals.response_id), and the latest activity of their clients. Portable
 * Kysely: comparisons of ISO date text.
 */
import type { Kysely } from 'kysely';
import type { FollowUpFact, PromotionInfo, StaffInfo } from '../../reports/follow-ups.js';
import { addDays } from '../../util/dates.js';
import type { DB } from '../types.js';

export interface FollowUpsQuery {
  readonly asOf: string;
  /** the last responded_on old enough to list */
  readonly cutoff: string;
  /** the first responded_on to list; null = all */
  readonly from?: string | null;
  /** how many activities after the as-of day still count as few (tests set it to try both ways) */
  readonly fewLaterActivities?: number;
}

/**
 * Above this many activities dated after the as-of day, "no linked activity up to that day" is
 * checked row by row; below it (as of today there are next to none), through the few responses
 * such activities name. Both give the same rows; the index on activities.response_id does not hold
 * the date, so the row-by-row check reads the activity of every answered response.
 */
const FEW_LATER_ACTIVITIES = 20000;

/** Promotions and staff by id: what the rows name. */
export async function followUpLookups(db: Kysely<DB>): Promise<{ promotions: Map<number, PromotionInfo>; staff: Map<number, StaffInfo> }> {
  const promotions = new Map((await db.selectFrom('promotions').select(['id', 'code', 'name', 'channel']).execute()).map((p) => [p.id, p]));
  const staff = new Map((await db.selectFrom('staff').select(['id', 'name', 'email']).execute()).map((s) => [s.id, s]));
  return { promotions, staff };
}

export async function followUpFacts(db: Kysely<DB>, q: FollowUpsQuery): Promise<FollowUpFact[]> {
  const dayAfter = addDays(q.asOf, 1);
  const later = await db
    .selectFrom('activities')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('occurred_at', '>=', dayAfter)
    .executeTakeFirstOrThrow();
  const fewLater = Number(later.n) <= (q.fewLaterActivities ?? FEW_LATER_ACTIVITIES);

  // the names of promotions and staff come from lookups (FollowUpsInput), not once per row
  let query = db
    .selectFrom('responses as r')
    .leftJoin('clients as c', 'c.id', 'r.client_id')
    .leftJoin('contacts as k', 'k.id', 'r.contact_id')
    // aliased to the fields of FollowUpFact: the rows are the facts, not copied
    .select((eb) => [
      'r.id as responseId',
      'r.external_id as externalId',
      'r.responded_on as respondedOn',
      'r.promotion_id as promotionId',
      'r.client_id as clientId',
      'c.external_id as clientExternalId',
      'c.name as clientName',
      'r.raw_company as rawCompany',
      'k.full_name as contactName',
      'r.raw_name as rawName',
      eb.fn.coalesce('k.phone', 'r.raw_phone', 'c.phone').as('phone'),
      eb.fn.coalesce('k.email', 'r.raw_email', 'c.email').as('email'),
      'r.handled_by_id as handledById',
      'c.manager_id as managerId',
      'r.notes',
    ])
    .where('r.responded_on', '<=', q.cutoff)
    .where((eb) =>
      eb.and([
        eb.or([eb('r.client_id', 'is', null), eb('c.merged_into_id', 'is', null)]),
        // no activity names it up to the as-of day
        fewLater
          ? eb.or([
              eb.not(eb.exists(eb.selectFrom('activities as a').select('a.id').whereRef('a.response_id', '=', 'r.id'))),
              eb.and([
                eb('r.id', 'in', eb.selectFrom('activities as la').select('la.response_id').where('la.occurred_at', '>=', dayAfter).where('la.response_id', 'is not', null)),
                eb.not(eb.exists(eb.selectFrom('activities as a').select('a.id').whereRef('a.response_id', '=', 'r.id').where('a.occurred_at', '<', dayAfter))),
              ]),
            ])
          : eb.not(eb.exists(eb.selectFrom('activities as a').select('a.id').whereRef('a.response_id', '=', 'r.id').where('a.occurred_at', '<', dayAfter))),
        // no deal names it, opened up to the as-of day: the date is read only for the responses
        // that have a deal opened later. (The list holds the NULLs of deals naming no response on
        // purpose: `IN` then answers NULL instead of false only for responses whose deals all
        // opened in time, where the NOT EXISTS beside it is false anyway; filtering them out would
        // make SQLite read the list through the index, a row at a time.)
        eb.or([
          eb.not(eb.exists(eb.selectFrom('deals as d').select('d.id').whereRef('d.response_id', '=', 'r.id'))),
          eb.and([
            eb('r.id', 'in', eb.selectFrom('deals as ld').select('ld.response_id').where('ld.opened_on', '>', q.asOf)),
            eb.not(eb.exists(eb.selectFrom('deals as d').select('d.id').whereRef('d.response_id', '=', 'r.id').where('d.opened_on', '<=', q.asOf))),
          ]),
        ]),
      ]),
    )
    .orderBy('r.responded_on')
    .orderBy('r.id');
  if (q.from !== undefined && q.from !== null) query = query.where('r.responded_on', '>=', q.from);
  return query.execute();
}

/** ids per IN list: well under the bound-parameter limits of SQLite and PostgreSQL */
const CHUNK = 5000;

/** Each client's latest activity before the day after `asOf` (index activities(client_id, occurred_at)). */
export async function lastActivities(db: Kysely<DB>, clientIds: Iterable<number>, asOf: string): Promise<Map<number, string>> {
  const ids = [...new Set(clientIds)];
  const last = new Map<number, string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    for (const r of await db
      .selectFrom('activities')
      .select((eb) => ['client_id', eb.fn.max('occurred_at').as('last')])
      .where('client_id', 'in', ids.slice(i, i + CHUNK))
      .where('occurred_at', '<', addDays(asOf, 1))
      .groupBy('client_id')
      .execute()) {
      if (r.last !== null) last.set(r.client_id, String(r.last));
    }
  }
  return last;
}
