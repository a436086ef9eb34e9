import type { Kysely } from 'kysely';
import { resolveSettings, type Settings, type StoredSetting } from '../../config/index.js';
import type { DB } from '../types.js';

export async function storedSettings(db: Kysely<DB>): Promise<StoredSetting[]> {
  return db.selectFrom('settings').select(['key', 'value', 'updated_at', 'updated_by']).orderBy('key').execute();
}

/** The effective settings: stored values over the declared defaults. */
export async function loadSettings(db: Kysely<DB>): Promise<Settings> {
  return resolveSettings(await storedSettings(db));
}

/** Sets one setting (text in its canonical form), recording who and when. */
export async function writeSetting(db: Kysely<DB>, key: string, value: string, user: string, at: string): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value, updated_at: at, updated_by: user })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at, updated_by: user }))
    .execute();
}

/** Removes a stored setting so its default applies again; true when there was one. */
export async function deleteSetting(db: Kysely<DB>, key: string): Promise<boolean> {
  const r = await db.deleteFrom('settings').where('key', '=', key).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
