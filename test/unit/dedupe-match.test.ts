import { describe, expect, it } from 'vitest';
import { findClientDuplicates, findContactDuplicates } from '../../src/dedupe/find.js';
import { groupPairs } from '../../src/dedupe/group.js';
import { NameStats } from '../../src/dedupe/org-similarity.js';
import { prepareClient, type ClientRecord } from '../../src/dedupe/records.js';
import { DEFAULT_THRESHOLD, explain, scoreClients, weightFor } from '../../src/dedupe/score.js';

const base: Omit<ClientRecord, 'id' | 'name'> = { city: 'Москва' };
const client = (id: number, name: string, extra: Partial<ClientRecord> = {}): ClientRecord => ({ id, name, ...base, ...extra });

function score(a: ClientRecord, b: ClientRecord) {
  const pa = prepareClient(a);
  const pb = prepareClient(b);
  const stats = new NameStats();
  for (const p of [pa, pb]) for (const n of p.names) stats.add(n);
  return scoreClients(pa, pb, stats)!;
}

describe('scoring a pair of clients', () => {
  it('the same ИНН is the same legal entity, whatever the name looks like', () => {
    const s = score(client(1, 'ООО «Ромашка»', { inn: '7707083893' }), client(2, 'Romashka LLC', { inn: '7707083893' }));
    expect(s.relation).toBe('duplicate');
    expect(s.score).toBeGreaterThan(0.99);
    expect(s.evidence.find((e) => e.field === 'inn')?.outcome).toBe('same');
  });

  it('a different ИНН is a different legal entity, even with the same name', () => {
    const s = score(client(1, 'ООО «Ромашка»', { inn: '7707083893' }), client(2, 'ООО «Ромашка»', { inn: '5001007322' }));
    expect(s.relation).toBe('different_entity');
    expect(s.score).toBeLessThan(0.01);
  });

  it('a branch that shares its HQ ИНН with its own KPP is a branch, not a duplicate', () => {
    const hq = client(1, 'АО «ТрансЛогистик Групп»', { inn: '7707083893', kpp: '770701001' });
    const byKpp = client(2, 'АО «ТрансЛогистик Групп»', { inn: '7707083893', kpp: '165543001', city: 'Москва' });
    const byParent = client(3, 'АО «ТрансЛогистик Групп»', { inn: '7707083893', parentId: 1 });
    const byName = client(4, 'АО «ТрансЛогистик Групп», филиал в г. Москва', { inn: '7707083893' });
    for (const b of [byKpp, byParent, byName]) {
      const s = score(hq, b);
      expect(s.relation).toBe('branch');
      expect(s.evidence.find((e) => e.field === 'inn')).toMatchObject({ outcome: 'branch', weight: 0 });
    }
  });

  it('without ИНН the phone, e-mail and domain decide; the name alone is not enough in another city', () => {
    const a = client(1, 'ООО «Ромашка»', { phones: ['+74953490583'], emails: ['zakaz@romashka-torg.ru'] });
    expect(score(a, client(2, '"Romashka" LLC', { phones: ['+74953490583'] })).score).toBeGreaterThan(0.99);
    expect(score(a, client(3, 'ООО «Ромашка»', { city: 'Казань', phones: ['+78432000000'], emails: ['info@romashka-kzn.ru'] })).score).toBeLessThan(0.2);
  });

  it('explains the evidence, strongest first', () => {
    const s = score(client(1, 'ООО «Ромашка»', { inn: '7707083893', phones: ['+74953490583'] }), client(2, 'Ромашка, ООО', { inn: '7707083893', phones: ['+74953490583'] }));
    expect(explain(s.evidence)).toBe('INN same +7; name same +5; phone same +4; city same +0.5; legal form same +0.3');
  });

  it('with a floor, a pair that cannot reach it is dropped before its name is compared', () => {
    const pa = prepareClient(client(1, 'ООО «Ромашка»', { phones: ['+74950000001'], emails: ['a@one.ru'] }));
    const pb = prepareClient(client(2, 'ООО «Ромашка»', { city: 'Казань', phones: ['+74950000002'], emails: ['b@two.ru'] }));
    const stats = new NameStats();
    expect(scoreClients(pa, pb, stats, DEFAULT_THRESHOLD)).toBeNull();
    expect(scoreClients(pa, pb, stats)!.score).toBeLessThan(DEFAULT_THRESHOLD);
    expect(weightFor(0.5)).toBeCloseTo(2, 5);
  });
});

describe('finding duplicate clients', () => {
  const records: ClientRecord[] = [
    client(1, 'ООО «Ромашка»', { inn: '7749185738', kpp: '774901001', phones: ['+74953490583'], emails: ['zakaz@romashka-torg.ru'] }),
    client(2, 'Ромашка ООО', { inn: '7749185738', kpp: '774901001', phones: ['+74953490583'] }),
    client(3, '"Romashka" LLC', { phones: ['+74953490583'], emails: ['zakaz@romashka-torg.ru'] }),
    client(4, 'АО «Волгахимпром»', { inn: '6323779995', city: 'Самара', phones: ['+78468643879'] }),
    client(5, 'АО «ВолгаХимПром»', { city: 'Самара', phones: ['+78468643879'] }),
    client(6, 'ООО «Вектор»', { inn: '7701000001', phones: ['+74951000001'] }),
    client(7, 'ООО «Вектор»', { inn: '7701000002', phones: ['+74951000002'] }),
    client(8, 'АО «ТрансЛогистик Групп»', { inn: '7707083893', kpp: '770701001', phones: ['+74951111111'] }),
    client(9, 'АО «ТрансЛогистик Групп», филиал в г. Москва', { inn: '7707083893', kpp: '165543001', parentId: 8, phones: ['+74951111111'] }),
  ];

  it('groups the duplicates, keeps different entities apart, and lists the branch as a branch', () => {
    const r = findClientDuplicates(records);
    expect(r.groups.map((g) => g.ids)).toEqual([[1, 2, 3], [4, 5]]);
    expect(r.groups[0]!.pairs.length).toBe(3);
    expect(r.branches.map((p) => [p.a, p.b, p.relation])).toEqual([[8, 9, 'branch']]);
    expect(r.pairs.some((p) => p.a === 6 && p.b === 7)).toBe(false);
  });

  it('pairs marked "not duplicates" are never proposed and never end up in one group', () => {
    const r = findClientDuplicates(records, { notDuplicates: [[2, 3], [1, 3]] });
    expect(r.groups.map((g) => g.ids)).toEqual([[1, 2], [4, 5]]);
    expect(r.pairs.some((p) => p.b === 3)).toBe(false);
  });

  it('a group never holds two different ИНН, even through a record without one', () => {
    const r = findClientDuplicates([
      client(1, 'ООО «Гранит»', { inn: '7701000001', phones: ['+74951000001'], emails: ['a@granit.ru'] }),
      client(2, 'ООО «Гранит»', { phones: ['+74951000001'], emails: ['b@granit.ru'] }),
      client(3, 'ООО «Гранит»', { inn: '7701000002', phones: ['+74951000001'], emails: ['c@granit.ru'] }),
    ]);
    for (const g of r.groups) expect(g.ids.includes(1) && g.ids.includes(3)).toBe(false);
    expect(r.heldApart.length).toBeGreaterThan(0);
  });

  it('a name several companies carry (different ИНН) is weak evidence on its own', () => {
    const r = findClientDuplicates([
      client(1, 'ООО «Меридиан»', { inn: '7701000001' }),
      client(2, 'ООО «Меридиан»', { inn: '7701000002' }),
      client(3, 'Меридиан, ООО'),
      client(4, 'ООО «Волгахимпром»', { inn: '6323779995' }),
      client(5, 'Волгахимпром ООО'),
    ]);
    expect(r.groups.map((g) => g.ids)).toEqual([[4, 5]]);
    const withPhone = findClientDuplicates([
      client(1, 'ООО «Меридиан»', { inn: '7701000001', phones: ['+74950000001'] }),
      client(2, 'ООО «Меридиан»', { inn: '7701000002' }),
      client(3, 'Меридиан, ООО', { phones: ['+74950000001'] }),
    ]);
    expect(withPhone.groups.map((g) => g.ids)).toEqual([[1, 3]]);
    expect(explain(withPhone.groups[0]!.pairs[0]!.evidence)).toMatch(/name same, but 2 companies have this name 1\.00 \+1\.81/);
  });

  it('checks only the incoming records when asked (import --check-duplicates)', () => {
    const r = findClientDuplicates(records, { only: new Set([5]) });
    expect(r.pairs.map((p) => [p.a, p.b])).toEqual([[4, 5]]);
  });

  it('finds a typo, a transliteration and a reordered name among many other clients', () => {
    const many: ClientRecord[] = [];
    const words = ['Вектор', 'Гранит', 'Феникс', 'Орион', 'Меридиан', 'Альтаир', 'Прогресс', 'Радуга', 'Магистраль', 'Континент'];
    const tails = ['', '-Юг', '-Центр', ' Плюс', '-М', '-Сервис', '-Трейд', '-Урал', '-Групп', '-Опт'];
    let id = 100;
    for (const w of words) for (const t of tails) for (const city of ['Москва', 'Казань', 'Самара']) many.push(client(id++, `ООО «${w}${t}»`, { city, phones: [`+7495${String(id).padStart(7, '0')}`] }));
    many.push(client(1, 'ООО «Волгахимпром»', { city: 'Самара' }), client(2, 'ООО «Волгахимпорм»', { city: 'Самара' }));
    many.push(client(3, 'ООО «Сибирская нефтяная»', { city: 'Омск' }), client(4, '"Sibirskaya Neftyanaya" LLC', { city: 'Омск' }));
    many.push(client(5, 'ИП Никифоров Юрий Геннадьевич', { city: 'Тверь', phones: ['+74822000001'] }), client(6, 'Никифоров Ю. Г., ИП', { city: 'Тверь', phones: ['+74822000001'] }));
    const r = findClientDuplicates(many);
    const groups = r.groups.map((g) => g.ids.join(','));
    expect(groups).toContain('1,2');
    expect(groups).toContain('3,4');
    expect(groups).toContain('5,6');
    expect(r.compared).toBeLessThan((many.length * (many.length - 1)) / 2 / 4);
  });
});

describe('finding duplicate contacts', () => {
  it('initials and word order, at one client, with the same e-mail or phone', () => {
    const r = findContactDuplicates([
      { id: 1, name: 'Иванов Иван Иванович', clientId: 10, emails: ['i.ivanov@romashka.ru'] },
      { id: 2, name: 'И. И. Иванов', clientId: 10, emails: ['i.ivanov@romashka.ru'] },
      { id: 3, name: 'Ivanov Ivan', clientId: 10, phones: ['+74951234567'] },
      { id: 4, name: 'Иванов Иван Иванович', clientId: 10, phones: ['+74951234567'] },
      { id: 5, name: 'Петрова Анна Сергеевна', clientId: 10, phones: ['+74951234567'] },
    ]);
    expect(r.groups.map((g) => g.ids)).toEqual([[1, 2, 3, 4]]);
  });
});

describe('grouping', () => {
  it('joins transitively, strongest pairs first, and respects what must stay apart', () => {
    const edges = [
      { a: 0, b: 1, score: 0.99 },
      { a: 1, b: 2, score: 0.9 },
      { a: 3, b: 4, score: 0.95 },
      { a: 2, b: 3, score: 0.85 },
    ];
    expect(groupPairs({ n: 5, edges }).groups).toEqual([[0, 1, 2, 3, 4]]);
    const apart = groupPairs({ n: 5, edges, apart: [[0, 4]] });
    expect(apart.groups).toEqual([[0, 1, 2], [3, 4]]);
    expect(apart.heldApart).toEqual([{ a: 2, b: 3, score: 0.85 }]);
    const keys = ['A', null, 'B', null, null];
    expect(groupPairs({ n: 5, edges, entityKey: (i) => keys[i]! }).groups).toEqual([[0, 1], [2, 3, 4]]);
  });
});
