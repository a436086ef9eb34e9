import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/index.js';
import { qualifySettings } from '../../src/config/kam.js';
import { keyCandidates, keyCandidatesModel, qualify, type CandidateFacts } from '../../src/reports/key-candidates.js';

const Q = qualifySettings(resolveSettings([]));

function client(over: Partial<CandidateFacts> = {}): CandidateFacts {
  return {
    id: 1,
    externalId: 'C1',
    name: 'АО «Клиент»',
    status: 'active',
    clientType: 'manufacturer',
    isKeyAccount: false,
    managerName: 'Валиев Рустам Ильдарович',
    potentialMinor: 48_000_000_00,
    partnership: 'interested',
    decisionMakers: 3,
    buyingCentre: 6,
    regions: ['Самарская область'],
    ...over,
  };
}

describe('qualify', () => {
  it('all three criteria, each with its evidence and threshold', () => {
    const q = qualify(client(), Q);
    expect(q.qualifies).toBe(true);
    expect(q.potential).toEqual({ met: true, evidence: 'purchase potential 48 000 000 RUB a year', threshold: '≥ 10 000 000 RUB (kam.qualify.min_potential)', failure: null });
    expect(q.complex.evidence).toBe('3 decision makers, buying centre of 6, 1 region (Самарская область)');
  });
  it('the boundaries: exactly the threshold qualifies; one kopeck less does not', () => {
    expect(qualify(client({ potentialMinor: 10_000_000_00 }), Q).potential.met).toBe(true);
    expect(qualify(client({ potentialMinor: 10_000_000_00 - 1 }), Q).potential.failure).toBe('potential 9 999 999.99 RUB < 10 000 000 RUB');
    expect(qualify(client({ potentialMinor: null }), Q).potential.failure).toBe('no purchase potential recorded');
  });
  it('complex buying by decision makers, buying centre or regions', () => {
    const simple = { decisionMakers: 1, buyingCentre: 3, regions: ['Москва'] };
    expect(qualify(client(simple), Q).complex.failure).toBe('simple buying: 1 decision maker, buying centre of 3, 1 region');
    expect(qualify(client({ ...simple, decisionMakers: 2 }), Q).complex.met).toBe(true);
    expect(qualify(client({ ...simple, buyingCentre: 4 }), Q).complex.met).toBe(true);
    expect(qualify(client({ ...simple, regions: ['Москва', 'Казань'] }), Q).complex.met).toBe(true);
  });
  it('partnership from the accepted list; an ended contract is said, not counted against', () => {
    expect(qualify(client({ partnership: 'none' }), Q).partnership.failure).toBe('partnership none');
    expect(qualify(client({ partnership: null }), Q).partnership.failure).toBe('partnership not recorded');
    const ended = qualify(client({ partnership: 'contract', contractNo: 'Д-17', contractUntil: '2026-06-30' }), Q, '2026-11-20');
    expect(ended.partnership).toMatchObject({ met: true, evidence: 'partnership: contract; contract Д-17 ended 2026-06-30' });
  });
});

describe('crm report key-candidates', () => {
  const rows = keyCandidates(
    [
      client({ id: 1, name: 'Б' }),
      client({ id: 2, name: 'А', potentialMinor: 25_000_000_00 }),
      client({ id: 3, name: 'Ключ-ок', isKeyAccount: true }),
      client({ id: 4, name: 'Ключ-мал', isKeyAccount: true, potentialMinor: 3_500_000_00, partnership: 'none', decisionMakers: 1, buyingCentre: 5 }),
      client({ id: 5, name: 'Мелкий', potentialMinor: 1_000_000_00 }),
    ],
    Q,
  );
  it('candidates (not key, qualify) then key accounts that do not qualify, by potential', () => {
    expect(rows.map((r) => [r.facts.name, r.verdict])).toEqual([
      ['Б', 'candidate'],
      ['А', 'candidate'],
      ['Ключ-мал', 'not_qualified'],
    ]);
  });
  it('says which criteria each meets and fails', () => {
    const out = [...keyCandidatesModel(rows, Q).rows];
    expect(out[2]).toMatchObject({
      verdict: 'not_qualified',
      meets_potential: false,
      meets_complex_buying: true,
      meets_partnership: false,
      meets: 'complex buying',
      fails: 'potential 3 500 000 RUB < 10 000 000 RUB; partnership none',
      potential: 3_500_000_00,
    });
    expect(out[0]).toMatchObject({ meets: 'purchase potential, complex buying, long-term partnership', fails: null });
  });
});
