import { describe, expect, it } from 'vitest';
import { kamPeriod, type TeamMember } from '../../src/reports/key-accounts.js';
import { nationalAccountsModel, nationalLines, type NationalFacts } from '../../src/reports/national-accounts.js';

const P = kamPeriod('2026-11-20', 13);
const rep = (staffId: number, name: string, region: string | null, clientId = 1): TeamMember => ({
  clientId,
  staffId,
  staffName: name,
  staffRole: 'field_rep',
  staffRegion: null,
  staffActive: true,
  role: 'field_rep',
  region,
  since: null,
  until: null,
});

const facts: NationalFacts = {
  hq: { id: 1, externalId: 'HQ', name: 'АО «Волга»', isKeyAccount: true, managerName: 'Белова Ирина Николаевна' },
  units: [
    { id: 1, externalId: 'HQ', name: 'АО «Волга»', region: 'Республика Татарстан', city: 'Казань', isHq: true },
    { id: 2, externalId: 'B1', name: 'Филиал Н. Новгород', region: 'Нижегородская область', city: 'Нижний Новгород', isHq: false },
    { id: 3, externalId: 'B2', name: 'Филиал Москва', region: 'Москва', city: 'Москва', isHq: false },
    { id: 4, externalId: 'B3', name: 'Филиал без региона', region: null, city: null, isHq: false },
  ],
  team: [
    { ...rep(10, 'Белова Ирина Николаевна', null), staffRole: 'national_account_manager', role: 'national_account_manager' },
    rep(11, 'Гарипов Айдар Рустемович', 'Республика Татарстан'),
    rep(12, 'Васильев Павел Олегович', 'Нижегородская область'),
  ],
  activity: [
    { clientId: 1, staffId: 11, staffName: 'Гарипов Айдар Рустемович', last: '2026-11-13 10:00' },
    { clientId: 1, staffId: 10, staffName: 'Белова Ирина Николаевна', last: '2026-11-18 15:00' },
    { clientId: 2, staffId: 12, staffName: 'Васильев Павел Олегович', last: '2026-06-23 09:00' },
    { clientId: 3, staffId: 10, staffName: 'Белова Ирина Николаевна', last: '2026-11-19 12:00' },
  ],
};

describe('crm report national-accounts', () => {
  const lines = nationalLines([facts], P);
  it('the HQ first, then its branches by region; the rep, last activities and gaps of each', () => {
    expect(lines.map((l) => [l.unit.name, l.reps, l.repActive, l.lastRepActivity, l.lastActivity, l.lastActivityBy, l.gaps])).toEqual([
      ['АО «Волга»', ['Гарипов Айдар Рустемович'], true, '2026-11-13', '2026-11-18', 'Белова Ирина Николаевна', ['1 of 3 regions without a field rep']],
      ['Филиал без региона', [], null, null, null, null, ['region not recorded', 'no activity on record']],
      ['Филиал Москва', [], null, null, '2026-11-19', 'Белова Ирина Николаевна', ['no field rep for Москва']],
      ['Филиал Н. Новгород', ['Васильев Павел Олегович'], false, '2026-06-23', '2026-06-23', 'Васильев Павел Олегович', ['rep inactive here since 2026-06-23 (none from 2026-08-24)', 'no contact since 2026-06-23']],
    ]);
  });
  it('an HQ without a national account manager is a gap', () => {
    const noNam = nationalLines([{ ...facts, team: facts.team.slice(1) }], P);
    expect(noNam[0]!.gaps).toContain('no national account manager on the HQ team');
    expect(noNam[0]!.accountManager).toBe('Белова Ирина Николаевна');
  });
  it('stable columns and a summary note', () => {
    const m = nationalAccountsModel([facts], P);
    expect(m.columns.map((c) => c.key)).toEqual([
      'hq_id', 'hq_external_id', 'hq', 'key_account', 'account_manager', 'unit_id', 'unit_external_id', 'unit', 'unit_type',
      'region', 'city', 'field_reps', 'rep_active', 'last_rep_activity', 'last_activity', 'last_activity_by', 'gaps',
    ]);
    expect(m.note).toBe('1 HQ with 3 branches: 1 unit in a region without a field rep, 1 where the rep logged nothing since 2026-08-24; 4 with gaps.');
  });
});
