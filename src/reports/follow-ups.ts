/**
 * Responses nobody followed up (DESIGN §4): as of a day, the responses at least N days old with
 * no activity and no deal recorded against them (activities.response_id, deals.response_id) up
 * to that day. Oldest first, with who handled them. A later contact with the same client that
 * names no response is shown beside the row but does not count as the follow-up: the base must
 * say which action answered which response. Pure: facts in, model out.
 */
import type { Column, Row, TableModel } from '../render/model.js';
import { addDays, daysBetween } from '../util/dates.js';

/** A response with no follow-up, as the base has it (names of promotions and staff by id). */
export interface FollowUpFact {
  readonly responseId: number;
  readonly externalId: string | null;
  readonly respondedOn: string;
  readonly promotionId: number;
  readonly clientId: number | null;
  readonly clientExternalId: string | null;
  readonly clientName: string | null;
  readonly rawCompany: string | null;
  readonly contactName: string | null;
  readonly rawName: string | null;
  readonly phone: string | null;
  readonly email: string | null;
  readonly handledById: number | null;
  /** the client's manager */
  readonly managerId: number | null;
  readonly notes: string | null;
}

export interface PromotionInfo {
  readonly code: string | null;
  readonly name: string;
  readonly channel: string;
}

export interface StaffInfo {
  readonly name: string;
  readonly email: string | null;
}

export interface FollowUpsInput {
  readonly responses: readonly FollowUpFact[];
  readonly promotions: ReadonlyMap<number, PromotionInfo>;
  readonly staff: ReadonlyMap<number, StaffInfo>;
  /** each client's latest activity up to the as-of day */
  readonly lastActivity: ReadonlyMap<number, string>;
}

export interface FollowUpRow {
  readonly fact: FollowUpFact;
  readonly daysWaiting: number;
  readonly promotion: PromotionInfo | null;
  readonly handledBy: StaffInfo | null;
  readonly manager: StaffInfo | null;
  /** the client's latest activity from the response day up to the as-of day (it names another response or none) */
  readonly lastClientActivity: string | null;
}

export interface FollowUpsOptions {
  readonly asOf: string;
  readonly days: number;
  /** only responses from this day on; null = all */
  readonly from: string | null;
}

export interface FollowUpsReport extends FollowUpsOptions {
  /** responses on or before this day are old enough to be listed */
  readonly cutoff: string;
  readonly rows: readonly FollowUpRow[];
}

/** The last day a response may carry to be N days old on `asOf`. */
export function followUpCutoff(asOf: string, days: number): string {
  return addDays(asOf, -days);
}

/**
 * The rows old enough, oldest first (then by id), with the days each has waited. The client's
 * latest activity is shown when it is not older than the response.
 */
export function followUpsReport(input: FollowUpsInput, opts: FollowUpsOptions): FollowUpsReport {
  const { asOf, days, from } = opts;
  const cutoff = followUpCutoff(asOf, days);
  const staff = (id: number | null) => (id === null ? null : (input.staff.get(id) ?? null));
  const rows = input.responses
    .filter((f) => f.respondedOn <= cutoff && (from === null || f.respondedOn >= from))
    .map((f) => {
      const last = f.clientId === null ? undefined : input.lastActivity.get(f.clientId);
      return {
        fact: f,
        daysWaiting: daysBetween(f.respondedOn, asOf),
        promotion: input.promotions.get(f.promotionId) ?? null,
        handledBy: staff(f.handledById),
        manager: staff(f.managerId),
        lastClientActivity: last !== undefined && last >= f.respondedOn ? last : null,
      };
    })
    .sort((a, b) => b.daysWaiting - a.daysWaiting || a.fact.responseId - b.fact.responseId);
  return { asOf, days, from, cutoff, rows };
}

/** Responses waiting per handler, most first: "Петров П. 12, (not assigned) 3". */
export function byHandler(rows: readonly FollowUpRow[]): { handler: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const h = r.handledBy?.name ?? '(not assigned)';
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return [...counts].map(([handler, count]) => ({ handler, count })).sort((a, b) => b.count - a.count || a.handler.localeCompare(b.handler, 'ru'));
}

const COLUMNS: Column[] = [
  { key: 'response_id', header: 'Id', type: 'int' },
  { key: 'response_external_id', header: 'Response' },
  { key: 'responded_on', header: 'Responded', type: 'date' },
  { key: 'days_waiting', header: 'Days', type: 'int' },
  { key: 'promotion_code', header: 'Promotion' },
  { key: 'promotion', header: 'Promotion name' },
  { key: 'channel', header: 'Channel' },
  { key: 'client_id', header: 'Client id', type: 'int' },
  { key: 'client_external_id', header: 'Client ext. id' },
  { key: 'client', header: 'Client' },
  { key: 'matched', header: 'Matched', type: 'bool' },
  { key: 'contact', header: 'Contact' },
  { key: 'phone', header: 'Phone' },
  { key: 'email', header: 'E-mail' },
  { key: 'handled_by', header: 'Handled by' },
  { key: 'handled_by_email', header: 'Handler e-mail' },
  { key: 'client_manager', header: 'Client manager' },
  { key: 'last_client_activity', header: 'Later contact (unlinked)', type: 'date' },
  { key: 'notes', header: 'Notes' },
];

const COMPACT = new Set(['responded_on', 'days_waiting', 'promotion_code', 'client', 'contact', 'phone', 'handled_by', 'last_client_activity']);

export function followUpsModel(r: FollowUpsReport, opts: { compact?: boolean } = {}): TableModel {
  // made row by row as the renderer asks: tens of thousands of rows are never all in memory twice
  function* rows(): Generator<Row> {
    for (const x of r.rows) yield row(x);
  }
  const row = ({ fact: f, daysWaiting, promotion, handledBy, manager, lastClientActivity }: FollowUpRow): Row => ({
    response_id: f.responseId,
    response_external_id: f.externalId,
    responded_on: f.respondedOn,
    days_waiting: daysWaiting,
    promotion_code: promotion?.code ?? null,
    promotion: promotion?.name ?? null,
    channel: promotion?.channel ?? null,
    client_id: f.clientId,
    client_external_id: f.clientExternalId,
    // a response not yet matched to a client shows the company it gave
    client: f.clientName ?? (opts.compact && f.rawCompany !== null ? `${f.rawCompany} (not matched)` : f.rawCompany),
    matched: f.clientId !== null,
    contact: f.contactName ?? f.rawName,
    phone: f.phone,
    email: f.email,
    handled_by: handledBy?.name ?? null,
    handled_by_email: handledBy?.email ?? null,
    client_manager: manager?.name ?? null,
    last_client_activity: lastClientActivity,
    notes: f.notes,
  });
  const top = byHandler(r.rows)
    .slice(0, 6)
    .map((h) => `${h.handler} ${h.count}`)
    .join(', ');
  return {
    title: `Responses without follow-up for ${r.days} days or more, as of ${r.asOf} (responded ${r.from !== null ? `${r.from}…` : 'on or before '}${r.cutoff}): ${r.rows.length}`,
    columns: opts.compact ? COLUMNS.filter((c) => COMPACT.has(c.key)) : COLUMNS,
    rows: { [Symbol.iterator]: rows },
    note:
      (r.rows.length ? `By handler: ${top}.\n` : '') +
      'A follow-up is an activity or a deal that names the response. "Later contact" is the client\'s latest activity since the response that names none.',
    meta: { report: 'follow-ups', as_of: r.asOf, days: r.days, responded_from: r.from, responded_to: r.cutoff, count: r.rows.length },
  };
}
