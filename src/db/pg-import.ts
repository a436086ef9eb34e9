/**
 * `crm import` and the edit commands on PostgreSQL: the same validation (src/import/row.ts), the
 * same references, match keys, counts and messages as the SQLite path (src/db/sqlite-import.ts),
 * written in chunks: rows stream with COPY into a temporary staging table and go into the real
 * table with one INSERT … SELECT; updates go through a second staging table and one UPDATE … FROM.
 *
 * Concurrency: the whole file is ONE transaction at SERIALIZABLE, so that an import, a dedupe
 * merge, a weekly plan and an edit running at the same time on the same server either see each
 * other's committed work or one of them is rolled back and retried (src/db/pg-retry.ts) — no
 * update is lost. Imports into the same table additionally queue behind a session-level advisory
 * lock taken BEFORE the transaction starts (so the snapshot is taken after the previous import
 * committed): two imports of overlapping files would otherwise both decide "insert" for the same
 * key and one would fail at the unique index after all its work.
 *
 * Chunks: a chunk of records is validated first (references are looked up in batches, so the
 * synchronous buildRow() can use them), then the existing rows its match keys can hit are fetched
 * in one query per key; rows are then decided one by one in file order, exactly as on SQLite,
 * against those rows plus what earlier rows of the chunk did. New rows get provisional (negative)
 * ids, so that later rows of the same file can refer to them; the flush turns them into ids from
 * the table's identity sequence — reserved exactly as many as inserted, so that ids stay dense
 * and the same as on SQLite for the same imports.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PostgresDialect, Kysely } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ConnectError, CrmError, InputError, type InputProblem } from '../errors.js';
import type { ConvertOptions } from '../import/convert.js';
import type { EntitySpec, FieldSpec, RefTarget } from '../import/entities.js';
import { ByteSource, type InputFacts } from '../import/input.js';
import { readRecords, type RawRecord } from '../import/records.js';
import { buildRow, referencesOf, type Resolver } from '../import/row.js';
import type { ImportOptions, ImportSummary } from '../import/run.js';
import { RejectsWriter, importSummary } from '../import/run.js';
import { localDateTime } from '../util/dates.js';
import { fold } from '../util/normalize.js';
import type { CrmDatabase } from './open.js';
import { withRetry } from './pg-retry.js';
import { KEYS, REF_TABLE, type Resolved, type UpsertOutcome, type Value } from './sqlite-import.js';
import type { DB, TableName } from './types.js';

/** Imports that wrote at least this many rows refresh the table's statistics after they commit. */
const ANALYZE_ROWS = 10_000;
/** Rows decided and written together. */
const CHUNK = 20_000;
/** Problems kept in memory for the message; all of them go to --rejects (as on SQLite). */
const KEEP_PROBLEMS = 1000;
/** After a rejected row (the file will roll back) rows stay in memory up to this many, then are written anyway. */
const HOLD_LIMIT = 200_000;
/** Namespace of the advisory locks that queue imports into the same table. */
const IMPORT_LOCK = 0x43524d49; // 'CRMI'

type Row = Record<string, Value>;
type Ids = number | number[];

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** Sort order of ids: real ones ascending, then provisional ones (-1, -2, …) in the order they were made. */
const order = (id: number) => (id > 0 ? id : 1e15 - id);

function idsOf(v: Ids | undefined): number[] {
  return v === undefined ? [] : typeof v === 'number' ? [v] : v;
}

function addId(map: Map<string, Ids>, key: string, id: number, sorted: boolean): void {
  const v = map.get(key);
  if (v === undefined) map.set(key, id);
  else if (typeof v === 'number') {
    if (v !== id) map.set(key, sorted && order(id) < order(v) ? [id, v] : [v, id]);
  } else if (!v.includes(id)) {
    v.push(id);
    if (sorted) v.sort((a, b) => order(a) - order(b));
  }
}

function removeId(map: Map<string, Ids>, key: string, id: number): void {
  const v = map.get(key);
  if (v === undefined) return;
  if (typeof v === 'number') {
    if (v === id) map.delete(key);
  } else {
    const rest = v.filter((x) => x !== id);
    if (rest.length === 0) map.delete(key);
    else map.set(key, rest.length === 1 ? rest[0]! : rest);
  }
}

const hasExternal = (table: TableName) => table !== 'products' && table !== 'promotions';
const mergeable = (table: TableName) => table === 'clients' || table === 'contacts';

/** One way of finding a target's rows: its external id, or one of KEYS, as a map key → ids. */
interface Level {
  /** every row of the table is in `ids` (else only the keys in `queried` are known) */
  complete: boolean;
  readonly queried: Set<string>;
  readonly ids: Map<string, Ids>;
}

const newLevel = (): Level => ({ complete: false, queried: new Set(), ids: new Map() });

interface TargetState {
  readonly ext: Level;
  readonly exact: Map<string, Level>;
  /** folded name/code → ids, loaded whole on first need (no index can fold like fold() does) */
  folded?: Map<string, Map<string, Ids>>;
  /** id → merged_into_id, for the rows met so far (null: not merged) */
  readonly merged: Map<number, number | null>;
}

/**
 * References on PostgreSQL, answered synchronously (buildRow is synchronous) from maps that
 * prepare() fills per chunk with a few batched queries. The messages are those of RefResolver.
 * The target the import writes (clients for a clients file) is loaded whole and kept current
 * as rows are written, so later rows of the file find earlier ones; the others do not change
 * during an import and are looked up only for the keys a chunk uses.
 */
export class PgResolver implements Resolver {
  private readonly targets = new Map<RefTarget, TargetState>();
  /** map entries holding provisional ids, to be rewritten when the flush gives them real ones */
  private journal: [Map<string, Ids>, string][] = [];
  constructor(
    private readonly client: pg.ClientBase,
    private readonly source: string,
    /** the target this import writes, whose rows change while it runs */
    private readonly writes?: RefTarget,
  ) {}

  private state(target: RefTarget): TargetState {
    let s = this.targets.get(target);
    if (!s) {
      s = { ext: newLevel(), exact: new Map(KEYS[target].filter((k) => k[2] !== 'folded').map((k) => [k[1], newLevel()])), merged: new Map() };
      this.targets.set(target, s);
    }
    return s;
  }

  /** Loads what resolving these texts of these targets needs; returns when resolve() can answer them all. */
  async prepare(wanted: Map<RefTarget, Set<string>>): Promise<void> {
    for (const [target, texts] of wanted) {
      const table = REF_TABLE[target];
      const s = this.state(target);
      if (target === this.writes) {
        await this.loadWhole(target);
        continue;
      }
      // forget what earlier chunks looked up once it gets big: memory stays flat on huge files
      if ([s.ext, ...s.exact.values()].some((l) => l.queried.size > 50_000)) {
        for (const l of [s.ext, ...s.exact.values()]) {
          l.queried.clear();
          l.ids.clear();
        }
        s.merged.clear();
      }
      let open = [...texts].map((t) => t.trim().replace(/\s+/g, ' '));
      if (hasExternal(table)) {
        await this.queryExt(target, open);
        open = open.filter((t) => !s.ext.ids.has(t));
      }
      for (const [, col, kind] of KEYS[target]) {
        if (open.length === 0) break;
        if (kind === 'folded') {
          await this.loadFolded(target);
          open = open.filter((t) => idsOf(s.folded!.get(col)!.get(fold(t))).length === 0);
          continue;
        }
        const level = s.exact.get(col)!;
        const keys = open.map((t) => (kind === 'lower' ? t.toLowerCase() : t.replace(/\s/g, '')));
        const todo = [...new Set(keys.filter((k) => !level.complete && !level.queried.has(k)))];
        if (todo.length) {
          const live = mergeable(table) ? ' AND merged_into_id IS NULL' : '';
          const r = await this.client.query<{ id: number; k: string }>(
            `SELECT t.id, t.${q(col)} AS k FROM unnest($1::text[]) AS u(v) JOIN ${q(table)} AS t ON t.${q(col)} = u.v${live.replace('merged_into_id', 't.merged_into_id')} ORDER BY t.id`,
            [todo],
          );
          for (const k of todo) level.queried.add(k);
          for (const row of r.rows) addId(level.ids, row.k, row.id, true);
        }
        open = open.filter((_, i) => idsOf(level.ids.get(keys[i]!)).length === 0);
      }
    }
  }

  private async queryExt(target: RefTarget, texts: string[]): Promise<void> {
    const s = this.state(target);
    const table = REF_TABLE[target];
    const todo = [...new Set(texts.filter((t) => !s.ext.complete && !s.ext.queried.has(t)))];
    if (todo.length === 0) return;
    const m = mergeable(table) ? ', merged_into_id AS m' : '';
    const r = await this.client.query<{ id: number; k: string; m?: number | null }>(
      `SELECT t.id, t.external_id AS k${m.replace('merged_into_id', 't.merged_into_id')} FROM unnest($2::text[]) AS u(v) JOIN ${q(table)} AS t ON t.source = $1 AND t.external_id = u.v`,
      [this.source, todo],
    );
    for (const t of todo) s.ext.queried.add(t);
    for (const row of r.rows) {
      s.ext.ids.set(row.k, row.id);
      if (mergeable(table)) s.merged.set(row.id, row.m ?? null);
    }
    if (mergeable(table)) await this.followMerges(target);
  }

  /** Loads merged_into_id along every chain met so far, so survivor() can follow it. */
  private async followMerges(target: RefTarget): Promise<void> {
    const s = this.state(target);
    for (let hops = 0; hops < 100; hops++) {
      const missing = [...new Set([...s.merged.values()].filter((m): m is number => m !== null && !s.merged.has(m)))];
      if (missing.length === 0) return;
      const r = await this.client.query<{ id: number; m: number | null }>(`SELECT id, merged_into_id AS m FROM ${q(REF_TABLE[target])} WHERE id = ANY($1::bigint[])`, [missing]);
      for (const id of missing) s.merged.set(id, null);
      for (const row of r.rows) s.merged.set(row.id, row.m);
    }
  }

  private async loadFolded(target: RefTarget): Promise<void> {
    const s = this.state(target);
    if (s.folded) return;
    const table = REF_TABLE[target];
    const cols = KEYS[target].filter((k) => k[2] === 'folded').map((k) => k[1]);
    const maps = new Map<string, Map<string, Ids>>(cols.map((c) => [c, new Map()]));
    if (cols.length) {
      const where = mergeable(table) ? ' WHERE merged_into_id IS NULL' : '';
      const r = await this.client.query({ text: `SELECT id, ${cols.map(q).join(', ')} FROM ${q(table)}${where} ORDER BY id`, rowMode: 'array' });
      for (const row of r.rows as unknown[][]) {
        cols.forEach((c, i) => {
          const v = row[i + 1];
          if (v !== null && v !== undefined) addId(maps.get(c)!, fold(String(v)), row[0] as number, false);
        });
      }
    }
    s.folded = maps;
  }

  /** The target this import writes: every key of every row, kept current by remember(). */
  private async loadWhole(target: RefTarget): Promise<void> {
    const s = this.state(target);
    if (s.ext.complete) return;
    const table = REF_TABLE[target];
    if (hasExternal(table)) {
      const r = await this.client.query({ text: `SELECT id, external_id FROM ${q(table)} WHERE source = $1 AND external_id IS NOT NULL`, values: [this.source], rowMode: 'array' });
      for (const [id, k] of r.rows as [number, string][]) s.ext.ids.set(k, id);
    }
    s.ext.complete = true;
    if (mergeable(table)) {
      const r = await this.client.query({ text: `SELECT id, merged_into_id FROM ${q(table)} WHERE merged_into_id IS NOT NULL`, rowMode: 'array' });
      for (const [id, m] of r.rows as [number, number][]) s.merged.set(id, m);
    }
    for (const [col, level] of s.exact) {
      const live = mergeable(table) ? ' AND merged_into_id IS NULL' : '';
      const r = await this.client.query({ text: `SELECT id, ${q(col)} FROM ${q(table)} WHERE ${q(col)} IS NOT NULL${live} ORDER BY id`, rowMode: 'array' });
      for (const [id, k] of r.rows as [number, string][]) addId(level.ids, k, id, true);
      level.complete = true;
    }
    await this.loadFolded(target);
  }

  private survivor(target: RefTarget, id: number): number {
    const s = this.state(target);
    let current = id;
    for (let hops = 0; hops < 100; hops++) {
      const m = s.merged.get(current);
      if (m === undefined || m === null) return current;
      current = m;
    }
    return current;
  }

  private known(level: Level, key: string): boolean {
    if (level.complete || level.queried.has(key)) return true;
    throw new Error(`internal: reference key ${JSON.stringify(key)} was not prepared`);
  }

  resolve(target: RefTarget, text: string): Resolved {
    const table = REF_TABLE[target];
    const s = this.state(target);
    const t = text.trim().replace(/\s+/g, ' ');
    if (hasExternal(table) && this.known(s.ext, t)) {
      const id = s.ext.ids.get(t) as number | undefined;
      if (id !== undefined) return { ok: true, id: mergeable(table) ? this.survivor(target, id) : id, byExternal: true };
    }
    for (const [label, col, kind] of KEYS[target]) {
      let ids: number[];
      if (kind === 'folded') {
        if (!s.folded) throw new Error(`internal: folded keys of ${target} were not prepared`);
        ids = idsOf(s.folded.get(col)!.get(fold(t)));
      } else {
        const key = kind === 'lower' ? t.toLowerCase() : t.replace(/\s/g, '');
        const level = s.exact.get(col)!;
        this.known(level, key);
        ids = idsOf(level.ids.get(key)).slice(0, 6);
      }
      if (ids.length === 0) continue;
      if (ids.length === 1) return { ok: true, id: ids[0]! };
      return {
        ok: false,
        reason: `${JSON.stringify(text)} matches ${ids.length > 5 ? 'more than 5' : ids.length} ${table} by ${label} (ids ${ids.slice(0, 5).join(', ')}): refer to one by its external id`,
      };
    }
    const how = [...(hasExternal(table) ? ['external id'] : []), ...KEYS[target].map((k) => k[0])].join(', ');
    return { ok: false, reason: `no ${target.replace('_', ' ')} with ${how.replace(/, ([^,]*)$/, ' or $1')} ${JSON.stringify(text)}` };
  }

  private note(map: Map<string, Ids>, key: string, id: number): void {
    if (id < 0) this.journal.push([map, key]);
  }

  /**
   * A row of the written target changed from `before` (undefined: new) to `after`; `incoming`
   * is the row as the file gave it. External ids, INNs and e-mails follow the row's current
   * values (SQLite looks them up in the table); folded names only gain the incoming values,
   * as RefResolver.remember() does.
   */
  remember(target: RefTarget, id: number, before: Readonly<Row> | undefined, after: Readonly<Row>, incoming: Readonly<Row>): void {
    const s = this.targets.get(target);
    if (!s || target !== this.writes) return;
    const table = REF_TABLE[target];
    if (hasExternal(table)) {
      if (before && before.source === this.source && before.external_id !== null && before.external_id !== undefined && s.ext.ids.get(String(before.external_id)) === id) s.ext.ids.delete(String(before.external_id));
      if (after.source === this.source && after.external_id !== null && after.external_id !== undefined) {
        s.ext.ids.set(String(after.external_id), id);
        this.note(s.ext.ids, String(after.external_id), id);
      }
    }
    const live = !mergeable(table) || after.merged_into_id === null || after.merged_into_id === undefined;
    for (const [col, level] of s.exact) {
      const old = before?.[col];
      if (old !== null && old !== undefined) removeId(level.ids, String(old), id);
      const now = after[col];
      if (live && now !== null && now !== undefined) {
        addId(level.ids, String(now), id, true);
        this.note(level.ids, String(now), id);
      }
    }
    if (s.folded) {
      for (const [col, map] of s.folded) {
        const v = incoming[col];
        if (v !== undefined && v !== null) {
          addId(map, fold(String(v)), id, false);
          this.note(map, fold(String(v)), id);
        }
      }
    }
  }

  /** Provisional ids → the real ones the flush gave them. */
  rebind(real: ReadonlyMap<number, number>): void {
    for (const [map, key] of this.journal) {
      const v = map.get(key);
      if (typeof v === 'number') {
        if (v < 0) map.set(key, real.get(v) ?? v);
      } else if (v) map.set(key, v.map((x) => (x < 0 ? (real.get(x) ?? x) : x)));
    }
    this.journal = [];
  }

  /** Ids whose name folds to `name` (for match keys on names). */
  idsByName(target: RefTarget, name: string): number[] {
    return idsOf(this.targets.get(target)?.folded?.get('name')?.get(fold(name)));
  }

  /** Makes idsByName() answer for this target. */
  async prepareNames(target: RefTarget): Promise<void> {
    await this.loadFolded(target);
  }
}

/**
 * The external ids this import wrote, as a Bloom filter (16 MB, about 0.1% false positives at
 * 7 million ids): when no row of the source existed before the file, a row's external id needs a
 * look-up only if an earlier chunk may have written it.
 */
class Seen {
  private static readonly WORDS = 1 << 22;
  private readonly bits = new Uint32Array(Seen.WORDS);
  private static hash(text: string, seed: number): number {
    let h = seed;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 16777619);
    }
    return h >>> 0;
  }
  /** Four bit positions (double hashing). */
  private static positions(text: string): number[] {
    const a = Seen.hash(text, 2166136261);
    const b = Seen.hash(text, 0x9747b28c) | 1;
    return [0, 1, 2, 3].map((i) => (a + Math.imul(i, b)) >>> 0);
  }
  add(text: string): void {
    for (const p of Seen.positions(text)) this.bits[(p >>> 5) & (Seen.WORDS - 1)]! |= 1 << (p & 31);
  }
  has(text: string): boolean {
    return Seen.positions(text).every((p) => (this.bits[(p >>> 5) & (Seen.WORDS - 1)]! & (1 << (p & 31))) !== 0);
  }
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly dflt: Value;
}

/** One COPY text-format field. */
function copyField(v: Value | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') return String(v);
  return v.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

async function copyRows(client: pg.ClientBase, table: string, cols: readonly string[], rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const stream = client.query(copyFrom(`COPY ${table} (${cols.map(q).join(', ')}) FROM STDIN`));
  function* lines(): Generator<string> {
    let buf = '';
    for (const r of rows) {
      buf += cols.map((c) => copyField(r[c])).join('\t') + '\n';
      if (buf.length > 1 << 20) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  await pipeline(Readable.from(lines()), stream);
}

/**
 * Inserts or updates rows of one entity by its match keys, as SqliteUpserter does (empty never
 * overwrites; a folded name keeps the base's spelling; unchanged rows are counted, not written),
 * in chunks: prepare(rows) fetches what the chunk's keys can match, upsert() decides per row in
 * memory, flush() writes the chunk (COPY → staging → INSERT … SELECT; UPDATE … FROM staging).
 */
export class PgUpserter {
  private columns: Column[] = [];
  private seq = '';
  private readonly foldedKeyColumns: Set<string>;
  /** the current state of every row the chunk may touch (fetched, inserted or updated) */
  private readonly rows = new Map<number, Row>();
  /** per match key (by index): anchor value → ids, over `rows` */
  private readonly anchors: Map<string, Set<number>>[];
  private pendingInserts: number[] = [];
  private readonly pendingUpdates = new Set<number>();
  /** the line each row waiting to be written came from */
  private readonly lines = new Map<Row, number>();
  private nextProvisional = -1;
  private staged = false;
  /** set when the table had no row of this source before the import: external ids it wrote */
  private seen?: Seen;
  constructor(
    private readonly client: pg.ClientBase,
    private readonly spec: EntitySpec,
    private readonly resolver: PgResolver,
    private readonly source: string,
    private readonly user: string,
    private readonly now: string,
  ) {
    this.foldedKeyColumns = new Set(spec.keys.flat().filter((c) => c.startsWith('~')).map((c) => c.slice(1)));
    this.anchors = spec.keys.map(() => new Map());
  }

  /** Columns, their types and defaults; the identity sequence. */
  async init(): Promise<void> {
    const t = this.spec.table;
    const r = await this.client.query<{ name: string; type: string; dflt: string | null }>(
      `SELECT column_name AS name, data_type AS type, column_default AS dflt FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [t],
    );
    const cols: Column[] = [];
    for (const c of r.rows) {
      let dflt: Value = null;
      // constant defaults ('prospect', 0, 1); created_at's clock default is stamped per row instead
      if (c.dflt !== null && c.name !== 'created_at' && !/nextval|localtimestamp|now\(/i.test(c.dflt)) {
        dflt = (await this.client.query<{ v: Value }>(`SELECT (${c.dflt}) AS v`)).rows[0]?.v ?? null;
      }
      cols.push({ name: c.name, type: c.type, dflt });
    }
    this.columns = cols;
    this.seq = (await this.client.query<{ s: string }>(`SELECT pg_get_serial_sequence($1, 'id') AS s`, [t])).rows[0]!.s;
    if (this.spec.external && (await this.client.query(`SELECT 1 FROM ${q(t)} WHERE source = $1 LIMIT 1`, [this.source])).rowCount === 0) this.seen = new Seen();
    if (this.spec.refTarget) await this.resolver.prepareNames(this.spec.refTarget);
  }

  /** The match key a row uses (the first whose anchor has a value), or -1. */
  private keyOf(row: Readonly<Row>): number {
    return this.spec.keys.findIndex((key) => {
      const anchor = key.find((c) => c !== 'source')!.replace(/^~/, '');
      return row[anchor] !== null && row[anchor] !== undefined;
    });
  }

  private anchorKey(k: number, v: Value): string {
    const anchor = this.spec.keys[k]!.find((c) => c !== 'source')!;
    return anchor.startsWith('~') ? `f:${fold(String(v))}` : `${typeof v}:${String(v)}`;
  }

  private index(id: number, before: Readonly<Row> | undefined, after: Readonly<Row>): void {
    this.spec.keys.forEach((key, k) => {
      const anchor = key.find((c) => c !== 'source')!.replace(/^~/, '');
      const map = this.anchors[k]!;
      const old = before?.[anchor];
      if (old !== null && old !== undefined) map.get(this.anchorKey(k, old))?.delete(id);
      const now = after[anchor];
      if (now !== null && now !== undefined) {
        const ak = this.anchorKey(k, now);
        let set = map.get(ak);
        if (!set) map.set(ak, (set = new Set()));
        set.add(id);
      }
    });
  }

  private keep(row: Row): void {
    const id = row.id as number;
    if (this.rows.has(id)) return;
    this.rows.set(id, row);
    this.index(id, undefined, row);
  }

  /** Fetches the existing rows these rows' match keys can find. */
  async prepare(rows: readonly Readonly<Row>[]): Promise<void> {
    const t = q(this.spec.table);
    const byKey = this.spec.keys.map(() => new Set<Value>());
    const byName: number[] = [];
    for (const row of rows) {
      const k = this.keyOf(row);
      if (k < 0) continue;
      const anchor = this.spec.keys[k]!.find((c) => c !== 'source')!;
      const col = anchor.replace(/^~/, '');
      if (anchor.startsWith('~') && col === 'name' && this.spec.refTarget) byName.push(...this.resolver.idsByName(this.spec.refTarget, String(row.name)));
      else byKey[k]!.add(anchor.startsWith('~') ? fold(String(row[col])) : row[col]!);
    }
    const fetchIds = [...new Set(byName.filter((id) => id > 0 && !this.rows.has(id)))];
    if (fetchIds.length) for (const r of (await this.client.query<Row>(`SELECT * FROM ${t} WHERE id = ANY($1::bigint[])`, [fetchIds])).rows) this.keep(r);
    for (let k = 0; k < byKey.length; k++) {
      const key = this.spec.keys[k]!;
      let values = [...byKey[k]!];
      // a source new to the table: only external ids this file may have written already can exist
      if (this.seen && key.length === 2 && key[0] === 'source' && key[1] === 'external_id') values = values.filter((v) => this.seen!.has(String(v)));
      if (values.length === 0) continue;
      const anchor = key.find((c) => c !== 'source')!;
      const col = anchor.replace(/^~/, '');
      const type = this.columns.find((c) => c.name === col)?.type === 'bigint' ? 'bigint' : 'text';
      const src = key.includes('source') ? ' AND source = $2' : '';
      const params: unknown[] = [values];
      if (src) params.push(this.source);
      // a join, not = ANY(…): the table may have grown since its statistics, and ANY over a long
      // array on a sequential scan compares every row with every value
      const sqlText = `SELECT t.* FROM (SELECT DISTINCT v FROM unnest($1::${type}[]) AS k(v)) AS k JOIN ${t} AS t ON ${anchor.startsWith('~') ? `crm_fold(t.${q(col)})` : `t.${q(col)}`} = k.v${src.replace('source', 't.source')}`;
      for (const r of (await this.client.query<Row>(sqlText, params)).rows) this.keep(r);
    }
  }

  private same(existing: Readonly<Row>, row: Readonly<Row>, keyCol: string): boolean {
    const col = keyCol.replace(/^~/, '');
    const a = existing[col] ?? null;
    const b = col === 'source' ? this.source : (row[col] ?? null);
    if (keyCol.startsWith('~')) return (a === null ? null : fold(String(a))) === (b === null ? null : fold(String(b)));
    return a === b;
  }

  /** Existing row ids matching the first applicable key; null when no key applies (SqliteUpserter.find). */
  find(row: Readonly<Row>): number[] | null {
    const k = this.keyOf(row);
    if (k < 0) return null;
    const key = this.spec.keys[k]!;
    const anchor = key.find((c) => c !== 'source')!;
    const col = anchor.replace(/^~/, '');
    const candidates =
      anchor.startsWith('~') && col === 'name' && this.spec.refTarget ? this.resolver.idsByName(this.spec.refTarget, String(row.name)) : [...(this.anchors[k]!.get(this.anchorKey(k, row[col]!)) ?? [])];
    return candidates
      .filter((id) => {
        const existing = this.rows.get(id);
        return existing !== undefined && key.every((c) => this.same(existing, row, c));
      })
      .sort((a, b) => order(a) - order(b));
  }

  upsert(row: Readonly<Row>, line?: number): UpsertOutcome {
    const found = this.find(row);
    if (found && found.length > 1) {
      return { kind: 'ambiguous', reason: `matches ${found.length} existing ${this.spec.table} (ids ${found.slice(0, 5).join(', ')}): give an external_id to tell them apart` };
    }
    if (!found || found.length === 0) return this.insert(row, line);
    return this.update(found[0]!, row, line);
  }

  /** The line of a row waiting to be written whose columns hold these values (from a server error's detail). */
  lineWhere(cols: readonly string[], vals: readonly string[]): number | undefined {
    for (const [state, line] of this.lines) if (cols.every((c, i) => String(state[c] ?? 'null') === vals[i])) return line;
    return undefined;
  }

  insert(row: Readonly<Row>, line?: number): UpsertOutcome {
    const id = this.nextProvisional--;
    const state: Row = {};
    for (const c of this.columns) state[c.name] = c.dflt;
    for (const [c, v] of Object.entries(row)) if (v !== null && v !== undefined) state[c] = v;
    if (this.spec.external && (row.source === null || row.source === undefined)) state.source = this.source;
    state.created_by = this.user;
    state.created_at = this.now;
    state.id = id;
    this.rows.set(id, state);
    if (line !== undefined) this.lines.set(state, line);
    this.index(id, undefined, state);
    this.pendingInserts.push(id);
    if (this.seen && state.external_id !== null && state.external_id !== undefined) this.seen.add(String(state.external_id));
    if (this.spec.refTarget) this.resolver.remember(this.spec.refTarget, id, undefined, state, row);
    return { kind: 'inserted', id };
  }

  update(id: number, row: Readonly<Row>, line?: number): UpsertOutcome {
    const existing = this.rows.get(id)!;
    const present = Object.keys(row).filter((c) => row[c] !== null && row[c] !== undefined);
    const changed = present.filter((c) => c !== 'source' && existing[c] !== row[c] && !(this.foldedKeyColumns.has(c) && fold(String(existing[c] ?? '')) === fold(String(row[c]))));
    if (changed.length === 0) return { kind: 'unchanged', id };
    const state: Row = { ...existing };
    for (const c of changed) state[c] = row[c]!;
    if (this.spec.stamped) {
      state.updated_at = this.now;
      state.updated_by = this.user;
    }
    this.rows.set(id, state);
    this.lines.delete(existing);
    if (line !== undefined) this.lines.set(state, line);
    this.index(id, existing, state);
    if (id > 0) this.pendingUpdates.add(id);
    if (this.seen && state.source === this.source && state.external_id !== null && state.external_id !== undefined) this.seen.add(String(state.external_id));
    if (this.spec.refTarget) this.resolver.remember(this.spec.refTarget, id, existing, state, row);
    return { kind: 'updated', id };
  }

  /** Rows decided but not yet written. */
  get pending(): number {
    return this.pendingInserts.length + this.pendingUpdates.size;
  }

  /**
   * Writes the chunk: real ids for the new rows (returned: provisional → real), references to
   * them rewritten, inserts before updates (an update may point at a new row). Forgets the chunk.
   */
  async flush(): Promise<Map<number, number>> {
    const real = new Map<number, number>();
    const t = q(this.spec.table);
    const n = this.pendingInserts.length;
    if (n) {
      const r = await this.client.query<{ id: number }>(`SELECT nextval($1::regclass) AS id FROM generate_series(1, $2::int)`, [this.seq, n]);
      const ids = r.rows.map((x) => x.id).sort((a, b) => a - b);
      this.pendingInserts.forEach((p, i) => real.set(p, ids[i]!));
    }
    const refCols = this.spec.fields.filter((f) => f.type.kind === 'ref').map((f) => f.column);
    const rebind = (row: Row) => {
      if (typeof row.id === 'number' && row.id < 0) row.id = real.get(row.id) ?? row.id;
      for (const c of refCols) {
        const v = row[c];
        if (typeof v === 'number' && v < 0) row[c] = real.get(v) ?? v;
      }
      return row;
    };
    if (!this.staged && (n || this.pendingUpdates.size)) {
      const all = this.columns.map((c) => q(c.name)).join(', ');
      await this.client.query(`CREATE TEMP TABLE crm_stage_ins ON COMMIT DROP AS SELECT ${all} FROM ${t} WITH NO DATA`);
      await this.client.query(`CREATE TEMP TABLE crm_stage_upd ON COMMIT DROP AS SELECT ${all} FROM ${t} WITH NO DATA`);
      this.staged = true;
    }
    const cols = this.columns.map((c) => c.name);
    if (n) {
      const rows = this.pendingInserts.map((p) => rebind(this.rows.get(p)!));
      await copyRows(this.client, 'crm_stage_ins', cols, rows);
      const list = cols.map(q).join(', ');
      await this.client.query(`INSERT INTO ${t} (${list}) SELECT ${list} FROM crm_stage_ins ORDER BY id`);
      await this.client.query('TRUNCATE crm_stage_ins');
    }
    if (this.pendingUpdates.size) {
      const rows = [...this.pendingUpdates].map((id) => rebind(this.rows.get(id)!));
      const upd = ['id', ...new Set([...this.spec.fields.map((f) => f.column), ...(this.spec.stamped ? ['updated_at', 'updated_by'] : [])])];
      await copyRows(this.client, 'crm_stage_upd', upd, rows);
      const sets = upd.filter((c) => c !== 'id').map((c) => `${q(c)} = s.${q(c)}`).join(', ');
      await this.client.query(`UPDATE ${t} AS t SET ${sets} FROM crm_stage_upd AS s WHERE t.id = s.id`);
      await this.client.query('TRUNCATE crm_stage_upd');
    }
    this.resolver.rebind(real);
    this.pendingInserts = [];
    this.pendingUpdates.clear();
    this.lines.clear();
    this.rows.clear();
    for (const m of this.anchors) m.clear();
    return real;
  }
}

/** The file and line a constraint error of the server points at, where its detail allows. */
function constraintError(err: unknown, file: string, lineOf: (cols: string[], vals: string[]) => number | undefined): InputError {
  const e = err as { message?: string; detail?: string; constraint?: string };
  let where = '';
  const m = /^Key \((.+?)\)=\((.*)\)/.exec(e.detail ?? '');
  if (m) {
    const line = lineOf(m[1]!.split(', '), m[2]!.split(', '));
    if (line !== undefined) where = `, line ${line}`;
  }
  return new InputError(
    `${file}${where}: rejected by the data model: ${e.message ?? String(err)}${e.detail ? ` (${e.detail})` : ''}; nothing was imported`,
    'fix the row and import the file again',
  );
}

/**
 * The error to report when a query failed: the server's own (57P01 "terminating connection due
 * to administrator command", 08006…) when the connection broke while this side was busy parsing,
 * rather than pg's code-less "Client has encountered a connection error and is not queryable".
 */
function lostConnection(err: unknown, broken: Error | undefined): unknown {
  if ((err as { code?: unknown }).code !== undefined || err instanceof CrmError) return err;
  if (broken && (broken as { code?: unknown }).code !== undefined) return broken;
  const text = (err as Error).message ?? '';
  if (broken || /Connection terminated|not queryable|ECONNRESET/i.test(text)) {
    return new ConnectError(
      `the connection to the PostgreSQL server failed or was lost: ${(broken ?? (err as Error)).message}`,
      'nothing of the interrupted command was committed; run it again when the server is back',
    );
  }
  return err;
}

/** A previous import of the same content for the same entity, if any. */
async function findBatchByHash(client: pg.ClientBase, entity: string, sha256: string): Promise<{ id: number; finished_at: string; file_name: string } | undefined> {
  const r = await client.query<{ id: number; finished_at: string; file_name: string }>(
    "SELECT id, finished_at, file_name FROM import_batches WHERE entity = $1 AND sha256 = $2 AND status IN ('ok', 'partial') ORDER BY id DESC LIMIT 1",
    [entity, sha256],
  );
  return r.rows[0];
}

/** A Kysely that runs on one client (inside its transaction): for --check-duplicates before the commit. */
function kyselyOn(client: pg.PoolClient): Kysely<DB> {
  const pool = {
    connect: async () => ({ query: client.query.bind(client), release: () => {} }),
    end: async () => {},
  };
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as never }) });
}

export interface Prepared extends InputFacts {
  readonly started: bigint;
  readonly src: ByteSource;
}

async function sha256Of(file: string): Promise<string> {
  const h = (await import('node:crypto')).createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** importFile() on PostgreSQL; `pre` is what importFile found out about the input already. */
export async function importFilePg(cdb: CrmDatabase, opts: ImportOptions, pre: Prepared): Promise<ImportSummary> {
  const pool = cdb.pgPool!;
  const { spec } = opts;
  const { name, displayName } = pre;
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  let rejected = 0;
  let problems: InputProblem[] = [];
  let sha256: string | undefined;

  const summary = (extra: Partial<ImportSummary>): ImportSummary =>
    importSummary(spec, pre, opts, pre.started, { sha256, inserted, updated, unchanged, rejected, problems }, extra);

  // stdin is read once: it is kept in a private temporary file, so that a retry can read it again
  let input = opts.file;
  let spool: string | undefined;
  let first: ByteSource | undefined = pre.src;
  if (opts.file === '-') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-stdin-'));
    spool = path.join(dir, 'stdin');
    const fd = fs.openSync(spool, 'w', 0o600);
    try {
      for await (const chunk of pre.src.chunks()) fs.writeSync(fd, chunk);
    } finally {
      fs.closeSync(fd);
    }
    sha256 = pre.src.hash.digest('hex');
    input = spool;
    first = undefined;
  } else if (!opts.again) sha256 = await sha256Of(opts.file);

  try {
    if (sha256 && !opts.again) {
      const c = await pool.connect();
      try {
        const known = await findBatchByHash(c, spec.name, sha256);
        if (known) return summary({ skippedAs: known });
      } finally {
        c.release();
      }
    }
    return await withRetry({ what: `the import of ${name}`, onRetry: () => undefined }, async () => {
      inserted = updated = unchanged = rejected = 0;
      problems = [];
      const src = first ?? (await ByteSource.open(input, opts.stdin));
      first = undefined;
      return runOnce(src);
    });
  } finally {
    if (spool) fs.rmSync(path.dirname(spool), { recursive: true, force: true });
  }

  async function runOnce(src: ByteSource): Promise<ImportSummary> {
    const client = await pool.connect();
    let broken: Error | undefined;
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    let locked = false;
    let open = false;
    let rejects: RejectsWriter | undefined;
    try {
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [IMPORT_LOCK, spec.table]);
      locked = true;
      await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      open = true;
      const { headers, records } = await readRecords(spec, src, pre, opts);
      if (opts.rejectsFile) rejects = new RejectsWriter(opts.rejectsFile, headers);
      const nowText = localDateTime(opts.now);
      const resolver = new PgResolver(client, opts.source, spec.refTarget);
      const upserter = new PgUpserter(client, spec, resolver, opts.source, opts.user, nowText);
      await upserter.init();
      const convertOptions = { defaultCountry: opts.defaultCountry };
      const ownRefs = spec.refTarget !== undefined && spec.fields.some((f) => f.type.kind === 'ref' && f.type.target === spec.refTarget);
      const insertedRows: { id: number; line: number }[] = [];
      let rows = 0;
      let lastProgress = 0;

      const flush = async () => {
        let real: Map<number, number>;
        try {
          real = await upserter.flush();
        } catch (err) {
          if (!String((err as { code?: string }).code ?? '').startsWith('23')) throw err;
          throw constraintError(err, displayName, (cols, vals) => upserter.lineWhere(cols, vals));
        }
        for (const r of insertedRows) if (r.id < 0) r.id = real.get(r.id) ?? r.id;
      };

      const processChunk = async (chunk: RawRecord[]) => {
        await resolver.prepare(referencesOf(spec, chunk.map((r) => r.values), convertOptions));
        const built = chunk.map((rec) => buildRow(spec, rec.values, resolver, convertOptions, true));
        await upserter.prepare(built.filter((b, i) => b.problems.length === 0 && chunk[i]!.problems.length === 0).map((b) => b.row));
        chunk.forEach((rec, i) => {
          rows++;
          // a reference to the entity itself may point at a row written earlier in this chunk
          const b = ownRefs ? buildRow(spec, rec.values, resolver, convertOptions, true) : built[i]!;
          const rowProblems: InputProblem[] = [...rec.problems, ...b.problems.map((p) => ({ file: displayName, line: rec.line, ...p }))];
          if (rowProblems.length === 0) {
            const outcome = upserter.upsert(b.row, rec.line);
            if (outcome.kind === 'inserted') {
              inserted++;
              if (opts.beforeCommit) insertedRows.push({ id: outcome.id, line: rec.line });
            } else if (outcome.kind === 'updated') updated++;
            else if (outcome.kind === 'unchanged') unchanged++;
            else rowProblems.push({ file: displayName, line: rec.line, field: spec.keys[0]?.find((c) => c !== 'source')?.replace(/^~/, '') ?? '', value: undefined, reason: outcome.reason });
          }
          if (rowProblems.length) {
            rejected++;
            for (const p of rowProblems) if (problems.length < KEEP_PROBLEMS) problems.push(p);
            rejects?.write(rec, rowProblems);
          }
        });
        if (opts.onProgress) {
          const t = Date.now();
          if (t - lastProgress > 200) {
            lastProgress = t;
            opts.onProgress({ bytes: src.bytesRead, total: src.size, rows });
          }
        }
      };

      const doomed = () => rejected > 0 && !opts.skipInvalid;
      let chunk: RawRecord[] = [];
      for await (const batch of records) {
        for (const rec of batch) chunk.push(rec);
        if (chunk.length >= CHUNK) {
          await processChunk(chunk);
          chunk = [];
          // a file that will roll back is not written, unless it gets too big to hold
          if (!doomed() || upserter.pending > HOLD_LIMIT) await flush();
        }
      }
      if (chunk.length) await processChunk(chunk);
      sha256 ??= src.hash.digest('hex');
      if (doomed()) {
        await client.query('ROLLBACK');
        open = false;
        throw new InputError(
          `${name}: ${rejected} of ${rows} rows are invalid; nothing was imported`,
          `fix them and import the file again${opts.rejectsFile ? ` (they are listed in ${opts.rejectsFile})` : ', or write them to a file with --rejects FILE'}; --skip-invalid imports the valid rows only`,
          problems,
        );
      }
      if (opts.dryRun && !opts.beforeCommit) {
        await client.query('ROLLBACK');
        open = false;
        return summary({ sha256 });
      }
      await flush();
      if (opts.beforeCommit) {
        const txDb = kyselyOn(client);
        // not a spread: reading cdb.sqlite on PostgreSQL throws
        await opts.beforeCommit(insertedRows, { kind: cdb.kind, path: cdb.path, db: txDb, pgPool: cdb.pgPool, get sqlite() { return cdb.sqlite; }, close: () => txDb.destroy() });
      }
      if (opts.dryRun) {
        await client.query('ROLLBACK');
        open = false;
        return summary({ sha256 });
      }
      const batch = await client.query<{ id: number }>(
        'INSERT INTO import_batches (entity, file_name, sha256, started_at, finished_at, status, inserted, updated, unchanged, rejected, "user") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id',
        [spec.name, opts.file === '-' ? '-' : path.resolve(opts.file), sha256, nowText, localDateTime(new Date()), rejected ? 'partial' : 'ok', inserted, updated, unchanged, rejected, opts.user],
      );
      await client.query('COMMIT');
      open = false;
      // a big load leaves the planner's statistics behind until autovacuum gets round to it; the
      // next import's set-based statements and the reports plan on them (best effort: the rows
      // are committed whatever ANALYZE says)
      if (inserted + updated >= ANALYZE_ROWS) await client.query(`ANALYZE ${client.escapeIdentifier(spec.table)}`).catch(() => {});
      return summary({ sha256, batchId: batch.rows[0]!.id });
    } catch (err) {
      if (open) await client.query('ROLLBACK').catch((e: Error) => (broken ??= e));
      open = false;
      throw lostConnection(err, broken);
    } finally {
      rejects?.close();
      if (locked && !broken) await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [IMPORT_LOCK, spec.table]).catch((e: Error) => (broken ??= e));
      client.off('error', onError);
      client.release(broken);
    }
  }
}

/** One row through the same resolver/upserter, for the edit commands: prepares its references. */
export async function prepareReferences(resolver: PgResolver, spec: EntitySpec, values: ReadonlyMap<FieldSpec, string>, opts: ConvertOptions): Promise<void> {
  await resolver.prepare(referencesOf(spec, [values], opts));
}

/** One reference looked up on its own (crm contact update ivanov@…, crm log --staff …). */
export async function resolveOnePg(pool: pg.Pool, target: RefTarget, text: string, source = 'main'): Promise<Resolved> {
  const client = await pool.connect();
  try {
    const resolver = new PgResolver(client, source);
    await resolver.prepare(new Map([[target, new Set([text])]]));
    return resolver.resolve(target, text);
  } finally {
    client.release();
  }
}
