/**
 * The reviewed pair file read back: `crm dedupe clients --format csv > pairs.csv` writes one row
 * per candidate pair with an empty `decision` column and a suggested `survivor_id`; a person
 * fills in merge / not_duplicate / skip (in a spreadsheet, in English or Russian) and
 * `crm dedupe apply pairs.csv` carries the decisions out. Pure: CSV rows in, decisions or
 * problems (with line numbers) out.
 */
import type { InputProblem } from '../errors.js';
import { fold } from '../util/normalize.js';
import type { EntityKind } from './find.js';

export type DecisionKind = 'merge' | 'not_duplicate' | 'skip';

export interface Decision {
  readonly line: number;
  readonly entity: EntityKind;
  readonly idA: number;
  readonly idB: number;
  readonly decision: DecisionKind;
  /** for merges: the record that stays (one of the pair, or another record of its group) */
  readonly survivorId: number | null;
  readonly score: number | null;
}

/** The columns of the pair file, in the order they are written. */
export const PAIR_COLUMNS = {
  client: [
    'decision', 'survivor_id', 'entity', 'group', 'score', 'relation', 'id_a', 'name_a', 'id_b', 'name_b', 'evidence',
    'inn_a', 'inn_b', 'kpp_a', 'kpp_b', 'phone_a', 'phone_b', 'email_a', 'email_b', 'website_a', 'website_b',
    'city_a', 'city_b', 'address_a', 'address_b', 'external_id_a', 'external_id_b',
  ],
  contact: [
    'decision', 'survivor_id', 'entity', 'group', 'score', 'relation', 'id_a', 'name_a', 'id_b', 'name_b', 'evidence',
    'client_a', 'client_b', 'position_a', 'position_b', 'phone_a', 'phone_b', 'email_a', 'email_b', 'address_a', 'address_b',
    'external_id_a', 'external_id_b',
  ],
} as const;

const WORDS: Readonly<Record<string, DecisionKind>> = {
  merge: 'merge', m: 'merge', yes: 'merge', y: 'merge', duplicate: 'merge', да: 'merge', объединить: 'merge', дубль: 'merge', дубликат: 'merge',
  'not duplicate': 'not_duplicate', 'not duplicates': 'not_duplicate', 'not a duplicate': 'not_duplicate', no: 'not_duplicate',
  n: 'not_duplicate', different: 'not_duplicate', нет: 'not_duplicate', 'не дубль': 'not_duplicate', 'не дубликат': 'not_duplicate', разные: 'not_duplicate',
  skip: 'skip', s: 'skip', '': 'skip', later: 'skip', пропустить: 'skip', пропуск: 'skip',
};

/** merge / not_duplicate / skip from what a person typed ("Not duplicate", "да", "-", empty…), or null. */
export function parseDecisionWord(text: string): DecisionKind | null {
  return WORDS[fold(text).replace(/[-_\s]+/g, ' ').trim()] ?? null;
}

const ENTITIES: Readonly<Record<string, EntityKind>> = { client: 'client', clients: 'client', клиент: 'client', contact: 'contact', contacts: 'contact', контакт: 'contact' };

export interface ParsedDecisions {
  readonly decisions: readonly Decision[];
  readonly problems: readonly InputProblem[];
}

/**
 * Reads the decisions from parsed CSV rows (the first row is the header). Columns are found by
 * name (case and spaces ignored), so a person may reorder or delete the informational ones;
 * entity, id_a, id_b and decision are required, and survivor_id for merges.
 */
export function readDecisions(rows: readonly (readonly string[])[], file: string): ParsedDecisions {
  const problems: InputProblem[] = [];
  const header = (rows[0] ?? []).map((h) => fold(h.replace(/^\uFEFF/, '')).replace(/[\s-]+/g, '_'));
  const col = (name: string) => header.indexOf(name);
  const missing = ['entity', 'id_a', 'id_b', 'decision'].filter((c) => col(c) < 0);
  if (missing.length > 0) {
    return {
      decisions: [],
      problems: [{ file, line: 1, reason: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: write the file with crm dedupe clients --format csv` }],
    };
  }
  const decisions: Decision[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const line = r + 1;
    if (row.every((c) => c.trim() === '')) continue;
    const before = problems.length;
    const cell = (name: string) => (col(name) >= 0 ? (row[col(name)] ?? '').trim() : '');
    const problem = (field: string, value: string, reason: string) => problems.push({ file, line, field, value, reason });
    const entity = ENTITIES[fold(cell('entity'))];
    if (!entity) problem('entity', cell('entity'), 'must be client or contact');
    const id = (name: string): number | null => {
      const v = cell(name);
      if (v === '') return null;
      if (!/^\d+$/.test(v)) {
        problem(name, v, 'must be a record id (a whole number)');
        return null;
      }
      return Number(v);
    };
    const idA = id('id_a');
    const idB = id('id_b');
    if (cell('id_a') === '') problem('id_a', '', 'required, but empty');
    if (cell('id_b') === '') problem('id_b', '', 'required, but empty');
    if (idA !== null && idA === idB) problem('id_b', cell('id_b'), 'the same record as id_a');
    const decision = parseDecisionWord(cell('decision'));
    if (!decision) problem('decision', cell('decision'), 'must be merge, not_duplicate or skip (or empty to skip)');
    const survivorId = id('survivor_id');
    if (decision === 'merge' && survivorId === null && cell('survivor_id') === '') problem('survivor_id', '', 'a merge needs the id of the record that stays');
    const scoreText = cell('score').replace(',', '.');
    const score = scoreText !== '' && Number.isFinite(Number(scoreText)) ? Number(scoreText) : null;
    if (problems.length === before && entity && idA !== null && idB !== null && decision) {
      decisions.push({ line, entity, idA, idB, decision, survivorId, score });
    }
  }
  return { decisions, problems };
}
