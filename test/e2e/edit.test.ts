import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crm, query, snapshot, tempDir, newDb } from '../helpers/cli.js';

let dir: string;
let db: string;
const run = (args: string[], env: Record<string, string> = {}) => crm([...args, '--db', db], { env: { CRM_USER: 'elkina@example.ru', ...env } });

beforeEach(() => {
  dir = tempDir();
  db = newDb(dir);
  crm(['init', '--db', db]);
  fs.writeFileSync(path.join(dir, 's.csv'), 'name,email,role\nЁлкина Алёна,elkina@example.ru,account_manager\nПетров Пётр,petrov@example.ru,field_rep\n');
  expect(run(['import', 'staff', path.join(dir, 's.csv')]).status).toBe(0);
  expect(run(['client', 'add', '--name', 'ООО «Ромашка»', '--client-type', 'retail', '--inn', '7707083893', '--phone', '+7 (495) 123-45-67', '--manager', 'Ёлкина алена']).status).toBe(0);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('crm client', () => {
  it('add validates like import, stamps who added it, and refuses a duplicate', () => {
    expect(query(db, 'SELECT c.name, c.phone, c.inn, c.created_by, m.email AS manager FROM clients c JOIN staff m ON m.id = c.manager_id')).toEqual([
      { name: 'ООО «Ромашка»', phone: '+74951234567', inn: '7707083893', created_by: 'elkina@example.ru', manager: 'elkina@example.ru' },
    ]);
    const dup = run(['client', 'add', '--name', 'Ромашка', '--client-type', 'retail', '--inn', '7707083893']);
    expect(dup.status).toBe(2);
    expect(dup.stderr).toContain('exists already (#1)');
    const before = snapshot(db);
    const bad = run(['client', 'add', '--name', 'Х', '--client-type', 'retail', '--inn', '7707083894', '--email', 'nope']);
    expect(bad.status).toBe(3);
    expect(bad.stderr).toContain('--inn: the INN checksum does not match');
    expect(bad.stderr).toContain('--email: not an e-mail address');
    expect(snapshot(db)).toBe(before);
    expect(run(['client', 'add', '--name', 'Без типа']).stderr).toContain('--client-type: required');
  });

  it('update changes only what is given, stamps who and when, and says what changed', () => {
    const r = run(['client', 'update', 'ооо «ромашка»', '--phone', '8 495 765-43-21', '--city', 'Москва'], { CRM_USER: 'petrov' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('phone: +74951234567 → +74957654321');
    const row = query<{ phone: string; city: string; inn: string; updated_by: string; updated_at: string }>(db, 'SELECT phone, city, inn, updated_by, updated_at FROM clients')[0]!;
    expect(row).toMatchObject({ phone: '+74957654321', city: 'Москва', inn: '7707083893', updated_by: 'petrov' });
    expect(row.updated_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(run(['client', 'update', '7707083893', '--city', '']).status).toBe(0);
    expect(query(db, 'SELECT city FROM clients')).toEqual([{ city: null }]);
    expect(run(['client', 'update', 'нет такого', '--city', 'X']).status).toBe(2);
  });

  it('set-status lost records the date, reason and competitor', () => {
    expect(run(['client', 'set-status', '7707083893', 'lost', '--reason', 'цена', '--competitor', 'ООО «Конкурент»', '--date', '20.11.2026']).status).toBe(0);
    expect(query(db, 'SELECT status, lost_date, lost_reason, lost_competitor FROM clients')).toEqual([{ status: 'lost', lost_date: '2026-11-20', lost_reason: 'цена', lost_competitor: 'ООО «Конкурент»' }]);
    expect(run(['client', 'set-status', '7707083893', 'gone']).status).toBe(2);
  });
});

describe('crm contact and crm log', () => {
  it('contact add, update and verify', () => {
    expect(run(['contact', 'add', '--client', '7707083893', '--full-name', 'Иванов Иван', '--email', 'IVANOV@Romashka.ru', '--level', 'executive', '--buying-role', 'ЛПР']).status).toBe(0);
    expect(run(['contact', 'update', 'ivanov@romashka.ru', '--position', 'Генеральный директор']).status).toBe(0);
    expect(run(['contact', 'verify', '#1', '--on', '2026-11-20']).status).toBe(0);
    expect(query(db, 'SELECT full_name, email, level, buying_role, position, verified_on, updated_by FROM contacts')).toEqual([
      { full_name: 'Иванов Иван', email: 'ivanov@romashka.ru', level: 'executive', buying_role: 'decision_maker', position: 'Генеральный директор', verified_on: '2026-11-20', updated_by: 'elkina@example.ru' },
    ]);
    expect(run(['contact', 'verify', 'nobody@x.ru']).status).toBe(2);
  });

  it('log records an activity in one line, for the staff member CRM_USER names', () => {
    run(['contact', 'add', '--client', '7707083893', '--full-name', 'Иванов Иван', '--email', 'ivanov@romashka.ru']);
    const r = run(['log', 'call', '--client', 'ООО «Ромашка»', '--contact', 'ivanov@romashka.ru', '--outcome', 'успех', '--occurred-at', '19.11.2026 15:30', 'договорились', 'о', 'встрече']);
    expect(r.status, r.stderr).toBe(0);
    expect(query(db, 'SELECT a.kind, a.occurred_at, a.outcome, a.notes, s.email AS staff, c.full_name AS contact, a.created_by FROM activities a JOIN staff s ON s.id = a.staff_id JOIN contacts c ON c.id = a.contact_id')).toEqual([
      { kind: 'call', occurred_at: '2026-11-19 15:30', outcome: 'success', notes: 'договорились о встрече', staff: 'elkina@example.ru', contact: 'Иванов Иван', created_by: 'elkina@example.ru' },
    ]);
    const unknown = run(['log', 'call', '--client', '7707083893'], { CRM_USER: 'stranger' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('--staff');
    expect(run(['log', 'call', '--client', '7707083893', '--staff', 'petrov@example.ru', '--outcome', 'maybe']).status).toBe(3);
    const bare = run(['log']);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain('on a terminal');
  });
});
