import { describe, expect, it } from 'vitest';
import { addMonths, closedPeriod, parsePeriod, periodDays, previousPeriod } from '../../src/reports/period.js';
import { parseRevenueBy, revenueModel, revenueReport, trendOf, type RevenueBy, type RevenueFact } from '../../src/reports/revenue.js';

const p1 = { productId: 1, productCode: 'NC-050', productName: 'Насос НЦ-50', category: 'Насосы' };
const p2 = { productId: 2, productCode: 'KV-11', productName: 'Компрессор КВ-11', category: 'Компрессоры' };
const none = { productId: null, productCode: null, productName: null, category: null };
const f = (p: typeof p1 | typeof none, clientType: string, revenueMinor: number, wonDeals = 1): RevenueFact => ({ ...p, clientType, revenueMinor, wonDeals });
const current = [f(p1, 'retail', 100000, 2), f(p1, 'distributor', 50000), f(p2, 'retail', 150000), f(none, 'retail', 10000)];
const previous = [f(p1, 'retail', 80000), f(p2, 'distributor', 40000), f(p2, 'retail', 150000)];
const period = { from: '2026-01-01', to: '2026-06-30' };
const run = (by: RevenueBy, top: number | null = null) => revenueReport({ current, previous }, { by, period, previous: previousPeriod(period), top });
const table = (by: RevenueBy, top: number | null = null) =>
  [...revenueModel(run(by, top)).rows].map((r) => [r.level, r.rank, r.product_code ?? null, r.product ?? null, r.client_type ?? null, r.won_deals, r.revenue, r.share, r.revenue_prev, r.change, r.growth, r.trend]);

describe('periods', () => {
  it('the previous period is the same number of days just before --from', () => {
    expect(periodDays(period)).toBe(181);
    expect(previousPeriod(period)).toEqual({ from: '2025-07-04', to: '2025-12-31' });
    expect(previousPeriod({ from: '2024-03-01', to: '2024-03-31' })).toEqual({ from: '2024-01-30', to: '2024-02-29' });
  });

  it('default: the 12 months up to today; a missing end is filled in', () => {
    expect(closedPeriod({ from: null, to: null }, '2026-11-20')).toEqual({ from: '2025-11-21', to: '2026-11-20' });
    expect(closedPeriod({ from: '2026-01-01', to: null }, '2026-11-20')).toEqual({ from: '2026-01-01', to: '2026-11-20' });
    expect(closedPeriod({ from: null, to: '2026-06-30' }, '2026-11-20')).toEqual({ from: '2025-07-01', to: '2026-06-30' });
  });

  it('months are calendar months; the 31st and the 29th of February clamp', () => {
    expect(addMonths('2024-02-29', -12)).toBe('2023-02-28');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2026-01-15', -13)).toBe('2024-12-15');
    expect(addMonths('2025-12-31', 2)).toBe('2026-02-28');
  });

  it('--from/--to: both formats, inclusive, in order', () => {
    expect(parsePeriod('01.02.2026', '2026-02-28')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(() => parsePeriod('2026-03-01', '2026-02-01')).toThrow(/after --to/);
    expect(() => parsePeriod('2026-02-30', undefined)).toThrow(/--from/);
  });
});

describe('crm report revenue: figures by hand', () => {
  it('product × client type: largest first, shares of the total, trend against the previous period', () => {
    expect(table('both')).toEqual([
      ['row', 1, 'KV-11', 'Компрессор КВ-11', 'retail', 1, 150000, 150000 / 310000, 150000, 0, 0, 'flat'],
      ['row', 2, 'NC-050', 'Насос НЦ-50', 'retail', 2, 100000, 100000 / 310000, 80000, 20000, 0.25, 'up'],
      ['row', 3, 'NC-050', 'Насос НЦ-50', 'distributor', 1, 50000, 50000 / 310000, 0, 50000, null, 'new'],
      ['row', 4, null, '(no product)', 'retail', 1, 10000, 10000 / 310000, 0, 10000, null, 'new'],
      ['row', 5, 'KV-11', 'Компрессор КВ-11', 'distributor', 0, 0, 0, 40000, -40000, -1, 'gone'],
      ['total', null, null, 'total', null, 5, 310000, 1, 270000, 40000, 40000 / 270000, 'up'],
    ]);
  });

  it('--top keeps the largest rows and sums the rest into one row, so the rows still add up', () => {
    const rows = table('both', 2);
    expect(rows.slice(2)).toEqual([
      ['other', null, null, 'other (3 combinations)', null, 2, 60000, 60000 / 310000, 40000, 20000, 0.5, null],
      ['total', null, null, 'total', null, 5, 310000, 1, 270000, 40000, 40000 / 270000, 'up'],
    ]);
    expect(rows.slice(0, 3).reduce((s, r) => s + (r[6] as number), 0)).toBe(310000);
  });

  it('by product and by client type', () => {
    expect(table('product').map((r) => [r[2], r[6], r[8], r[10], r[11]])).toEqual([
      ['KV-11', 150000, 190000, -40000 / 190000, 'down'],
      ['NC-050', 150000, 80000, 0.875, 'up'],
      [null, 10000, 0, null, 'new'],
      [null, 310000, 270000, 40000 / 270000, 'up'],
    ]);
    expect(table('client-type').map((r) => [r[4], r[5], r[6], r[8]])).toEqual([
      ['retail', 4, 260000, 230000],
      ['distributor', 1, 50000, 40000],
      ['total', 5, 310000, 270000],
    ]);
    expect(revenueModel(run('client-type')).columns.map((c) => c.key)).not.toContain('product');
  });

  it('no revenue at all: shares and growth are empty, never 0 or NaN', () => {
    const r = revenueReport({ current: [], previous: [] }, { by: 'both', period, previous: previousPeriod(period), top: null });
    expect([...revenueModel(r).rows]).toEqual([
      expect.objectContaining({ level: 'total', revenue: 0, share: null, revenue_prev: 0, share_prev: null, growth: null, trend: 'flat' }),
    ]);
  });

  it('trend words and --by', () => {
    expect([trendOf(5, 0), trendOf(0, 5), trendOf(5, 5), trendOf(6, 5), trendOf(4, 5), trendOf(0, 0)]).toEqual(['new', 'gone', 'flat', 'up', 'down', 'flat']);
    expect(parseRevenueBy(undefined)).toBe('both');
    expect(parseRevenueBy('type')).toBe('client-type');
    expect(() => parseRevenueBy('staff')).toThrow(/both, product, client-type/);
  });
});
