import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAIR_COLUMNS, parseDecisionWord, readDecisions } from '../../src/dedupe/decisions.js';
import { conflicts, planMerge, type Row } from '../../src/dedupe/merge-plan.js';
import { suggestSurvivor } from '../../src/dedupe/survivor.js';
import { initDatabase, openDatabase } from '../../src/db/open.js';
import { REFERENCES } from '../../src/db/queries/dedupe.js';
import { foreignKeysTo } from '../../src/db/catalog.js';

const NOW = '2026-11-20 10:00:00';

const client = (r: Record<string, string | number | null>): Row => ({
  id: 0, name: 'x', legal_form: null, client_type: 'retail', parent_id: null, region: null, city: null, address: null, phone: null, email: null,
  website: null, inn: null, kpp: null, status: 'prospect', is_key_account: 0, purchase_potential_minor: null, partnership: null, contract_no: null,
  contract_since: null, contract_until: null, mission: null, manager_id: null, lost_date: null, lost_reason: null, lost_competitor: null,
  notes: null, source: 'main', external_id: null, merged_into_id: null, created_at: '2026-01-01 00:00:00', created_by: null, updated_at: null, updated_by: null,
  ...r,
});

describe('planning a merge', () => {
  it('fills the survivor gaps, keeps its own values where they differ, and keeps the others as aliases', () => {
    const survivor = client({ id: 1, name: 'ООО «Ромашка»', legal_form: 'ООО', phone: '+74953490583', inn: '7749185738', status: 'active', external_id: 'CL-1' });
    const merged = client({ id: 2, name: 'Romashka LLC', legal_form: 'LLC', phone: '+74953490584', email: 'zakaz@romashka.ru', website: 'romashka.ru', is_key_account: 1, external_id: 'CL-2', notes: 'с выставки' });
    const [step] = planMerge({ entity: 'client', survivor, merged: [merged], user: 'anna', now: NOW });
    expect(step!.set).toEqual({ email: 'zakaz@romashka.ru', website: 'romashka.ru', is_key_account: 1, notes: 'с выставки', updated_at: NOW, updated_by: 'anna' });
    expect(step!.aliases).toEqual([
      { field: 'name', value: 'Romashka LLC' },
      { field: 'legal_form', value: 'LLC' },
      { field: 'phone', value: '+74953490584' },
      { field: 'external_id', value: 'main:CL-2' },
    ]);
  });

  it('a value chosen from the merged record replaces the survivor one, which becomes an alias', () => {
    const survivor = client({ id: 1, name: 'Ромашка ООО', phone: '+74950000001' });
    const merged = client({ id: 2, name: 'ООО «Ромашка»', phone: '+74950000002' });
    const [step] = planMerge({ entity: 'client', survivor, merged: [merged], choices: { name: 2 }, user: 'anna', now: NOW });
    expect(step!.set.name).toBe('ООО «Ромашка»');
    expect(step!.aliases).toContainEqual({ field: 'name', value: 'Ромашка ООО' });
    expect(step!.aliases).toContainEqual({ field: 'phone', value: '+74950000002' });
  });

  it('status travels with its loss details; an active record wins over a prospect', () => {
    const survivor = client({ id: 1, status: 'prospect' });
    const merged = client({ id: 2, status: 'lost', lost_date: '2026-03-01', lost_reason: 'цена' });
    const [step] = planMerge({ entity: 'client', survivor, merged: [merged], user: 'u', now: NOW });
    expect(step!.set).toMatchObject({ status: 'lost', lost_date: '2026-03-01', lost_reason: 'цена' });
    const [keep] = planMerge({ entity: 'client', survivor: client({ id: 1, status: 'active' }), merged: [merged], user: 'u', now: NOW });
    expect(keep!.set.status).toBeUndefined();
    expect(keep!.set.lost_date).toBeUndefined();
  });

  it('a branch merged into its HQ does not make the HQ its own parent', () => {
    const [step] = planMerge({ entity: 'client', survivor: client({ id: 1, parent_id: 2 }), merged: [client({ id: 2, parent_id: 7 })], user: 'u', now: NOW });
    expect(step!.set.parent_id).toBe(7);
    const [other] = planMerge({ entity: 'client', survivor: client({ id: 1 }), merged: [client({ id: 2, parent_id: 1 })], user: 'u', now: NOW });
    expect(other!.set.parent_id).toBeUndefined();
  });

  it('contacts keep what the survivor does not take in its notes; flags and dates take the later value', () => {
    const survivor: Row = { id: 1, client_id: 5, full_name: 'Иванов Иван Иванович', position: null, level: 'staff', buying_role: null, is_service_contact: 0, phone: '+74951234567', email: null, postal_address: null, verified_on: '2025-01-01', active: 1, notes: null, source: 'main', external_id: 'CT-1' };
    const merged: Row = { ...survivor, id: 2, full_name: 'И. И. Иванов', phone: '+74957654321', email: 'ivanov@romashka.ru', is_service_contact: 1, verified_on: '2026-05-05', external_id: 'CT-2' };
    const [step] = planMerge({ entity: 'contact', survivor, merged: [merged], user: 'u', now: NOW });
    expect(step!.set).toMatchObject({ email: 'ivanov@romashka.ru', is_service_contact: 1, verified_on: '2026-05-05' });
    expect(step!.set.notes).toBe('[merged contact #2, 2026-11-20] full name: И. И. Иванов; phone: +74957654321');
    expect(step!.aliases).toEqual([]);
  });

  it('lists the fields where a group disagrees', () => {
    const rows = [client({ id: 1, name: 'A', phone: '1' }), client({ id: 2, name: 'B', phone: '1' }), client({ id: 3, name: 'A' })];
    expect(conflicts('client', rows).map((c) => c.field)).toEqual(['name']);
  });
});

describe('the suggested survivor', () => {
  it('prefers a record with an ИНН, then an active one, then the most referenced, the most complete, the oldest', () => {
    expect(suggestSurvivor([{ row: client({ id: 5, inn: null, status: 'active' }), references: 50 }, { row: client({ id: 9, inn: '7707083893' }), references: 0 }])).toBe(9);
    expect(suggestSurvivor([{ row: client({ id: 5, status: 'prospect' }), references: 50 }, { row: client({ id: 9, status: 'active' }), references: 0 }])).toBe(9);
    expect(suggestSurvivor([{ row: client({ id: 5 }), references: 1 }, { row: client({ id: 9 }), references: 3 }])).toBe(9);
    expect(suggestSurvivor([{ row: client({ id: 9 }), references: 0 }, { row: client({ id: 5 }), references: 0 }])).toBe(5);
  });
});

describe('the reviewed pair file', () => {
  const header = [...PAIR_COLUMNS.client];
  const line = (values: Record<string, string>) => header.map((h) => values[h] ?? '');

  it('reads decisions in English and Russian; empty means skip', () => {
    expect(parseDecisionWord('Merge')).toBe('merge');
    expect(parseDecisionWord('да')).toBe('merge');
    expect(parseDecisionWord('not duplicate')).toBe('not_duplicate');
    expect(parseDecisionWord('Not-Duplicate')).toBe('not_duplicate');
    expect(parseDecisionWord('нет')).toBe('not_duplicate');
    expect(parseDecisionWord(' ')).toBe('skip');
    expect(parseDecisionWord('maybe')).toBeNull();
    const r = readDecisions(
      [
        header,
        line({ decision: 'merge', survivor_id: '1', entity: 'client', id_a: '1', id_b: '2', score: '0,97' }),
        line({ decision: '', survivor_id: '1', entity: 'client', id_a: '1', id_b: '3' }),
        line({ decision: 'нет', entity: 'client', id_a: '4', id_b: '5' }),
      ],
      'pairs.csv',
    );
    expect(r.problems).toEqual([]);
    expect(r.decisions).toEqual([
      { line: 2, entity: 'client', idA: 1, idB: 2, decision: 'merge', survivorId: 1, score: 0.97 },
      { line: 3, entity: 'client', idA: 1, idB: 3, decision: 'skip', survivorId: 1, score: null },
      { line: 4, entity: 'client', idA: 4, idB: 5, decision: 'not_duplicate', survivorId: null, score: null },
    ]);
  });

  it('finds columns by name, in any order and case, and reports every bad row with its line', () => {
    const r = readDecisions(
      [
        ['ID_B', 'Decision', 'Entity', 'id_a', 'Survivor ID'],
        ['2', 'merge', 'client', '1', ''],
        ['x', 'perhaps', 'thing', '1', '1'],
        ['3', 'merge', 'clients', '3', '3'],
      ],
      'f.csv',
    );
    expect(r.decisions).toEqual([]);
    expect(r.problems.map((p) => [p.line, p.field])).toEqual([
      [2, 'survivor_id'],
      [3, 'entity'],
      [3, 'id_b'],
      [3, 'decision'],
      [4, 'id_b'],
    ]);
    expect(readDecisions([['id_a', 'id_b']], 'f.csv').problems[0]!.reason).toMatch(/missing columns entity, decision/);
  });
});

describe('merges move every reference', () => {
  it('REFERENCES lists every foreign key to clients and contacts (except merged_into_id)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-refs-'));
    try {
      const file = path.join(dir, 'crm.db');
      initDatabase(file, {});
      const cdb = openDatabase(file, { env: {} });
      try {
        for (const [entity, table] of [['client', 'clients'], ['contact', 'contacts']] as const) {
          const actual = (await foreignKeysTo(cdb, table)).filter(([t, c]) => !(t === table && c === 'merged_into_id'));
          const listed = REFERENCES[entity].map((r) => [r.table, r.column]).sort((x, y) => (x.join('.') < y.join('.') ? -1 : 1));
          expect(listed).toEqual(actual);
        }
      } finally {
        void cdb.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
