import { describe, expect, it } from 'vitest';
import { compareLegal, legalFormLabel, parseOrgName } from '../../src/dedupe/org-name.js';
import { NameStats, compareOrgNames } from '../../src/dedupe/org-similarity.js';
import { comparePersonNames, parsePersonName } from '../../src/dedupe/person-name.js';
import { jaroWinkler, levenshtein, osaDistance } from '../../src/dedupe/text.js';
import { skeleton, transliterate } from '../../src/dedupe/translit.js';

describe('transliteration', () => {
  it('Cyrillic to Latin, and one skeleton for the usual spellings of a name', () => {
    expect(transliterate('Щукин Юрий')).toBe('shchukin yuriy');
    expect(skeleton('Ромашка')).toBe(skeleton('Romashka'));
    expect(skeleton('Ромашка')).toBe(skeleton('Romaschka'));
    expect(skeleton('Юрий')).toBe(skeleton('Yuriy'));
    expect(skeleton('Yuriy')).toBe(skeleton('Iurii'));
    expect(skeleton('Хохлов')).toBe(skeleton('Hohlov'));
    expect(skeleton('Цветков')).toBe(skeleton('Tsvetkov'));
    expect(skeleton('Фёдоров')).toBe(skeleton('Федоров'));
    expect(skeleton('Philips')).toBe(skeleton('Phillips'));
    expect(skeleton('Müller')).toBe(skeleton('Muller'));
  });

  it('keeps what distinguishes words', () => {
    expect(skeleton('Ромашка')).not.toBe(skeleton('Ромаска'));
    expect(skeleton('Вега')).not.toBe(skeleton('Вика'));
  });
});

describe('string distances', () => {
  it('Jaro-Winkler, Levenshtein, and swaps as one slip', () => {
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.961, 3);
    expect(jaroWinkler('abc', 'abc')).toBe(1);
    expect(jaroWinkler('', 'abc')).toBe(0);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('kitten', 'sitting', 1)).toBe(2);
    expect(osaDistance('19650714', '19651704')).toBe(2);
    expect(osaDistance('19650714', '19657014')).toBe(1);
  });
});

describe('organisation names', () => {
  const spellings = [
    'ООО «Ромашка»',
    '"Ромашка" ООО',
    'Ромашка, ООО',
    'ООО "РОМАШКА"',
    "ООО 'Ромашка'",
    'Общество с ограниченной ответственностью «Ромашка»',
    'Romashka LLC',
    '"Romashka" Ltd.',
    'O.O.O. Romashka',
  ];
  it.each(spellings)('%s: the legal form is found wherever it stands and the name is «ромашка»', (name) => {
    const n = parseOrgName(name);
    expect(n.key).toBe(parseOrgName('Ромашка').key);
    expect(n.legalClass).toBe('llc');
  });

  it('ё/е, case, quotes and spacing do not matter', () => {
    expect(parseOrgName('ООО «Зелёный берег»').key).toBe(parseOrgName('ООО "Зеленый берег"').key);
    expect(parseOrgName('АО «ВолгаХимПром»').key).toBe(parseOrgName('Волгахимпром, АО').key);
    expect(parseOrgName('ООО  «СтройМастер  Плюс» ').key).toBe(parseOrgName('ООО «СтройМастер Плюс»').key);
  });

  it('dotted and spaced legal forms, in Latin too (N. V., B.V., S.p.A.)', () => {
    for (const n of ['AKZO NOBEL N.V.', 'AKZO NOBEL NV', 'Akzo Nobel N. V.', 'AKZO NOBEL B V', 'Akzo Nobel, B.V.']) {
      expect(parseOrgName(n).key).toBe('akzo nobel');
    }
    expect(parseOrgName('D.S.M. N.V.').key).toBe('dsm');
    expect(parseOrgName('Basell Poliolefine Italia S.p.A.').legalForms).toEqual(['S.p.A.']);
    expect(parseOrgName('N.V. PHILIPS GLOEILAMPENFABRIEKEN').key).toBe(parseOrgName('Philips Gloeilampenfabrieken').key);
  });

  it('abbreviations and phrases: ТД / Торговый дом / Torgovyy Dom, Intl / International', () => {
    expect(parseOrgName('ТД «Волга»').key).toBe(parseOrgName('Торговый дом «Волга»').key);
    expect(parseOrgName('"Torgovyy Dom Volga" LLC').key).toBe(parseOrgName('ООО «Торговый дом «Волга»»').key);
    expect(parseOrgName('НПО Энергомаш').key).toBe(parseOrgName('Научно-производственное объединение «Энергомаш»').key);
    expect(parseOrgName('Shell Intl Research').key).toBe(parseOrgName('SHELL INTERNATIONAL RESEARCH').key);
  });

  it('individual entrepreneurs are people; branches say so', () => {
    const ip = parseOrgName('ИП Фёдоров Алексей Иванович');
    expect(ip.isPerson).toBe(true);
    expect(ip.key).toBe(parseOrgName('Федоров Алексей Иванович ИП').key);
    expect(parseOrgName('АО «ТрансЛогистик Групп», филиал в г. Казань').isBranch).toBe(true);
    expect(parseOrgName('АО «ТрансЛогистик Групп»').isBranch).toBe(false);
  });

  it('legal forms compare by kind: ЗАО and АО, ООО and LLC are one kind; ООО and АО are not', () => {
    expect(compareLegal(parseOrgName('ЗАО Ромашка'), parseOrgName('АО Ромашка'))).toBe('class');
    expect(compareLegal(parseOrgName('ООО Ромашка'), parseOrgName('Romashka LLC'))).toBe('class');
    expect(compareLegal(parseOrgName('ООО Ромашка'), parseOrgName('Ромашка, ООО'))).toBe('same');
    expect(compareLegal(parseOrgName('ООО Ромашка'), parseOrgName('АО Ромашка'))).toBe('different');
    expect(compareLegal(parseOrgName('Ромашка'), parseOrgName('АО Ромашка'))).toBe('unknown');
    expect(legalFormLabel('ооо')).toBe('ООО');
    expect(legalFormLabel('Публичное акционерное общество')).toBe('ПАО');
  });
});

describe('organisation name similarity', () => {
  const stats = new NameStats();
  const corpus = ['ООО «Вектор»', 'ООО «Вектор-Юг»', 'ООО «Ромашка»', 'АО «Волгахимпром»', 'Школа №400', 'Школа №401', 'Philips', 'Philips Gloeilampenfabrieken'];
  for (const n of corpus) stats.add(parseOrgName(n));
  const sim = (a: string, b: string) => compareOrgNames(parseOrgName(a), parseOrgName(b), stats).similarity;

  it('the same words in any order and spelling are the same name', () => {
    expect(sim('ООО «Ромашка»', 'Romashka LLC')).toBe(1);
    expect(sim('ИП Фёдоров Алексей Иванович', 'Федоров Алексей Иванович ИП')).toBe(1);
  });

  it('typos', () => {
    expect(sim('АО «Волгахимпром»', 'АО «Волгахимпорм»')).toBeGreaterThan(0.9);
    expect(sim('ООО «Ромашка»', 'ООО «Рамашка»')).toBeGreaterThan(0.85);
  });

  it('spacing: ShellInternationale is Shell Internationale', () => {
    expect(sim('GISTBROCADES N.V.', 'GIST-BROCADES N.V.')).toBeGreaterThanOrEqual(0.98);
  });

  it('a name contained in a longer one is similar, but less than the same name', () => {
    const s = sim('Philips', 'Philips Gloeilampenfabrieken');
    expect(s).toBeGreaterThan(0.8);
    expect(s).toBeLessThan(1);
  });

  it('different numbers are different organisations', () => {
    expect(sim('Школа №400', 'Школа №401')).toBeLessThanOrEqual(0.6);
  });

  it('different names', () => {
    expect(sim('ООО «Ромашка»', 'АО «Волгахимпром»')).toBeLessThan(0.3);
  });
});

describe('person names', () => {
  const sim = (a: string, b: string) => comparePersonNames(parsePersonName(a), parsePersonName(b)).similarity;

  it('word order and initials: Иванов Иван Иванович ~ И. И. Иванов ~ Иванов И.И.', () => {
    expect(sim('Иванов Иван Иванович', 'Иван Иванович Иванов')).toBe(1);
    expect(sim('Иванов Иван Иванович', 'И. И. Иванов')).toBeGreaterThan(0.8);
    expect(sim('Иванов Иван Иванович', 'Иванов И.И.')).toBeGreaterThan(0.8);
    expect(sim('Иванов Иван Иванович', 'Иванов Иван')).toBeGreaterThan(0.8);
  });

  it('Cyrillic and Latin, ё and е, double spaces', () => {
    expect(sim('Иванов Иван', 'Ivanov Ivan')).toBe(1);
    expect(sim('Воробьёв Степан Константинович', 'Воробьев  Степан Константинович')).toBe(1);
    expect(sim('Щукин Юрий', 'Shchukin Yury')).toBeGreaterThan(0.95);
  });

  it('another person of the same family is not the same person; nor are initials alone', () => {
    expect(sim('Иванов Иван Иванович', 'Иванов Пётр Иванович')).toBeLessThan(0.8);
    expect(sim('Иванов Иван', 'Петров Пётр')).toBe(0);
    expect(sim('И. И.', 'И. И. Иванов')).toBeLessThanOrEqual(0.5);
  });
});
