/**
 * Lost clients (DESIGN §2 and §4; seed 002: study the clients who left for another supplier).
 * Pure: facts in, report out.
 *
 * - A lost client is one with status lost; it is in the period by its lost_date (inclusive).
 * - Revenue in the 12 months before the loss: its deals won with closed_on from the same date a
 *   year before lost_date up to the day before lost_date.
 * - The last contact before the loss: its latest activity on or before lost_date (the call in
 *   which the client says it leaves counts), with who had it; contacts after the loss (win-back
 *   attempts) are counted separately.
 * - By reason and by competitor: clients and that revenue per reason / competitor, compared
 *   ignoring case, ё/е and extra spaces; a missing one is "(not recorded)".
 */
import type { Column, Row, TableModel } from '../render/model.js';
import { addDays, daysBetween } from '../util/dates.js';
import { fold } from '../util/normalize.js';
import { addMonths, periodText, type Period } from './period.js';
import { ratio } from './promotions.js';

export interface LostClientFact {
  readonly id: number;
  readonly externalId: string | null;
  readonly name: string;
  readonly clientType: string;
  readonly region: string | null;
  readonly managerName: string | null;
  readonly lostDate: string;
  readonly lostReason: string | null;
  readonly lostCompetitor: string | null;
}

/** An activity with a lost client, light: when it happened. */
export interface LostMomentFact {
  readonly id: number;
  readonly clientId: number;
  /** 'YYYY-MM-DD HH:MM[:SS]' or 'YYYY-MM-DD' */
  readonly occurredAt: string;
}

/** What the last contact before a loss was, and who had it with whom. */
export interface ContactDetails {
  readonly kind: string;
  readonly outcome: string | null;
  readonly subject: string | null;
  readonly staffName: string | null;
  readonly contactName: string | null;
}

export type LostActivityFact = LostMomentFact & ContactDetails;

export interface WonDealFact {
  readonly clientId: number;
  readonly closedOn: string;
  readonly amountMinor: number;
}

export interface LostInput {
  readonly clients: readonly LostClientFact[];
  /** the activities with these clients, any date */
  readonly moments: readonly LostMomentFact[];
  /** the details of the last contacts (lastContactIds) by activity id */
  readonly details: ReadonlyMap<number, ContactDetails>;
  readonly wonDeals: readonly WonDealFact[];
}

export interface LostClientRow extends LostClientFact {
  /** first day of the 12 months before the loss */
  readonly revenueFrom: string;
  readonly revenue12mMinor: number;
  readonly wonDeals12m: number;
  readonly lastContact: LostActivityFact | null;
  /** lost_date − the day of the last contact */
  readonly daysContactToLoss: number | null;
  readonly contactsAfterLoss: number;
}

export interface LostSummaryRow {
  readonly label: string;
  readonly recorded: boolean;
  readonly clients: number;
  readonly revenue12mMinor: number;
  /** the other dimension: competitors of a reason, reasons of a competitor */
  readonly other: readonly string[];
}

export interface LostReport {
  readonly period: Period;
  readonly clients: readonly LostClientRow[];
  readonly reasons: readonly LostSummaryRow[];
  readonly competitors: readonly LostSummaryRow[];
  readonly revenue12mMinor: number;
}

const NOT_RECORDED = '(not recorded)';

function blank(text: string | null): boolean {
  return text === null || text.trim() === '';
}

function summarise(rows: readonly LostClientRow[], pick: (r: LostClientRow) => string | null, other: (r: LostClientRow) => string | null): LostSummaryRow[] {
  const groups = new Map<string, { label: string; recorded: boolean; clients: number; revenue: number; other: Map<string, string> }>();
  for (const r of rows) {
    const value = pick(r);
    const recorded = !blank(value);
    const key = recorded ? fold(value!) : '';
    let g = groups.get(key);
    if (!g) {
      g = { label: recorded ? value!.trim().replace(/\s+/g, ' ') : NOT_RECORDED, recorded, clients: 0, revenue: 0, other: new Map() };
      groups.set(key, g);
    }
    g.clients += 1;
    g.revenue += r.revenue12mMinor;
    const o = other(r);
    if (!blank(o) && !g.other.has(fold(o!))) g.other.set(fold(o!), o!.trim().replace(/\s+/g, ' '));
  }
  return [...groups.values()]
    .map((g) => ({ label: g.label, recorded: g.recorded, clients: g.clients, revenue12mMinor: g.revenue, other: [...g.other.values()].sort((a, b) => a.localeCompare(b, 'ru')) }))
    .sort((a, b) => Number(a.recorded === false) - Number(b.recorded === false) || b.clients - a.clients || b.revenue12mMinor - a.revenue12mMinor || a.label.localeCompare(b.label, 'ru'));
}

interface Contacts {
  readonly last: LostMomentFact | null;
  readonly after: number;
}

/** Per client: its latest activity on or before the day of the loss, and how many came after. */
function contactsAround(clients: readonly LostClientFact[], moments: readonly LostMomentFact[]): Map<number, Contacts> {
  const dayAfter = new Map(clients.map((c) => [c.id, addDays(c.lostDate, 1)]));
  const out = new Map<number, { last: LostMomentFact | null; after: number }>(clients.map((c) => [c.id, { last: null, after: 0 }]));
  for (const m of moments) {
    const o = out.get(m.clientId);
    if (!o) continue;
    if (m.occurredAt >= dayAfter.get(m.clientId)!) o.after += 1;
    else if (o.last === null || m.occurredAt > o.last.occurredAt || (m.occurredAt === o.last.occurredAt && m.id > o.last.id)) o.last = m;
  }
  return out;
}

/** The activities whose details the report shows: each client's last contact before the loss. */
export function lastContactIds(clients: readonly LostClientFact[], moments: readonly LostMomentFact[]): number[] {
  return [...contactsAround(clients, moments).values()].flatMap((c) => (c.last ? [c.last.id] : []));
}

export function lostReport(input: LostInput, period: Period): LostReport {
  const around = contactsAround(input.clients, input.moments);
  const deals = new Map<number, WonDealFact[]>();
  for (const d of input.wonDeals) {
    const list = deals.get(d.clientId);
    if (list) list.push(d);
    else deals.set(d.clientId, [d]);
  }

  const clients: LostClientRow[] = input.clients.map((c) => {
    const revenueFrom = addMonths(c.lostDate, -12);
    let revenue = 0;
    let won = 0;
    for (const d of deals.get(c.id) ?? []) {
      if (d.closedOn >= revenueFrom && d.closedOn < c.lostDate) {
        revenue += d.amountMinor;
        won += 1;
      }
    }
    const { last: moment, after } = around.get(c.id)!;
    const details = moment ? input.details.get(moment.id) : undefined;
    const last: LostActivityFact | null = moment ? { ...moment, ...(details ?? { kind: '', outcome: null, subject: null, staffName: null, contactName: null }) } : null;
    return {
      ...c,
      revenueFrom,
      revenue12mMinor: revenue,
      wonDeals12m: won,
      lastContact: last,
      daysContactToLoss: last ? daysBetween(last.occurredAt.slice(0, 10), c.lostDate) : null,
      contactsAfterLoss: after,
    };
  });
  clients.sort((a, b) => (a.lostDate > b.lostDate ? -1 : a.lostDate < b.lostDate ? 1 : a.name.localeCompare(b.name, 'ru') || a.id - b.id));

  return {
    period,
    clients,
    reasons: summarise(clients, (r) => r.lostReason, (r) => r.lostCompetitor),
    competitors: summarise(clients, (r) => r.lostCompetitor, (r) => r.lostReason),
    revenue12mMinor: clients.reduce((s, r) => s + r.revenue12mMinor, 0),
  };
}

export const LOST_SECTIONS = ['clients', 'reasons', 'competitors'] as const;
export type LostSection = (typeof LOST_SECTIONS)[number];

const CLIENT_COLUMNS: Column[] = [
  { key: 'client_id', header: 'Id', type: 'int' },
  { key: 'external_id', header: 'Ext. id' },
  { key: 'client', header: 'Client' },
  { key: 'client_type', header: 'Type' },
  { key: 'region', header: 'Region' },
  { key: 'manager', header: 'Manager' },
  { key: 'lost_date', header: 'Lost', type: 'date' },
  { key: 'lost_reason', header: 'Reason' },
  { key: 'lost_competitor', header: 'Competitor' },
  { key: 'revenue_12m', header: 'Revenue 12 m', type: 'money' },
  { key: 'won_deals_12m', header: 'Won 12 m', type: 'int' },
  { key: 'last_contact_at', header: 'Last contact', type: 'date' },
  { key: 'last_contact_kind', header: 'Kind' },
  { key: 'last_contact_outcome', header: 'Outcome' },
  { key: 'last_contact_subject', header: 'Subject' },
  { key: 'last_contact_by', header: 'By' },
  { key: 'last_contact_person', header: 'With' },
  { key: 'days_contact_to_loss', header: 'Days before loss', type: 'int' },
  { key: 'contacts_after_loss', header: 'After loss', type: 'int' },
];
const CLIENT_COMPACT = new Set(['external_id', 'client', 'lost_date', 'lost_reason', 'lost_competitor', 'revenue_12m', 'last_contact_at', 'last_contact_kind', 'last_contact_by', 'contacts_after_loss']);

export function lostClientsModel(r: LostReport, opts: { compact?: boolean } = {}): TableModel {
  const rows: Row[] = r.clients.map((c) => ({
    client_id: c.id,
    external_id: c.externalId,
    client: c.name,
    client_type: c.clientType,
    region: c.region,
    manager: c.managerName,
    lost_date: c.lostDate,
    lost_reason: c.lostReason,
    lost_competitor: c.lostCompetitor,
    revenue_12m: c.revenue12mMinor,
    won_deals_12m: c.wonDeals12m,
    last_contact_at: c.lastContact?.occurredAt ?? null,
    last_contact_kind: c.lastContact?.kind ?? null,
    last_contact_outcome: c.lastContact?.outcome ?? null,
    last_contact_subject: c.lastContact?.subject ?? null,
    last_contact_by: c.lastContact?.staffName ?? null,
    last_contact_person: c.lastContact?.contactName ?? null,
    days_contact_to_loss: c.daysContactToLoss,
    contacts_after_loss: c.contactsAfterLoss,
  }));
  return {
    title: `Lost clients, lost ${periodText(r.period)}: ${r.clients.length}`,
    columns: opts.compact ? CLIENT_COLUMNS.filter((c) => CLIENT_COMPACT.has(c.key)) : CLIENT_COLUMNS,
    rows,
    note: 'Revenue 12 m: deals won in the 12 months before the loss. Last contact: the latest activity on or before the day of the loss; "after loss" counts later ones (win-back attempts).',
  };
}

function summaryModel(r: LostReport, rows: readonly LostSummaryRow[], key: 'reason' | 'competitor', compact: boolean): TableModel {
  const otherKey = key === 'reason' ? 'competitors' : 'reasons';
  const total = r.clients.length;
  const out: Row[] = rows.map((s) => ({
    level: 'row',
    [key]: s.label,
    clients: s.clients,
    share: ratio(s.clients, total),
    revenue_12m: s.revenue12mMinor,
    revenue_share: ratio(s.revenue12mMinor, r.revenue12mMinor),
    [otherKey]: s.other.join(', ') || null,
  }));
  out.push({ level: 'total', [key]: 'total', clients: total, share: ratio(total, total), revenue_12m: r.revenue12mMinor, revenue_share: ratio(r.revenue12mMinor, r.revenue12mMinor), [otherKey]: null });
  return {
    title: `Lost clients by ${key}, lost ${periodText(r.period)}`,
    columns: [
      ...(compact ? [] : [{ key: 'level' }]),
      { key, header: key === 'reason' ? 'Reason' : 'Competitor' },
      { key: 'clients', header: 'Clients', type: 'int' },
      { key: 'share', header: 'Share', type: 'ratio' },
      { key: 'revenue_12m', header: 'Revenue 12 m', type: 'money' },
      { key: 'revenue_share', header: 'Revenue share', type: 'ratio' },
      { key: otherKey, header: key === 'reason' ? 'Competitors' : 'Reasons' },
    ],
    rows: out,
    isTotal: (row) => row.level === 'total',
  };
}

export function lostSections(r: LostReport, opts: { compact?: boolean } = {}): { key: LostSection; model: TableModel }[] {
  return [
    { key: 'reasons', model: summaryModel(r, r.reasons, 'reason', opts.compact ?? false) },
    { key: 'competitors', model: summaryModel(r, r.competitors, 'competitor', opts.compact ?? false) },
    { key: 'clients', model: lostClientsModel(r, opts) },
  ];
}
