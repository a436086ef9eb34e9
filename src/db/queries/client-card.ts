/**
 * Everything the client card shows, read in one go through Kysely. Every list has a full order
 * (ids break ties, in the order SQLite's indexes give them; empty values first, as SQLite sorts
 * NULL), so both backends show the same card.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ClientsTable, DB } from '../types.js';

export interface ClientCardData {
  readonly client: Selectable<ClientsTable> & { manager: string | null; parent_name: string | null };
  readonly branches: { id: number; name: string; region: string | null; city: string | null; status: string }[];
  readonly siblings: number;
  readonly contacts: {
    id: number;
    full_name: string;
    position: string | null;
    level: string;
    buying_role: string | null;
    is_service_contact: number;
    phone: string | null;
    email: string | null;
    verified_on: string | null;
  }[];
  readonly team: { staff: string; role: string; region: string | null; since: string | null; email: string | null }[];
  readonly deals: { id: number; title: string | null; product: string | null; amount_minor: number; stage: string; opened_on: string; closed_on: string | null; owner: string | null }[];
  readonly activities: { occurred_at: string; kind: string; staff: string; contact: string | null; outcome: string | null; subject: string | null }[];
  readonly tasks: { week: string; staff: string; task: string; kind: string | null; status: string; carry_count: number }[];
  readonly goals: { goal: string; target_value: string | null; target_unit: string | null; due_on: string | null; status: string }[];
  readonly assessments: { criterion: number; rating: number; note: string | null; assessed_on: string; assessor: string | null }[];
  readonly wonLast12Months: number;
}

export async function clientCard(db: Kysely<DB>, id: number, today: string, recent: number): Promise<ClientCardData> {
  const client = await db
    .selectFrom('clients as c')
    .leftJoin('staff as m', 'm.id', 'c.manager_id')
    .leftJoin('clients as p', 'p.id', 'c.parent_id')
    .selectAll('c')
    .select(['m.name as manager', 'p.name as parent_name'])
    .where('c.id', '=', id)
    .executeTakeFirstOrThrow();
  const branches = await db
    .selectFrom('clients')
    .select(['id', 'name', 'region', 'city', 'status'])
    .where('parent_id', '=', id)
    .where('merged_into_id', 'is', null)
    .orderBy('region', (ob) => ob.asc().nullsFirst())
    .orderBy('name')
    .orderBy('id')
    .execute();
  const siblings =
    client.parent_id === null
      ? 0
      : Number(
          (
            await db
              .selectFrom('clients')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('parent_id', '=', client.parent_id)
              .where('id', '!=', id)
              .where('merged_into_id', 'is', null)
              .executeTakeFirstOrThrow()
          ).n,
        );
  const contacts = await db
    .selectFrom('contacts')
    .select(['id', 'full_name', 'position', 'level', 'buying_role', 'is_service_contact', 'phone', 'email', 'verified_on'])
    .where('client_id', '=', id)
    .where('merged_into_id', 'is', null)
    .where('active', '=', 1)
    .orderBy((eb) => eb.case().when('level', '=', 'executive').then(0).when('level', '=', 'manager').then(1).else(2).end())
    .orderBy('full_name')
    .orderBy('id')
    .execute();
  const team = await db
    .selectFrom('account_team as t')
    .innerJoin('staff as s', 's.id', 't.staff_id')
    .select(['s.name as staff', 't.role', 't.region', 't.since', 's.email'])
    .where('t.client_id', '=', id)
    .where((eb) => eb.or([eb('t.until', 'is', null), eb('t.until', '>=', today)]))
    .orderBy('t.role')
    .orderBy('s.name')
    .orderBy('t.id')
    .execute();
  const deals = await db
    .selectFrom('deals as d')
    .leftJoin('products as p', 'p.id', 'd.product_id')
    .leftJoin('staff as s', 's.id', 'd.owner_id')
    .select(['d.id', 'd.title', 'p.name as product', 'd.amount_minor', 'd.stage', 'd.opened_on', 'd.closed_on', 's.name as owner'])
    .where('d.client_id', '=', id)
    .where('d.stage', '=', 'open')
    .orderBy('d.opened_on', 'desc')
    .orderBy('d.id', 'desc')
    .execute();
  const activities = await db
    .selectFrom('activities as a')
    .innerJoin('staff as s', 's.id', 'a.staff_id')
    .leftJoin('contacts as c', 'c.id', 'a.contact_id')
    .select(['a.occurred_at', 'a.kind', 's.name as staff', 'c.full_name as contact', 'a.outcome', 'a.subject'])
    .where('a.client_id', '=', id)
    .orderBy('a.occurred_at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(recent)
    .execute();
  const tasks = await db
    .selectFrom('plan_tasks as t')
    .innerJoin('staff as s', 's.id', 't.staff_id')
    .select(['t.week', 's.name as staff', 't.task', 't.kind', 't.status', 't.carry_count'])
    .where('t.client_id', '=', id)
    .where('t.status', '=', 'planned')
    .orderBy('t.week')
    .orderBy('t.id')
    .execute();
  const goals = await db
    .selectFrom('goals')
    .select(['goal', 'target_value', 'target_unit', 'due_on', 'status'])
    .where('client_id', '=', id)
    .orderBy((eb) => eb.case().when('status', '=', 'open').then(0).else(1).end())
    .orderBy('due_on', (ob) => ob.asc().nullsFirst())
    .orderBy('status')
    .orderBy('id')
    .execute();
  const assessments = await db
    .selectFrom('assessments as a')
    .leftJoin('staff as s', 's.id', 'a.assessor_id')
    .select(['a.criterion', 'a.rating', 'a.note', 'a.assessed_on', (eb) => eb.fn.coalesce('s.name', 'a.assessor').as('assessor')])
    .where('a.client_id', '=', id)
    .orderBy('a.assessed_on', 'desc')
    .orderBy('a.criterion')
    .orderBy('a.id')
    .limit(12)
    .execute();
  const yearAgo = `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`;
  const won = await db
    .selectFrom('deals')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_minor'), eb.lit(0)).as('total'))
    .where('client_id', '=', id)
    .where('stage', '=', 'won')
    .where('closed_on', '>', yearAgo)
    .where('closed_on', '<=', today)
    .executeTakeFirstOrThrow();
  return { client, branches, siblings, contacts, team, deals, activities, tasks, goals, assessments, wonLast12Months: Number(won.total) };
}
