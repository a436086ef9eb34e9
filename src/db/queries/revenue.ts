/**
 * The facts behind `crm report revenue`: won revenue per product and client type in a period (by
 * closed_on, both ends inclusive), summed by the database. Portable Kysely; deals of merged
 * clients are left out (dedupe re-points them to the survivor).
 */
import type { Kysely } from 'kysely';
import type { ClosedPeriod } from '../../reports/period.js';
import type { RevenueFact } from '../../reports/revenue.js';
import type { DB } from '../types.js';

export async function wonRevenue(db: Kysely<DB>, p: ClosedPeriod): Promise<RevenueFact[]> {
  const rows = await db
    .selectFrom('deals as d')
    .innerJoin('clients as c', 'c.id', 'd.client_id')
    .leftJoin('products as pr', 'pr.id', 'd.product_id')
    .select((eb) => ['d.product_id', 'pr.code', 'pr.name', 'pr.category', 'c.client_type', eb.fn.sum<number>('d.amount_minor').as('revenue'), eb.fn.countAll<number>().as('deals')])
    .where('d.stage', '=', 'won')
    .where('d.closed_on', '>=', p.from)
    .where('d.closed_on', '<=', p.to)
    .where('c.merged_into_id', 'is', null)
    .groupBy(['d.product_id', 'pr.code', 'pr.name', 'pr.category', 'c.client_type'])
    .execute();
  return rows.map((r) => ({
    productId: r.product_id,
    productCode: r.code,
    productName: r.name,
    category: r.category,
    clientType: r.client_type,
    revenueMinor: Number(r.revenue),
    wonDeals: Number(r.deals),
  }));
}
