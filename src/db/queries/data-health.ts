import { sql } from 'kysely';
import type { HealthClient, HealthContact } from '../../reports/data-health.js';
import type { CrmDatabase } from '../open.js';

export async function healthClients(cdb: CrmDatabase): Promise<HealthClient[]> {
  const r = await sql<HealthClient>`
    SELECT c.id, c.name, c.client_type, c.region, c.status, c.phone, c.email, c.inn, c.address, c.city, c.manager_id,
           EXISTS (SELECT 1 FROM account_team t WHERE t.client_id = c.id AND t.role IN ('account_manager', 'national_account_manager')) AS team_manager,
           (SELECT count(*) FROM contacts p WHERE p.client_id = c.id AND p.active = 1 AND p.merged_into_id IS NULL) AS contacts
    FROM clients c WHERE c.merged_into_id IS NULL ORDER BY c.id`.execute(cdb.db);
  return r.rows;
}

export async function healthContacts(cdb: CrmDatabase): Promise<HealthContact[]> {
  const r = await sql<HealthContact>`
    SELECT p.id, p.full_name, c.name AS client, p.phone, p.email, p.position, p.verified_on
    FROM contacts p JOIN clients c ON c.id = p.client_id
    WHERE p.active = 1 AND p.merged_into_id IS NULL AND c.merged_into_id IS NULL AND c.status <> 'lost'
    ORDER BY p.id`.execute(cdb.db);
  return r.rows;
}
