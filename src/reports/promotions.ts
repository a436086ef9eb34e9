/**
 * Promotion-response-to-deal ratios (DESIGN §4; seed 004: count every response to every
 * promotion, judge the sales department by deals per response). Pure: facts in, report out.
 *
 * - A response is in the period by its responded_on. Its deals follow it whatever their own
 *   dates: the report says what the period's responses led to, as the base holds it now.
 * - A deal belongs to the response it names (deals.response_id). With an attribution window of
 *   N days, a deal that names none is credited to its client's latest response dated from N days
 *   before the deal was opened up to that day (the same day counts; the latest wins, ties by the
 *   higher id); such deals are counted as inferred.
 * - Cost belongs to the promotion and is shared equally over all its responses, ever: response
 *   k of n (by responded_on, then id) carries floor(cost·k/n) − floor(cost·(k−1)/n) kopecks, so
 *   the shares of a promotion add up to its cost exactly and any split of the responses (by
 *   period, staff, client type, month) splits the cost exactly. A promotion with no response at
 *   all keeps its whole cost on its start date, in its own row (by promotion), its channel, its
 *   start month, or a "(no responses)" row (by staff and client type).
 * - ROI = (revenue won − cost) / cost. Every ratio with a zero denominator is null.
 */
import { UsageError } from '../errors.js';
import type { Column, Row, TableModel } from '../render/model.js';
import { inPeriod, periodText, type Period } from './period.js';

export const PROMOTIONS_BY = ['promotion', 'channel', 'staff', 'client-type', 'month'] as const;
export type PromotionsBy = (typeof PROMOTIONS_BY)[number];

export function parseBy(text: string | undefined): PromotionsBy {
  if (text === undefined) return 'promotion';
  const t = text.trim().toLowerCase().replace('_', '-');
  const alias: Record<string, PromotionsBy> = { type: 'client-type', clienttype: 'client-type', handler: 'staff', channels: 'channel' };
  const by = (PROMOTIONS_BY as readonly string[]).includes(t) ? (t as PromotionsBy) : alias[t];
  if (!by) throw new UsageError(`--by ${JSON.stringify(text)}: group by one of ${PROMOTIONS_BY.join(', ')}`);
  return by;
}

export interface PromotionFact {
  readonly id: number;
  readonly code: string | null;
  readonly name: string;
  readonly channel: string;
  readonly targetClientType: string | null;
  readonly startsOn: string;
  readonly endsOn: string | null;
  readonly costMinor: number;
}

export interface ResponseFact {
  readonly id: number;
  readonly promotionId: number;
  readonly respondedOn: string;
  /** null: a response with raw details only, not matched to a client yet */
  readonly clientId: number | null;
  /** who handled it */
  readonly staffId: number | null;
}

export interface StaffFact {
  readonly name: string;
  readonly email: string | null;
}

export interface DealFact {
  readonly id: number;
  /** the response it names; null for an unlinked deal */
  readonly responseId: number | null;
  readonly clientId: number;
  readonly openedOn: string;
  readonly stage: string;
  readonly amountMinor: number;
}

/** A response as a candidate for inferred attribution (one with no client never is). */
export interface ClientResponseFact {
  readonly id: number;
  readonly clientId: number | null;
  readonly respondedOn: string;
}

export interface PromotionsInput {
  readonly promotions: readonly PromotionFact[];
  /** every response, whatever its date: a promotion's cost is shared over all of them */
  readonly responses: readonly ResponseFact[];
  /** deals that name a response, and (for an attribution window) deals that name none */
  readonly deals: readonly DealFact[];
  /** who handled the responses (for --by staff) */
  readonly staff: ReadonlyMap<number, StaffFact>;
  /** the responding clients' types (for --by client-type) */
  readonly clientTypes?: ReadonlyMap<number, string>;
}

export interface PromotionsOptions {
  readonly by: PromotionsBy;
  readonly period: Period;
  /** null: explicit links only */
  readonly attributionDays: number | null;
}

export interface Figures {
  responses: number;
  deals: number;
  wonDeals: number;
  inferredDeals: number;
  revenueWonMinor: number;
  costMinor: number;
}

export interface Group {
  /** stable identity of the group within the report */
  readonly key: string;
  /** what the row shows in its key columns */
  readonly fields: Readonly<Record<string, string | number | null>>;
  readonly sort: readonly (string | number)[];
  readonly figures: Figures;
  /** distinct promotions that contributed responses or cost */
  readonly promotions: Set<number>;
}

export interface PromotionsReport {
  readonly by: PromotionsBy;
  readonly period: Period;
  readonly attributionDays: number | null;
  readonly groups: readonly Group[];
  readonly total: Figures;
  readonly totalPromotions: number;
  /** unlinked deals credited to a response of the period by the window */
  readonly inferredDeals: number;
}

export interface Ratios {
  readonly dealsPerResponse: number | null;
  readonly wonPerResponse: number | null;
  readonly wonPerDeal: number | null;
  readonly costPerResponseMinor: number | null;
  readonly costPerWonDealMinor: number | null;
  readonly roi: number | null;
}

/** a / b, or null when b is 0: never 0, NaN or Infinity for an undefined ratio */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}

/** Money per unit, rounded half up to a kopeck; null when there are no units. */
export function perUnit(minor: number, units: number): number | null {
  return units === 0 ? null : Math.round(minor / units);
}

export function ratios(f: Figures): Ratios {
  return {
    dealsPerResponse: ratio(f.deals, f.responses),
    wonPerResponse: ratio(f.wonDeals, f.responses),
    wonPerDeal: ratio(f.wonDeals, f.deals),
    costPerResponseMinor: perUnit(f.costMinor, f.responses),
    costPerWonDealMinor: perUnit(f.costMinor, f.wonDeals),
    roi: f.costMinor === 0 ? null : (f.revenueWonMinor - f.costMinor) / f.costMinor,
  };
}

/**
 * The k-th of n equal shares of `costMinor` (k from 1): floor(cost·k/n) − floor(cost·(k−1)/n).
 * The n shares add up to the cost exactly and differ by at most one kopeck.
 */
export function costShare(costMinor: number, k: number, n: number): number {
  if (n <= 0 || k < 1 || k > n) throw new RangeError(`share ${k} of ${n}`);
  if (costMinor * n <= Number.MAX_SAFE_INTEGER) return Math.floor((costMinor * k) / n) - Math.floor((costMinor * (k - 1)) / n);
  const c = BigInt(costMinor);
  return Number((c * BigInt(k)) / BigInt(n) - (c * BigInt(k - 1)) / BigInt(n));
}

/** 'YYYY-MM-DD' as the number YYYYMMDD: it orders as the text does and compares faster. */
export function dayKey(date: string): number {
  const d = (i: number) => date.charCodeAt(i) - 48;
  return (d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3)) * 10000 + (d(5) * 10 + d(6)) * 100 + d(8) * 10 + d(9);
}

/**
 * Indexes of `items` grouped by `group`, each group ordered by day, then id. Sorting runs on
 * numbers (day·n + place by id) in typed arrays: a quarter of a million items take milliseconds.
 */
function orderedGroups<T extends { readonly id: number }>(items: readonly T[], group: (x: T) => number | null, day: (x: T) => string): Map<number, number[]> {
  const n = items.length;
  // place of each item by id (the identity when the items come in id order, as the queries give them)
  let place: Int32Array | null = null;
  let byPlace: Int32Array | null = null;
  for (let i = 1; i < n; i++) {
    if (items[i]!.id < items[i - 1]!.id) {
      byPlace = Int32Array.from(items.keys()).sort((x, y) => items[x]!.id - items[y]!.id);
      place = new Int32Array(n);
      byPlace.forEach((index, k) => (place![index] = k));
      break;
    }
  }
  const keys = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const x = items[i]!;
    const g = group(x);
    if (g === null) continue;
    const key = dayKey(day(x)) * n + (place ? place[i]! : i);
    const list = keys.get(g);
    if (list) list.push(key);
    else keys.set(g, [key]);
  }
  const groups = new Map<number, number[]>();
  for (const [g, list] of keys) {
    const sorted = Float64Array.from(list).sort();
    groups.set(
      g,
      Array.from(sorted, (k) => {
        const p = k % n;
        return byPlace ? byPlace[p]! : p;
      }),
    );
  }
  return groups;
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date (calendar arithmetic, no time zone). */
export function epochDay(date: string): number {
  const d = (i: number) => date.charCodeAt(i) - 48;
  return Date.UTC(d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3), d(5) * 10 + d(6) - 1, d(8) * 10 + d(9)) / 86_400_000;
}

/**
 * For each deal that names no response, the client's latest response in [opened_on − days,
 * opened_on] (ties by the higher id). Returns deal id → response id for the deals that have one.
 */
export function inferLinks(deals: readonly DealFact[], candidates: readonly ClientResponseFact[], days: number): Map<number, number> {
  // the candidates of each client as one slice of a flat index (compressed rows): no array per client
  let maxClient = 0;
  for (const r of candidates) if (r.clientId !== null && r.clientId > maxClient) maxClient = r.clientId;
  const dense = maxClient <= 4 * candidates.length + 1024;
  const slot = new Map<number, number>();
  const slotOf = (client: number): number => {
    if (dense) return client;
    let k = slot.get(client);
    if (k === undefined) slot.set(client, (k = slot.size));
    return k;
  };
  const slots = dense ? maxClient + 1 : candidates.length;
  const start = new Int32Array(slots + 1);
  for (const r of candidates) if (r.clientId !== null) start[slotOf(r.clientId) + 1]! += 1;
  for (let k = 0; k < slots; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, slots);
  const members = new Int32Array(start[slots]!);
  const epochDays = new Float64Array(candidates.length);
  const dayOf = new Map<string, number>();
  const epoch = (date: string) => {
    let e = dayOf.get(date);
    if (e === undefined) dayOf.set(date, (e = epochDay(date)));
    return e;
  };
  candidates.forEach((r, i) => {
    if (r.clientId === null) return;
    epochDays[i] = epoch(r.respondedOn);
    members[fill[slotOf(r.clientId)]!++] = i;
  });

  const links = new Map<number, number>();
  for (const d of deals) {
    if (d.responseId !== null) continue;
    const k = dense ? (d.clientId <= maxClient ? d.clientId : -1) : (slot.get(d.clientId) ?? -1);
    if (k < 0) continue;
    // a client has a handful of responses: a scan of its slice beats sorting them all
    const opened = epoch(d.openedOn);
    let best = -1;
    for (let j = start[k]!; j < start[k + 1]!; j++) {
      const i = members[j]!;
      const day = epochDays[i]!;
      if (day > opened || opened - day > days) continue;
      if (best < 0 || day > epochDays[best]! || (day === epochDays[best]! && candidates[i]!.id > candidates[best]!.id)) best = i;
    }
    if (best >= 0) links.set(d.id, candidates[best]!.id);
  }
  return links;
}

/**
 * Each response's share of its promotion's cost (see costShare), in the order of `responses`.
 * Response k of a promotion's n, by responded_on then id, carries share k.
 */
export function responseCosts(promotions: readonly PromotionFact[], responses: readonly ResponseFact[]): Float64Array {
  const cost = new Map(promotions.map((p) => [p.id, p.costMinor]));
  const shares = new Float64Array(responses.length);
  for (const [promotionId, list] of orderedGroups(responses, (r) => r.promotionId, (r) => r.respondedOn)) {
    const c = cost.get(promotionId);
    if (c === undefined) throw new Error(`promotion ${promotionId} not loaded`);
    list.forEach((i, k) => (shares[i] = costShare(c, k + 1, list.length)));
  }
  return shares;
}

const emptyFigures = (): Figures => ({ responses: 0, deals: 0, wonDeals: 0, inferredDeals: 0, revenueWonMinor: 0, costMinor: 0 });

function addFigures(into: Figures, f: Figures): void {
  into.responses += f.responses;
  into.deals += f.deals;
  into.wonDeals += f.wonDeals;
  into.inferredDeals += f.inferredDeals;
  into.revenueWonMinor += f.revenueWonMinor;
  into.costMinor += f.costMinor;
}

const NO_RESPONSES = '(no responses)';

interface Placement {
  readonly fields: Record<string, string | number | null>;
  readonly sort: (string | number)[];
}

/** The group a response counts in: a key, and (once per group) what its row shows. */
interface Grouping {
  key(r: ResponseFact, p: PromotionFact): string | number;
  placement(r: ResponseFact, p: PromotionFact): Placement;
}

function promotionPlacement(p: PromotionFact): Placement {
  return {
    fields: { promotion_id: p.id, promotion_code: p.code, promotion: p.name, channel: p.channel, target_client_type: p.targetClientType, starts_on: p.startsOn, ends_on: p.endsOn },
    sort: [p.startsOn, p.code ?? '', p.id],
  };
}

function grouping(by: PromotionsBy, input: PromotionsInput): Grouping {
  switch (by) {
    case 'promotion':
      return { key: (_r, p) => p.id, placement: (_r, p) => promotionPlacement(p) };
    case 'channel':
      return { key: (_r, p) => p.channel, placement: (_r, p) => ({ fields: { channel: p.channel }, sort: [p.channel] }) };
    case 'staff':
      return {
        key: (r) => r.staffId ?? 'none',
        placement: (r) => {
          if (r.staffId === null) return { fields: { staff_id: null, staff: '(not assigned)', staff_email: null }, sort: [1, ''] };
          const s = input.staff.get(r.staffId);
          return { fields: { staff_id: r.staffId, staff: s?.name ?? `#${r.staffId}`, staff_email: s?.email ?? null }, sort: [0, s?.name ?? '', r.staffId] };
        },
      };
    case 'client-type': {
      const typeOf = (r: ResponseFact) => (r.clientId === null ? null : (input.clientTypes?.get(r.clientId) ?? null));
      return {
        // a type is never empty (schema); '' marks a response without a client
        key: (r) => (r.clientId === null ? '' : (typeOf(r) ?? '?')),
        placement: (r) => (r.clientId === null ? { fields: { client_type: '(no client)' }, sort: [1, ''] } : { fields: { client_type: typeOf(r) }, sort: [0, typeOf(r) ?? ''] }),
      };
    }
    case 'month':
      return { key: (r) => r.respondedOn.slice(0, 7), placement: (r) => ({ fields: { month: r.respondedOn.slice(0, 7) }, sort: [r.respondedOn.slice(0, 7)] }) };
  }
}

/** Where the cost of a promotion without any response counts. */
function idleCostGroup(by: PromotionsBy, g: Grouping, p: PromotionFact): { key: string | number; placement: Placement } {
  if (by === 'staff') return { key: 'idle', placement: { fields: { staff_id: null, staff: NO_RESPONSES, staff_email: null }, sort: [2, ''] } };
  if (by === 'client-type') return { key: 'idle', placement: { fields: { client_type: NO_RESPONSES }, sort: [2, ''] } };
  // by promotion, channel or month: its own row, its channel, its start month
  const asIf: ResponseFact = { id: 0, promotionId: p.id, respondedOn: p.startsOn, clientId: null, staffId: null };
  return { key: g.key(asIf, p), placement: g.placement(asIf, p) };
}

function compareSort(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    const c = String(x).localeCompare(String(y), 'ru');
    if (c !== 0) return c;
  }
  return 0;
}

export function promotionsReport(input: PromotionsInput, opts: PromotionsOptions): PromotionsReport {
  const promotions = new Map(input.promotions.map((p) => [p.id, p]));
  const by = grouping(opts.by, input);
  const groups = new Map<string | number, Group>();
  const groupOf = (key: string | number, placement: () => Placement): Group => {
    let g = groups.get(key);
    if (!g) {
      const pl = placement();
      g = { key: String(key), fields: pl.fields, sort: pl.sort, figures: emptyFigures(), promotions: new Set() };
      groups.set(key, g);
    }
    return g;
  };

  const shares = responseCosts(input.promotions, input.responses);
  const answered = new Set<number>();
  // the group of each response of the period, by response id (ids are dense: an array beats a Map)
  const responseGroup: (Group | undefined)[] = [];
  const { from, to } = opts.period;
  for (let i = 0; i < input.responses.length; i++) {
    const r = input.responses[i]!;
    answered.add(r.promotionId);
    if ((from !== null && r.respondedOn < from) || (to !== null && r.respondedOn > to)) continue;
    const p = promotions.get(r.promotionId)!;
    const g = groupOf(by.key(r, p), () => by.placement(r, p));
    g.figures.responses += 1;
    g.figures.costMinor += shares[i]!;
    g.promotions.add(p.id);
    responseGroup[r.id] = g;
  }

  for (const p of input.promotions) {
    if (!answered.has(p.id) && inPeriod(p.startsOn, opts.period)) {
      const idle = idleCostGroup(opts.by, by, p);
      const g = groupOf(idle.key, () => idle.placement);
      g.figures.costMinor += p.costMinor;
      g.promotions.add(p.id);
    }
  }

  const credit = (d: DealFact, responseId: number, inferred: boolean): boolean => {
    const g = responseGroup[responseId];
    if (!g) return false;
    g.figures.deals += 1;
    if (inferred) g.figures.inferredDeals += 1;
    if (d.stage === 'won') {
      g.figures.wonDeals += 1;
      g.figures.revenueWonMinor += d.amountMinor;
    }
    return true;
  };
  for (const d of input.deals) if (d.responseId !== null) credit(d, d.responseId, false);
  let inferredDeals = 0;
  if (opts.attributionDays !== null) {
    const links = inferLinks(input.deals, input.responses, opts.attributionDays);
    for (const d of input.deals) {
      const responseId = d.responseId === null ? links.get(d.id) : undefined;
      if (responseId !== undefined && credit(d, responseId, true)) inferredDeals++;
    }
  }

  const sorted = [...groups.values()].sort((a, b) => compareSort(a.sort, b.sort));
  const total = emptyFigures();
  const allPromotions = new Set<number>();
  for (const g of sorted) {
    addFigures(total, g.figures);
    for (const id of g.promotions) allPromotions.add(id);
  }
  return { by: opts.by, period: opts.period, attributionDays: opts.attributionDays, groups: sorted, total, totalPromotions: allPromotions.size, inferredDeals };
}

const KEY_COLUMNS: Record<PromotionsBy, Column[]> = {
  promotion: [
    { key: 'promotion_id', header: 'Id', type: 'int' },
    { key: 'promotion_code', header: 'Code' },
    { key: 'promotion', header: 'Promotion' },
    { key: 'channel', header: 'Channel' },
    { key: 'target_client_type', header: 'Target type' },
    { key: 'starts_on', header: 'Starts', type: 'date' },
    { key: 'ends_on', header: 'Ends', type: 'date' },
  ],
  channel: [
    { key: 'channel', header: 'Channel' },
    { key: 'promotions', header: 'Promotions', type: 'int' },
  ],
  staff: [
    { key: 'staff_id', header: 'Id', type: 'int' },
    { key: 'staff', header: 'Handled by' },
    { key: 'staff_email', header: 'E-mail' },
    { key: 'promotions', header: 'Promotions', type: 'int' },
  ],
  'client-type': [
    { key: 'client_type', header: 'Client type' },
    { key: 'promotions', header: 'Promotions', type: 'int' },
  ],
  month: [
    { key: 'month', header: 'Month' },
    { key: 'promotions', header: 'Promotions', type: 'int' },
  ],
};

/** the column that names the row; the totals row says "total" there */
const LABEL: Record<PromotionsBy, string> = { promotion: 'promotion', channel: 'channel', staff: 'staff', 'client-type': 'client_type', month: 'month' };

const FIGURE_COLUMNS: Column[] = [
  { key: 'responses', header: 'Responses', type: 'int' },
  { key: 'deals', header: 'Deals', type: 'int' },
  { key: 'inferred_deals', header: 'Inferred', type: 'int' },
  { key: 'won_deals', header: 'Won', type: 'int' },
  { key: 'deals_per_response', header: 'Deals/resp.', type: 'ratio' },
  { key: 'won_per_response', header: 'Won/resp.', type: 'ratio' },
  { key: 'won_per_deal', header: 'Won/deals', type: 'ratio' },
  { key: 'revenue_won', header: 'Revenue won', type: 'money' },
  { key: 'cost', header: 'Cost', type: 'money' },
  { key: 'cost_per_response', header: 'Cost/resp.', type: 'money' },
  { key: 'cost_per_won_deal', header: 'Cost/won deal', type: 'money' },
  { key: 'roi', header: 'ROI', type: 'ratio' },
];

function figureFields(f: Figures): Record<string, number | null> {
  const r = ratios(f);
  return {
    responses: f.responses,
    deals: f.deals,
    inferred_deals: f.inferredDeals,
    won_deals: f.wonDeals,
    deals_per_response: r.dealsPerResponse,
    won_per_response: r.wonPerResponse,
    won_per_deal: r.wonPerDeal,
    revenue_won: f.revenueWonMinor,
    cost: f.costMinor,
    cost_per_response: r.costPerResponseMinor,
    cost_per_won_deal: r.costPerWonDealMinor,
    roi: r.roi,
  };
}

export interface ModelOptions {
  /** a terminal table: fewer columns */
  readonly compact?: boolean;
}

const COMPACT_HIDDEN = new Set(['level', 'promotion_id', 'staff_id', 'target_client_type', 'ends_on', 'staff_email']);

export function promotionsModel(r: PromotionsReport, opts: ModelOptions = {}): TableModel {
  const keyColumns = KEY_COLUMNS[r.by];
  const rows: Row[] = r.groups.map((g) => ({ level: 'group', ...g.fields, promotions: g.promotions.size, ...figureFields(g.figures) }));
  const totalRow: Record<string, unknown> = { level: 'total' };
  for (const c of keyColumns) totalRow[c.key] = null;
  totalRow[LABEL[r.by]] = 'total';
  totalRow.promotions = r.totalPromotions;
  rows.push({ ...totalRow, ...figureFields(r.total) });

  let columns: Column[] = [{ key: 'level' }, ...keyColumns, ...FIGURE_COLUMNS];
  if (opts.compact) columns = columns.filter((c) => !COMPACT_HIDDEN.has(c.key) && (c.key !== 'inferred_deals' || r.attributionDays !== null));

  const window =
    r.attributionDays === null
      ? 'Deals counted by their explicit link to a response.'
      : `Deals by explicit link; ${r.inferredDeals} more credited by the ${r.attributionDays}-day attribution window (unlinked deals to the client's latest response within ${r.attributionDays} days before).`;
  return {
    title: `Promotions: responses to deals, by ${r.by}, responses ${periodText(r.period)}`,
    columns,
    rows,
    isTotal: (row) => row.level === 'total',
    note:
      `Responses by responded_on; their deals whatever their dates. ${window}\n` +
      "Cost: each promotion's cost shared equally over all its responses; a promotion without responses keeps its cost on its start date. " +
      'ROI = (revenue won − cost) / cost. — = no denominator.',
    meta: {
      report: 'promotions',
      by: r.by,
      from: r.period.from,
      to: r.period.to,
      attribution_days: r.attributionDays,
      inferred_deals: r.inferredDeals,
    },
  };
}
