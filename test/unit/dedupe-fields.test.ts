import { describe, expect, it } from 'vitest';
import { compareAddresses, parseAddress } from '../../src/dedupe/address.js';
import {
  compareCodes,
  compareDomains,
  compareEmails,
  compareInn,
  comparePhones,
  domainOf,
  isBranchKpp,
  splitPhone,
  toDomain,
  toEmail,
} from '../../src/dedupe/identifiers.js';

describe('addresses', () => {
  const sim = (a: string, b: string) => compareAddresses(parseAddress(a), parseAddress(b));

  it('ул./улица, д./дом, корп./корпус, стр./строение, г./город are the same words', () => {
    const a = '443002, г. Самара, ул. Строителей, д. 146, корп. 4, стр. 2';
    expect(sim(a, '443002, город Самара, улица Строителей, дом 146, корпус 4, строение 2')).toBe(1);
    expect(sim(a, '443002 Самара Строителей 146 к4 стр2')).toBe(1);
    expect(sim('350050, г. Краснодар, ул. Октябрьская, д. 100', '350050, Краснодарский край, г. Краснодар, ул. Октябрьская, 100')).toBeGreaterThan(0.8);
  });

  it('пр-т, б-р, пер., наб. and English street types', () => {
    expect(sim('Невский пр-т, д. 28', 'Невский проспект 28')).toBe(1);
    expect(sim('Тверской б-р, 5', 'Тверской бульвар, д. 5')).toBe(1);
    expect(sim('6 tullaroop street, willaroo', '6 tullaroop st, willaroo')).toBe(1);
  });

  it('a different house number is a different place; typos in words are forgiven', () => {
    expect(sim('ул. Ленина, д. 5', 'ул. Ленина, д. 7')).toBeLessThan(0.6);
    expect(sim('ул. Строителей, д. 146', 'ул. Стороителей, д. 146')).toBeGreaterThan(0.9);
  });
});

describe('phones', () => {
  it('the same number, the same line without the extension, another extension, different', () => {
    const p = (...xs: string[]) => xs.map(splitPhone);
    expect(comparePhones(p('+74951234567'), p('+74951234567'))).toBe('same');
    expect(comparePhones(p('+74951234567;ext=12'), p('+74951234567'))).toBe('same_line');
    expect(comparePhones(p('+74951234567;ext=12'), p('+74951234567;ext=13'))).toBe('other_extension');
    expect(comparePhones(p('+74951234567'), p('+74951234568'))).toBe('different');
    expect(comparePhones(p('+74951234567', '+79160000000'), p('+79160000000'))).toBe('same');
    expect(comparePhones([], p('+74951234567'))).toBeNull();
  });
});

describe('e-mail and domains', () => {
  it('the same mailbox, or only the same domain', () => {
    expect(compareEmails([toEmail('info@romashka.ru')], [toEmail('info@romashka.ru')])).toBe('same');
    expect(compareEmails([toEmail('ivan.petrov@mail.ru')], [toEmail('ivan.petrov@gmail.com')])).toBe('same_mailbox_name');
    expect(compareEmails([toEmail('info@mail.ru')], [toEmail('info@gmail.com')])).toBe('different');
  });

  it('domains from e-mails and sites, without www and scheme; the same name under another TLD', () => {
    expect(domainOf('https://www.Romashka.ru/contacts')).toBe('romashka.ru');
    expect(domainOf('zakaz@romashka.ru')).toBe('romashka.ru');
    const d = (...xs: string[]) => xs.map(toDomain);
    expect(compareDomains(d('romashka.ru'), d('romashka.ru'))).toBe('same');
    expect(compareDomains(d('romashka.ru'), d('romashka.com'))).toBe('same_name');
    expect(compareDomains(d('romashka.ru'), d('vektor.ru'))).toBe('different');
  });
});

describe('INN and KPP', () => {
  it('the same INN is the same legal entity; a branch KPP (43, 44, 45) makes it a branch', () => {
    expect(compareInn({ inn: '7707083893', kpp: '770701001' }, { inn: '7707083893', kpp: '770701001' })).toBe('same');
    expect(compareInn({ inn: '7707083893', kpp: '770701001' }, { inn: '7707083893', kpp: null })).toBe('same');
    expect(compareInn({ inn: '7707083893', kpp: '770701001' }, { inn: '7707083893', kpp: '165543001' })).toBe('branch');
    expect(compareInn({ inn: '7707083893', kpp: '770701001' }, { inn: '7707083893', kpp: '771001001' })).toBe('same_other_kpp');
    expect(compareInn({ inn: '7707083893', kpp: null }, { inn: '5001007322', kpp: null })).toBe('different');
    expect(compareInn({ inn: null, kpp: null }, { inn: '5001007322', kpp: null })).toBeNull();
    expect(isBranchKpp('165543001')).toBe(true);
    expect(isBranchKpp('770701001')).toBe(false);
  });
});

describe('typed codes', () => {
  it('equal, one slip (a digit or a swap), different', () => {
    expect(compareCodes(['19650714'], ['19650714'])).toBe('same');
    expect(compareCodes(['19650714'], ['19650741'])).toBe('one_slip');
    expect(compareCodes(['2493383'], ['2439383'])).toBe('one_slip');
    expect(compareCodes(['19650714'], ['19870101'])).toBe('different');
  });
});
