import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, PG, crm, encodeCp1251, parseCsv, query, snapshot, tempDir, newDb } from '../helpers/cli.js';

let dir: string;
let db: string;
const file = (name: string, content: string | Buffer) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};
const imp = (...args: string[]) => crm(['import', ...args, '--db', db]);

const STAFF = 'name,email,role,region\nЕлкина Алёна Петровна,Elkina@Example.ru,account_manager,Москва\nПетров Пётр,petrov@example.ru,field_rep,Татарстан\n';
const CLIENTS =
  'external_id,name,legal_form,client_type,inn,phone,email,manager,parent,region\n' +
  'C1,"ООО ""Ромашка""",ООО,retail,7707083893,+7 (495) 123-45-67,INFO@Romashka.RU,elkina@example.ru,,Москва\n' +
  'C2,Ёлка,АО,distributor,500100732259,8 843 2345678,,Петров  пётр,C1,Татарстан\n';

beforeEach(() => {
  dir = tempDir();
  db = newDb(dir);
  expect(crm(['init', '--db', db]).status).toBe(0);
  expect(imp('staff', file('staff.csv', STAFF)).status).toBe(0);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('crm import: what goes in', () => {
  it('imports clients with normalised phones, e-mails, INNs and references by e-mail, name and in-file external id', () => {
    const r = imp('clients', file('clients.csv', CLIENTS));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/clients: 2 inserted, 0 updated, 0 unchanged, 0 rejected/);
    const rows = query(db, 'SELECT c.external_id, c.name, c.phone, c.email, c.inn, c.source, s.email AS manager, p.external_id AS parent FROM clients c LEFT JOIN staff s ON s.id = c.manager_id LEFT JOIN clients p ON p.id = c.parent_id ORDER BY c.id');
    expect(rows).toEqual([
      { external_id: 'C1', name: 'ООО "Ромашка"', phone: '+74951234567', email: 'info@romashka.ru', inn: '7707083893', source: 'main', manager: 'elkina@example.ru', parent: null },
      { external_id: 'C2', name: 'Ёлка', phone: '+78432345678', email: null, inn: '500100732259', source: 'main', manager: 'petrov@example.ru', parent: 'C1' },
    ]);
  });

  it('reads a Windows-1251 file with ; delimiters, Russian headers, DD.MM.YYYY dates and decimal commas', () => {
    imp('clients', file('clients.csv', CLIENTS));
    imp('products', file('p.csv', 'code,name\nP1,Станок\n'));
    const text = 'Клиент;Товар;Сумма;Стадия;Дата открытия;Дата закрытия;Ответственный\r\n7707083893;Станок;1 234 567,89;выиграна;01.02.2026;15.03.2026;ЕЛКИНА алена петровна\r\n';
    const bytes = Buffer.from(new TextDecoder('utf-8').decode(Buffer.from(text)), 'utf8');
    const cp1251 = encodeCp1251(bytes.toString('utf8'));
    const r = imp('deals', file('deals.csv', cp1251));
    expect(r.stderr).toMatch(/1 inserted/);
    expect(r.status).toBe(0);
    expect(query(db, 'SELECT amount_minor, stage, opened_on, closed_on FROM deals')).toEqual([{ amount_minor: 123456789, stage: 'won', opened_on: '2026-02-01', closed_on: '2026-03-15' }]);
  });

  it('reads UTF-8 with a BOM, tabs, CRLF and quoted fields with newlines', () => {
    const r = imp('clients', file('c.tsv', '\uFEFFНаименование\tТип клиента\tПримечание\r\nИП Сидоров\tretail\t"строка 1\r\nстрока 2"\r\n'));
    expect(r.status).toBe(0);
    expect(query(db, 'SELECT name, notes FROM clients')).toEqual([{ name: 'ИП Сидоров', notes: 'строка 1\nстрока 2' }]);
  });

  it('reads JSON and NDJSON', () => {
    expect(imp('products', file('p.json', JSON.stringify([{ code: 'A', name: 'Альфа', unit_price: 10.5 }, { Артикул: 'B', Наименование: 'Бета' }]))).status).toBe(0);
    expect(imp('products', file('p.ndjson', '{"code":"C","name":"Гамма","price":"1 000,00"}\n\n{"code":"A","name":"Альфа","unit_price":"10.50"}\n')).status).toBe(0);
    expect(query(db, 'SELECT code, name, unit_price_minor FROM products ORDER BY code')).toEqual([
      { code: 'A', name: 'Альфа', unit_price_minor: 1050 },
      { code: 'B', name: 'Бета', unit_price_minor: null },
      { code: 'C', name: 'Гамма', unit_price_minor: 100000 },
    ]);
  });

  it('maps columns with --map, a mapping file, and --no-header --columns', () => {
    expect(imp('products', file('a.csv', 'Номер,Товар,Ерунда\nX1,Икс,1\n'), '--map', 'Номер=code', '--map', 'Ерунда=-').status).toBe(0);
    const mapping = file('m.json', JSON.stringify({ 'Код товара': 'code', 'Название товара': 'name' }));
    expect(imp('products', file('b.csv', 'Код товара,Название товара\nX2,Игрек\n'), '--mapping', mapping).status).toBe(0);
    expect(imp('products', file('c.csv', 'X3,Зет\n'), '--no-header', '--columns', 'code,name').status).toBe(0);
    expect(query(db, 'SELECT code, name FROM products ORDER BY code')).toEqual([
      { code: 'X1', name: 'Икс' },
      { code: 'X2', name: 'Игрек' },
      { code: 'X3', name: 'Зет' },
    ]);
    const bad = imp('products', file('d.csv', 'a,b\n'), '--map', 'a=nope');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('has no field "nope"');
  });

  it('reads stdin with -', () => {
    const r = crm(['import', 'products', '-', '--db', db], { input: 'code,name\nS,Из stdin\n' });
    expect(r.status).toBe(0);
    expect(query(db, 'SELECT name FROM products')).toEqual([{ name: 'Из stdin' }]);
  });

  it('crm import fields lists the fields, aliases and formats', () => {
    const r = crm(['import', 'fields', 'clients', '--format', 'csv']);
    expect(r.status).toBe(0);
    const rows = parseCsv(r.stdout);
    expect(rows[0]).toEqual(['field', 'required', 'format', 'aliases', 'meaning']);
    const inn = rows.find((x) => x[0] === 'inn')!;
    expect(inn[2]).toContain('checksum');
    expect(inn[3]).toContain('инн');
    expect(crm(['import', 'fields', 'nonsense']).status).toBe(2);
  });
});

describe('crm import: progress', () => {
  it('a progress bar on a terminal for a large file; nothing when piped or with --quiet', async () => {
    const { spawnSync } = await import('node:child_process');
    const rows = ['code,name'];
    for (let i = 0; i < 60_000; i++) rows.push(`P${i},Товар номер ${i} для проверки`);
    const big = file('products.csv', rows.join('\n') + '\n');
    const onTerminal = (extra: string, env = '') =>
      spawnSync('script', ['-qec', `${env}${process.execPath} ${BIN} import products '${big}' --db '${db}' --again ${extra}`, '/dev/null'], { encoding: 'utf8' }).stdout;
    const tty = onTerminal('');
    expect(tty).toMatch(/products\.csv █*░* +\d+%/);
    expect(tty).toContain('60000 inserted');
    // the same as a bulk load (on SQLite validated on a second thread, which reports how far it read)
    const bulk = onTerminal('', 'CRM_TEST_IMPORT_BULK=1 ');
    expect(bulk).toMatch(/products\.csv █*░* +\d+%/);
    expect(bulk).toContain('60000 unchanged');
    expect(onTerminal('--quiet')).not.toMatch(/%/);
    const piped = imp('products', big, '--again');
    expect(piped.stderr).not.toContain('%');
    expect(piped.stderr).toContain('60000 unchanged');
  });
});

describe('crm import: idempotence and the log', () => {
  it('the same file twice is skipped; --again changes nothing; an overlapping export updates without duplicates', () => {
    const f = file('clients.csv', CLIENTS);
    expect(imp('clients', f).status).toBe(0);
    const second = imp('clients', f);
    expect(second.status).toBe(0);
    expect(second.stderr).toContain('imported already');
    const again = imp('clients', f, '--again');
    expect(again.stderr).toMatch(/0 inserted, 0 updated, 2 unchanged/);
    const later = 'external_id,name,client_type,phone,region\nC2,Ёлка,distributor,+7 843 234-56-78,Казань\nC3,Новый клиент,retail,,\n';
    const r = imp('clients', file('later.csv', later));
    expect(r.stderr).toMatch(/1 inserted, 1 updated, 0 unchanged/);
    expect(query(db, 'SELECT external_id, region, inn FROM clients ORDER BY external_id')).toEqual([
      { external_id: 'C1', region: 'Москва', inn: '7707083893' },
      { external_id: 'C2', region: 'Казань', inn: '500100732259' }, // empty cells never erase
      { external_id: 'C3', region: null, inn: null },
    ]);
    const log = parseCsv(crm(['import', 'log', '--db', db, '--format', 'csv']).stdout);
    expect(log[0]).toEqual(['id', 'finished_at', 'entity', 'file_name', 'status', 'inserted', 'updated', 'unchanged', 'rejected', 'user', 'sha256']);
    expect(log.slice(1).map((x) => [x[2], x[5], x[6], x[7]])).toEqual([
      ['clients', '1', '1', '0'],
      ['clients', '0', '0', '2'],
      ['clients', '2', '0', '0'],
      ['staff', '2', '0', '0'],
    ]);
  });

  it('without external ids, rows match by natural key (INN, e-mail, code, name ignoring case and ё)', () => {
    imp('clients', file('a.csv', 'name,client_type,inn\nООО Ромашка,retail,7707083893\nЁжик,retail,\n'));
    const r = imp('clients', file('b.csv', 'name,client_type,inn,city\nРомашка (новое имя),retail,7707083893,Москва\nежик,retail,,\n'));
    expect(r.stderr).toMatch(/0 inserted, 1 updated, 1 unchanged/);
    expect(query(db, 'SELECT name, city FROM clients ORDER BY id')).toEqual([
      { name: 'Ромашка (новое имя)', city: 'Москва' },
      { name: 'Ёжик', city: null },
    ]);
  });

  it('--dry-run says what would happen and writes nothing', () => {
    const before = snapshot(db);
    const r = imp('clients', file('clients.csv', CLIENTS), '--dry-run');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/dry run, nothing written\): would insert 2, update 0/);
    expect(snapshot(db)).toBe(before);
  });

  it('--skip-invalid imports the good rows and --rejects writes the bad ones, which import again once fixed', () => {
    const rejects = path.join(dir, 'rejects.csv');
    const r = imp('clients', file('c.csv', 'name,client_type,inn\nХороший,retail,7707083893\nПлохой,retail,7707083894\n'), '--skip-invalid', '--rejects', rejects);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/1 inserted, 0 updated, 0 unchanged, 1 rejected/);
    expect(r.stderr).toContain('line 3, field inn: the INN checksum does not match');
    const rows = parseCsv(fs.readFileSync(rejects, 'utf8'));
    expect(rows).toEqual([
      ['name', 'client_type', 'inn', 'crm_line', 'crm_errors'],
      ['Плохой', 'retail', '7707083894', '3', 'inn: the INN checksum does not match: a digit is wrong or two are swapped'],
    ]);
    fs.writeFileSync(rejects, fs.readFileSync(rejects, 'utf8').replace('7707083894', '500100732259'));
    expect(imp('clients', rejects).status).toBe(0);
    expect(query(db, 'SELECT name FROM clients ORDER BY id')).toEqual([{ name: 'Хороший' }, { name: 'Плохой' }]);
  });
});

describe('crm import: bad input gets a clear error and leaves the database unchanged', () => {
  let before: string;
  beforeEach(() => {
    imp('clients', file('clients.csv', CLIENTS));
    before = snapshot(db);
  });
  const rejected = (entity: string, name: string, content: string | Buffer, ...extra: string[]) => {
    const r = imp(entity, file(name, content), ...extra);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(snapshot(db)).toBe(before);
    return r.stderr;
  };

  it('reports every bad row with line, field, value and reason — not only the first', () => {
    const err = rejected(
      'deals',
      'deals.csv',
      'client,amount,opened_on,stage,closed_on\nC1,100,2026-13-01,open,\nНет такого,100,2026-01-01,open,\nC1,-5,2026-01-01,open,\nC1,100,2026-01-01,won,\nC1,100,2026-01-01,open,\n',
    );
    expect(err).toContain('4 of 5 rows are invalid; nothing was imported');
    expect(err).toContain('deals.csv, line 2, field opened_on: no such day in the calendar (value "2026-13-01")');
    expect(err).toContain('line 3, field client: no client with external id, INN or name "Нет такого"');
    expect(err).toContain('line 4, field amount: must not be negative (value "-5")');
    expect(err).toContain('line 5, field closed_on: a won deal needs closed_on');
  });

  it('line numbers count empty lines and line breaks inside quotes', () => {
    const err = rejected('clients', 'l.csv', 'name,client_type,notes\r\n\r\nА,retail,"две\r\nстроки"\r\n\nБ,retail,"три\nстроки\nздесь"\nВ,,\n');
    expect(err).toContain('line 9, field client_type: required, but empty');
  });

  it('ragged rows', () => {
    const err = rejected('clients', 'r.csv', 'name,client_type,city\nА,retail\nБ,retail,Москва,лишнее\n');
    expect(err).toMatch(/line 2: 2 fields where the header has 3[\s\S]*line 3: 4 fields/);
    // named like every other problem with a row: by the file's base name
    expect(err).toContain('\n  r.csv, line 2: 2 fields');
  });
  it('an unclosed quote', () => {
    expect(rejected('clients', 'q.csv', 'name,client_type\n"ООО Ромашка,retail\nБ,retail\n')).toMatch(/quote is opened and never closed/);
  });
  it('an empty file', () => {
    expect(rejected('clients', 'e.csv', '')).toMatch(/e\.csv is empty/);
  });
  it('a header-only file', () => {
    expect(rejected('clients', 'h.csv', 'name,client_type\r\n')).toMatch(/has a header but no rows/);
  });
  it('an unknown column, unless --ignore-unknown', () => {
    expect(rejected('clients', 'u.csv', 'name,client_type,Цвет\nА,retail,синий\n')).toMatch(/unknown column "Цвет".*--ignore-unknown/);
    expect(imp('clients', file('u2.csv', 'name,client_type,Цвет\nА,retail,синий\n'), '--ignore-unknown').status).toBe(0);
  });
  it('a duplicated header', () => {
    expect(rejected('clients', 'd.csv', 'name,Наименование,client_type\nА,Б,retail\n')).toMatch(/both fill field name/);
  });
  it('a missing required column', () => {
    expect(rejected('clients', 'm.csv', 'name\nА\n')).toMatch(/no column for the required field client_type/);
  });
  it('the wrong encoding', () => {
    expect(rejected('clients', 'w.csv', encodeCp1251('name,client_type\nРомашка,retail\n'), '--encoding', 'utf-8')).toMatch(/not valid UTF-8 on line 2[\s\S]*--encoding cp1251/);
  });
  it('NUL bytes', () => {
    expect(rejected('clients', 'n.csv', Buffer.from('name,client_type\nА\u0000Б,retail\n'))).toMatch(/NUL byte on line 2/);
  });
  it('a 1 MB field', () => {
    expect(rejected('clients', 'big.csv', `name,client_type,notes\nА,retail,"${'я'.repeat(1 << 20)}"\n`)).toMatch(/line 2, field notes: 1048576 characters/);
  });
  it('an invalid INN, a bad e-mail and phone, a bad enumeration', () => {
    const err = rejected('clients', 'i.csv', 'name,client_type,inn,email,phone,status\nА,retail,1234567890,a@b,123,gone\n');
    expect(err).toContain('field inn: the INN checksum does not match');
    expect(err).toContain('field email: not an e-mail address');
    expect(err).toContain('field phone: too few digits');
    expect(err).toContain('field status: must be one of: prospect, active, lost');
  });
  it('a file that is not CSV at all', () => {
    expect(rejected('clients', 'x.xlsx', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 1)]))).toMatch(/ZIP archive.*Excel/);
    expect(rejected('clients', 'blob.csv', Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251)))).toMatch(/NUL byte|columns do not fit|invalid/);
  });
  it('SQL metacharacters are data, not SQL', () => {
    const r = imp('clients', file('s.csv', `name,client_type\n"Robert'); DROP TABLE clients;--",retail\n`));
    expect(r.status).toBe(0);
    expect(query(db, "SELECT count(*) AS n FROM clients WHERE name LIKE 'Robert%'")).toEqual([{ n: 1 }]);
  });
  it('an ambiguous reference is an error on that row', () => {
    imp('clients', file('twins.csv', 'external_id,name,client_type\nT1,Близнец,retail\nT2,близнец,retail\n'));
    before = snapshot(db);
    expect(rejected('contacts', 'ct.csv', 'client,full_name\nБлизнец,Иванов Иван\n')).toMatch(/matches 2 clients by name/);
  });
});

describe('crm import: kill -9 in the middle', () => {
  it('leaves a database that opens cleanly and holds none of that file’s rows', async () => {
    imp('clients', file('clients.csv', CLIENTS));
    const lines = ['external_id,client,staff,kind,occurred_at,subject'];
    for (let i = 0; i < 200_000; i++) lines.push(`A${i},C1,petrov@example.ru,call,2026-01-0${(i % 9) + 1} 10:00,звонок ${i}`);
    const big = file('big.csv', lines.join('\n') + '\n');
    const child = spawn(process.execPath, [BIN, 'import', 'activities', big, '--db', db], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const info = crm(['info', '--db', db, '--format', 'csv']);
    expect(info.status).toBe(0);
    if (!PG) expect(query(db, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(query(db, 'SELECT count(*) AS n FROM activities')).toEqual([{ n: 0 }]);
    expect(query(db, "SELECT count(*) AS n FROM import_batches WHERE entity = 'activities'")).toEqual([{ n: 0 }]);
  });
});
