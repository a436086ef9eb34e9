import { sql } from 'kysely';
import { rank, type SearchTerms } from '../../find/rank.js';
import { foldedContains, searchMatch } from '../dialect.js';
import type { CrmDatabase } from '../open.js';

export type FindHit = {
  readonly kind: 'client' | 'contact';
  readonly id: number;
  readonly name: string;
  readonly client: string | null;
  readonly city: string | null;
  readonly phone: string | null;
  readonly email: string | null;
  readonly inn: string | null;
  readonly matched: string;
  readonly score: number;
};

interface Row {
  id: number;
  name: string;
  client: string | null;
  city: string | null;
  phone: string | null;
  email: string | null;
  inn: string | null;
}

/**
 * Clients and contacts matching the terms, best first. SQL narrows the rows (any field that
 * could match); rank() orders them.
 */
export async function findClientsAndContacts(cdb: CrmDatabase, t: SearchTerms, limit: number): Promise<FindHit[]> {
  // words of 3+ letters go through the trigram indexes (SQLite; the same test by LIKE on PostgreSQL); shorter text is scanned
  const words = t.text.split(' ').filter((w) => w.length >= 3);
  const scan = t.text !== '' && words.length === 0;
  const other = (inn: boolean) => {
    const c = [];
    if (t.email) c.push(sql`t.email = ${t.email}`);
    if (t.digits) c.push(sql`t.phone LIKE ${'%' + t.digits.slice(-10) + '%'}`);
    if (inn && t.digits) c.push(sql`t.inn LIKE ${t.digits + '%'}`);
    return c;
  };
  const clientConds = other(true);
  const contactConds = other(false);
  if (words.length > 0) {
    clientConds.push(searchMatch(cdb.kind, 'clients', words));
    contactConds.push(searchMatch(cdb.kind, 'contacts', words));
  }
  if (scan) {
    clientConds.push(foldedContains(sql.ref('t.name'), t.text), foldedContains(sql.ref('t.city'), t.text));
    contactConds.push(foldedContains(sql.ref('t.full_name'), t.text));
  }
  const hits: FindHit[] = [];
  if (clientConds.length) {
    const clients = await sql<Row>`
      SELECT t.id, t.name, NULL AS client, t.city, t.phone, t.email, t.inn FROM clients AS t
      WHERE t.merged_into_id IS NULL AND (${sql.join(clientConds, sql` OR `)})
      ORDER BY t.id`.execute(cdb.db);
    collect('client', clients.rows);
  }
  if (contactConds.length) {
    const contacts = await sql<Row>`
      SELECT t.id, t.full_name AS name, c.name AS client, c.city, t.phone, t.email, NULL AS inn
      FROM contacts AS t JOIN clients AS c ON c.id = t.client_id
      WHERE t.merged_into_id IS NULL AND (${sql.join(contactConds, sql` OR `)})
      ORDER BY t.id`.execute(cdb.db);
    collect('contact', contacts.rows);
  }
  hits.sort((a, b) => b.score - a.score || (a.kind === b.kind ? 0 : a.kind === 'client' ? -1 : 1) || a.name.localeCompare(b.name, 'ru'));
  return hits.slice(0, limit);

  function collect(kind: 'client' | 'contact', rows: Row[]): void {
    for (const r of rows) {
      const m = rank(t, { name: r.name, city: r.city, phone: r.phone, email: r.email, inn: r.inn });
      if (m) hits.push({ kind, ...r, ...m });
    }
  }
}
