import { describe, expect, it } from 'vitest';
import { render } from '../../src/render/index.js';
import type { TableModel } from '../../src/render/model.js';
import { shortName } from '../../src/plan/models.js';
import { reviewWeeks, type ReviewFacts } from '../../src/plan/review.js';
import { carryOverModel, changeSummary, trendModel, weeklyModel } from '../../src/reports/weekly.js';

function text(model: TableModel, format: 'csv' | 'json' | 'table' = 'csv'): string {
  let out = '';
  render(model, { format, color: false, bom: false, delimiter: ',' }, { write: (s) => (out += s) });
  return out;
}

const facts: ReviewFacts = {
  staff: [
    { id: 1, name: 'Андреева Анна Андреевна', email: 'a@x.ru', role: 'account_manager', active: true },
    { id: 2, name: 'Борисов Борис Борисович', email: null, role: 'field_rep', active: true },
  ],
  tasks: [
    { week: '2026-W47', staffId: 1, status: 'done', n: 2 },
    { week: '2026-W47', staffId: 1, status: 'failed', n: 1 },
    { week: '2026-W47', staffId: 1, status: 'carried', n: 1 },
    { week: '2026-W46', staffId: 1, status: 'done', n: 1 },
    { week: '2026-W46', staffId: 1, status: 'planned', n: 1 },
  ],
  activityDays: [{ staffId: 2, day: '2026-11-17', total: 2, unplanned: 2 }],
  keyAccounts: [{ id: 9, managerId: 2, contactDays: [] }],
};

describe('crm report weekly: layout', () => {
  const [review] = reviewWeeks(facts, ['2026-W47']);

  it('CSV: stable snake_case columns, ratios as fractions, empty (never 0 or NaN) for a zero denominator', () => {
    const lines = text(weeklyModel(review!)).split('\r\n');
    expect(lines[0]).toBe(
      'level,week,staff_id,staff,email,planned,done,failed,not_done,carried,open,cancelled,completion_rate,success_rate,activities,unplanned_activities,key_accounts,key_not_contacted,key_not_contacted_4w,' +
        'planned_change,done_change,failed_change,not_done_change,completion_rate_change,success_rate_change,activities_change,unplanned_activities_change,key_not_contacted_change,key_not_contacted_4w_change',
    );
    // planned 4 = 2 done + 1 failed + 1 carried; completion 3/4; success 2/3; W46: planned 2, completion 1/2, success 1/1
    expect(lines[1]).toBe('staff,2026-W47,1,Андреева Анна Андреевна,a@x.ru,4,2,1,1,1,0,0,0.75,0.6667,0,0,0,0,0,2,1,1,0,0.25,-0.3333,0,0,0,0');
    expect(lines[2]).toBe('staff,2026-W47,2,Борисов Борис Борисович,,0,0,0,0,0,0,0,,,2,2,1,1,1,0,0,0,0,,,2,2,0,0');
    expect(lines[3]).toBe('total,2026-W47,,total,,4,2,1,1,1,0,0,0.75,0.6667,2,2,1,1,1,2,1,1,0,0.25,-0.3333,2,2,0,0');
    expect(lines[4]).toBe('');
  });

  it('JSON: the week and the carry-over list beside the rows; rates as numbers or null', () => {
    const json = JSON.parse(text(weeklyModel(review!, { meta: { report: 'weekly', week: '2026-W47', carry_over: [] } }), 'json')) as { week: string; carry_over: unknown[]; rows: Record<string, unknown>[] };
    expect(json.week).toBe('2026-W47');
    expect(json.carry_over).toEqual([]);
    expect(json.rows[1]).toMatchObject({ staff: 'Борисов Борис Борисович', completion_rate: null, success_rate: null, planned: 0 });
    expect(json.rows[0]).toMatchObject({ completion_rate: 0.75, completion_rate_change: 0.25 });
  });

  it('a terminal table: short names, rate changes in percentage points, the total change in words', () => {
    const table = text(weeklyModel(review!, { compact: true }), 'table');
    expect(table).toContain('Андреева А. А.');
    expect(table).toContain('75.0%');
    expect(table).toContain('-33.3'); // success 66.7% against 100%
    expect(changeSummary(review!.total)).toBe(
      'planned 4 (+2), done 2 (+1), failed 1 (+1), not done 1 (±0), completion 75.0% (+25 pp), success 66.7% (−33.3 pp), unplanned activities 2 (+2), key accounts not contacted 1 (±0), for 4+ weeks 1 (±0)',
    );
  });

  it('--staff: no total row', () => {
    const [one] = reviewWeeks(facts, ['2026-W47'], { staffId: 2 });
    const lines = text(weeklyModel(one!, { single: true })).trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]!.startsWith('staff,2026-W47,2,')).toBe(true);
  });

  it('the trend: a row per week, oldest first', () => {
    const reviews = reviewWeeks(facts, ['2026-W46', '2026-W47']);
    const lines = text(trendModel(reviews)).trim().split('\r\n');
    expect(lines[0]!.startsWith('week,week_start,planned,done,failed,not_done,')).toBe(true);
    expect(lines[1]!.startsWith('2026-W46,2026-11-09,2,1,0,1,0,1,0,0.5,1,0,0,1,1,1,')).toBe(true);
    expect(lines[2]!.startsWith('2026-W47,2026-11-16,4,2,1,1,1,0,0,0.75,0.6667,2,2,1,1,1,2,1,1,0,0.25,')).toBe(true);
  });

  it('the carry-over list', () => {
    const model = carryOverModel(
      [
        {
          id: 3, week: '2026-W47', staffId: 1, staffName: 'Андреева Анна Андреевна', clientId: 5, clientName: 'ООО «Ромашка»', clientExternalId: 'C5', contactName: null,
          kind: 'call', task: 'Позвонить, "срочно"', status: 'planned', carryCount: 2, carriedFromId: 2, carriedToId: null, carriedToWeek: null, sinceWeek: '2026-W45', weeksOpen: 2,
        },
      ],
      '2026-W47',
    );
    expect(model.title).toBe('Carry-over from 2026-W47: 1 task not done, 1 of them carried before');
    expect(text(model).split('\r\n').slice(0, 2)).toEqual([
      'task_id,week,staff_id,staff,client_id,client_external_id,client,contact,kind,task,status,carry_count,since_week,weeks_open,carried_to_id,carried_to_week',
      '3,2026-W47,1,Андреева Анна Андреевна,5,C5,ООО «Ромашка»,,call,"Позвонить, ""срочно""",planned,2,2026-W45,2,,',
    ]);
  });

  it('short names for Russian full names only', () => {
    expect(shortName('Ткаченко Ольга Викторовна')).toBe('Ткаченко О. В.');
    expect(shortName('Ёлкина Алёна Петровна')).toBe('Ёлкина А. П.');
    expect(shortName('John Smith')).toBe('John Smith');
    expect(shortName('Иванов Иван')).toBe('Иванов Иван');
  });
});
