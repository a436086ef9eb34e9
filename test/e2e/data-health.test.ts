import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm, parseCsv, tempDir, newDb, execSql } from '../helpers/cli.js';

let dir: string;
let db: string;
beforeAll(() => {
  dir = tempDir();
  db = newDb(dir);
  crm(['init', '--db', db]);
  const w = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  w('staff.csv', 'name,email,role\nЁлкина Алёна,elkina@example.ru,account_manager\n');
  w('clients.csv', 'external_id,name,client_type,phone,email,inn,address,manager\n' +
    'C1,ООО «Ромашка»,retail,+7 495 123-45-67,info@romashka.ru,7707083893,"г. Москва, ул. Ленина, д. 1",elkina@example.ru\n' +
    'C2,АО Ёлка,retail,,,,,\n' +
    'C3,Завод,manufacturer,,,,,\n');
  w('contacts.csv', 'client,full_name,phone,email,verified_on\nC1,Свежий Контакт,+7 916 111-22-33,a@romashka.ru,2026-06-01\nC1,Старый Контакт,,,2025-06-01\nC2,Непроверенный,,b@elka.ru,\n');
  w('team.csv', 'client,staff,role\nC3,elkina@example.ru,account_manager\n');
  for (const [e, f] of [['staff', 'staff'], ['clients', 'clients'], ['contacts', 'contacts'], ['account_team', 'team']] as const) expect(crm(['import', e, path.join(dir, `${f}.csv`), '--db', db]).status).toBe(0);
  // values that bypassed crm's checks (typed in with another tool)
  const edit = "UPDATE clients SET phone = '123-45', email = 'not-an-email', inn = '7707083894' WHERE external_id = 'C2'";
  execSql(db, edit);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('crm report data-health', () => {
  it('counts each problem against what it is out of', () => {
    const rows = parseCsv(crm(['report', 'data-health', '--db', db, '--as-of', '2026-11-20']).stdout);
    expect(rows[0]).toEqual(['check', 'count', 'of', 'share', 'meaning']);
    const by = new Map(rows.slice(1).map((r) => [r[0], [r[1], r[2], r[3]]]));
    expect(by.get('invalid-phones')).toEqual(['1', '3', '0.3333']);
    expect(by.get('invalid-emails')).toEqual(['1', '4', '0.25']);
    expect(by.get('invalid-inns')).toEqual(['1', '2', '0.5']);
    expect(by.get('stale-contacts')).toEqual(['2', '3', '0.6667']);
    expect(by.get('no-manager')).toEqual(['1', '3', '0.3333']);
    expect(by.get('no-contacts')).toEqual(['1', '3', '0.3333']);
    expect(by.get('duplicates')).toEqual(['0', '3', '0']);
  });

  it('--list shows the records behind a check', () => {
    const stale = parseCsv(crm(['report', 'data-health', '--db', db, '--as-of', '2026-11-20', '--list', 'stale-contacts']).stdout);
    expect(stale).toEqual([
      ['kind', 'id', 'name', 'client', 'verified_on', 'days_since'],
      ['contact', '2', 'Старый Контакт', 'ООО «Ромашка»', '2025-06-01', '537'],
      ['contact', '3', 'Непроверенный', 'АО Ёлка', '', ''],
    ]);
    const phones = parseCsv(crm(['report', 'data-health', '--db', db, '--list', 'invalid-phones']).stdout);
    expect(phones.slice(1).map((r) => [r[2], r[4]])).toEqual([['АО Ёлка', '123-45']]);
    expect(parseCsv(crm(['report', 'data-health', '--db', db, '--list', 'no-manager']).stdout).slice(1).map((r) => r[2])).toEqual(['АО Ёлка']);
    expect(crm(['report', 'data-health', '--db', db, '--list', 'nonsense']).status).toBe(2);
  });

  it('completeness per client type, in every format', () => {
    const json = JSON.parse(crm(['report', 'data-health', '--db', db, '--format', 'json']).stdout);
    const retail = json.completeness.find((r: { client_type: string }) => r.client_type === 'retail');
    expect(retail).toMatchObject({ clients: 2, phone: 1, inn: 1, address: 0.5, manager: 0.5, contacts: 1 });
    expect(json.completeness.at(-1)).toMatchObject({ client_type: '(all)', clients: 3 });
    expect(crm(['report', 'data-health', '--db', db, '--format', 'table']).stdout).toContain('Completeness of client records');
    expect(crm(['report', 'data-health', '--db', db, '--format', 'ndjson']).stdout.split('\n').length).toBeGreaterThan(5);
  });

  it('duplicate candidates are the groups crm dedupe proposes', () => {
    fs.writeFileSync(path.join(dir, 'dup.csv'), 'external_id,name,client_type,inn,phone\nC9,"Ромашка, ООО",retail,7707083893,+7 495 123-45-67\n');
    expect(crm(['import', 'clients', path.join(dir, 'dup.csv'), '--db', db]).status).toBe(0);
    const list = parseCsv(crm(['report', 'data-health', '--db', db, '--list', 'duplicates']).stdout);
    expect(list[0]).toEqual(['group', 'id', 'name', 'score']);
    expect(list.slice(1).map((r) => r[2]).sort()).toEqual(['ООО «Ромашка»', 'Ромашка, ООО']);
  });
});
