// crm report revenue and crm report lost against a small base whose figures are worked out by
// hand below: period edges, the previous period, kopecks, a merged client, the time zone.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../src/util/dates.js';
import { crm, parseCsv, tempDir, newDb, execSql } from '../helpers/cli.js';

let dir: string;
let db: string;
const report = (args: string[], env: Record<string, string> = {}) => crm(['report', ...args, '--db', db], { env });
const csv = (args: string[], env: Record<string, string> = {}) => {
  const r = report([...args, '--format', 'csv'], env);
  expect(r.status, r.stderr).toBe(0);
  return parseCsv(r.stdout);
};
const objects = (rows: string[][]) => rows.slice(1).map((r) => Object.fromEntries(rows[0]!.map((k, i) => [k, r[i]])));

beforeAll(() => {
  dir = tempDir();
  db = newDb(dir);
  expect(crm(['init', '--db', db]).status).toBe(0);
  const files: Record<string, string> = {
    staff: 'name,email,role\nИванов Иван,ivanov@x.ru,account_manager\nПетрова Анна,petrova@x.ru,field_rep\n',
    clients:
      'external_id,name,client_type,manager,status,lost_date,lost_reason,lost_competitor\n' +
      'C1,ООО Альфа,retail,ivanov@x.ru,active,,,\n' +
      'C2,АО Бета,distributor,,active,,,\n' +
      'C3,ООО «Лост»,retail,ivanov@x.ru,lost,2026-05-01,цена,ООО «Конкурент»\n' +
      'C4,ИП Ушедший,services,petrova@x.ru,lost,15.07.2026,сервис,\n' +
      'C5,ООО Альфа (дубль),retail,,lost,2026-05-20,цена,ООО «Конкурент»\n',
    products: 'code,name,category\nNC-050,Насос НЦ-50,Насосы\nKV-11,Компрессор КВ-11,Компрессоры\n',
    deals:
      'external_id,client,product,amount,stage,opened_on,closed_on\n' +
      'D1,C1,NC-050,1000.50,won,2026-03-01,2026-04-01\n' + // the first day of the period
      'D2,C1,NC-050,"2 000,25",won,2026-06-01,2026-06-30\n' + // the last day
      'D3,C2,NC-050,500,won,2026-05-01,2026-05-10\n' +
      'D4,C1,KV-11,700,won,2026-03-01,2026-03-31\n' + // the last day of the previous period
      'D5,C1,NC-050,1200,won,2025-12-01,2025-12-31\n' + // its first day
      'D6,C2,KV-11,999.99,won,2025-12-01,2025-12-30\n' + // before it
      'D7,C1,KV-11,300,won,2026-06-01,2026-07-01\n' + // after the period
      'D8,C1,NC-050,5000,lost,2026-04-01,2026-05-01\n' + // lost, not revenue
      'D9,C3,KV-11,800,won,2026-04-01,2026-04-20\n' +
      'D10,C3,NC-050,400,won,2025-04-01,2025-05-01\n' + // the first day of C3's 12 months before the loss
      'D11,C3,NC-050,100,won,2025-04-01,2025-04-30\n' + // one day too early
      'D12,C5,NC-050,9999,won,2026-04-01,2026-05-01\n' + // merged client: left out
      'D13,C4,,250,won,2026-05-01,2026-06-01\n' + // no product
      'D14,C4,KV-11,77,won,2026-07-01,2026-07-15\n', // the day of C4's loss: not before it
    activities:
      'external_id,client,staff,kind,occurred_at,subject\n' +
      'A1,C3,ivanov@x.ru,call,2026-04-28 10:00,КП\n' +
      'A2,C3,petrova@x.ru,call,2026-05-01 23:30,Клиент ушёл к конкуренту\n' +
      'A3,C3,ivanov@x.ru,call,2026-06-01 10:00,Попытка вернуть\n' +
      'A4,C4,ivanov@x.ru,meeting,2026-06-10 11:00,Претензия по сервису\n' +
      'A5,C5,ivanov@x.ru,call,2026-05-20 10:00,дубль\n',
  };
  for (const [entity, text] of Object.entries(files)) {
    const file = path.join(dir, `${entity}.csv`);
    fs.writeFileSync(file, text);
    const r = crm(['import', entity, file, '--db', db, '-q']);
    expect(r.status, r.stderr).toBe(0);
  }
  const edit = "UPDATE clients SET merged_into_id = (SELECT id FROM clients WHERE external_id = 'C1') WHERE external_id = 'C5'";
  execSql(db, edit);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// 2026-04-01…2026-06-30 is 91 days; the previous period 2025-12-31…2026-03-31 too
const PERIOD = ['--from', '2026-04-01', '--to', '2026-06-30'];

describe('crm report revenue', () => {
  it('product × client type: revenue by closed_on, shares, the previous period, growth, exact kopecks', () => {
    const rows = csv(['revenue', ...PERIOD]);
    expect(rows[0]).toEqual(['level', 'rank', 'product_id', 'product_code', 'product', 'category', 'client_type', 'won_deals', 'revenue', 'share', 'revenue_prev', 'share_prev', 'change', 'growth', 'trend']);
    expect(rows.slice(1).map((r) => r.filter((_, i) => i !== 2))).toEqual([
      // total 4550.75: NC-050 retail 1000.50 + 2000.25; KV-11 retail 800 (C3 is retail); NC-050 distributor 500; no product 250
      ['row', '1', 'NC-050', 'Насос НЦ-50', 'Насосы', 'retail', '2', '3000.75', '0.6594', '1200.00', '0.6316', '1800.75', '1.5006', 'up'],
      ['row', '2', 'KV-11', 'Компрессор КВ-11', 'Компрессоры', 'retail', '1', '800.00', '0.1758', '700.00', '0.3684', '100.00', '0.1429', 'up'],
      ['row', '3', 'NC-050', 'Насос НЦ-50', 'Насосы', 'distributor', '1', '500.00', '0.1099', '0.00', '0', '500.00', '', 'new'],
      ['row', '4', '', '(no product)', '', 'services', '1', '250.00', '0.0549', '0.00', '0', '250.00', '', 'new'],
      ['total', '', '', 'total', '', '', '5', '4550.75', '1', '1900.00', '1', '2650.75', '1.3951', 'up'],
    ]);
  });

  it('--by product and --by client-type; --top folds the rest into one row', () => {
    expect(objects(csv(['revenue', ...PERIOD, '--by', 'product'])).map((r) => [r.product, r.revenue, r.revenue_prev, r.trend])).toEqual([
      ['Насос НЦ-50', '3500.75', '1200.00', 'up'],
      ['Компрессор КВ-11', '800.00', '700.00', 'up'],
      ['(no product)', '250.00', '0.00', 'new'],
      ['total', '4550.75', '1900.00', 'up'],
    ]);
    expect(objects(csv(['revenue', ...PERIOD, '--by', 'client-type'])).map((r) => [r.client_type, r.won_deals, r.revenue, r.share])).toEqual([
      ['retail', '3', '3800.75', '0.8352'],
      ['distributor', '1', '500.00', '0.1099'],
      ['services', '1', '250.00', '0.0549'],
      ['total', '5', '4550.75', '1'],
    ]);
    expect(objects(csv(['revenue', ...PERIOD, '--top', '1'])).map((r) => [r.level, r.product, r.revenue, r.revenue_prev])).toEqual([
      ['row', 'Насос НЦ-50', '3000.75', '1200.00'],
      ['other', 'other (3 combinations)', '1550.00', '700.00'],
      ['total', 'total', '4550.75', '1900.00'],
    ]);
  });

  it('JSON states both periods; the default period is the 12 months up to today', () => {
    const r = report(['revenue', ...PERIOD, '--format', 'json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ report: 'revenue', by: 'both', from: '2026-04-01', to: '2026-06-30', previous_from: '2025-12-31', previous_to: '2026-03-31' });
    const today = localDate(new Date());
    const d = JSON.parse(report(['revenue', '--format', 'json']).stdout) as { to: string; from: string };
    expect(d.to).toBe(today);
    expect(report(['revenue', '--by', 'staff', '-f', 'csv']).status).toBe(2);
    expect(report(['revenue', '--top', '0', '-f', 'csv']).status).toBe(2);
  });

  it('the same figures in any time zone', () => {
    const base = report(['revenue', ...PERIOD, '-f', 'csv']).stdout;
    for (const TZ of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) expect(report(['revenue', ...PERIOD, '-f', 'csv'], { TZ }).stdout).toBe(base);
  });
});

describe('crm report lost', () => {
  it('per client: revenue of the 12 months before the loss, the last contact on or before it and who had it', () => {
    const rows = objects(csv(['lost']));
    expect(rows.map((r) => [r.external_id, r.lost_date, r.lost_reason, r.lost_competitor, r.manager, r.revenue_12m, r.won_deals_12m, r.last_contact_at, r.last_contact_kind, r.last_contact_subject, r.last_contact_by, r.days_contact_to_loss, r.contacts_after_loss])).toEqual([
      ['C4', '2026-07-15', 'сервис', '', 'Петрова Анна', '250.00', '1', '2026-06-10 11:00', 'meeting', 'Претензия по сервису', 'Иванов Иван', '35', '0'],
      ['C3', '2026-05-01', 'цена', 'ООО «Конкурент»', 'Иванов Иван', '1200.00', '2', '2026-05-01 23:30', 'call', 'Клиент ушёл к конкуренту', 'Петрова Анна', '0', '1'],
    ]);
  });

  it('by reason and by competitor, with totals; --from/--to by lost_date', () => {
    expect(csv(['lost', '--section', 'reasons'])).toEqual([
      ['level', 'reason', 'clients', 'share', 'revenue_12m', 'revenue_share', 'competitors'],
      ['row', 'цена', '1', '0.5', '1200.00', '0.8276', 'ООО «Конкурент»'],
      ['row', 'сервис', '1', '0.5', '250.00', '0.1724', ''],
      ['total', 'total', '2', '1', '1450.00', '1', ''],
    ]);
    expect(csv(['lost', '--section', 'competitors']).slice(1)).toEqual([
      ['row', 'ООО «Конкурент»', '1', '0.5', '1200.00', '0.8276', 'цена'],
      ['row', '(not recorded)', '1', '0.5', '250.00', '0.1724', 'сервис'],
      ['total', 'total', '2', '1', '1450.00', '1', ''],
    ]);
    expect(objects(csv(['lost', '--from', '2026-05-01', '--to', '2026-05-31'])).map((r) => r.external_id)).toEqual(['C3']);
    expect(objects(csv(['lost', '--from', '2026-07-16'])).map((r) => r.external_id)).toEqual([]);
    expect(report(['lost', '--section', 'everything', '-f', 'csv']).status).toBe(2);
  });

  it('JSON holds the three parts; a terminal shows them all; any time zone gives the same', () => {
    const json = JSON.parse(report(['lost', '--format', 'json']).stdout) as Record<string, unknown[]>;
    expect(Object.keys(json).sort()).toEqual(['clients', 'competitors', 'reasons']);
    expect(json.clients).toHaveLength(2);
    const table = report(['lost', '--format', 'table', '--no-color']).stdout;
    expect(table).toContain('Lost clients by reason');
    expect(table).toContain('Lost clients by competitor');
    expect(table).toContain('1 450.00');
    const base = report(['lost', '-f', 'csv']).stdout;
    for (const TZ of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) expect(report(['lost', '-f', 'csv'], { TZ }).stdout).toBe(base);
  });
});
