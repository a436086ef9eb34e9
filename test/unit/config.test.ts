import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS, crossProblems, findSetting, resolveSettings, settingsUnder, similarKeys } from '../../src/config/index.js';
import { kamSettings } from '../../src/config/kam.js';
import { displaySetting, parseSetting, settingText, type SettingDef } from '../../src/config/settings.js';

const def = (key: string) => findSetting(key)!;
const stored = (rows: Record<string, string>) => Object.entries(rows).map(([key, value]) => ({ key, value, updated_at: '2026-11-20 10:00:00', updated_by: 'test' }));

describe('settings: declared once', () => {
  it('every default is valid and every key is unique, lower case and namespaced', () => {
    const keys = SETTINGS.map((d) => d.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const d of SETTINGS) {
      expect(d.key).toMatch(/^[a-z]+(\.[a-z_]+)+$/);
      expect(parseSetting(d, d.default).ok, d.key).toBe(true);
      expect(d.description.length, d.key).toBeGreaterThan(10);
    }
    expect(crossProblems(resolveSettings([]))).toEqual([]);
  });

  it('every setting is explained in docs/key-accounts.md', () => {
    const doc = fs.readFileSync(new URL('../../docs/key-accounts.md', import.meta.url), 'utf8');
    for (const d of SETTINGS) expect(doc, `${d.key} is not in docs/key-accounts.md`).toContain(`\`${d.key}\``);
  });

  it('typed defaults for the scoring', () => {
    const k = kamSettings(resolveSettings([]));
    expect(k.windowWeeks).toBe(13);
    expect(k.qualify).toEqual({ minPotentialMinor: 10_000_000_00, minDecisionMakers: 2, minBuyingCentre: 4, minRegions: 2, partnership: ['interested', 'contract', 'strategic'] });
    expect(k.points.sponsor + k.points.topToTop).toBe(100);
    expect(k.points.serviceTeam + k.points.serviceContact + k.points.nonSalesActivity).toBe(100);
    expect(k.points.mission + k.points.goal + k.points.onTime).toBe(100);
    expect(k.points.repCoverage + k.points.repActivity).toBe(100);
    expect(k.points.potential + k.points.complex + k.points.partnership).toBe(100);
  });
});

describe('settings: parsing what people type', () => {
  it('whole numbers within range', () => {
    expect(parseSetting(def('kam.window_weeks'), ' 8 ')).toEqual({ ok: true, value: 8, text: '8' });
    expect(parseSetting(def('kam.window_weeks'), '0')).toEqual({ ok: false, reason: 'must be at least 1' });
    expect(parseSetting(def('kam.window_weeks'), '105')).toEqual({ ok: false, reason: 'must be at most 104' });
    expect(parseSetting(def('kam.window_weeks'), '8.5')).toEqual({ ok: false, reason: 'expected a whole number' });
  });
  it('decimal numbers with a point or a comma', () => {
    expect(parseSetting(def('kam.weight.integration'), '1,5')).toEqual({ ok: true, value: 1.5, text: '1.5' });
    expect(parseSetting(def('kam.weight.integration'), '-1').ok).toBe(false);
  });
  it('money in rubles, as the import reads it, kept in kopecks', () => {
    const d = def('kam.qualify.min_potential');
    expect(parseSetting(d, '15 000 000')).toEqual({ ok: true, value: 15_000_000_00, text: '15000000.00' });
    expect(parseSetting(d, '1 234,5')).toEqual({ ok: true, value: 123_450, text: '1234.50' });
    expect(parseSetting(d, '-5')).toEqual({ ok: false, reason: 'must be at least 0 RUB' });
    expect(displaySetting(d, 15_000_000_00)).toBe('15 000 000.00 RUB');
    expect(settingText(d, 15_000_000_00)).toBe('15000000.00');
  });
  it('lists of allowed words', () => {
    const d = def('kam.qualify.partnership');
    expect(parseSetting(d, 'Contract; strategic contract')).toEqual({ ok: true, value: ['contract', 'strategic'], text: 'contract,strategic' });
    expect(parseSetting(d, 'contract,forever')).toEqual({ ok: false, reason: '"forever" not allowed: choose from none, interested, contract, strategic' });
    expect(parseSetting(d, ' ').ok).toBe(false);
  });
});

describe('settings: stored values', () => {
  it('a stored value overrides the default and says who set it', () => {
    const s = resolveSettings(stored({ 'kam.window_weeks': '8' }));
    expect(s.resolved('kam.window_weeks')).toMatchObject({ value: 8, source: 'set', updatedBy: 'test' });
    expect(s.resolved('kam.band.strong')).toMatchObject({ value: 75, source: 'default' });
    expect(s.json('kam.qualify.')).toEqual({
      'kam.qualify.min_potential': 10_000_000,
      'kam.qualify.min_decision_makers': 2,
      'kam.qualify.min_buying_centre': 4,
      'kam.qualify.min_regions': 2,
      'kam.qualify.partnership': ['interested', 'contract', 'strategic'],
    });
  });
  it('an unreadable stored value is reported and the default used; unknown keys are ignored', () => {
    const s = resolveSettings(stored({ 'kam.window_weeks': 'many', 'other.feature': 'x' }));
    expect(s.number('kam.window_weeks')).toBe(13);
    expect(s.problems).toEqual(['setting kam.window_weeks holds "many": expected a whole number; using the default 13 (fix it with crm config set kam.window_weeks VALUE)']);
  });
  it('consistency across settings', () => {
    const s = resolveSettings([]);
    expect(crossProblems(s, 'kam.band.developing', 80)).toEqual(['kam.band.developing must not be above kam.band.strong']);
    expect(crossProblems(s, 'kam.band.strong', 40)).toEqual(['kam.band.developing must not be above kam.band.strong']);
    const zero = resolveSettings(stored({ 'kam.weight.integration': '0', 'kam.weight.top_management': '0', 'kam.weight.sales_service': '0', 'kam.weight.goals_mission': '0', 'kam.weight.field_reps': '0' }));
    expect(crossProblems(zero, 'kam.weight.identification', 0)).toEqual(['at least one kam.weight.* must be above 0']);
    const noPoints = resolveSettings(stored({ 'kam.top_management.sponsor_points': '0' }));
    expect(crossProblems(noPoints, 'kam.top_management.top_to_top_points', 0)).toEqual(['the kam.top_management.*_points cannot all be 0']);
  });
  it('groups and near misses', () => {
    expect(settingsUnder('kam.band').map((d: SettingDef) => d.key)).toEqual(['kam.band.strong', 'kam.band.developing']);
    expect(settingsUnder('kam.band.strong').map((d) => d.key)).toEqual(['kam.band.strong']);
    expect(settingsUnder('kam.ban')).toEqual([]);
    expect(similarKeys('kam.window')).toContain('kam.window_weeks');
  });
});
