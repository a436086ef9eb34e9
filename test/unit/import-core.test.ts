import { describe, expect, it } from 'vitest';
import { convert } from '../../src/import/convert.js';
import { findEntity } from '../../src/import/entities.js';
import { headerKey, mapHeaders } from '../../src/import/headers.js';
import { detectEncoding, detectFormat, firstInvalidUtf8, sniffDelimiter } from '../../src/import/input.js';

const clients = findEntity('clients')!;
const RU = { defaultCountry: 'RU' };

describe('headers', () => {
  it('match English and Russian aliases ignoring case, ё, spaces and punctuation', () => {
    expect(headerKey('E-mail')).toBe(headerKey('email'));
    const m = mapHeaders(clients, ['Наименование', 'ИНН', 'Тип клиента', 'Эл. почта', 'ТЕЛЕФОН']);
    expect(m.problems).toEqual([]);
    expect(m.fields.map((f) => f?.name)).toEqual(['name', 'inn', 'client_type', 'email', 'phone']);
  });

  it('report unknown, duplicated and missing required columns together', () => {
    const m = mapHeaders(clients, ['name', 'Наименование', 'Цвет']);
    expect(m.problems.map((p) => p.reason)).toEqual([
      expect.stringContaining('both fill field name'),
      expect.stringContaining('unknown column "Цвет"'),
      expect.stringContaining('required field client_type'),
    ]);
  });

  it('entity names in Russian and English', () => {
    expect(findEntity('клиенты')?.name).toBe('clients');
    expect(findEntity('account-team')?.name).toBe('account_team');
    expect(findEntity('nonsense')).toBeUndefined();
  });
});

describe('convert', () => {
  it('enumerations accept Russian words', () => {
    const status = clients.fields.find((f) => f.name === 'status')!.type;
    expect(convert(status, 'Активный', RU)).toEqual({ ok: true, value: 'active' });
    expect(convert(status, 'LOST', RU)).toEqual({ ok: true, value: 'lost' });
    expect(convert(status, 'ушёл', RU)).toEqual({ ok: true, value: 'lost' });
  });
  it('booleans, money, weeks', () => {
    expect(convert({ kind: 'bool' }, 'Да', RU)).toEqual({ ok: true, value: 1 });
    expect(convert({ kind: 'bool' }, 'maybe', RU).ok).toBe(false);
    expect(convert({ kind: 'money' }, '1 000,5', RU)).toEqual({ ok: true, value: 100050 });
    expect(convert({ kind: 'money' }, '-1', RU).ok).toBe(false);
    expect(convert({ kind: 'week' }, '2026-w48', RU)).toEqual({ ok: true, value: '2026-W48' });
    expect(convert({ kind: 'week' }, '2026-W54', RU).ok).toBe(false);
    expect(convert({ kind: 'text' }, '   ', RU)).toEqual({ ok: true, value: null });
  });
});

describe('input sniffing', () => {
  it('delimiters', () => {
    expect(sniffDelimiter('a;b;c\n1;2;3\n')).toBe(';');
    expect(sniffDelimiter('a\tb\n1\t2\n')).toBe('\t');
    expect(sniffDelimiter('a|b\n1|2\n')).toBe('|');
    expect(sniffDelimiter('name,note\n"x; y; z",1\n')).toBe(',');
    expect(sniffDelimiter('"ООО ""Ромашка"", Москва";7707083893\nИП;1\n')).toBe(';');
    expect(sniffDelimiter('single\nvalue\n')).toBe(',');
  });
  it('encodings and formats', () => {
    expect(detectEncoding(Buffer.from('\uFEFFимя'), true)).toEqual({ encoding: 'utf-8', bom: 3 });
    expect(detectEncoding(Buffer.from('имя'), true)).toEqual({ encoding: 'utf-8', bom: 0 });
    expect(detectEncoding(Buffer.from([0xc8, 0xcc, 0xdf]), true)).toEqual({ encoding: 'windows-1251', bom: 0 });
    expect(detectFormat('x.csv', '[{"a":1}]')).toBe('json');
    expect(detectFormat('x.jsonl', 'a')).toBe('ndjson');
    expect(detectFormat('-', 'name,inn')).toBe('csv');
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x0a, 0xd0, 0xb0, 0xc8, 0x61]))).toBe(4);
  });
});
