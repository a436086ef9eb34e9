import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, parseDate, parseDateTime } from '../../src/util/dates.js';
import { addWeeks, isoWeekOf, isValidWeek, parseWeek, weekMonday, weekSunday, weeksInYear } from '../../src/util/isoweek.js';

describe('dates', () => {
  it.each([
    ['2026-11-20', '2026-11-20'],
    ['20.11.2026', '2026-11-20'],
    ['1.2.2026', '2026-02-01'],
    ['2026-11-20T23:30:00Z', '2026-11-20'],
    ['2024-02-29', '2024-02-29'],
  ])('parseDate(%j)', (text, iso) => expect(parseDate(text)).toEqual({ ok: true, value: iso }));

  it.each(['2026-02-29', '31.04.2026', '2026/11/20', '11/20/2026', 'завтра', '20.11.26'])('rejects %j', (text) => expect(parseDate(text).ok).toBe(false));

  it('dates with times', () => {
    expect(parseDateTime('20.11.2026 9:05')).toEqual({ ok: true, value: '2026-11-20 09:05' });
    expect(parseDateTime('2026-11-20 09:05:07')).toEqual({ ok: true, value: '2026-11-20 09:05:07' });
    expect(parseDateTime('2026-11-20')).toEqual({ ok: true, value: '2026-11-20' });
    expect(parseDateTime('2026-11-20 25:00').ok).toBe(false);
  });

  it('arithmetic across DST and year ends, independent of TZ', () => {
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365);
  });
});

describe('ISO weeks', () => {
  it('edges: week 53, weeks spanning the new year', () => {
    expect(isoWeekOf('2026-11-20')).toBe('2026-W47');
    expect(isoWeekOf('2026-12-31')).toBe('2026-W53');
    expect(isoWeekOf('2027-01-03')).toBe('2026-W53');
    expect(isoWeekOf('2027-01-04')).toBe('2027-W01');
    expect(isoWeekOf('2024-12-30')).toBe('2025-W01');
    expect(weeksInYear(2026)).toBe(53);
    expect(weeksInYear(2025)).toBe(52);
    expect(isValidWeek('2025-W53')).toBe(false);
    expect(isValidWeek('2026-W53')).toBe(true);
  });

  it('Monday and Sunday of a week; adding weeks over the year end', () => {
    expect(weekMonday('2026-W53')).toBe('2026-12-28');
    expect(weekSunday('2026-W53')).toBe('2027-01-03');
    expect(weekMonday('2025-W01')).toBe('2024-12-30');
    expect(addWeeks('2026-W53', 1)).toBe('2027-W01');
    expect(addWeeks('2027-W01', -1)).toBe('2026-W53');
  });

  it('this, next, last — including on a Monday', () => {
    expect(parseWeek('this', '2026-11-23')).toBe('2026-W48');
    expect(parseWeek('last', '2026-11-23')).toBe('2026-W47');
    expect(parseWeek('next', '2026-11-29')).toBe('2026-W49');
    expect(parseWeek('2026-w5', '2026-01-01')).toBe('2026-W05');
    expect(parseWeek('2025-W53', '2026-01-01')).toBeNull();
  });
});
