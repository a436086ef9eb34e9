import { describe, expect, it } from 'vitest';
import { byHandler, followUpCutoff, followUpsModel, followUpsReport, type FollowUpFact, type FollowUpsInput } from '../../src/reports/follow-ups.js';

const fact = (responseId: number, respondedOn: string, extra: Partial<FollowUpFact> = {}): FollowUpFact => ({
  responseId, externalId: `R-${responseId}`, respondedOn, promotionId: 1, clientId: 10, clientExternalId: 'CL-10', clientName: 'ООО Альфа',
  rawCompany: null, contactName: 'Петров П.', rawName: null, phone: '+74951234567', email: null, handledById: 7, managerId: 8, notes: null,
  ...extra,
});
const lookups = {
  promotions: new Map([[1, { code: 'PR-1', name: 'Выставка', channel: 'exhibition' }]]),
  staff: new Map([
    [7, { name: 'Иванов Иван', email: 'ivanov@x.ru' }],
    [8, { name: 'Сидорова Анна', email: null }],
  ]),
};
const input = (responses: FollowUpFact[], lastActivity = new Map<number, string>()): FollowUpsInput => ({ responses, lastActivity, ...lookups });

describe('crm report follow-ups', () => {
  it('lists responses at least N days old, oldest first, with the days they have waited', () => {
    expect(followUpCutoff('2026-11-20', 14)).toBe('2026-11-06');
    const facts = [
      fact(1, '2026-11-06'),
      fact(2, '2026-11-07'), // 13 days: not yet
      fact(5, '2025-12-31', { handledById: null }),
      fact(3, '2025-12-31', { clientId: null, clientName: null, rawCompany: 'Стройдвор', contactName: null, rawName: 'Павел', managerId: null }),
    ];
    // client 10's latest activity: not older than R5's and R1's days, so shown for both; raw R3 has no client
    const r = followUpsReport(input(facts, new Map([[10, '2026-11-06 09:30']])), { asOf: '2026-11-20', days: 14, from: null });
    expect(r.rows.map((x) => [x.fact.responseId, x.daysWaiting, x.lastClientActivity])).toEqual([[3, 324, null], [5, 324, '2026-11-06 09:30'], [1, 14, '2026-11-06 09:30']]);
    // one older than the response is not a contact since it
    expect(followUpsReport(input([fact(1, '2026-11-06')], new Map([[10, '2026-11-05 18:00']])), { asOf: '2026-11-20', days: 14, from: null }).rows[0]!.lastClientActivity).toBeNull();
    expect(followUpsReport(input(facts), { asOf: '2026-11-20', days: 0, from: null }).rows).toHaveLength(4);
    expect(followUpsReport(input(facts), { asOf: '2026-11-20', days: 14, from: '2026-01-01' }).rows.map((x) => x.fact.responseId)).toEqual([1]);
    expect(byHandler(r.rows)).toEqual([{ handler: 'Иванов Иван', count: 2 }, { handler: '(not assigned)', count: 1 }]);

    const rows = [...followUpsModel(r).rows];
    expect(rows[0]).toEqual({
      response_id: 3, response_external_id: 'R-3', responded_on: '2025-12-31', days_waiting: 324, promotion_code: 'PR-1', promotion: 'Выставка', channel: 'exhibition',
      client_id: null, client_external_id: 'CL-10', client: 'Стройдвор', matched: false, contact: 'Павел', phone: '+74951234567', email: null,
      handled_by: 'Иванов Иван', handled_by_email: 'ivanov@x.ru', client_manager: null, last_client_activity: null, notes: null,
    });
    expect([...followUpsModel(r, { compact: true }).rows][0]).toMatchObject({ client: 'Стройдвор (not matched)' });
    expect(rows[1]).toMatchObject({ client: 'ООО Альфа', matched: true, handled_by: null, client_manager: 'Сидорова Анна' });
    expect(followUpsModel(r).meta).toEqual({ report: 'follow-ups', as_of: '2026-11-20', days: 14, responded_from: null, responded_to: '2026-11-06', count: 3 });
  });
});
