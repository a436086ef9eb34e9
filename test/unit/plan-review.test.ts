import { describe, expect, it } from 'vitest';
import { carryOverList, factWeeks, reviewWeeks, type CarryOverFact, type ReviewFacts, type StaffFact, type TaskFact } from '../../src/plan/review.js';
import { weeksEnding } from '../../src/util/isoweek.js';

const A: StaffFact = { id: 1, name: 'Андреева Анна Андреевна', email: 'a@x.ru', role: 'account_manager', active: true };
const B: StaffFact = { id: 2, name: 'Борисов Борис Борисович', email: 'b@x.ru', role: 'field_rep', active: true };
const C: StaffFact = { id: 3, name: 'Ёлкин Егор Егорович', email: 'c@x.ru', role: 'executive', active: true };
const D: StaffFact = { id: 4, name: 'Дмитриев Дмитрий', email: null, role: 'service', active: false };

const tasks = (week: string, staffId: number, counts: Partial<Record<TaskFact['status'], number>>): TaskFact[] =>
  Object.entries(counts).map(([status, n]) => ({ week, staffId, status: status as TaskFact['status'], n }));

// 2026-W47 = 16–22 Nov 2026, 2026-W46 = 9–15 Nov, W44 = 26 Oct – 1 Nov, W43 = 19–25 Oct
const facts: ReviewFacts = {
  staff: [C, D, B, A],
  tasks: [
    ...tasks('2026-W47', 1, { done: 3, failed: 1, planned: 1, carried: 1, cancelled: 2 }),
    ...tasks('2026-W46', 1, { done: 2, failed: 2, carried: 1 }),
  ],
  activityDays: [
    { staffId: 1, day: '2026-11-16', total: 3, unplanned: 1 },
    { staffId: 1, day: '2026-11-22', total: 1, unplanned: 1 }, // Sunday: still W47
    { staffId: 1, day: '2026-11-23', total: 5, unplanned: 5 }, // Monday: W48, not counted
    { staffId: 1, day: '2026-11-15', total: 2, unplanned: 2 }, // Sunday of W46
    { staffId: 3, day: '2026-11-18', total: 2, unplanned: 2 },
  ],
  keyAccounts: [
    { id: 10, managerId: 1, contactDays: ['2026-11-20'] }, // contacted in W47
    { id: 11, managerId: 1, contactDays: ['2026-10-26'] }, // W44: not this week, but within W44–W47
    { id: 12, managerId: 1, contactDays: ['2026-10-25'] }, // Sunday of W43: 4+ weeks ago by W47
    { id: 13, managerId: null, contactDays: [] }, // no manager: in the total only
  ],
};

describe('weekly review figures (computed by hand)', () => {
  const [w47] = reviewWeeks(facts, ['2026-W47']);

  it('one row per active seller and anyone with tasks, activities or key accounts, by name', () => {
    expect(w47!.week).toBe('2026-W47');
    expect(w47!.previousWeek).toBe('2026-W46');
    // D is inactive service staff with nothing in the week: no row
    expect(w47!.staff.map((s) => s.staff.id)).toEqual([1, 2, 3]);
  });

  it('a staff member with tasks: planned excludes cancelled; rates; activities; key accounts; change', () => {
    const a = w47!.staff[0]!;
    expect(a.figures).toEqual({
      planned: 6, // 3 done + 1 failed + 1 planned + 1 carried (2 cancelled left out)
      done: 3,
      failed: 1,
      notDone: 2,
      carried: 1,
      open: 1,
      cancelled: 2,
      completionRate: 4 / 6,
      successRate: 3 / 4,
      activities: 4, // 3 on Monday + 1 on Sunday; the next Monday's 5 are W48
      unplanned: 2,
      keyAccounts: 3,
      keyNotContacted: 2, // #11 and #12
      keyNotContacted4w: 1, // #12
    });
    // in W46 #10 had no contact yet in W43–W46 (its contact is in W47): 4+ weeks then
    expect(a.previous).toMatchObject({ planned: 5, done: 2, failed: 2, notDone: 1, completionRate: 0.8, successRate: 0.5, activities: 2, unplanned: 2, keyNotContacted: 3, keyNotContacted4w: 1 });
    expect(a.change.planned).toBe(1);
    expect(a.change.done).toBe(1);
    expect(a.change.failed).toBe(-1);
    expect(a.change.notDone).toBe(1);
    expect(a.change.completionRate).toBeCloseTo(4 / 6 - 0.8, 10);
    expect(a.change.successRate).toBeCloseTo(0.25, 10);
    expect(a.change.activities).toBe(2);
    expect(a.change.keyNotContacted).toBe(-1);
    expect(a.change.keyNotContacted4w).toBe(0);
  });

  it('a staff member with no tasks: zeros, and empty rates (never 0 or NaN), also in the change', () => {
    const b = w47!.staff[1]!;
    expect(b.figures).toMatchObject({ planned: 0, done: 0, failed: 0, notDone: 0, completionRate: null, successRate: null, activities: 0, keyAccounts: 0 });
    expect(b.change.completionRate).toBeNull();
    expect(b.change.successRate).toBeNull();
    expect(b.change.planned).toBe(0);
    const c = w47!.staff[2]!;
    expect(c.figures).toMatchObject({ planned: 0, completionRate: null, activities: 2, unplanned: 2 });
  });

  it('the total counts every task and activity, and every key account (also those without a manager)', () => {
    expect(w47!.total.figures).toMatchObject({ planned: 6, done: 3, activities: 6, unplanned: 4, keyAccounts: 4, keyNotContacted: 3, keyNotContacted4w: 2 });
    expect(w47!.total.previous).toMatchObject({ planned: 5, activities: 2, keyNotContacted: 4, keyNotContacted4w: 2 });
  });

  it('--staff: just that row, and a total that is theirs', () => {
    const [only] = reviewWeeks(facts, ['2026-W47'], { staffId: 2 });
    expect(only!.staff.map((s) => s.staff.id)).toEqual([2]);
    expect(only!.total.figures).toMatchObject({ planned: 0, completionRate: null, keyAccounts: 0 });
    const [mine] = reviewWeeks(facts, ['2026-W47'], { staffId: 1 });
    expect(mine!.total.figures).toEqual(mine!.staff[0]!.figures);
  });

  it('the facts span a review needs: the week before, and 3 more for the 4-week contact figure', () => {
    expect(factWeeks(['2026-W47'])).toEqual({ first: '2026-W46', last: '2026-W47', firstForContacts: '2026-W43' });
    expect(factWeeks(['2027-W01', '2027-W02'])).toEqual({ first: '2026-W53', last: '2027-W02', firstForContacts: '2026-W50' });
  });
});

describe('ISO week edges in the review', () => {
  it('week 53 runs to 3 January; the week after it is 2027-W01, whose previous week is 2026-W53', () => {
    const f: ReviewFacts = {
      staff: [A],
      tasks: [...tasks('2026-W53', 1, { done: 1, failed: 1 }), ...tasks('2027-W01', 1, { done: 2 })],
      activityDays: [
        { staffId: 1, day: '2026-12-28', total: 1, unplanned: 0 }, // Monday of W53
        { staffId: 1, day: '2027-01-03', total: 2, unplanned: 2 }, // Sunday of W53, in the new year
        { staffId: 1, day: '2027-01-04', total: 4, unplanned: 1 }, // Monday of 2027-W01
      ],
      keyAccounts: [{ id: 10, managerId: 1, contactDays: ['2027-01-03'] }],
    };
    const weeks = weeksEnding('2027-W01', 2);
    expect(weeks).toEqual(['2026-W53', '2027-W01']);
    const [w53, w01] = reviewWeeks(f, weeks);
    expect(w53!.total.figures).toMatchObject({ planned: 2, completionRate: 1, successRate: 0.5, activities: 3, unplanned: 2, keyNotContacted: 0 });
    expect(w01!.previousWeek).toBe('2026-W53');
    expect(w01!.total.figures).toMatchObject({ planned: 2, successRate: 1, activities: 4, unplanned: 1, keyNotContacted: 1, keyNotContacted4w: 0 });
    expect(w01!.total.change).toMatchObject({ planned: 0, done: 1, failed: -1, successRate: 0.5, activities: 1, unplanned: -1, keyNotContacted: 1 });
  });

  it('a week that spans the new year: 2025-W01 is 30 Dec 2024 – 5 Jan 2025', () => {
    const f: ReviewFacts = {
      staff: [A],
      tasks: tasks('2025-W01', 1, { done: 1 }),
      activityDays: [
        { staffId: 1, day: '2024-12-29', total: 7, unplanned: 7 }, // Sunday: 2024-W52
        { staffId: 1, day: '2024-12-30', total: 1, unplanned: 1 },
        { staffId: 1, day: '2024-12-31', total: 1, unplanned: 0 },
        { staffId: 1, day: '2025-01-05', total: 1, unplanned: 1 },
      ],
      keyAccounts: [],
    };
    const [w] = reviewWeeks(f, ['2025-W01']);
    expect(w!.previousWeek).toBe('2024-W52');
    expect(w!.total.figures).toMatchObject({ planned: 1, activities: 3, unplanned: 2 });
    expect(w!.total.previous).toMatchObject({ planned: 0, activities: 7, completionRate: null });
    expect(w!.total.change.completionRate).toBeNull();
    expect(w!.total.change.activities).toBe(-4);
  });
});

describe('the carry-over list', () => {
  const base = { staffId: 1, staffName: 'Андреева Анна Андреевна', clientId: 5, clientName: 'ООО «Ромашка»', clientExternalId: 'C5', contactName: null, kind: 'call', carriedToId: null, carriedToWeek: null };
  it('a task carried twice: its chain starts two weeks back; the longest-carried first', () => {
    const facts: CarryOverFact[] = [
      { ...base, id: 30, week: '2026-W47', task: 'новая', status: 'planned', carryCount: 0, carriedFromId: null, clientName: 'АО Альфа' },
      { ...base, id: 3, week: '2026-W47', task: 'старая', status: 'planned', carryCount: 2, carriedFromId: 2 },
      { ...base, id: 31, week: '2026-W47', task: 'уже перенесена', status: 'carried', carryCount: 0, carriedFromId: null, carriedToId: 40, carriedToWeek: '2026-W48' },
    ];
    const ancestors = new Map([
      [2, { week: '2026-W46', carriedFromId: 1 }],
      [1, { week: '2026-W45', carriedFromId: null }],
    ]);
    const list = carryOverList(facts, ancestors);
    expect(list.map((t) => [t.id, t.sinceWeek, t.weeksOpen])).toEqual([
      [3, '2026-W45', 2],
      [30, '2026-W47', 0],
      [31, '2026-W47', 0],
    ]);
    expect(list[2]!.carriedToId).toBe(40);
  });

  it('a chain over the new year, and a broken or circular chain stops where it must', () => {
    const facts: CarryOverFact[] = [{ ...base, id: 9, week: '2027-W01', task: 't', status: 'planned', carryCount: 3, carriedFromId: 8 }];
    const ancestors = new Map([
      [8, { week: '2026-W53', carriedFromId: 7 }],
      [7, { week: '2026-W52', carriedFromId: 9 }], // points back at 9: no endless loop
    ]);
    expect(carryOverList(facts, ancestors)[0]).toMatchObject({ sinceWeek: '2026-W52', weeksOpen: 2 });
    expect(carryOverList(facts, new Map())[0]).toMatchObject({ sinceWeek: '2027-W01', weeksOpen: 0 });
  });
});
