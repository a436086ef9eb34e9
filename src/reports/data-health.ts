/**
 * How current and clean the base is (the CRM section's own product): completeness per field
 * and client type, invalid phones / e-mails / INNs, contacts not verified for 12 months,
 * clients without an account manager, duplicate candidates. Pure: rows in, report out.
 */
import type { Section } from '../render/index.js';
import type { Row } from '../render/model.js';
import { daysBetween } from '../util/dates.js';
import { normalizeEmail, normalizeInn, normalizePhone } from '../util/normalize.js';

export interface HealthClient {
  readonly id: number;
  readonly name: string;
  readonly client_type: string;
  readonly region: string | null;
  readonly status: string;
  readonly phone: string | null;
  readonly email: string | null;
  readonly inn: string | null;
  readonly address: string | null;
  readonly city: string | null;
  readonly manager_id: number | null;
  /** has an account manager on its account team */
  readonly team_manager: number;
  readonly contacts: number;
}

export interface HealthContact {
  readonly id: number;
  readonly full_name: string;
  readonly client: string;
  readonly phone: string | null;
  readonly email: string | null;
  readonly position: string | null;
  readonly verified_on: string | null;
}

export interface DuplicateCandidate {
  readonly group: number;
  readonly id: number;
  readonly name: string;
  readonly score: number;
}

export interface HealthInput {
  readonly today: string;
  readonly clients: readonly HealthClient[];
  readonly contacts: readonly HealthContact[];
  /** null when duplicate detection is not available */
  readonly duplicates: readonly DuplicateCandidate[] | null;
}

export const CHECKS = [
  'invalid-phones',
  'invalid-emails',
  'invalid-inns',
  'stale-contacts',
  'no-manager',
  'no-contacts',
  'duplicates',
] as const;
export type Check = (typeof CHECKS)[number];

const COMPLETENESS_FIELDS = ['phone', 'email', 'inn', 'address', 'city', 'region'] as const;

interface Issue {
  readonly check: Check;
  readonly row: Row;
}

function issues(input: HealthInput): Issue[] {
  const out: Issue[] = [];
  const bad = (check: Check, kind: string, id: number, name: string, field: string, value: string, reason: string) =>
    out.push({ check, row: { kind, id, name, field, value, reason } });
  const checkValues = (kind: string, r: { id: number; phone: string | null; email: string | null }, name: string, inn?: string | null) => {
    if (r.phone) {
      const p = normalizePhone(r.phone.replace(/;ext=\d+$/, ''));
      if (!p.ok) bad('invalid-phones', kind, r.id, name, 'phone', r.phone, p.reason);
    }
    if (r.email) {
      const e = normalizeEmail(r.email);
      if (!e.ok || e.value !== r.email) bad('invalid-emails', kind, r.id, name, 'email', r.email, e.ok ? 'not in lower case' : e.reason);
    }
    if (inn) {
      const i = normalizeInn(inn);
      if (!i.ok) bad('invalid-inns', kind, r.id, name, 'inn', inn, i.reason);
    }
  };
  const live = input.clients.filter((c) => c.status !== 'lost');
  for (const c of input.clients) checkValues('client', c, c.name, c.inn);
  for (const p of input.contacts) checkValues('contact', p, `${p.full_name} (${p.client})`);
  for (const p of input.contacts) {
    const days = p.verified_on ? daysBetween(p.verified_on, input.today) : null;
    if (days === null || days > 365) {
      out.push({ check: 'stale-contacts', row: { kind: 'contact', id: p.id, name: p.full_name, client: p.client, verified_on: p.verified_on, days_since: days } });
    }
  }
  for (const c of live) {
    if (c.manager_id === null && !c.team_manager) out.push({ check: 'no-manager', row: { kind: 'client', id: c.id, name: c.name, client_type: c.client_type, region: c.region, status: c.status } });
    if (c.contacts === 0) out.push({ check: 'no-contacts', row: { kind: 'client', id: c.id, name: c.name, client_type: c.client_type, region: c.region, status: c.status } });
  }
  for (const d of input.duplicates ?? []) out.push({ check: 'duplicates', row: { group: d.group, id: d.id, name: d.name, score: d.score } });
  return out;
}

const DESCRIPTIONS: Record<Check, string> = {
  'invalid-phones': 'phones that are not a full valid number',
  'invalid-emails': 'e-mails that are not valid addresses',
  'invalid-inns': 'INNs with a wrong length or checksum',
  'stale-contacts': 'contacts not verified for 12 months (or never)',
  'no-manager': 'active and prospective clients without an account manager',
  'no-contacts': 'active and prospective clients without a contact person',
  duplicates: 'clients in groups of likely duplicates (crm dedupe)',
};

export function dataHealth(input: HealthInput): Section[] {
  const found = issues(input);
  const live = input.clients.filter((c) => c.status !== 'lost').length;
  const totals: Record<Check, number> = {
    'invalid-phones': input.clients.filter((c) => c.phone).length + input.contacts.filter((c) => c.phone).length,
    'invalid-emails': input.clients.filter((c) => c.email).length + input.contacts.filter((c) => c.email).length,
    'invalid-inns': input.clients.filter((c) => c.inn).length,
    'stale-contacts': input.contacts.length,
    'no-manager': live,
    'no-contacts': live,
    duplicates: input.clients.length,
  };
  const summary = CHECKS.map((check) => {
    const count = check === 'duplicates' && input.duplicates === null ? null : found.filter((i) => i.check === check).length;
    return { check, count, of: totals[check], share: count === null || totals[check] === 0 ? null : count / totals[check], meaning: DESCRIPTIONS[check] };
  });

  const types = [...new Set(input.clients.map((c) => c.client_type))].sort((a, b) => a.localeCompare(b, 'ru'));
  const completeness: Row[] = [];
  for (const type of [...types, '(all)']) {
    const group = input.clients.filter((c) => type === '(all)' || c.client_type === type);
    const row: Record<string, unknown> = { client_type: type, clients: group.length };
    for (const f of COMPLETENESS_FIELDS) row[f] = group.length ? group.filter((c) => c[f] !== null && c[f] !== '').length / group.length : null;
    row.manager = group.length ? group.filter((c) => c.manager_id !== null || c.team_manager).length / group.length : null;
    row.contacts = group.length ? group.filter((c) => c.contacts > 0).length / group.length : null;
    completeness.push(row);
  }
  const contactFields = ['phone', 'email', 'position', 'verified_on'] as const;
  const contactRow: Record<string, unknown> = { contacts: input.contacts.length };
  for (const f of contactFields) contactRow[f] = input.contacts.length ? input.contacts.filter((c) => c[f] !== null && c[f] !== '').length / input.contacts.length : null;

  return [
    {
      key: 'summary',
      model: {
        title: `Data health on ${input.today}: what to fix (crm report data-health --list CHECK shows the rows)`,
        columns: [
          { key: 'check', header: 'Check' },
          { key: 'count', header: 'Found', type: 'int' },
          { key: 'of', header: 'Of', type: 'int' },
          { key: 'share', header: 'Share', type: 'ratio' },
          { key: 'meaning', header: 'Meaning' },
        ],
        rows: summary,
      },
    },
    {
      key: 'completeness',
      model: {
        title: 'Completeness of client records by client type (share filled)',
        columns: [
          { key: 'client_type', header: 'Client type' },
          { key: 'clients', header: 'Clients', type: 'int' },
          ...[...COMPLETENESS_FIELDS, 'manager', 'contacts'].map((f) => ({ key: f, header: f, type: 'ratio' as const })),
        ],
        rows: completeness,
        isTotal: (r) => r.client_type === '(all)',
      },
    },
    {
      key: 'contact-completeness',
      model: {
        title: 'Completeness of contact records (share filled)',
        columns: [{ key: 'contacts', header: 'Contacts', type: 'int' }, ...contactFields.map((f) => ({ key: f, header: f, type: 'ratio' as const }))],
        rows: [contactRow],
      },
    },
  ];
}

/** The records behind one check. */
export function healthList(input: HealthInput, check: Check): { columns: { key: string; type?: 'int' | 'date' | 'number' }[]; rows: Row[] } {
  const rows = issues(input).filter((i) => i.check === check).map((i) => i.row);
  const keys = rows[0] ? Object.keys(rows[0]) : ['kind', 'id', 'name'];
  return { columns: keys.map((key) => ({ key, type: key === 'id' || key === 'group' || key === 'days_since' ? 'int' : key === 'score' ? 'number' : key === 'verified_on' ? 'date' : undefined })), rows };
}
