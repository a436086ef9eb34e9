import { sql } from 'kysely';
import type { Candidate } from '../../mailing/list.js';
import { foldedEquals } from '../dialect.js';
import type { CrmDatabase } from '../open.js';

/** Every active contact (or none) of every client of the type and region, lost ones included. */
export async function mailingCandidates(cdb: CrmDatabase, type: string, region: string | undefined): Promise<Candidate[]> {
  const where = [foldedEquals(sql.ref('c.client_type'), type), sql`c.merged_into_id IS NULL`];
  if (region) where.push(foldedEquals(sql.ref('c.region'), region));
  const r = await sql<Candidate>`
    SELECT c.id AS client_id, c.name AS client, c.status AS client_status, c.client_type, c.region, c.city,
           c.address AS client_address, p.id AS contact_id, p.full_name, p.position, p.email, p.postal_address
    FROM clients AS c
    LEFT JOIN contacts AS p ON p.client_id = c.id AND p.active = 1 AND p.merged_into_id IS NULL
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY crm_fold(c.name), c.id, CASE p.level WHEN 'executive' THEN 0 WHEN 'manager' THEN 1 ELSE 2 END, p.id`.execute(cdb.db);
  return r.rows;
}
