import { describe, expect, it } from 'vitest';
import { NO_RETENTION, planRetention, type RetentionCandidate, type RetentionPolicy } from '../../src/backup/retention.js';

/** A backup taken on a calendar day at a time of day (the clock is irrelevant to the core: it gets the day). */
function backup(day: string, time = '02:00', verified = true): RetentionCandidate {
  return { name: `crm-${day.replace(/-/g, '')}-${time.replace(':', '')}00.db`, at: Date.parse(`${day}T${time}:00Z`), day, verified };
}

/** Every day from `from` for `days` days. */
function calendar(from: string, days: number): RetentionCandidate[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => backup(new Date(start + i * 86_400_000).toISOString().slice(0, 10)));
}

const policy = (p: Partial<RetentionPolicy>): RetentionPolicy => ({ ...NO_RETENTION, ...p });
const kept = (backups: RetentionCandidate[], p: Partial<RetentionPolicy>) =>
  planRetention(backups, policy(p))
    .filter((d) => d.keep)
    .map((d) => d.name.slice(4, 12))
    .sort();

describe('retention policy', () => {
  it('no policy keeps everything', () => {
    const all = calendar('2026-01-01', 10);
    expect(planRetention(all, NO_RETENTION).every((d) => d.keep)).toBe(true);
  });

  it('keep-last N keeps exactly the N newest, whatever their days', () => {
    const all = [...calendar('2026-03-01', 5), backup('2026-03-05', '14:00'), backup('2026-03-05', '20:00')];
    const decisions = planRetention(all, policy({ last: 3 }));
    expect(decisions.filter((d) => d.keep).map((d) => d.name)).toEqual(['crm-20260305-200000.db', 'crm-20260305-140000.db', 'crm-20260305-020000.db']);
    expect(decisions[0]!.reasons).toEqual(['last 1', 'newest verified']);
    expect(decisions.filter((d) => !d.keep)).toHaveLength(4);
  });

  it('daily keeps the newest backup of each of the last D days', () => {
    const all = [...calendar('2026-03-01', 10), backup('2026-03-10', '23:00'), backup('2026-03-09', '01:00')];
    const decisions = planRetention(all, policy({ daily: 3 }));
    expect(decisions.filter((d) => d.keep).map((d) => d.name)).toEqual(['crm-20260310-230000.db', 'crm-20260309-020000.db', 'crm-20260308-020000.db']);
  });

  it('grandfather-father-son over a year and a half of nightly backups keeps exactly 7 days, 4 weeks, 12 months', () => {
    // 2025-07-01 … 2026-12-31, one backup a night (549 backups)
    const all = calendar('2025-07-01', 549);
    expect(all.at(-1)!.day).toBe('2026-12-31');
    const names = kept(all, { daily: 7, weekly: 4, monthly: 12 });
    const days = ['20261225', '20261226', '20261227', '20261228', '20261229', '20261230', '20261231'];
    // ISO weeks: 2026-W53 ends on Sunday 2027-01-03, so its newest backup is Dec 31 (a daily one too);
    // W52 ends Sun Dec 27, W51 Sun Dec 20, W50 Sun Dec 13
    const weeks = ['20261213', '20261220'];
    // months: the last day of each month, Jan … Dec 2026 (Dec 31 is the daily one)
    const months = ['20260131', '20260228', '20260331', '20260430', '20260531', '20260630', '20260731', '20260831', '20260930', '20261031', '20261130'];
    expect(names).toEqual([...months, ...weeks, ...days].sort());
    expect(names).toHaveLength(7 + 2 + 11); // Dec 31 serves day, week and month; Dec 27 day and week
  });

  it('the reasons say which rule keeps a backup', () => {
    const d = planRetention(calendar('2026-11-20', 14), policy({ daily: 2, weekly: 2, monthly: 2 }));
    const byName = new Map(d.map((x) => [x.name, x.reasons]));
    expect(byName.get('crm-20261203-020000.db')).toEqual(['daily 2026-12-03', 'weekly 2026-W49', 'monthly 2026-12', 'newest verified']);
    expect(byName.get('crm-20261202-020000.db')).toEqual(['daily 2026-12-02']);
    // Mon 2026-11-30 opens W49 (kept by Thu Dec 3); Sun Nov 29 is the newest of W48
    expect(byName.get('crm-20261130-020000.db')).toEqual(['monthly 2026-11']);
    expect(byName.get('crm-20261129-020000.db')).toEqual(['weekly 2026-W48']);
    expect(byName.get('crm-20261128-020000.db')).toEqual([]);
    expect(d.filter((x) => x.keep)).toHaveLength(4);
  });

  it('periods without backups are skipped, so a pause never empties the directory', () => {
    const all = [backup('2026-01-05'), backup('2026-01-06'), backup('2026-06-01'), backup('2026-06-02')];
    expect(kept(all, { daily: 3 })).toEqual(['20260106', '20260601', '20260602']);
    expect(kept(all, { monthly: 2 })).toEqual(['20260106', '20260602']);
  });

  it('ISO weeks cross the new year: Mon 2024-12-30 … Sun 2025-01-05 is 2025-W01', () => {
    const all = [backup('2024-12-29'), backup('2024-12-30'), backup('2025-01-02'), backup('2025-01-06')];
    const d = planRetention(all, policy({ weekly: 3 }));
    expect(d.filter((x) => x.keep).map((x) => x.reasons[0])).toEqual(['weekly 2025-W02', 'weekly 2025-W01', 'weekly 2024-W52']);
    expect(kept(all, { weekly: 3 })).toEqual(['20241229', '20250102', '20250106']);
  });

  it('never deletes the newest verified backup, even when the policy would', () => {
    const all = [backup('2026-05-01'), backup('2026-05-02'), backup('2026-05-03', '02:00', false), backup('2026-05-04', '02:00', false)];
    const d = planRetention(all, policy({ last: 1 }));
    expect(d.filter((x) => x.keep).map((x) => [x.name, x.reasons])).toEqual([
      ['crm-20260504-020000.db', ['last 1']],
      ['crm-20260502-020000.db', ['newest verified']],
    ]);
  });

  it('with no verified backup at all it keeps only what the policy says', () => {
    const all = calendar('2026-05-01', 4).map((b) => ({ ...b, verified: false }));
    expect(kept(all, { last: 2 })).toEqual(['20260503', '20260504']);
  });

  it('ties in time are broken by name, the later sequence number being newer', () => {
    const at = Date.parse('2026-05-01T02:00:00Z');
    const all: RetentionCandidate[] = [
      { name: 'crm-20260501-020000.db', at, day: '2026-05-01', verified: true, seq: 0 },
      { name: 'crm-20260501-020000.1.db', at, day: '2026-05-01', verified: true, seq: 1 },
    ];
    expect(planRetention(all, policy({ last: 1 })).map((d) => [d.name, d.keep])).toEqual([
      ['crm-20260501-020000.1.db', true],
      ['crm-20260501-020000.db', false],
    ]);
  });

  it('an empty list is fine', () => {
    expect(planRetention([], policy({ last: 3 }))).toEqual([]);
  });
});
