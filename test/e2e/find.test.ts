import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm, parseCsv, snapshot, tempDir, newDb } from '../helpers/cli.js';

let dir: string;
let db: string;
const find = (...args: string[]) => crm(['find', ...args, '--db', db, '--format', 'csv']);
const names = (r: { stdout: string }) => parseCsv(r.stdout).slice(1).map((x) => `${x[0]}:${x[2]}`);

beforeAll(() => {
  dir = tempDir();
  db = newDb(dir);
  crm(['init', '--db', db]);
  const w = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  w('clients.csv', 'external_id,name,client_type,city,phone,inn,email\n' +
    'C1,ООО «Ромашка»,retail,Москва,+7 (495) 123-45-67,7707083893,info@romashka.ru\n' +
    'C2,Ромашка-Юг АО,retail,Краснодар,8 861 2000000,,\n' +
    'C3,АО Ёлка,distributor,Казань,,500100732259,sales@elka.ru\n' +
    'C4,Фиалка,retail,Пермь,,,\n');
  w('contacts.csv', 'client,full_name,phone,email\nC1,Иванов Пётр Сергеевич,8-916-111-22-33,petr@romashka.ru\nC4,Ромашкина Анна,,anna@fialka.ru\n');
  for (const e of ['clients', 'contacts']) expect(crm(['import', e, path.join(dir, `${e}.csv`), '--db', db]).status).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('crm find', () => {
  it('any part of a name, case-insensitive, best first: start of name, start of a word, inside a word', () => {
    expect(names(find('РОМАШК'))).toEqual(['client:Ромашка-Юг АО', 'contact:Ромашкина Анна', 'client:ООО «Ромашка»']);
  });
  it('ё = е both ways', () => {
    expect(names(find('елка'))).toEqual(['client:АО Ёлка']);
    expect(names(find('ПЕТР'))).toEqual(['contact:Иванов Пётр Сергеевич']);
    expect(names(find('пётр'))).toEqual(['contact:Иванов Пётр Сергеевич']);
  });
  it('phones in any format, and a local number without the area code', () => {
    for (const q of ['+7 (495) 123-45-67', '84951234567', '8 495 123 45 67', '123-45-67']) expect(names(find(q))[0], q).toBe('client:ООО «Ромашка»');
    expect(names(find('8 (916) 111-22-33'))).toEqual(['contact:Иванов Пётр Сергеевич']);
  });
  it('INN, e-mail and city', () => {
    expect(names(find('7707083893'))).toEqual(['client:ООО «Ромашка»']);
    expect(names(find('500100732259'))).toEqual(['client:АО Ёлка']);
    expect(names(find('SALES@elka.ru'))).toEqual(['client:АО Ёлка']);
    expect(names(find('казань'))).toEqual(['client:АО Ёлка']);
  });
  it('two-letter text is searched too; nothing found is success with a note', () => {
    expect(names(find('юг'))).toEqual(['client:Ромашка-Юг АО']);
    const r = find('нетакого');
    expect(r.status).toBe(0);
    expect(parseCsv(r.stdout)).toEqual([['kind', 'id', 'name', 'client', 'city', 'phone', 'email', 'inn', 'matched', 'score']]);
    expect(r.stderr).toContain('nothing found');
  });
  it('search text is data: SQL and FTS syntax do nothing', () => {
    const before = snapshot(db);
    for (const evil of ["'; DROP TABLE clients; --", '" OR 1=1 --', 'NEAR(a b)', 'ромашка*', '%', '_', 'a" AND "b', "') OR ('1'='1"]) {
      const r = find(evil);
      expect(r.status, evil).toBe(0);
      expect(r.stderr).not.toMatch(/internal error|fts5|syntax/i);
    }
    expect(snapshot(db)).toBe(before);
  });
  it('finds renamed and new rows: the index follows every change', () => {
    fs.writeFileSync(path.join(dir, 'rename.csv'), 'external_id,name,client_type\nC4,Незабудка,retail\nC5,Новая Ромашка,retail\n');
    expect(crm(['import', 'clients', path.join(dir, 'rename.csv'), '--db', db]).status).toBe(0);
    expect(names(find('фиалка'))).toEqual([]);
    expect(names(find('незабуд'))).toEqual(['client:Незабудка']);
    expect(names(find('ромашка'))).toContain('client:Новая Ромашка');
  });
});
