import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, crm, parseCsv, tempDir, newDb } from '../helpers/cli.js';

let dir: string;
let db: string;
const ENTITIES = ['staff', 'clients', 'contacts', 'account_team', 'products', 'promotions', 'responses', 'deals', 'plan_tasks', 'activities', 'goals', 'assessments'];
beforeAll(() => {
  dir = tempDir();
  db = newDb(dir);
  crm(['init', '--db', db]);
  for (const e of ENTITIES) expect(crm(['import', e, path.join(ROOT, 'fixtures', `${e}.csv`), '--db', db, '-q']).status).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('crm show client', () => {
  it('finds the client by external id, INN (an HQ, not its branches) or name ignoring case and ё', () => {
    const byExt = JSON.parse(crm(['show', 'client', 'CL-0033', '--db', db, '--format', 'json']).stdout);
    const inn = byExt.details.find((r: { property: string }) => r.property === 'inn').value;
    const name = byExt.details.find((r: { property: string }) => r.property === 'name').value as string;
    const byInn = JSON.parse(crm(['show', 'client', inn, '--db', db, '--format', 'json']).stdout);
    expect(byInn.details).toEqual(byExt.details);
    const byName = JSON.parse(crm(['show', 'client', name.toUpperCase().replaceAll('Ё', 'Е'), '--db', db, '--format', 'json']).stdout);
    expect(byName.details).toEqual(byExt.details);
  });

  it('the card holds every section, with the buying centre, team, branches and open deals', () => {
    const card = JSON.parse(crm(['show', 'client', 'CL-0033', '--db', db, '--format', 'json']).stdout);
    expect(Object.keys(card)).toEqual(['details', 'structure', 'contacts', 'team', 'deals', 'activities', 'tasks', 'goals', 'assessments']);
    expect(card.structure.length).toBeGreaterThanOrEqual(3);
    expect(card.structure.every((b: { relation: string }) => b.relation === 'branch')).toBe(true);
    expect(card.contacts.some((c: { level: string; buying_role: string }) => c.level === 'executive' && c.buying_role === 'decision_maker')).toBe(true);
    expect(card.team.some((t: { role: string }) => t.role === 'executive_sponsor')).toBe(true);
    expect(card.deals.every((d: { amount: number }) => typeof d.amount === 'number')).toBe(true);
    expect(card.activities.length).toBeLessThanOrEqual(10);
    expect(card.details.find((r: { property: string }) => r.property === 'key_account').value).toBe('yes');
  });

  it('a terminal table shows all sections; CSV one section, details by default', () => {
    const table = crm(['show', 'client', 'CL-0033', '--db', db, '--format', 'table']).stdout;
    for (const t of ['HQ and branches', 'Contacts and the buying centre', 'Account team', 'Open deals', 'Recent activities', 'Open plan tasks', 'Goals']) expect(table).toContain(t);
    const csv = crm(['show', 'client', 'CL-0033', '--db', db]);
    expect(parseCsv(csv.stdout)[0]).toEqual(['property', 'value']);
    expect(csv.stderr).toContain('--section');
    const contacts = parseCsv(crm(['show', 'client', 'CL-0033', '--db', db, '--section', 'contacts']).stdout);
    expect(contacts[0]).toEqual(['full_name', 'position', 'level', 'buying_role', 'service', 'phone', 'email', 'verified_on', 'stale']);
    const nd = crm(['show', 'client', 'CL-0033', '--db', db, '--format', 'ndjson']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(new Set(nd.map((r: { section: string }) => r.section)).size).toBeGreaterThan(5);
  });

  it('a branch names its HQ', () => {
    const card = JSON.parse(crm(['show', 'client', '#34', '--db', db, '--format', 'json']).stdout);
    expect(card.structure[0].relation).toBe('HQ');
  });

  it('unknown or ambiguous clients are usage errors that say how to refer to one', () => {
    const r = crm(['show', 'client', 'Нет такого клиента', '--db', db]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no client with');
    expect(crm(['show', 'client', 'CL-0033', '--db', db, '--section', 'nope']).status).toBe(2);
    expect(crm(['show', 'deal', '1', '--db', db]).status).toBe(2);
  });
});
