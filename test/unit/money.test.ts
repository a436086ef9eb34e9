import { describe, expect, it } from 'vitest';
import { formatMoney, formatMoneyGrouped, parseMoney } from '../../src/util/money.js';

describe('money', () => {
  it.each([
    ['1234.50', 123450],
    ['1234,5', 123450],
    ['1 234 567,89', 123456789],
    ['1\u00a0234,00', 123400],
    ['1,234.56', 123456],
    ['1.234.567,8', 123456780],
    ['1,234,567', 123456700],
    ['0.1', 10],
    ['0,07', 7],
    ['-15', -1500],
    ['100 руб.', 10000],
    ['12.300', 1230],
  ])('parses %j', (text, minor) => {
    expect(parseMoney(text)).toEqual({ ok: true, minor });
  });

  it.each(['', 'abc', '1.2.3,4,5', '12.345', '1e5', '١٢'])('rejects %j', (text) => {
    expect(parseMoney(text).ok).toBe(false);
  });

  it('sums without float drift', () => {
    const total = Array.from({ length: 1000 }, () => parseMoney('0.10')).reduce((s, p) => s + (p.ok ? p.minor : 0), 0);
    expect(formatMoney(total)).toBe('100.00');
  });

  it('formats', () => {
    expect(formatMoney(5)).toBe('0.05');
    expect(formatMoney(-123456)).toBe('-1234.56');
    expect(formatMoneyGrouped(123456789)).toBe('1 234 567.89');
  });
});
