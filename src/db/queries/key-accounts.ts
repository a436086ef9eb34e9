/**
 * The facts behind the key-account reports, read in a fixed number of set-based queries (not one
 * per account): the accounts, their branches, teams, contacts, activities in the window, plan
 * weeks, goals and self-assessments. Portable Kysely: nothing here is SQLite-only.
 *
 * The accounts and their branches are read first; every later query takes their ids as a list
 * (in chunks, far below any backend's limit on parameters) rather than a subquery that each
 * of them would evaluate again.
 */
import type { Kysely } from 'kysely';
import type { AccountFacts, ActivityFact, ActivityStat, AssessmentFact, ContactFact, GoalFact, PlanWeekFact, TeamMember, Unit } from '../../reports/key-accounts.js';
import { addDays } from '../../util/dates.js';
import type { DB } from '../types.js';

export interface KamQuery {
  readonly asOf: string;
  /** first day of the window */
  readonly from: string;
  readonly firstWeek: string;
  readonly lastWeek: string;
  /** activity kinds that can be top-to-top (for the last one before the window) */
  readonly topToTopKinds: readonly string[];
  /** one account only */
  readonly clientId?: number;
}

const CHUNK = 5000;

/** Runs `query` for the ids in chunks and concatenates the rows. */
async function inChunks<T>(ids: readonly number[], query: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await query(ids.slice(i, i + CHUNK))));
  return out;
}

/** An account_team row joined with its staff member, as the reports use it. */
export function teamMember(r: {
  client_id: number;
  staff_id: number;
  name: string;
  staff_role: string;
  staff_region: string | null;
  active: number;
  role: string;
  region: string | null;
  since: string | null;
  until: string | null;
}): TeamMember {
  return {
    clientId: r.client_id,
    staffId: r.staff_id,
    staffName: r.name,
    staffRole: r.staff_role,
    staffRegion: r.staff_region,
    staffActive: r.active === 1,
    role: r.role,
    region: r.region,
    since: r.since,
    until: r.until,
  };
}

export async function countLostKeyAccounts(db: Kysely<DB>): Promise<number> {
  const r = await db
    .selectFrom('clients')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('is_key_account', '=', 1)
    .where('merged_into_id', 'is', null)
    .where('status', '=', 'lost')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export async function keyAccountFacts(db: Kysely<DB>, q: KamQuery): Promise<AccountFacts[]> {
  let accountQuery = db
    .selectFrom('clients as c')
    .leftJoin('staff as m', 'm.id', 'c.manager_id')
    .select([
      'c.id',
      'c.external_id',
      'c.name',
      'c.region',
      'c.purchase_potential_minor',
      'c.partnership',
      'c.contract_no',
      'c.contract_until',
      'c.mission',
      'm.name as manager_name',
    ])
    .where('c.is_key_account', '=', 1)
    .where('c.merged_into_id', 'is', null)
    .where('c.status', '!=', 'lost');
  if (q.clientId !== undefined) accountQuery = accountQuery.where('c.id', '=', q.clientId);
  const accounts = await accountQuery.orderBy('c.id').execute();
  if (accounts.length === 0) return [];
  const heads = accounts.map((a) => a.id);

  const branches = await inChunks(heads, (chunk) =>
    db
      .selectFrom('clients')
      .select(['id', 'external_id', 'name', 'region', 'parent_id'])
      .where('parent_id', 'in', chunk)
      .where('merged_into_id', 'is', null)
      .where('status', '!=', 'lost')
      .orderBy('id')
      .execute(),
  );
  // the clients whose rows count for an account: the key accounts and their live branches
  const units = [...new Set([...heads, ...branches.map((b) => b.id)])];

  // which accounts a unit's rows belong to (a key account that is also a branch belongs to two)
  const accountsOf = new Map<number, number[]>();
  const unitsOf = new Map<number, Unit[]>();
  for (const a of accounts) {
    push(accountsOf, a.id, a.id);
    push(unitsOf, a.id, { id: a.id, externalId: a.external_id, name: a.name, region: a.region, isHq: true });
  }
  for (const b of branches) {
    push(accountsOf, b.id, b.parent_id!);
    push(unitsOf, b.parent_id!, { id: b.id, externalId: b.external_id, name: b.name, region: b.region, isHq: false });
  }
  const spread = <T extends { clientId: number }>(rows: readonly T[]): Map<number, T[]> => {
    const out = new Map<number, T[]>();
    for (const r of rows) for (const acc of accountsOf.get(r.clientId) ?? []) push(out, acc, r);
    return out;
  };

  const team = spread<TeamMember>(
    (
      await inChunks(units, (chunk) =>
        db
          .selectFrom('account_team as t')
          .innerJoin('staff as s', 's.id', 't.staff_id')
          .select(['t.id', 't.client_id', 't.staff_id', 's.name', 's.role as staff_role', 's.region as staff_region', 's.active', 't.role', 't.region', 't.since', 't.until'])
          .where('t.client_id', 'in', chunk)
          .execute(),
      )
    )
      .sort(byId)
      .map(teamMember),
  );

  const contacts = spread<ContactFact>(
    (
      await inChunks(units, (chunk) =>
        db
          .selectFrom('contacts')
          .select(['id', 'client_id', 'full_name', 'position', 'level', 'buying_role', 'is_service_contact'])
          .where('client_id', 'in', chunk)
          .where('active', '=', 1)
          .where('merged_into_id', 'is', null)
          .execute(),
      )
    )
      .sort(byId)
      .map((r) => ({ id: r.id, clientId: r.client_id, name: r.full_name, position: r.position, level: r.level, buyingRole: r.buying_role, isServiceContact: r.is_service_contact === 1 })),
  );

  const nextDay = addDays(q.asOf, 1);
  // staff in JS rather than joined: the grouping then needs no join (the busiest query here)
  const staff = new Map((await db.selectFrom('staff').select(['id', 'name', 'role']).execute()).map((r) => [r.id, r]));
  const statRows = await inChunks(units, (chunk) =>
    db
      .selectFrom('activities as a')
      .select((eb) => [
        'a.client_id',
        'a.staff_id',
        eb.fn.countAll<number>().as('n'),
        eb.fn.max('a.occurred_at').as('last'),
        eb.fn.sum<number>(eb.case().when('a.kind', '=', 'top_to_top').then(1).else(0).end()).as('t2t'),
      ])
      .where('a.client_id', 'in', chunk)
      .where('a.occurred_at', '>=', q.from)
      .where('a.occurred_at', '<', nextDay)
      .groupBy(['a.client_id', 'a.staff_id'])
      .execute(),
  );
  const activityStats = spread<ActivityStat>(
    statRows.map((r) => {
      const who = staff.get(r.staff_id);
      return { clientId: r.client_id, staffId: r.staff_id, staffName: who?.name ?? `#${r.staff_id}`, staffRole: who?.role ?? '', count: Number(r.n), last: String(r.last) };
    }),
  );

  // The rows that may be top-to-top, one by one for their contact's level: a counted kind by an
  // executive (read through the staff index: executives are few), and anything others logged as
  // top_to_top (read only at the units where the counts above show some), to say why it does not count.
  const selectRows = () =>
    db
      .selectFrom('activities as a')
      .innerJoin('staff as s', 's.id', 'a.staff_id')
      .leftJoin('contacts as k', 'k.id', 'a.contact_id')
      .select(['a.id', 'a.external_id', 'a.client_id', 'a.staff_id', 's.name as staff_name', 's.role as staff_role', 'k.full_name', 'k.position', 'k.level', 'a.kind', 'a.occurred_at'])
      .where('a.occurred_at', '>=', q.from)
      .where('a.occurred_at', '<', nextDay);
  const executives = [...staff.values()].filter((x) => x.role === 'executive').map((x) => x.id);
  const rows = executives.length
    ? await inChunks(units, (chunk) =>
        selectRows()
          .where('a.staff_id', 'in', executives)
          .where('a.client_id', 'in', chunk)
          .where('a.kind', 'in', [...new Set([...q.topToTopKinds, 'top_to_top'])])
          .execute(),
      )
    : [];
  const labelledAt = [...new Set(statRows.filter((r) => Number(r.t2t) > 0 && staff.get(r.staff_id)?.role !== 'executive').map((r) => r.client_id))];
  rows.push(...(await inChunks(labelledAt, (chunk) => selectRows().where('a.client_id', 'in', chunk).where('a.kind', '=', 'top_to_top').where('s.role', '!=', 'executive').execute())));
  const topToTop = spread<ActivityFact>(
    rows
      .sort((a, b) => a.occurred_at.localeCompare(b.occurred_at) || a.id - b.id)
      .map((r) => ({
        id: r.id,
        externalId: r.external_id,
        clientId: r.client_id,
        staffId: r.staff_id,
        staffName: r.staff_name,
        staffRole: r.staff_role,
        contactName: r.full_name,
        contactPosition: r.position,
        contactLevel: r.level,
        kind: r.kind,
        occurredAt: r.occurred_at,
      })),
  );

  const lastT2t = new Map<number, string>();
  if (q.topToTopKinds.length && executives.length) {
    const rows = await inChunks(units, (chunk) =>
      db
        .selectFrom('activities as a')
        .innerJoin('contacts as k', 'k.id', 'a.contact_id')
        .select((eb) => ['a.client_id', eb.fn.max('a.occurred_at').as('last')])
        .where('a.client_id', 'in', chunk)
        .where('a.staff_id', 'in', executives)
        .where('a.kind', 'in', [...q.topToTopKinds])
        .where('k.level', '=', 'executive')
        .where('a.occurred_at', '<', q.from)
        .groupBy('a.client_id')
        .execute(),
    );
    for (const r of rows) {
      for (const acc of accountsOf.get(r.client_id) ?? []) {
        const d = String(r.last).slice(0, 10);
        if ((lastT2t.get(acc) ?? '') < d) lastT2t.set(acc, d);
      }
    }
  }

  // (client, week) only: the index answers it without reading the tasks
  const plan = spread<PlanWeekFact & { clientId: number }>(
    (
      await inChunks(units, (chunk) =>
        db
          .selectFrom('plan_tasks')
          .select((eb) => ['client_id', 'week', eb.fn.countAll<number>().as('n')])
          .where('client_id', 'in', chunk)
          .where('week', '>=', q.firstWeek)
          .where('week', '<=', q.lastWeek)
          .groupBy(['client_id', 'week'])
          .execute(),
      )
    ).map((r) => ({ clientId: r.client_id!, week: r.week, count: Number(r.n) })),
  );

  const goals = spread<GoalFact & { clientId: number }>(
    (
      await inChunks(units, (chunk) =>
        db
          .selectFrom('goals')
          .select(['id', 'external_id', 'client_id', 'goal', 'target_value', 'target_unit', 'set_on', 'due_on', 'status'])
          .where('client_id', 'in', chunk)
          .execute(),
      )
    )
      .sort(byId)
      .map((r) => ({ id: r.id, externalId: r.external_id, clientId: r.client_id, goal: r.goal, targetValue: r.target_value, targetUnit: r.target_unit, setOn: r.set_on, dueOn: r.due_on, status: r.status })),
  );

  const assessments = new Map<number, AssessmentFact[]>();
  const assessed = await inChunks(heads, (chunk) =>
    db
      .selectFrom('assessments as x')
      .leftJoin('staff as s', 's.id', 'x.assessor_id')
      .select(['x.id', 'x.client_id', 'x.criterion', 'x.rating', 'x.note', 'x.assessor', 's.name as assessor_name', 'x.assessed_on'])
      .where('x.client_id', 'in', chunk)
      .where('x.assessed_on', '<=', q.asOf)
      .execute(),
  );
  // oldest first: the latest of a day is the one entered last
  for (const r of assessed.sort((a, b) => a.assessed_on.localeCompare(b.assessed_on) || a.id - b.id)) {
    push(assessments, r.client_id, { criterion: r.criterion, rating: r.rating, note: r.note, assessor: r.assessor_name ?? r.assessor, assessedOn: r.assessed_on });
  }

  return accounts.map((a) => ({
    id: a.id,
    externalId: a.external_id,
    name: a.name,
    managerName: a.manager_name,
    potentialMinor: a.purchase_potential_minor,
    partnership: a.partnership,
    contractNo: a.contract_no,
    contractUntil: a.contract_until,
    mission: a.mission,
    units: unitsOf.get(a.id) ?? [],
    team: team.get(a.id) ?? [],
    contacts: contacts.get(a.id) ?? [],
    activityStats: activityStats.get(a.id) ?? [],
    topToTopCandidates: topToTop.get(a.id) ?? [],
    lastTopToTopBefore: lastT2t.get(a.id) ?? null,
    planWeeks: plan.get(a.id) ?? [],
    goals: goals.get(a.id) ?? [],
    assessments: assessments.get(a.id) ?? [],
  }));
}
