/**
 * SQL fragments whose spelling differs between backends. SQLite's lower() folds only ASCII, so
 * text is compared through crm_fold() (fold() of src/util/normalize): registered on every SQLite
 * connection, and created as a server function by crm init on PostgreSQL (src/db/pg-schema.ts).
 */
import { sql, type RawBuilder } from 'kysely';
import { fold } from '../util/normalize.js';
import type { BackendKind } from './open.js';

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `expr` contains `text`, ignoring case, ё/е and extra spaces; `text` is a bound parameter. */
export function foldedContains(expr: RawBuilder<unknown>, text: string): RawBuilder<boolean> {
  const pattern = `%${likeEscape(fold(text))}%`;
  return sql<boolean>`crm_fold(${expr}) LIKE ${pattern} ESCAPE '\\'`;
}

/** `expr` equals `text`, ignoring case, ё/е and extra spaces. */
export function foldedEquals(expr: RawBuilder<unknown>, text: string): RawBuilder<boolean> {
  return sql<boolean>`crm_fold(${expr}) = ${fold(text)}`;
}

/** Sort key for text: Russian alphabetical order, case-insensitive, ё sorted as е. */
export function foldedOrder(expr: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`crm_fold(${expr})`;
}

/** The columns crm find's trigram indexes hold (schema.sql: clients_search, contacts_search). */
export const SEARCH_COLUMNS = { clients: ['name', 'city', 'email'], contacts: ['full_name', 'email'] } as const;

/**
 * `t.id` is a row whose indexed text holds every word (3+ characters each), each word in any one
 * column, case-insensitive, ё as е. SQLite asks its FTS5 trigram index; PostgreSQL has no such
 * index and compares the same text the index holds (ё written as е, lower case) with LIKE.
 */
export function searchMatch(kind: BackendKind, table: keyof typeof SEARCH_COLUMNS, words: readonly string[]): RawBuilder<boolean> {
  if (kind === 'sqlite') {
    const match = words.map((w) => `"${w.replaceAll('"', '""')}"`).join(' AND ');
    const index = sql.table(`${table}_search`);
    return sql<boolean>`t.id IN (SELECT rowid FROM ${index} WHERE ${index} MATCH ${match})`;
  }
  const each = words.map((w) => {
    const pattern = `%${likeEscape(w.toLowerCase())}%`;
    const cols = SEARCH_COLUMNS[table].map(
      (c) => sql`lower(replace(replace(${sql.ref(`t.${c}`)}, 'ё', 'е'), 'Ё', 'Е') COLLATE "und-x-icu") LIKE ${pattern} ESCAPE '\\'`,
    );
    return sql`(${sql.join(cols, sql` OR `)})`;
  });
  return sql<boolean>`(${sql.join(each, sql` AND `)})`;
}
