/**
 * Won revenue by product × client type (DESIGN §4; seed 004: which products and client types
 * bring most of the income, the most profitable combinations). Pure: facts in, report out.
 *
 * - Won revenue is the amount of deals at stage won, in the period by closed_on (both ends
 *   inclusive); the client type is the client's today.
 * - Share = the row's revenue / the period's total revenue.
 * - Trend: the same figure for the previous period, the same number of days immediately before
 *   --from; change = revenue − previous, growth = change / previous (null when previous is 0).
 * - Rows by revenue, largest first (ties by the previous revenue, then names); with --top N the
 *   rest are summed into one "other" row, so the rows always add up to the total.
 */
import { UsageError } from '../errors.js';
import type { Column, Row, TableModel } from '../render/model.js';
import type { ClosedPeriod } from './period.js';
import { periodDays } from './period.js';
import { ratio } from './promotions.js';

export const REVENUE_BY = ['both', 'product', 'client-type'] as const;
export type RevenueBy = (typeof REVENUE_BY)[number];

export function parseRevenueBy(text: string | undefined): RevenueBy {
  if (text === undefined) return 'both';
  const t = text.trim().toLowerCase().replace('_', '-');
  const by = (REVENUE_BY as readonly string[]).includes(t) ? (t as RevenueBy) : t === 'type' ? 'client-type' : undefined;
  if (!by) throw new UsageError(`--by ${JSON.stringify(text)}: group by one of ${REVENUE_BY.join(', ')}`);
  return by;
}

/** Won revenue of one product and client type in one period. */
export interface RevenueFact {
  readonly productId: number | null;
  readonly productCode: string | null;
  readonly productName: string | null;
  readonly category: string | null;
  readonly clientType: string;
  readonly revenueMinor: number;
  readonly wonDeals: number;
}

export interface RevenueInput {
  readonly current: readonly RevenueFact[];
  readonly previous: readonly RevenueFact[];
}

export interface RevenueOptions {
  readonly by: RevenueBy;
  readonly period: ClosedPeriod;
  readonly previous: ClosedPeriod;
  /** keep the N largest rows, sum the rest into "other"; null = every row */
  readonly top: number | null;
}

export type Trend = 'up' | 'down' | 'flat' | 'new' | 'gone';

export interface RevenueLine {
  readonly level: 'row' | 'other' | 'total';
  readonly rank: number | null;
  readonly productId: number | null;
  readonly productCode: string | null;
  readonly productName: string | null;
  readonly category: string | null;
  readonly clientType: string | null;
  /** rows summed into an "other" line */
  readonly combinations: number;
  readonly wonDeals: number;
  readonly revenueMinor: number;
  readonly share: number | null;
  readonly previousMinor: number;
  readonly previousShare: number | null;
  readonly changeMinor: number;
  readonly growth: number | null;
  readonly trend: Trend | null;
}

export interface RevenueReport {
  readonly by: RevenueBy;
  readonly period: ClosedPeriod;
  readonly previous: ClosedPeriod;
  readonly top: number | null;
  readonly lines: readonly RevenueLine[];
  readonly total: RevenueLine;
}

export function trendOf(current: number, previous: number): Trend {
  if (previous === 0) return current === 0 ? 'flat' : 'new';
  if (current === 0) return 'gone';
  return current > previous ? 'up' : current < previous ? 'down' : 'flat';
}

interface Acc {
  key: string;
  productId: number | null;
  productCode: string | null;
  productName: string | null;
  category: string | null;
  clientType: string | null;
  revenue: number;
  deals: number;
  previous: number;
}

function keyOf(by: RevenueBy, f: RevenueFact): string {
  const product = f.productId === null ? '-' : String(f.productId);
  return by === 'product' ? product : by === 'client-type' ? `t:${f.clientType}` : `${product}|${f.clientType}`;
}

export function revenueReport(input: RevenueInput, opts: RevenueOptions): RevenueReport {
  const accs = new Map<string, Acc>();
  const accOf = (f: RevenueFact): Acc => {
    const key = keyOf(opts.by, f);
    let a = accs.get(key);
    if (!a) {
      const product = opts.by !== 'client-type';
      a = {
        key,
        productId: product ? f.productId : null,
        productCode: product ? f.productCode : null,
        productName: product ? f.productName : null,
        category: product ? f.category : null,
        clientType: opts.by !== 'product' ? f.clientType : null,
        revenue: 0,
        deals: 0,
        previous: 0,
      };
      accs.set(key, a);
    }
    return a;
  };
  for (const f of input.current) {
    const a = accOf(f);
    a.revenue += f.revenueMinor;
    a.deals += f.wonDeals;
  }
  for (const f of input.previous) accOf(f).previous += f.revenueMinor;

  let total = 0;
  let totalPrevious = 0;
  let totalDeals = 0;
  for (const a of accs.values()) {
    total += a.revenue;
    totalPrevious += a.previous;
    totalDeals += a.deals;
  }

  const name = (a: Acc) => `${a.productName ?? '\uffff'}|${a.clientType ?? ''}`;
  const sorted = [...accs.values()]
    .filter((a) => a.revenue !== 0 || a.previous !== 0)
    .sort((a, b) => b.revenue - a.revenue || b.previous - a.previous || name(a).localeCompare(name(b), 'ru'));

  const line = (level: RevenueLine['level'], rank: number | null, a: Omit<Acc, 'key'>, combinations: number): RevenueLine => ({
    level,
    rank,
    productId: a.productId,
    productCode: a.productCode,
    productName: a.productName,
    category: a.category,
    clientType: a.clientType,
    combinations,
    wonDeals: a.deals,
    revenueMinor: a.revenue,
    share: ratio(a.revenue, total),
    previousMinor: a.previous,
    previousShare: ratio(a.previous, totalPrevious),
    changeMinor: a.revenue - a.previous,
    growth: ratio(a.revenue - a.previous, a.previous),
    trend: level === 'other' ? null : trendOf(a.revenue, a.previous),
  });

  const keep = opts.top === null ? sorted.length : Math.min(opts.top, sorted.length);
  const lines: RevenueLine[] = sorted.slice(0, keep).map((a, i) => line('row', i + 1, a, 1));
  const rest = sorted.slice(keep);
  if (rest.length > 0) {
    const other = { productId: null, productCode: null, productName: null, category: null, clientType: null, revenue: 0, deals: 0, previous: 0 };
    for (const a of rest) {
      other.revenue += a.revenue;
      other.deals += a.deals;
      other.previous += a.previous;
    }
    lines.push(line('other', null, other, rest.length));
  }
  const totalLine = line('total', null, { productId: null, productCode: null, productName: null, category: null, clientType: null, revenue: total, deals: totalDeals, previous: totalPrevious }, sorted.length);
  return { by: opts.by, period: opts.period, previous: opts.previous, top: opts.top, lines, total: totalLine };
}

const PRODUCT_COLUMNS: Column[] = [
  { key: 'product_id', header: 'Id', type: 'int' },
  { key: 'product_code', header: 'Code' },
  { key: 'product', header: 'Product' },
  { key: 'category', header: 'Category' },
];
const TYPE_COLUMNS: Column[] = [{ key: 'client_type', header: 'Client type' }];
const FIGURES: Column[] = [
  { key: 'won_deals', header: 'Won deals', type: 'int' },
  { key: 'revenue', header: 'Revenue', type: 'money' },
  { key: 'share', header: 'Share', type: 'ratio' },
  { key: 'revenue_prev', header: 'Previous', type: 'money' },
  { key: 'share_prev', header: 'Prev. share', type: 'ratio' },
  { key: 'change', header: 'Change', type: 'money' },
  { key: 'growth', header: 'Growth', type: 'ratio' },
  { key: 'trend', header: 'Trend' },
];
const COMPACT_HIDDEN = new Set(['level', 'product_id', 'category', 'share_prev']);

function labelOf(l: RevenueLine, by: RevenueBy): Record<string, string | null> {
  if (l.level === 'row') return {};
  const text = l.level === 'total' ? 'total' : `other (${l.combinations} ${by === 'both' ? 'combinations' : by === 'product' ? 'products' : 'client types'})`;
  return by === 'client-type' ? { client_type: text } : { product: text };
}

export function revenueModel(r: RevenueReport, opts: { compact?: boolean } = {}): TableModel {
  const rows: Row[] = [...r.lines, r.total].map((l) => ({
    level: l.level,
    rank: l.rank,
    product_id: l.productId,
    product_code: l.productCode,
    product: l.level === 'row' && l.productId === null && r.by !== 'client-type' ? '(no product)' : l.productName,
    category: l.category,
    client_type: l.clientType,
    ...labelOf(l, r.by),
    won_deals: l.wonDeals,
    revenue: l.revenueMinor,
    share: l.share,
    revenue_prev: l.previousMinor,
    share_prev: l.previousShare,
    change: l.changeMinor,
    growth: l.growth,
    trend: l.trend,
  }));
  let columns: Column[] = [
    { key: 'level' },
    { key: 'rank', header: '#', type: 'int' },
    ...(r.by !== 'client-type' ? PRODUCT_COLUMNS : []),
    ...(r.by !== 'product' ? TYPE_COLUMNS : []),
    ...FIGURES,
  ];
  if (opts.compact) columns = columns.filter((c) => !COMPACT_HIDDEN.has(c.key));
  const what = r.by === 'both' ? 'product × client type' : r.by === 'product' ? 'product' : 'client type';
  return {
    title: `Won revenue by ${what}, closed ${r.period.from}…${r.period.to} (${periodDays(r.period)} days) against ${r.previous.from}…${r.previous.to}`,
    columns,
    rows,
    isTotal: (row) => row.level === 'total',
    note:
      'Won deals by closed_on; the client type is the client\'s today. Share = of the period\'s won revenue. ' +
      'Growth = (revenue − previous) / previous; — when the previous period had none.',
    meta: {
      report: 'revenue',
      by: r.by,
      from: r.period.from,
      to: r.period.to,
      previous_from: r.previous.from,
      previous_to: r.previous.to,
      top: r.top,
    },
  };
}
