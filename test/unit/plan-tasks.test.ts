import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { activityFor, outcomeFor, parseKind, refusal, taskIdOf, weekOption, type TaskState } from '../../src/plan/tasks.js';
import { localDate } from '../../src/util/dates.js';
import { describeWeek, isoWeekOfMoment, weeksBetween, weeksEnding } from '../../src/util/isoweek.js';

const state = (status: TaskState['status'], extra: Partial<TaskState> = {}): TaskState => ({ id: 7, week: '2026-W47', status, completedOn: null, carriedToId: null, carriedToWeek: null, ...extra });

describe('crm plan done|fail|cancel: which changes are allowed', () => {
  it('a planned task can be done, failed or cancelled', () => {
    for (const m of ['done', 'failed', 'cancelled'] as const) expect(refusal(state('planned'), m)).toBeNull();
  });

  it('a carried task is marked in the week it was carried to', () => {
    expect(refusal(state('carried', { carriedToId: 9, carriedToWeek: '2026-W48' }), 'done')).toBe('task #7 (2026-W47) was carried to #9 in 2026-W48: mark that one instead');
    expect(refusal(state('carried'), 'failed')).toContain('carried to a later week');
    // still 'planned' but a task was carried from it: the same
    expect(refusal(state('planned', { carriedToId: 9, carriedToWeek: '2026-W48' }), 'cancelled')).toContain('#9');
  });

  it('done and failed correct each other; a finished task is not cancelled; a cancelled one can still be done', () => {
    expect(refusal(state('done', { completedOn: '2026-11-18' }), 'failed')).toBeNull();
    expect(refusal(state('failed'), 'done')).toBeNull();
    expect(refusal(state('done', { completedOn: '2026-11-18' }), 'cancelled')).toBe('task #7 is already done (on 2026-11-18): a finished task is not cancelled; crm plan fail 7 corrects it');
    expect(refusal(state('cancelled'), 'done')).toBeNull();
  });

  it('the logged outcome fits the mark: done success (default) or neutral; failed failure (default), no_answer or neutral', () => {
    expect(outcomeFor('done', undefined)).toBe('success');
    expect(outcomeFor('done', 'Neutral')).toBe('neutral');
    expect(outcomeFor('failed', undefined)).toBe('failure');
    expect(outcomeFor('failed', 'no_answer')).toBe('no_answer');
    expect(() => outcomeFor('done', 'failure')).toThrow(UsageError);
    expect(() => outcomeFor('failed', 'success')).toThrow(/does not fit a failed task/);
  });

  it('the activity that records a task: its client, contact, staff, kind and text; a task with no client has none', () => {
    const t = { id: 12, staffId: 3, clientId: 5, contactId: 8, kind: 'meeting', task: 'Встреча' };
    expect(activityFor(t, 'success', '2026-11-20 10:30', 'Договорились')).toEqual({
      client_id: 5,
      contact_id: 8,
      staff_id: 3,
      kind: 'meeting',
      occurred_at: '2026-11-20 10:30',
      outcome: 'success',
      subject: 'Встреча',
      notes: 'Договорились',
      plan_task_id: 12,
    });
    expect(activityFor({ ...t, kind: null }, 'neutral', '2026-11-20', null).kind).toBe('other');
    expect(() => activityFor({ ...t, clientId: null }, 'success', '2026-11-20', null)).toThrow(/has no client/);
  });

  it('task references and kinds', () => {
    expect(taskIdOf('12')).toBe(12);
    expect(taskIdOf('#12')).toBe(12);
    expect(taskIdOf('PT-00912')).toBeNull();
    expect(parseKind('Top-To-Top')).toBe('top_to_top');
    expect(() => parseKind('lunch')).toThrow(/not a kind of task/);
  });
});

describe('--week: ISO weeks from the local calendar date', () => {
  it('this, next, last on a Monday; a date; lower case; the default', () => {
    expect(weekOption('last', '2026-11-23')).toBe('2026-W47'); // Monday of W48
    expect(weekOption('this', '2026-11-23')).toBe('2026-W48');
    expect(weekOption('next', '2026-11-22')).toBe('2026-W48'); // Sunday of W47
    expect(weekOption(undefined, '2026-11-22')).toBe('2026-W47');
    expect(weekOption('2026w5', '2026-11-22')).toBe('2026-W05');
    expect(weekOption('2027-01-03', '2026-11-22')).toBe('2026-W53');
  });

  it('last on the Monday of week 1 is week 53 of the year before; next from week 53 is week 1', () => {
    expect(weekOption('last', '2027-01-04')).toBe('2026-W53');
    expect(weekOption('next', '2026-12-31')).toBe('2027-W01');
    expect(weekOption('this', '2025-12-29')).toBe('2026-W01'); // a Monday in December, in week 1 of 2026
  });

  it('a week that does not exist is a usage error that says what is accepted', () => {
    expect(() => weekOption('2025-W53', '2026-11-22')).toThrow(UsageError);
    expect(() => weekOption('soon', '2026-11-22')).toThrow(/not a week/);
  });

  it('today is the local date of the moment: the same instant is Monday in Vladivostok and Sunday in Los Angeles', () => {
    // run under TZ=Asia/Vladivostok and TZ=America/Los_Angeles (the e2e tests run the binary under both)
    const instant = new Date('2026-11-22T15:30:00Z');
    const byZone: Record<string, [string, string, string]> = {
      'Asia/Vladivostok': ['2026-11-23', '2026-W48', '2026-W47'],
      'America/Los_Angeles': ['2026-11-22', '2026-W47', '2026-W46'],
      UTC: ['2026-11-22', '2026-W47', '2026-W46'],
    };
    const zone = process.env.TZ ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    const expected = byZone[zone];
    if (!expected) return;
    expect(localDate(instant)).toBe(expected[0]);
    expect(weekOption('this', localDate(instant))).toBe(expected[1]);
    expect(weekOption('last', localDate(instant))).toBe(expected[2]);
  });

  it('helpers: the week of a moment, spans, distances, labels', () => {
    expect(isoWeekOfMoment('2027-01-03 23:59')).toBe('2026-W53');
    expect(weeksEnding('2027-W02', 3)).toEqual(['2026-W53', '2027-W01', '2027-W02']);
    expect(weeksEnding('2026-W47', 1)).toEqual(['2026-W47']);
    expect(weeksBetween('2026-W52', '2027-W01')).toBe(2);
    expect(weeksBetween('2027-W01', '2026-W52')).toBe(-2);
    expect(describeWeek('2026-W53')).toBe('2026-W53 (2026-12-28 – 2027-01-03)');
  });
});
