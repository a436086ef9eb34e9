// crm report promotions and crm report follow-ups against a small base whose figures are worked
// out by hand below (the same world as test/unit/report-promotions.test.ts, plus a merged client
// and a promotion without cost).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm, parseCsv, tempDir, newDb, execSql } from '../helpers/cli.js';

let dir: string;
let db: string;
const report = (args: string[], env: Record<string, string> = {}) => crm(['report', ...args, '--db', db], { env });
const csv = (args: string[], env: Record<string, string> = {}) => {
  const r = report([...args, '--format', 'csv'], env);
  expect(r.status, r.stderr).toBe(0);
  return parseCsv(r.stdout);
};
/** CSV rows as objects, without the id columns (ids depend on import order) */
const objects = (rows: string[][]) => rows.slice(1).map((r) => Object.fromEntries(rows[0]!.map((k, i) => [k, r[i]]).filter(([k]) => !/^(promotion|staff|client|response)_id$/.test(k!))));

beforeAll(() => {
  dir = tempDir();
  db = newDb(dir);
  expect(crm(['init', '--db', db]).status).toBe(0);
  const files: Record<string, string> = {
    staff: 'name,email,role\nИванов Иван,ivanov@x.ru,account_manager\nПетрова Анна,petrova@x.ru,account_manager\n',
    clients:
      'external_id,name,client_type,manager\nC10,ООО «Альфа»,retail,ivanov@x.ru\nC11,АО Бета,distributor,petrova@x.ru\nC12,ИП Гамма,retail,\nC99,ООО Альфа-дубль,retail,\n',
    // A: 100.00 over 3 responses → 33.33, 33.33, 33.34; B: 1000.01 over 2 → 500.00, 500.01; C: none; D: free
    promotions:
      'code,name,channel,target_client_type,starts_on,ends_on,cost\n' +
      'A,Рассылка A,email,retail,2026-01-10,2026-01-31,100.00\n' +
      'B,"Выставка «Б», Москва",exhibition,,2026-02-01,2026-02-05,"1 000,01"\n' +
      'C,Рассылка C,email,,2026-03-01,,50\n' +
      'D,Обзвон D,phone,,2026-02-10,2026-02-20,0\n',
    responses:
      'external_id,promotion,client,raw_company,raw_name,raw_phone,responded_on,handled_by\n' +
      'R1,A,C10,,,,2026-01-15,ivanov@x.ru\n' +
      'R2,A,C11,,,,20.01.2026,petrova@x.ru\n' +
      'R3,A,,Стройдвор,Павел,+7 912 000-00-00,2026-02-05,\n' +
      'R4,B,C10,,,,2026-02-03,ivanov@x.ru\n' +
      'R5,B,C12,,,,2026-02-04,petrova@x.ru\n' +
      'R9,B,C99,,,,2026-02-04,petrova@x.ru\n' +
      'R6,D,C12,,,,2026-02-10,ivanov@x.ru\n' +
      'R7,D,C11,,,,2026-02-16,petrova@x.ru\n',
    deals:
      'external_id,client,amount,stage,opened_on,closed_on,response\n' +
      'D1,C10,500,won,2026-01-20,2026-01-30,R1\n' +
      'D2,C10,300,lost,2026-01-25,2026-02-01,R1\n' +
      'D3,C10,2000,won,2026-02-10,2026-02-20,R4\n' +
      'D4,C12,100,open,2026-02-06,,R5\n' +
      'D5,C11,700,won,2026-02-10,2026-02-15,\n' + // 21 days after R2
      'D6,C10,100,won,2026-02-04,2026-02-05,\n' + // R1 20 days before, R4 1 day before → R4
      'D7,C12,999.99,won,2026-02-01,2026-02-02,\n' + // before any response of C12
      'D8,C10,50,lost,2026-02-03,2026-02-04,\n' + // the day of R4 → R4
      'D9,C99,12345,won,2026-02-05,2026-02-06,R9\n', // merged client: left out
    activities:
      'external_id,client,staff,kind,occurred_at,response\n' +
      'A1,C11,petrova@x.ru,call,2026-01-22 10:00,R2\n' +
      'A2,C12,ivanov@x.ru,call,2026-02-20 09:00,\n' +
      'A3,C10,ivanov@x.ru,meeting,2026-03-01 12:00,\n' +
      'A4,C12,ivanov@x.ru,call,2026-03-02 00:30,R6\n',
  };
  for (const [entity, text] of Object.entries(files)) {
    const file = path.join(dir, `${entity}.csv`);
    fs.writeFileSync(file, text);
    const r = crm(['import', entity, file, '--db', db, '-q']);
    expect(r.status, r.stderr).toBe(0);
  }
  // C99 was merged into C10 by a dedupe that left its rows behind: they must not count
  const edit = "UPDATE clients SET merged_into_id = (SELECT id FROM clients WHERE external_id = 'C10') WHERE external_id = 'C99'";
  execSql(db, edit);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HEADER = [
  'level', 'promotion_id', 'promotion_code', 'promotion', 'channel', 'target_client_type', 'starts_on', 'ends_on', 'responses', 'deals', 'inferred_deals', 'won_deals',
  'deals_per_response', 'won_per_response', 'won_per_deal', 'revenue_won', 'cost', 'cost_per_response', 'cost_per_won_deal', 'roi',
];

describe('crm report promotions', () => {
  it('by promotion: every figure by hand, empty ratios for zero denominators, exact totals', () => {
    const rows = csv(['promotions']);
    expect(rows[0]).toEqual(HEADER);
    expect(rows.slice(1).map((r) => r.filter((_, i) => i !== 1))).toEqual([
      // level code name channel target starts ends | resp deals inferred won | d/r w/r w/d | revenue cost cost/resp cost/won roi
      ['group', 'A', 'Рассылка A', 'email', 'retail', '2026-01-10', '2026-01-31', '3', '2', '0', '1', '0.6667', '0.3333', '0.5', '500.00', '100.00', '33.33', '100.00', '4'],
      ['group', 'B', 'Выставка «Б», Москва', 'exhibition', '', '2026-02-01', '2026-02-05', '2', '2', '0', '1', '1', '0.5', '0.5', '2000.00', '1000.01', '500.01', '1000.01', '1'],
      ['group', 'D', 'Обзвон D', 'phone', '', '2026-02-10', '2026-02-20', '2', '0', '0', '0', '0', '0', '', '0.00', '0.00', '0.00', '', ''],
      ['group', 'C', 'Рассылка C', 'email', '', '2026-03-01', '', '0', '0', '0', '0', '', '', '', '0.00', '50.00', '', '', '-1'],
      // 1150.01 over 7 responses = 164.287 → 164.29; over 2 won deals = 575.005 → 575.01; (2500 − 1150.01) / 1150.01
      ['total', '', 'total', '', '', '', '', '7', '4', '0', '2', '0.5714', '0.2857', '0.5', '2500.00', '1150.01', '164.29', '575.01', '1.1739'],
    ]);
  });

  it('--attribution-days: unlinked deals credited to the latest response before them, and the count is said', () => {
    const r = report(['promotions', '--attribution-days', '30', '--format', 'json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('3 deals credited to a response by the 30-day attribution window');
    const json = JSON.parse(r.stdout) as { attribution_days: number; inferred_deals: number; rows: Record<string, unknown>[] };
    expect(json).toMatchObject({ report: 'promotions', by: 'promotion', attribution_days: 30, inferred_deals: 3, from: null, to: null });
    const [a, b, , , total] = json.rows;
    expect(a).toMatchObject({ promotion_code: 'A', deals: 3, inferred_deals: 1, won_deals: 2, revenue_won: 1200, roi: 11 });
    expect(b).toMatchObject({ promotion_code: 'B', deals: 4, inferred_deals: 2, won_deals: 2, revenue_won: 2100, deals_per_response: 2 });
    expect(total).toMatchObject({ level: 'total', deals: 7, inferred_deals: 3, won_deals: 4, revenue_won: 3300, cost: 1150.01, won_per_deal: 0.5714 });
    // 20 days: D5 (21 days after R2) is no longer credited
    expect(report(['promotions', '--attribution-days', '20', '-f', 'csv']).stderr).toContain('2 deals credited');
  });

  it('by staff: the handler of each response carries its deals and its share of the cost', () => {
    expect(objects(csv(['promotions', '--by', 'staff'])).map((r) => [r.staff, r.staff_email, r.promotions, r.responses, r.deals, r.won_deals, r.deals_per_response, r.revenue_won, r.cost, r.cost_per_response, r.roi])).toEqual([
      ['Иванов Иван', 'ivanov@x.ru', '3', '3', '3', '2', '1', '2500.00', '533.33', '177.78', '3.6875'],
      ['Петрова Анна', 'petrova@x.ru', '3', '3', '1', '0', '0.3333', '0.00', '533.34', '177.78', '-1'],
      ['(not assigned)', '', '1', '1', '0', '0', '0', '0.00', '33.34', '33.34', '-1'],
      ['(no responses)', '', '1', '0', '0', '0', '', '0.00', '50.00', '', '-1'],
      ['total', '', '4', '7', '4', '2', '0.5714', '2500.00', '1150.01', '164.29', '1.1739'],
    ]);
  });

  it('by channel, client type and month: the cost splits differently and always adds up to 1150.01', () => {
    const pick = (by: string, key: string) => objects(csv(['promotions', '--by', by])).map((r) => [r[key], r.responses, r.deals, r.cost]);
    expect(pick('channel', 'channel')).toEqual([
      ['email', '3', '2', '150.00'],
      ['exhibition', '2', '2', '1000.01'],
      ['phone', '2', '0', '0.00'],
      ['total', '7', '4', '1150.01'],
    ]);
    expect(pick('client-type', 'client_type')).toEqual([
      ['distributor', '2', '0', '33.33'],
      ['retail', '4', '4', '1033.34'],
      ['(no client)', '1', '0', '33.34'],
      ['(no responses)', '0', '0', '50.00'],
      ['total', '7', '4', '1150.01'],
    ]);
    expect(pick('month', 'month')).toEqual([
      ['2026-01', '2', '2', '66.66'],
      ['2026-02', '5', '2', '1033.35'],
      ['2026-03', '0', '0', '50.00'],
      ['total', '7', '4', '1150.01'],
    ]);
  });

  it('--from/--to select responses by responded_on, inclusive; deals follow their response', () => {
    const feb = objects(csv(['promotions', '--from', '2026-02-01', '--to', '28.02.2026']));
    expect(feb.map((r) => [r.promotion_code ?? r.promotion, r.responses, r.deals, r.cost])).toEqual([
      ['A', '1', '0', '33.34'],
      ['B', '2', '2', '1000.01'],
      ['D', '2', '0', '0.00'],
      ['', '5', '2', '1033.35'],
    ]);
    // one day: R1 only, with both its deals although D2 closed in February
    expect(objects(csv(['promotions', '--from', '2026-01-15', '--to', '2026-01-15'])).at(-1)).toMatchObject({ responses: '1', deals: '2', won_deals: '1', cost: '33.33' });
    expect(report(['promotions', '--from', '2026-03-01', '--to', '2026-02-01', '-f', 'csv']).status).toBe(2);
    expect(report(['promotions', '--by', 'product', '-f', 'csv']).stderr).toContain('promotion, channel, staff, client-type, month');
    expect(report(['promotions', '--attribution-days', '-3', '-f', 'csv']).status).toBe(2);
  });

  it('the same figures in any time zone', () => {
    const base = report(['promotions', '--by', 'month', '--attribution-days', '30', '-f', 'csv']).stdout;
    for (const TZ of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      expect(report(['promotions', '--by', 'month', '--attribution-days', '30', '-f', 'csv'], { TZ }).stdout).toBe(base);
    }
  });

  it('a terminal table marks the total, shows rubles and percentages, and says how cost was shared', () => {
    const r = report(['promotions', '--by', 'staff', '--format', 'table', '--no-color']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Иванов Иван');
    expect(r.stdout).toContain('1 150.01');
    expect(r.stdout).toContain('57.1%');
    expect(r.stdout).toContain("shared equally over all its responses");
  });
});

describe('crm report follow-ups', () => {
  it('responses at least N days old with no activity and no deal naming them, oldest first', () => {
    const rows = objects(csv(['follow-ups', '--as-of', '2026-03-01']));
    expect(rows.map((r) => [r.response_external_id, r.responded_on, r.days_waiting, r.promotion_code, r.client, r.matched, r.contact, r.phone, r.handled_by, r.last_client_activity])).toEqual([
      ['R3', '2026-02-05', '24', 'A', 'Стройдвор', 'false', 'Павел', '+79120000000', '', ''],
      // A2 (2026-02-20) is a contact with the client, but it names no response: shown, not counted
      ['R6', '2026-02-10', '19', 'D', 'ИП Гамма', 'true', '', '', 'Иванов Иван', '2026-02-20 09:00'],
    ]);
  });

  it('--days and --as-of: a later linked activity ends the wait; --days 0 lists every unanswered response', () => {
    const ids = (args: string[]) => objects(csv(['follow-ups', ...args])).map((r) => r.response_external_id);
    expect(ids(['--as-of', '2026-03-01', '--days', '0'])).toEqual(['R3', 'R6', 'R7']);
    expect(ids(['--as-of', '2026-03-01', '--days', '13'])).toEqual(['R3', 'R6', 'R7']);
    expect(ids(['--as-of', '2026-03-01', '--days', '14'])).toEqual(['R3', 'R6']);
    expect(ids(['--as-of', '2026-03-02', '--days', '14'])).toEqual(['R3', 'R7']); // A4 answered R6 on 03-02
    expect(ids(['--as-of', '2026-03-01', '--days', '0', '--from', '2026-02-06'])).toEqual(['R6', 'R7']);
    for (const TZ of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) expect(objects(csv(['follow-ups', '--as-of', '2026-03-02'], { TZ })).map((r) => r.response_external_id)).toEqual(['R3', 'R7']);
    expect(report(['follow-ups', '--days', 'two', '-f', 'csv']).status).toBe(2);
    expect(report(['follow-ups', '--as-of', '2026-02-30', '-f', 'csv']).status).toBe(2);
  });

  it('a deal opened after the as-of day is no follow-up yet', () => {
    // as of 02-05: R4's deal D3 and R5's deal D4 opened later; R1 and R2 were answered in January
    expect(objects(csv(['follow-ups', '--as-of', '2026-02-05', '--days', '0'])).map((r) => r.response_external_id)).toEqual(['R4', 'R5', 'R3']);
  });

  it('both ways of checking the activities give the same rows', async () => {
    const { openTarget } = await import('../../src/db/open.js');
    const { resolveTarget } = await import('../../src/db/target.js');
    const { followUpFacts } = await import('../../src/db/queries/follow-ups.js');
    const cdb = await openTarget(resolveTarget(db, {}), { readonly: true });
    try {
      for (const asOf of ['2026-01-21', '2026-01-22', '2026-02-05', '2026-03-01', '2026-03-02']) {
        const q = { asOf, cutoff: asOf };
        const ids = async (few: number) => (await followUpFacts(cdb.db, { ...q, fewLaterActivities: few })).map((f) => f.externalId);
        expect(await ids(-1), asOf).toEqual(await ids(1_000_000));
      }
    } finally {
      await cdb.close();
    }
  });

  it('JSON states the as-of day and the window', () => {
    const r = report(['follow-ups', '--as-of', '2026-03-01', '--days', '14', '--format', 'json']);
    const json = JSON.parse(r.stdout) as { rows: unknown[] };
    expect(json).toMatchObject({ report: 'follow-ups', as_of: '2026-03-01', days: 14, responded_to: '2026-02-15', count: 2 });
    expect(json.rows).toHaveLength(2);
  });
});
