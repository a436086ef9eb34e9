/** Writing self-assessments (crm assess) and finding who made them. */
import type { Kysely } from 'kysely';
import { UsageError } from '../../errors.js';
import { fold } from '../../util/normalize.js';
import type { DB } from '../types.js';

export interface StaffRef {
  readonly id: number;
  readonly name: string;
  readonly email: string | null;
}

/** A staff member by e-mail or exact name (ignoring case, ё/е, spaces), as `crm import` refers to staff. */
export async function resolveStaff(db: Kysely<DB>, text: string): Promise<StaffRef> {
  const t = text.trim();
  const byEmail = await db.selectFrom('staff').select(['id', 'name', 'email']).where('email', '=', t.toLowerCase()).execute();
  if (byEmail.length === 1) return byEmail[0]!;
  const key = fold(t);
  const byName = (await db.selectFrom('staff').select(['id', 'name', 'email']).orderBy('id').execute()).filter((s) => fold(s.name) === key);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new UsageError(`${JSON.stringify(text)} names ${byName.length} staff members`, `give the e-mail instead: ${byName.map((s) => s.email ?? `#${s.id}`).join(', ')}`);
  throw new UsageError(`no staff member with e-mail or name ${JSON.stringify(text)}`);
}

export interface NewAssessment {
  readonly criterion: number;
  readonly rating: number;
  readonly note: string | null;
}

/** Inserts the ratings of one assessment in one transaction; returns how many rows were written. */
export async function insertAssessments(
  db: Kysely<DB>,
  clientId: number,
  rows: readonly NewAssessment[],
  who: { assessorId: number | null; assessor: string; assessedOn: string; user: string; at: string },
): Promise<number> {
  if (rows.length === 0) return 0;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('assessments')
      .values(
        rows.map((r) => ({
          client_id: clientId,
          criterion: r.criterion,
          rating: r.rating,
          note: r.note,
          assessor_id: who.assessorId,
          assessor: who.assessor,
          assessed_on: who.assessedOn,
          created_at: who.at,
          created_by: who.user,
        })),
      )
      .execute();
  });
  return rows.length;
}
