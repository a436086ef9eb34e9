/**
 * SQL fragments whose spelling differs between backends. SQLite's lower() folds only ASCII, so
 * text is compared through crm_fold() (fold() of src/util/normalize, registered on every
 * connection); a PostgreSQL backend would use lower(translate(…, 'Ёё', 'Ее')).
 */
import { sql, type RawBuilder } from 'kysely';
import { fold } from '../util/normalize.js';

/** `expr` contains `text`, ignoring case, ё/е and extra spaces; `text` is a bound parameter. */
export function foldedContains(expr: RawBuilder<unknown>, text: string): RawBuilder<boolean> {
  const pattern = `%${fold(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
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
