import { describe, expect, it } from 'vitest';
import { lastContactIds, lostReport, lostSections, type LostActivityFact, type LostInput } from '../../src/reports/lost.js';

const client = (id: number, name: string, lostDate: string, lostReason: string | null, lostCompetitor: string | null) => ({
  id, externalId: `CL-${id}`, name, clientType: 'retail', region: 'Москва', managerName: 'Иванов Иван', lostDate, lostReason, lostCompetitor,
});
const act = (id: number, clientId: number, occurredAt: string, kind = 'call', staffName = 'Иванов Иван'): LostActivityFact => ({
  id, clientId, occurredAt, kind, outcome: 'failure', subject: `тема ${id}`, staffName, contactName: 'Петров П.',
});
const world = {
  clients: [
    client(1, 'ООО Альфа', '2026-03-15', 'цена', 'ООО «Бета»'),
    client(2, 'АО Гамма', '2026-05-01', 'Цена ', null),
    client(3, 'ИП Дельта', '2026-05-01', null, 'ООО "Бета"'),
  ],
  wonDeals: [
    { clientId: 1, closedOn: '2025-03-15', amountMinor: 100000 }, // the first day of the 12 months: in
    { clientId: 1, closedOn: '2025-03-14', amountMinor: 5000 }, // a day too early
    { clientId: 1, closedOn: '2026-03-14', amountMinor: 20000 }, // the day before the loss: in
    { clientId: 1, closedOn: '2026-03-15', amountMinor: 7000 }, // the day of the loss: not before it
    { clientId: 2, closedOn: '2026-04-30', amountMinor: 33333 },
  ],
  activities: [
    act(1, 1, '2026-03-10 10:00'),
    act(2, 1, '2026-03-15 18:00', 'call', 'Сидоров С.'), // the call on the day of the loss is the last contact
    act(3, 1, '2026-04-01 09:00'), // after: a win-back attempt
    act(4, 2, '2026-05-02 00:00'),
    act(5, 3, '2026-04-30 23:59', 'email'),
    act(6, 3, '2026-04-30 23:59', 'meeting', 'Кузнецов К.'), // same moment, higher id: the later record
  ],
};
const moments = world.activities.map(({ id, clientId, occurredAt }) => ({ id, clientId, occurredAt }));
const input: LostInput = {
  clients: world.clients,
  wonDeals: world.wonDeals,
  moments,
  // the base gives the details of the last contacts only
  details: new Map(world.activities.filter((a) => lastContactIds(world.clients, moments).includes(a.id)).map((a) => [a.id, a])),
};
const report = lostReport(input, { from: null, to: null });

describe('crm report lost: figures by hand', () => {
  it('per client: revenue of the 12 months before the loss, the last contact on or before it, contacts after', () => {
    expect(lastContactIds(world.clients, moments).sort()).toEqual([2, 6]);
    expect(report.clients.map((c) => [c.externalId, c.revenueFrom, c.revenue12mMinor, c.wonDeals12m, c.lastContact?.id ?? null, c.lastContact?.staffName ?? null, c.daysContactToLoss, c.contactsAfterLoss])).toEqual([
      ['CL-2', '2025-05-01', 33333, 1, null, null, null, 1],
      ['CL-3', '2025-05-01', 0, 0, 6, 'Кузнецов К.', 1, 0],
      ['CL-1', '2025-03-15', 120000, 2, 2, 'Сидоров С.', 0, 1],
    ]);
    expect(report.revenue12mMinor).toBe(153333);
  });

  it('by reason and by competitor: spellings compared ignoring case, spaces and quotes; missing ones last', () => {
    const [reasons, competitors, clients] = lostSections(report);
    expect([...reasons!.model.rows]).toEqual([
      { level: 'row', reason: 'Цена', clients: 2, share: 2 / 3, revenue_12m: 153333, revenue_share: 1, competitors: 'ООО «Бета»' },
      { level: 'row', reason: '(not recorded)', clients: 1, share: 1 / 3, revenue_12m: 0, revenue_share: 0, competitors: 'ООО "Бета"' },
      { level: 'total', reason: 'total', clients: 3, share: 1, revenue_12m: 153333, revenue_share: 1, competitors: null },
    ]);
    expect([...competitors!.model.rows]).toEqual([
      { level: 'row', competitor: 'ООО "Бета"', clients: 2, share: 2 / 3, revenue_12m: 120000, revenue_share: 120000 / 153333, reasons: 'цена' },
      { level: 'row', competitor: '(not recorded)', clients: 1, share: 1 / 3, revenue_12m: 33333, revenue_share: 33333 / 153333, reasons: 'Цена' },
      { level: 'total', competitor: 'total', clients: 3, share: 1, revenue_12m: 153333, revenue_share: 1, reasons: null },
    ]);
    expect([...clients!.model.rows][2]).toMatchObject({ external_id: 'CL-1', last_contact_at: '2026-03-15 18:00', last_contact_by: 'Сидоров С.', last_contact_person: 'Петров П.', revenue_12m: 120000 });
  });

  it('no lost clients: empty tables with a zero total and empty shares', () => {
    const empty = lostReport({ clients: [], moments: [], details: new Map(), wonDeals: [] }, { from: '2026-01-01', to: '2026-01-31' });
    const [reasons] = lostSections(empty);
    expect([...reasons!.model.rows]).toEqual([{ level: 'total', reason: 'total', clients: 0, share: null, revenue_12m: 0, revenue_share: null, competitors: null }]);
    expect(reasons!.model.title).toContain('2026-01-01…2026-01-31');
  });
});
