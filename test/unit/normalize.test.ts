import { describe, expect, it } from 'vitest';
import { fold, normalizeEmail, normalizeInn, normalizeKpp, normalizePhone, normalizeWebsite } from '../../src/util/normalize.js';

describe('fold', () => {
  it('ignores case, ё/е, extra spaces and quote styles', () => {
    expect(fold('  ООО  «Ёлка» ')).toBe('ооо "елка"');
    expect(fold('ЁЖИК')).toBe(fold('ежик'));
    expect(fold('Петров\tПётр')).toBe('петров петр');
  });
});

describe('phones', () => {
  it.each([
    ['+7 (495) 123-45-67', '+74951234567'],
    ['84951234567', '+74951234567'],
    ['8 495 1234567', '+74951234567'],
    ['8-912-345-67-89', '+79123456789'],
    ['+1 212 555 0100', '+12125550100'],
    ['+7 495 123-45-67 доб. 123', '+74951234567;ext=123'],
  ])('%s → %s', (input, e164) => expect(normalizePhone(input)).toEqual({ ok: true, value: e164 }));

  it('rejects a local number without an area code, and junk', () => {
    expect(normalizePhone('123-45-67')).toMatchObject({ ok: false, reason: expect.stringContaining('too few digits') });
    expect(normalizePhone('нет')).toMatchObject({ ok: false });
  });

  it('reads numbers in another default country', () => {
    expect(normalizePhone('030 1234567', 'DE')).toEqual({ ok: true, value: '+49301234567' });
  });
});

describe('e-mail, INN, KPP, web', () => {
  it('e-mails are lower-cased and checked', () => {
    expect(normalizeEmail(' Info@Romashka.RU ')).toEqual({ ok: true, value: 'info@romashka.ru' });
    expect(normalizeEmail('mailto:a.b@c.com')).toEqual({ ok: true, value: 'a.b@c.com' });
    for (const bad of ['a@b', 'a b@c.ru', 'a@@b.ru', 'a..b@c.ru', 'ab.ru']) expect(normalizeEmail(bad).ok).toBe(false);
  });

  it('INN checksums: 10 and 12 digits', () => {
    expect(normalizeInn('7707083893')).toEqual({ ok: true, value: '7707083893' });
    expect(normalizeInn('500100732259')).toEqual({ ok: true, value: '500100732259' });
    expect(normalizeInn('7707 083 893')).toEqual({ ok: true, value: '7707083893' });
    expect(normalizeInn('7707083894')).toMatchObject({ ok: false, reason: expect.stringContaining('checksum') });
    expect(normalizeInn('500100732258').ok).toBe(false);
    expect(normalizeInn('12345').ok).toBe(false);
    expect(normalizeInn('77070838ab').ok).toBe(false);
  });

  it('KPP and web sites', () => {
    expect(normalizeKpp('770701001')).toEqual({ ok: true, value: '770701001' });
    expect(normalizeKpp('77070100').ok).toBe(false);
    expect(normalizeWebsite('https://www.Romashka.ru/')).toEqual({ ok: true, value: 'romashka.ru' });
    expect(normalizeWebsite('ромашка.рф')).toEqual({ ok: true, value: 'ромашка.рф' });
  });
});
