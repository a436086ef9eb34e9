/**
 * Merging duplicates and undoing a merge, through Kysely (portable SQL only). A merge re-points
 * every row that referenced the merged record to the survivor, fills and records the survivor's
 * changed fields, keeps differing values as aliases, marks the merged record merged_into_id
 * (it is kept, not deleted) and writes one `merges` row per merged record with everything undo
 * needs: the merged row as it was, the survivor as it was, and the ids of every row it moved.
 * Callers run these inside writeTransaction (one transaction per merge run).
 */
import { sql, type Kysely } from 'kysely';
import { CrmError, UsageError } from '../errors.js';
import type { EntityKind } from '../dedupe/find.js';
import { planMerge, type Row, type Value } from '../dedupe/merge-plan.js';
import { ENTITY_TABLE, REFERENCES, fetchRows } from './queries/dedupe.js';
import type { DB } from './types.js';

/** What a merge moved, as stored in merges.moved. */
export interface MovedLog {
  /** "table.column" → ids of the rows re-pointed from the merged record to the survivor */
  readonly refs: Record<string, number[]>;
  /** "table.column" → rows left on the merged record because the survivor already had their twin */
  readonly stayed: Record<string, number[]>;
  /** the survivor's columns as the merge set them */
  readonly set: Record<string, Value>;
  readonly aliases: number;
}

export interface MergeOutcome {
  readonly mergeId: number;
  readonly survivorId: number;
  readonly mergedId: number;
  readonly moved: number;
  readonly stayed: number;
  readonly aliases: number;
  readonly changed: readonly string[];
}

export interface MergeOptions {
  readonly entity: EntityKind;
  readonly survivorId: number;
  readonly mergedIds: readonly number[];
  /** field → id of the record whose value the survivor takes */
  readonly choices?: Readonly<Record<string, number>>;
  readonly score?: number | null;
  readonly user: string;
  readonly now: string;
  /** test hook: called after the first merged record is written (the kill -9 test pauses here) */
  readonly afterFirst?: () => Promise<void>;
}

function describe(entity: EntityKind, id: number): string {
  return `${entity} #${id}`;
}

async function idsWhere(db: Kysely<DB>, table: string, column: string, id: number, extra?: ReturnType<typeof sql>): Promise<number[]> {
  const r = await sql<{ id: number }>`SELECT id FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${id}${extra ?? sql``} ORDER BY id`.execute(db);
  return r.rows.map((x) => Number(x.id));
}

async function repoint(db: Kysely<DB>, table: string, column: string, ids: readonly number[], to: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await sql`UPDATE ${sql.table(table)} SET ${sql.ref(column)} = ${to} WHERE id IN (${sql.join(ids.slice(i, i + 500))})`.execute(db);
  }
}

async function setColumns(db: Kysely<DB>, table: string, id: number, values: Readonly<Record<string, Value>>): Promise<void> {
  const cols = Object.keys(values);
  if (cols.length === 0) return;
  const assignments = sql.join(cols.map((c) => sql`${sql.ref(c)} = ${values[c] ?? null}`));
  await sql`UPDATE ${sql.table(table)} SET ${assignments} WHERE id = ${id}`.execute(db);
}

/** Merges each of `mergedIds` into `survivorId`, one after the other. */
export async function mergeRecords(db: Kysely<DB>, opts: MergeOptions): Promise<MergeOutcome[]> {
  const { entity, survivorId } = opts;
  const table = ENTITY_TABLE[entity];
  const outcomes: MergeOutcome[] = [];
  for (const mergedId of opts.mergedIds) {
    const rows = await fetchRows(db, entity, [survivorId, mergedId]);
    const survivor = rows.get(survivorId);
    const merged = rows.get(mergedId);
    if (!survivor) throw new CrmError(`there is no ${describe(entity, survivorId)}`);
    if (!merged) throw new CrmError(`there is no ${describe(entity, mergedId)}`);
    if (survivorId === mergedId) throw new CrmError(`${describe(entity, survivorId)} cannot be merged into itself`);
    if (survivor.merged_into_id !== null) throw new CrmError(`${describe(entity, survivorId)} was merged into #${String(survivor.merged_into_id)} already; merge into that one`);
    if (merged.merged_into_id !== null) throw new CrmError(`${describe(entity, mergedId)} was merged into #${String(merged.merged_into_id)} already`);
    const [step] = planMerge({ entity, survivor, merged: [merged], choices: opts.choices, user: opts.user, now: opts.now });
    const refs: Record<string, number[]> = {};
    const stayed: Record<string, number[]> = {};
    for (const ref of REFERENCES[entity]) {
      const key = `${ref.table}.${ref.column}`;
      let extra = ref.table === table ? sql` AND id <> ${survivorId}` : sql``;
      if (ref.unique) {
        const same = sql.join(ref.unique.map((c) => sql`x.${sql.ref(c)} = ${sql.table(ref.table)}.${sql.ref(c)}`), sql` AND `);
        extra = sql`${extra} AND NOT EXISTS (SELECT 1 FROM ${sql.table(ref.table)} x WHERE x.${sql.ref(ref.column)} = ${survivorId} AND ${same})`;
      }
      const ids = await idsWhere(db, ref.table, ref.column, mergedId, extra);
      if (ids.length > 0) {
        await repoint(db, ref.table, ref.column, ids, survivorId);
        refs[key] = ids;
      }
      const left = await idsWhere(db, ref.table, ref.column, mergedId, ref.table === table ? sql` AND id <> ${survivorId}` : undefined);
      if (left.length > 0) stayed[key] = left;
    }
    const log: MovedLog = { refs, stayed, set: step!.set, aliases: step!.aliases.length };
    const inserted = await db
      .insertInto('merges')
      .values({
        entity,
        survivor_id: survivorId,
        merged_id: mergedId,
        score: opts.score ?? null,
        merged_row: JSON.stringify(merged),
        survivor_before: JSON.stringify(survivor),
        moved: JSON.stringify(log),
        merged_at: opts.now,
        merged_by: opts.user,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const mergeId = Number(inserted.id);
    let aliases = 0;
    if (entity === 'client') {
      for (const a of step!.aliases) {
        const r = await db
          .insertInto('client_aliases')
          .values({ client_id: survivorId, field: a.field, value: a.value, merge_id: mergeId, created_at: opts.now })
          .onConflict((oc) => oc.columns(['client_id', 'field', 'value']).doNothing())
          .executeTakeFirst();
        aliases += Number(r.numInsertedOrUpdatedRows ?? 0);
      }
    }
    await setColumns(db, table, survivorId, step!.set);
    await setColumns(db, table, mergedId, { merged_into_id: survivorId, updated_at: opts.now, updated_by: opts.user });
    outcomes.push({
      mergeId,
      survivorId,
      mergedId,
      moved: Object.values(refs).reduce((s, ids) => s + ids.length, 0),
      stayed: Object.values(stayed).reduce((s, ids) => s + ids.length, 0),
      aliases,
      changed: Object.keys(step!.set).filter((c) => c !== 'updated_at' && c !== 'updated_by'),
    });
    if (outcomes.length === 1 && opts.afterFirst) await opts.afterFirst();
  }
  return outcomes;
}

export interface UndoOutcome {
  readonly mergeId: number;
  readonly entity: EntityKind;
  readonly survivorId: number;
  readonly mergedId: number;
  readonly movedBack: number;
  /** survivor columns changed since the merge: left as they are now */
  readonly keptFields: readonly string[];
  /** rows that no longer pointed at the survivor: left where they are */
  readonly notMovedBack: number;
}

const same = (a: unknown, b: unknown) => (a ?? null) === (b ?? null);

/**
 * Undoes one merge: the merged record comes back as it was, exactly the rows that merge moved go
 * back to it, its aliases go, and the survivor's columns it changed return to their old values
 * (unless they were changed again since). Only the latest merge touching either record can be
 * undone; a later one has to be undone first.
 */
export async function undoMerge(db: Kysely<DB>, mergeId: number, user: string, now: string): Promise<UndoOutcome> {
  const m = await db.selectFrom('merges').selectAll().where('id', '=', mergeId).executeTakeFirst();
  if (!m) throw new UsageError(`there is no merge #${mergeId}`, 'crm dedupe history lists the merges');
  if (m.undone_at) throw new CrmError(`merge #${mergeId} was undone already (${m.undone_at} by ${m.undone_by ?? 'unknown'})`);
  const entity = m.entity as EntityKind;
  const table = ENTITY_TABLE[entity];
  const later = await db
    .selectFrom('merges')
    .select(['id', 'survivor_id', 'merged_id'])
    .where('entity', '=', m.entity)
    .where('id', '>', mergeId)
    .where('undone_at', 'is', null)
    .where((eb) =>
      eb.or([eb('survivor_id', 'in', [m.survivor_id, m.merged_id]), eb('merged_id', 'in', [m.survivor_id, m.merged_id])]),
    )
    .orderBy('id', 'desc')
    .execute();
  if (later.length > 0) {
    throw new CrmError(
      `merge #${mergeId} cannot be undone while a later merge involves the same records: ${later.map((l) => `#${l.id} (${l.merged_id} into ${l.survivor_id})`).join(', ')}`,
      `undo ${later.length > 1 ? 'those' : 'that one'} first: crm dedupe undo ${later[0]!.id}`,
    );
  }
  const mergedRow = JSON.parse(m.merged_row) as Record<string, Value>;
  const survivorBefore = JSON.parse(m.survivor_before) as Record<string, Value>;
  const log = JSON.parse(m.moved) as MovedLog;
  const rows = await fetchRows(db, entity, [m.survivor_id, m.merged_id]);
  const merged = rows.get(m.merged_id);
  const survivor = rows.get(m.survivor_id);
  if (!merged || !survivor) throw new CrmError(`merge #${mergeId}: ${!merged ? `${entity} #${m.merged_id}` : `${entity} #${m.survivor_id}`} no longer exists; it cannot be undone`);
  if (merged.merged_into_id !== m.survivor_id) {
    throw new CrmError(`merge #${mergeId}: ${entity} #${m.merged_id} is no longer merged into #${m.survivor_id}; nothing to undo`);
  }
  let movedBack = 0;
  let notMovedBack = 0;
  for (const [key, ids] of Object.entries(log.refs)) {
    const [refTable, column] = key.split('.') as [string, string];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const r = await sql`UPDATE ${sql.table(refTable)} SET ${sql.ref(column)} = ${m.merged_id} WHERE id IN (${sql.join(chunk)}) AND ${sql.ref(column)} = ${m.survivor_id}`.execute(db);
      const n = Number(r.numAffectedRows ?? 0);
      movedBack += n;
      notMovedBack += chunk.length - n;
    }
  }
  if (entity === 'client') await db.deleteFrom('client_aliases').where('merge_id', '=', mergeId).execute();
  // the survivor's columns back, where the merge's value is still there
  const restore: Record<string, Value> = {};
  const keptFields: string[] = [];
  for (const [col, value] of Object.entries(log.set)) {
    if (same(survivor[col], value)) restore[col] = survivorBefore[col] ?? null;
    else if (col !== 'updated_at' && col !== 'updated_by') keptFields.push(col);
  }
  if (keptFields.length > 0) {
    // changed again since: the record keeps its newer values and its newer stamp
    delete restore.updated_at;
    delete restore.updated_by;
  }
  await setColumns(db, table, m.survivor_id, restore);
  // the merged record exactly as it was
  const back: Record<string, Value> = {};
  for (const [col, value] of Object.entries(mergedRow)) if (col !== 'id' && !same(merged[col], value)) back[col] = value;
  await setColumns(db, table, m.merged_id, back);
  await db.updateTable('merges').set({ undone_at: now, undone_by: user }).where('id', '=', mergeId).execute();
  return { mergeId, entity, survivorId: m.survivor_id, mergedId: m.merged_id, movedBack, keptFields, notMovedBack };
}

export type { Row };
