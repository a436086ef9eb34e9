import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm, parseCsv, tempDir, newDb } from '../helpers/cli.js';

let dir: string;
let db: string;
beforeAll(() => {
  dir = tempDir();
  db = newDb(dir);
  crm(['init', '--db', db]);
  const w = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  w('clients.csv', 'external_id,name,client_type,region,city,address,status,lost_date\n' +
    'C1,ООО «Ромашка»,retail,Москва,Москва,"101000, г. Москва, ул. Ленина, д. 1",active,\n' +
    'C2,АО Ёлка,Retail,Татарстан,Казань,,prospect,\n' +
    'C3,Ушедший клиент,retail,Москва,Москва,"101000, г. Москва, ул. Мира, д. 2",lost,2026-01-15\n' +
    'C4,Дистрибьютор,distributor,Москва,Москва,,active,\n');
  w('contacts.csv', 'client,full_name,position,email,postal_address\n' +
    'C1,Иванов Иван,Директор,ivanov@romashka.ru,\n' +
    'C1,Петров Пётр,Закупки,,"101000, г. Москва, а/я 5"\n' +
    'C1,Дубль Анны,Секретарь,ANNA@elka.ru,\n' +
    'C2,Сидорова Анна,Бухгалтер,anna@elka.ru,\n' +
    'C3,Бывший Контакт,Директор,old@gone.ru,\n' +
    'C4,Чужой Тип,Директор,d@dist.ru,\n');
  for (const e of ['clients', 'contacts']) expect(crm(['import', e, path.join(dir, `${e}.csv`), '--db', db]).status).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('crm mailing-list', () => {
  it('e-mail: one row per reachable contact of the type; lost clients and missing addresses counted on stderr', () => {
    const r = crm(['mailing-list', '--type', 'RETAIL', '--db', db]);
    expect(r.status).toBe(0);
    expect(parseCsv(r.stdout)).toEqual([
      ['client', 'full_name', 'position', 'email', 'city', 'region', 'client_type'],
      ['АО Ёлка', 'Сидорова Анна', 'Бухгалтер', 'anna@elka.ru', 'Казань', 'Татарстан', 'Retail'],
      ['ООО «Ромашка»', 'Иванов Иван', 'Директор', 'ivanov@romashka.ru', 'Москва', 'Москва', 'retail'],
    ]);
    expect(r.stderr).toContain('2 contacts listed');
    expect(r.stderr).toContain('1 lost clients (1 contacts)');
    expect(r.stderr).toContain('1 contacts without a valid e-mail');
    expect(r.stderr).toContain('1 repeated addresses');
  });

  it('post: the contact’s address, else the client’s, with the postcode; --region', () => {
    const rows = parseCsv(crm(['mailing-list', '--type', 'retail', '--region', 'москва', '--channel', 'post', '--db', db]).stdout);
    expect(rows.map((x) => [x[1], x[3], x[4]])).toEqual([
      ['full_name', 'address', 'postcode'],
      ['Иванов Иван', '101000, г. Москва, ул. Ленина, д. 1', '101000'],
      ['Петров Пётр', '101000, г. Москва, а/я 5', '101000'],
      ['Дубль Анны', '101000, г. Москва, ул. Ленина, д. 1', '101000'],
    ]);
  });

  it('needs a type; a bad channel is a usage error', () => {
    expect(crm(['mailing-list', '--db', db]).status).toBe(2);
    expect(crm(['mailing-list', '--type', 'retail', '--channel', 'fax', '--db', db]).status).toBe(2);
  });
});
