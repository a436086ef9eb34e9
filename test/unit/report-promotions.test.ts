import { describe, expect, it } from 'vitest';
import type { Period } from '../../src/reports/period.js';
import {
  costShare,
  dayKey,
  epochDay,
  inferLinks,
  parseBy,
  promotionsModel,
  promotionsReport,
  ratio,
  responseCosts,
  type DealFact,
  type PromotionsBy,
  type PromotionsInput,
  type ResponseFact,
} from '../../src/reports/promotions.js';

// Three promotions: A (email, 100.00 RUB, 3 responses), B (exhibition, 1000.01 RUB, 2 responses),
// C (email, 50.00 RUB, no response at all). Cost shares, by hand:
//   A: 10000 kop over 3 → 3333, 3333, 3334;  B: 100001 kop over 2 → 50000, 50001.
const promotions: PromotionsInput['promotions'] = [
  { id: 1, code: 'A', name: 'Рассылка A', channel: 'email', targetClientType: 'retail', startsOn: '2026-01-10', endsOn: '2026-01-31', costMinor: 10000 },
  { id: 2, code: 'B', name: 'Выставка B', channel: 'exhibition', targetClientType: null, startsOn: '2026-02-01', endsOn: '2026-02-05', costMinor: 100001 },
  { id: 3, code: 'C', name: 'Рассылка C', channel: 'email', targetClientType: null, startsOn: '2026-03-01', endsOn: null, costMinor: 5000 },
];
const staff = new Map([
  [7, { name: 'Иванов Иван', email: 'ivanov@x.ru' }],
  [8, { name: 'Петрова Анна', email: 'petrova@x.ru' }],
]);
const clientTypes = new Map([
  [10, 'retail'],
  [11, 'distributor'],
  [12, 'retail'],
]);
const resp = (id: number, promotionId: number, respondedOn: string, clientId: number | null, staffId: number | null): ResponseFact => ({ id, promotionId, respondedOn, clientId, staffId });
const responses = [
  resp(1, 1, '2026-01-15', 10, 7),
  resp(2, 1, '2026-01-20', 11, 8),
  resp(3, 1, '2026-02-05', null, null),
  resp(4, 2, '2026-02-03', 10, 7),
  resp(5, 2, '2026-02-04', 12, 8),
];
const deal = (id: number, responseId: number | null, clientId: number, openedOn: string, stage: string, amountMinor: number): DealFact => ({ id, responseId, clientId, openedOn, stage, amountMinor });
const linkedDeals = [deal(1, 1, 10, '2026-01-20', 'won', 50000), deal(2, 1, 10, '2026-01-25', 'lost', 30000), deal(3, 4, 10, '2026-02-10', 'won', 200000), deal(4, 5, 12, '2026-02-06', 'open', 10000)];
const unlinkedDeals = [
  deal(5, null, 11, '2026-02-10', 'won', 70000), // r2 is 21 days before
  deal(6, null, 10, '2026-02-04', 'won', 10000), // r1 20 days before, r4 1 day before → r4
  deal(7, null, 12, '2026-02-01', 'won', 99999), // before r5: no response before it
  deal(8, null, 10, '2026-02-03', 'lost', 5000), // the same day as r4 → r4
];
const clientResponses = responses;
const input: PromotionsInput = { promotions, responses, deals: [...linkedDeals, ...unlinkedDeals], staff, clientTypes };
const ALL: Period = { from: null, to: null };

const report = (by: PromotionsBy, opts: { period?: Period; days?: number | null } = {}) => {
  // without a window the base gives the linked deals only
  const deals = opts.days === undefined || opts.days === null ? linkedDeals : input.deals;
  return promotionsReport({ ...input, deals }, { by, period: opts.period ?? ALL, attributionDays: opts.days ?? null });
};
const rows = (by: PromotionsBy, opts: { period?: Period; days?: number | null } = {}) => [...promotionsModel(report(by, opts)).rows];

describe('cost shares', () => {
  it('split a cost into n integer shares that add up exactly', () => {
    expect([1, 2, 3].map((k) => costShare(10000, k, 3))).toEqual([3333, 3333, 3334]);
    expect([1, 2].map((k) => costShare(100001, k, 2))).toEqual([50000, 50001]);
    expect([1, 2, 3, 4, 5, 6, 7].map((k) => costShare(1, k, 7)).reduce((a, b) => a + b)).toBe(1);
    // beyond 2^53 in the intermediate product: still exact
    const big = 9_000_000_000_000;
    let sum = 0;
    for (let k = 1; k <= 4001; k++) sum += costShare(big, k, 4001);
    expect(sum).toBe(big);
    expect(() => costShare(100, 0, 3)).toThrow();
  });

  it("each response's share follows its place by responded_on, then id, over all the promotion's responses", () => {
    const p = [{ ...promotions[0]!, costMinor: 10 }];
    const r = [resp(1, 1, '2026-03-03', 10, 7), resp(3, 1, '2026-03-01', 10, 7), resp(2, 1, '2026-03-01', 10, 7)];
    expect([...responseCosts(p, r)]).toEqual([4, 3, 3]); // ids 1, 3, 2: places 3, 2, 1
  });

  it('dates as numbers for sorting and day arithmetic, whatever the time zone', () => {
    expect(dayKey('2026-11-20')).toBe(20261120);
    expect(dayKey('1999-01-02')).toBe(19990102);
    expect(epochDay('1970-01-02')).toBe(1);
    expect(epochDay('2026-03-30') - epochDay('2026-03-28')).toBe(2);
    expect(epochDay('2025-01-01') - epochDay('2024-01-01')).toBe(366);
  });

  it('a ratio with a zero denominator is null, never 0, NaN or Infinity', () => {
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(5, 0)).toBeNull();
    expect(ratio(0, 5)).toBe(0);
  });
});

describe('inferred attribution', () => {
  it("credits an unlinked deal to the client's latest response in the N days up to the day it opened", () => {
    expect(Object.fromEntries(inferLinks(unlinkedDeals, clientResponses, 30))).toEqual({ 5: 2, 6: 4, 8: 4 });
    expect(Object.fromEntries(inferLinks(unlinkedDeals, clientResponses, 20))).toEqual({ 6: 4, 8: 4 });
    expect(Object.fromEntries(inferLinks(unlinkedDeals, clientResponses, 21))).toEqual({ 5: 2, 6: 4, 8: 4 });
    expect(Object.fromEntries(inferLinks(unlinkedDeals, clientResponses, 0))).toEqual({ 8: 4 });
  });

  it('two responses on the same day: the higher id wins; a linked deal is never re-linked', () => {
    const c = [
      { id: 9, clientId: 1, respondedOn: '2026-05-01' },
      { id: 3, clientId: 1, respondedOn: '2026-05-01' },
    ];
    expect(inferLinks([deal(1, null, 1, '2026-05-02', 'won', 1)], c, 5).get(1)).toBe(9);
    expect(inferLinks([deal(1, 3, 1, '2026-05-02', 'won', 1)], c, 5).size).toBe(0);
  });

  it('sparse client ids work the same (no slot per possible id)', () => {
    const far = 9_000_000_000;
    const c = [
      { id: 1, clientId: far, respondedOn: '2026-05-01' },
      { id: 2, clientId: 5, respondedOn: '2026-05-01' },
      { id: 3, clientId: null, respondedOn: '2026-05-01' },
    ];
    const links = inferLinks([deal(10, null, far, '2026-05-03', 'won', 1), deal(11, null, 5, '2026-05-01', 'won', 1), deal(12, null, 6, '2026-05-01', 'won', 1), deal(13, null, far + 1, '2026-05-01', 'won', 1)], c, 2);
    expect(Object.fromEntries(links)).toEqual({ 10: 1, 11: 2 });
  });
});

describe('crm report promotions: figures by hand', () => {
  it('by promotion: every figure, a promotion without responses, and the totals row', () => {
    expect(rows('promotion')).toEqual([
      {
        level: 'group', promotion_id: 1, promotion_code: 'A', promotion: 'Рассылка A', channel: 'email', target_client_type: 'retail', starts_on: '2026-01-10', ends_on: '2026-01-31', promotions: 1,
        responses: 3, deals: 2, inferred_deals: 0, won_deals: 1, deals_per_response: 2 / 3, won_per_response: 1 / 3, won_per_deal: 0.5,
        revenue_won: 50000, cost: 10000, cost_per_response: 3333, cost_per_won_deal: 10000, roi: 4,
      },
      {
        level: 'group', promotion_id: 2, promotion_code: 'B', promotion: 'Выставка B', channel: 'exhibition', target_client_type: null, starts_on: '2026-02-01', ends_on: '2026-02-05', promotions: 1,
        responses: 2, deals: 2, inferred_deals: 0, won_deals: 1, deals_per_response: 1, won_per_response: 0.5, won_per_deal: 0.5,
        revenue_won: 200000, cost: 100001, cost_per_response: 50001, cost_per_won_deal: 100001, roi: 99999 / 100001,
      },
      {
        level: 'group', promotion_id: 3, promotion_code: 'C', promotion: 'Рассылка C', channel: 'email', target_client_type: null, starts_on: '2026-03-01', ends_on: null, promotions: 1,
        responses: 0, deals: 0, inferred_deals: 0, won_deals: 0, deals_per_response: null, won_per_response: null, won_per_deal: null,
        revenue_won: 0, cost: 5000, cost_per_response: null, cost_per_won_deal: null, roi: -1,
      },
      {
        level: 'total', promotion_id: null, promotion_code: null, promotion: 'total', channel: null, target_client_type: null, starts_on: null, ends_on: null, promotions: 3,
        responses: 5, deals: 4, inferred_deals: 0, won_deals: 2, deals_per_response: 0.8, won_per_response: 0.4, won_per_deal: 0.5,
        revenue_won: 250000, cost: 115001, cost_per_response: 23000, cost_per_won_deal: 57501, roi: 134999 / 115001,
      },
    ]);
  });

  it('with an attribution window: inferred deals counted and said', () => {
    const r = report('promotion', { days: 30 });
    expect(r.inferredDeals).toBe(3);
    const [a, b, , total] = [...promotionsModel(r).rows];
    expect(a).toMatchObject({ responses: 3, deals: 3, inferred_deals: 1, won_deals: 2, revenue_won: 120000, deals_per_response: 1, roi: 11 });
    expect(b).toMatchObject({ responses: 2, deals: 4, inferred_deals: 2, won_deals: 2, revenue_won: 210000, deals_per_response: 2 });
    expect(total).toMatchObject({ deals: 7, inferred_deals: 3, won_deals: 4, revenue_won: 330000 });
    expect(promotionsModel(r).meta).toMatchObject({ attribution_days: 30, inferred_deals: 3 });
    expect(report('promotion', { days: 20 }).inferredDeals).toBe(2);
  });

  it('by staff: each handler carries the cost share of the responses they handled', () => {
    const byStaff = rows('staff').map((r) => [r.staff, r.staff_email, r.responses, r.deals, r.won_deals, r.revenue_won, r.cost, r.won_per_deal, r.cost_per_won_deal, r.roi]);
    expect(byStaff).toEqual([
      ['Иванов Иван', 'ivanov@x.ru', 2, 3, 2, 250000, 53333, 2 / 3, 26667, (250000 - 53333) / 53333],
      ['Петрова Анна', 'petrova@x.ru', 2, 1, 0, 0, 53334, 0, null, -1],
      ['(not assigned)', null, 1, 0, 0, 0, 3334, null, null, -1],
      ['(no responses)', null, 0, 0, 0, 0, 5000, null, null, -1],
      ['total', null, 5, 4, 2, 250000, 115001, 0.5, 57501, 134999 / 115001],
    ]);
  });

  it('by client type, channel and month: the same cost, split differently, always to the kopeck', () => {
    expect(rows('client-type').map((r) => [r.client_type, r.responses, r.deals, r.cost])).toEqual([
      ['distributor', 1, 0, 3333],
      ['retail', 3, 4, 103334],
      ['(no client)', 1, 0, 3334],
      ['(no responses)', 0, 0, 5000],
      ['total', 5, 4, 115001],
    ]);
    expect(rows('channel').map((r) => [r.channel, r.promotions, r.responses, r.cost])).toEqual([
      ['email', 2, 3, 15000],
      ['exhibition', 1, 2, 100001],
      ['total', 3, 5, 115001],
    ]);
    expect(rows('month').map((r) => [r.month, r.responses, r.deals, r.cost])).toEqual([
      ['2026-01', 2, 2, 6666],
      ['2026-02', 3, 2, 103335],
      ['2026-03', 0, 0, 5000],
      ['total', 5, 4, 115001],
    ]);
  });

  it('periods: responses by responded_on; cost shares of disjoint periods add up to the whole', () => {
    const jan = report('promotion', { period: { from: '2026-01-01', to: '2026-01-31' } });
    const feb = report('promotion', { period: { from: '2026-02-01', to: '2026-02-28' } });
    const mar = report('promotion', { period: { from: '2026-03-01', to: '2026-03-31' } });
    expect([jan.total.costMinor, feb.total.costMinor, mar.total.costMinor]).toEqual([6666, 103335, 5000]);
    expect(jan.total.costMinor + feb.total.costMinor + mar.total.costMinor).toBe(115001);
    expect(feb.groups.map((g) => [g.fields.promotion_code, g.figures.responses, g.figures.costMinor, g.figures.deals])).toEqual([
      ['A', 1, 3334, 0],
      ['B', 2, 100001, 2],
    ]);
  });

  it('an inferred deal goes to the latest response even when that one is outside the period', () => {
    // January only: d6 (client 10, 2026-02-04) belongs to r4 (02-03, February), not to r1 (01-15)
    const jan = report('promotion', { period: { from: '2026-01-01', to: '2026-01-31' }, days: 30 });
    expect(jan.inferredDeals).toBe(1); // d5 → r2
    expect(jan.total).toMatchObject({ deals: 3, wonDeals: 2, revenueWonMinor: 120000 });
  });

  it('the table form hides ids and, without a window, the inferred column', () => {
    const keys = promotionsModel(report('staff'), { compact: true }).columns.map((c) => c.key);
    expect(keys).not.toContain('inferred_deals');
    expect(keys).not.toContain('level');
    expect(promotionsModel(report('staff', { days: 7 }), { compact: true }).columns.map((c) => c.key)).toContain('inferred_deals');
    expect(promotionsModel(report('staff')).columns.map((c) => c.key)).toEqual([
      'level', 'staff_id', 'staff', 'staff_email', 'promotions', 'responses', 'deals', 'inferred_deals', 'won_deals', 'deals_per_response', 'won_per_response',
      'won_per_deal', 'revenue_won', 'cost', 'cost_per_response', 'cost_per_won_deal', 'roi',
    ]);
  });

  it('--by accepts the groupings and a few aliases, and refuses anything else', () => {
    expect(parseBy(undefined)).toBe('promotion');
    expect(parseBy('client_type')).toBe('client-type');
    expect(parseBy('Staff')).toBe('staff');
    expect(() => parseBy('product')).toThrow(/promotion, channel, staff, client-type, month/);
  });
});
