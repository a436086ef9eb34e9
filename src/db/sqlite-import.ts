/**
 * The SQLite fast path of `crm import`: one transaction per file, prepared statements, reference
 * look-ups from in-memory maps. (A PostgreSQL backend would stream COPY into a staging table
 * instead; the import core above does not know which one it talks to.)
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { EntitySpec, RefTarget } from '../import/entities.js';
import { CompactIds } from '../util/compact-ids.js';
import { fold } from '../util/normalize.js';
import type { SqliteHandle } from './sqlite.js';
import type { TableName } from './types.js';

export type Value = string | number | null;
export type Resolved = { ok: true; id: number; byExternal?: boolean } | { ok: false; reason: string };

export const REF_TABLE: Record<RefTarget, TableName> = {
  client: 'clients',
  staff: 'staff',
  product: 'products',
  promotion: 'promotions',
  contact: 'contacts',
  response: 'responses',
  plan_task: 'plan_tasks',
  deal: 'deals',
};

function push(map: Map<string, number[]>, key: string, id: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [id]);
  else if (!list.includes(id)) list.push(id);
}

/** How a target is found besides its external id: [label, column, how it is compared]. */
export type KeyKind = 'exact' | 'lower' | 'folded';
export const KEYS: Record<RefTarget, readonly (readonly [string, string, KeyKind])[]> = {
  client: [['INN', 'inn', 'exact'], ['name', 'name', 'folded']],
  staff: [['e-mail', 'email', 'lower'], ['name', 'name', 'folded']],
  product: [['code', 'code', 'folded'], ['name', 'name', 'folded']],
  promotion: [['code', 'code', 'folded'], ['name', 'name', 'folded']],
  contact: [['e-mail', 'email', 'lower']],
  response: [],
  plan_task: [],
  deal: [],
};

/** Look-ups remembered per target before the cache starts over (bounds memory on big files). */
const CACHE_LIMIT = 5_000;

/**
 * The same for a target the import does not write: every answer stays true for the whole import,
 * so more are worth keeping (about 60 bytes each: a key and an id).
 */
const FIXED_CACHE_LIMIT = 1 << 17;

export interface RefResolverOptions {
  /**
   * The one table the caller writes, in one transaction nobody else writes to meanwhile (an
   * import): references to every other table then always get the same answer, so every answer
   * about them (found, missing or ambiguous) is remembered, and merged records are read once.
   */
  readonly writes?: TableName;
  /** external ids prefetch() may hold whole (tests set 0 to make it ask per batch) */
  readonly wholeLimit?: number;
}

const HAS_SPACE = /\s/;

/** External ids prefetch() may hold whole, over all the tables a load refers to (~30 bytes each). */
const WHOLE_LIMIT = 3_000_000;

/**
 * Finds rows by the keys people have in spreadsheets: external id, INN, e-mail, code or exact
 * name (ignoring case, ё/е and extra spaces). Ambiguous or missing is an error, never NULL.
 * External ids, INNs and e-mails are looked up through their indexes (rows this import wrote
 * are visible too); folded names and codes, which SQLite cannot index, are held in memory.
 */
export class RefResolver {
  private readonly folded = new Map<RefTarget, Map<string, Map<string, number[]>>>();
  private readonly cache = new Map<RefTarget, Map<string, Resolved>>();
  /** answers about tables the import does not write: an id, or why there is none */
  private readonly fixed = new Map<RefTarget, Map<string, number | Resolved>>();
  /** id → merged_into_id of the merged records of a table the import does not write */
  private readonly merges = new Map<TableName, Map<number, number>>();
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  /** external id → id (its survivor) of the references prefetch() looked up for the rows at hand */
  private prefetched = new Map<RefTarget, Map<string, number>>();
  /** every external id of this source of a table prefetch() read whole (null: too big, asked per batch) */
  private readonly whole = new Map<RefTarget, CompactIds | null>();
  private wholeEntries = 0;
  constructor(
    private readonly sqlite: SqliteHandle,
    private readonly source: string,
    private readonly options: RefResolverOptions = {},
  ) {}

  private stmt(sql: string): BetterSqlite3.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.sqlite.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private static hasExternal(table: TableName): boolean {
    return table !== 'products' && table !== 'promotions';
  }

  private static mergeable(table: TableName): boolean {
    return table === 'clients' || table === 'contacts';
  }

  /** The in-memory maps of folded keys of one target, loaded on first use. */
  private foldedMaps(target: RefTarget): Map<string, Map<string, number[]>> {
    let maps = this.folded.get(target);
    if (maps) return maps;
    maps = new Map();
    const table = REF_TABLE[target];
    const cols = KEYS[target].filter((k) => k[2] === 'folded').map((k) => k[1]);
    for (const c of cols) maps.set(c, new Map());
    if (cols.length) {
      const where = RefResolver.mergeable(table) ? ' WHERE merged_into_id IS NULL' : '';
      for (const r of this.sqlite.prepare(`SELECT id, ${cols.join(', ')} FROM ${table}${where}`).iterate() as Iterable<Record<string, Value>>) {
        for (const c of cols) if (r[c] !== null) push(maps.get(c)!, fold(String(r[c])), r.id as number);
      }
    }
    this.folded.set(target, maps);
    return maps;
  }

  /** Follows merged_into_id to the record a merged one now lives in. */
  private survivor(table: TableName, id: number): number {
    if (!RefResolver.mergeable(table)) return id;
    const merges = this.mergesOf(table);
    let current = id;
    for (let hops = 0; hops < 100; hops++) {
      let m: number | null | undefined;
      if (merges) m = merges.get(current) ?? null;
      else m = (this.stmt(`SELECT merged_into_id AS m FROM ${table} WHERE id = ?`).get(current) as { m: number | null } | undefined)?.m;
      if (m === null || m === undefined) return current;
      current = m;
    }
    return current;
  }

  /** The merged records of a table that does not change meanwhile, read once (undefined for one that may). */
  private mergesOf(table: TableName): Map<number, number> | undefined {
    if (this.options.writes === undefined || this.options.writes === table) return undefined;
    let m = this.merges.get(table);
    if (!m) {
      m = new Map();
      for (const r of this.sqlite.prepare(`SELECT id, merged_into_id AS m FROM ${table} WHERE merged_into_id IS NOT NULL`).iterate() as Iterable<{ id: number; m: number }>) m.set(r.id, r.m);
      this.merges.set(table, m);
    }
    return m;
  }

  /**
   * Looks up the external ids among these reference texts in tables the import does not write,
   * one query per table instead of one per row; resolve() then answers them from memory. Called
   * with each batch of rows of a bulk load (what it finds is kept until the next call).
   */
  prefetch(refs: ReadonlyMap<RefTarget, ReadonlySet<string>>): void {
    const found = new Map<RefTarget, Map<string, number>>();
    for (const [target, texts] of refs) {
      const table = REF_TABLE[target];
      if (this.options.writes === undefined || this.options.writes === table || !RefResolver.hasExternal(table)) continue;
      if (this.wholeTable(target)) continue;
      const fixed = this.fixed.get(target);
      const ask: string[] = [];
      for (const text of texts) if (!HAS_SPACE.test(text) && !fixed?.has(text)) ask.push(text);
      if (ask.length === 0) continue;
      const map = new Map<string, number>();
      if (RefResolver.mergeable(table)) this.mergesOf(table); // read first: survivor() then runs no statement during the query
      const rows = this.stmt(`SELECT external_id, id FROM ${table} WHERE source = ? AND external_id IN (SELECT value FROM json_each(?))`).raw().all(this.source, JSON.stringify(ask)) as [string, number][];
      for (const [ext, id] of rows) map.set(ext, this.survivor(table, id));
      found.set(target, map);
    }
    this.prefetched = found;
  }

  /**
   * All external ids of this source in a table the import does not write, read in one scan the
   * first time a batch refers to it — much cheaper than a query per batch when a big file refers
   * to much of the table — unless that would hold more than WHOLE_LIMIT of them in all.
   */
  private wholeTable(target: RefTarget): CompactIds | null {
    let ids = this.whole.get(target);
    if (ids !== undefined) return ids;
    ids = null;
    const table = REF_TABLE[target];
    const n = (this.stmt(`SELECT count(*) AS n FROM ${table} WHERE source = ?`).get(this.source) as { n: number }).n;
    if (this.wholeEntries + n <= (this.options.wholeLimit ?? WHOLE_LIMIT)) {
      if (RefResolver.mergeable(table)) this.mergesOf(table); // read first: survivor() then runs no statement during the scan
      const keys: string[] = [];
      const values: number[] = [];
      for (const [ext, id] of this.sqlite.prepare(`SELECT external_id, id FROM ${table} WHERE source = ? AND external_id IS NOT NULL`).raw().iterate(this.source) as Iterable<[string, number]>) {
        keys.push(ext);
        values.push(this.survivor(table, id));
      }
      ids = new CompactIds(keys, values);
      this.wholeEntries += n;
    }
    this.whole.set(target, ids);
    return ids;
  }

  private lookUp(target: RefTarget, text: string): Resolved {
    const table = REF_TABLE[target];
    const t = text.trim().replace(/\s+/g, ' ');
    if (RefResolver.hasExternal(table)) {
      const r = this.stmt(`SELECT id FROM ${table} WHERE source = ? AND external_id = ?`).get(this.source, t) as { id: number } | undefined;
      if (r) return { ok: true, id: this.survivor(table, r.id), byExternal: true };
    }
    const live = RefResolver.mergeable(table) ? ' AND merged_into_id IS NULL' : '';
    for (const [label, col, kind] of KEYS[target]) {
      let ids: number[];
      if (kind === 'folded') ids = this.foldedMaps(target).get(col)!.get(fold(t)) ?? [];
      else {
        const key = kind === 'lower' ? t.toLowerCase() : t.replace(/\s/g, '');
        ids = (this.stmt(`SELECT id FROM ${table} WHERE ${col} = ?${live} LIMIT 6`).all(key) as { id: number }[]).map((r) => r.id);
      }
      if (ids.length === 0) continue;
      if (ids.length === 1) return { ok: true, id: ids[0]! };
      return {
        ok: false,
        reason: `${JSON.stringify(text)} matches ${ids.length > 5 ? 'more than 5' : ids.length} ${table} by ${label} (ids ${ids.slice(0, 5).join(', ')}): refer to one by its external id`,
      };
    }
    const how = [...(RefResolver.hasExternal(table) ? ['external id'] : []), ...KEYS[target].map((k) => k[0])].join(', ');
    return { ok: false, reason: `no ${target.replace('_', ' ')} with ${how.replace(/, ([^,]*)$/, ' or $1')} ${JSON.stringify(text)}` };
  }

  resolve(target: RefTarget, text: string): Resolved {
    if (this.options.writes !== undefined && this.options.writes !== REF_TABLE[target]) {
      // a table this import does not write: whatever the answer is, it stays so
      const id = (this.whole.get(target) ?? this.prefetched.get(target))?.get(text);
      if (id !== undefined && !HAS_SPACE.test(text)) return { ok: true, id };
      let fixed = this.fixed.get(target);
      if (!fixed) this.fixed.set(target, (fixed = new Map()));
      const hit = fixed.get(text);
      if (hit !== undefined) return typeof hit === 'number' ? { ok: true, id: hit } : hit;
      const r = this.lookUp(target, text);
      if (fixed.size >= FIXED_CACHE_LIMIT) fixed.clear();
      fixed.set(text, r.ok ? r.id : r);
      return r;
    }
    let cache = this.cache.get(target);
    if (!cache) this.cache.set(target, (cache = new Map()));
    const hit = cache.get(text);
    if (hit) return hit;
    const r = this.lookUp(target, text);
    // only external-id hits are remembered: they are unique and stay so; a miss may be
    // written by a later row, and a name or INN may become ambiguous
    if (r.ok && r.byExternal) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(text, r);
    }
    return r;
  }

  /** Makes a row written by this import findable by its folded keys in the rows after it. */
  remember(target: RefTarget, id: number, row: Readonly<Record<string, Value>>): void {
    const maps = this.folded.get(target);
    if (!maps) return;
    for (const [col, map] of maps) {
      const v = row[col];
      if (v !== undefined && v !== null) push(map, fold(String(v)), id);
    }
  }

  /** Ids whose name folds to `name` (for match keys on names). */
  idsByName(target: RefTarget, name: string): number[] {
    return this.foldedMaps(target).get('name')?.get(fold(name)) ?? [];
  }
}

export type UpsertOutcome =
  | { kind: 'inserted'; id: number }
  | { kind: 'updated'; id: number }
  | { kind: 'unchanged'; id: number }
  | { kind: 'ambiguous'; reason: string };

/**
 * Inserts or updates rows of one entity by its match keys. Empty values never overwrite
 * what the base already holds.
 */
export class SqliteUpserter {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private readonly byId: BetterSqlite3.Statement;
  constructor(
    private readonly sqlite: SqliteHandle,
    private readonly spec: EntitySpec,
    private readonly resolver: RefResolver,
    private readonly source: string,
    private readonly user: string,
    private readonly now: string,
  ) {
    this.byId = sqlite.prepare(`SELECT * FROM ${spec.table} WHERE id = ?`);
    // no row of this source yet: a new external id needs no look-up, only a check against this file
    this.freshSource = spec.external && sqlite.prepare(`SELECT 1 FROM ${spec.table} WHERE source = ? LIMIT 1`).get(source) === undefined;
    this.foldedKeyColumns = new Set(spec.keys.flat().filter((c) => c.startsWith('~')).map((c) => c.slice(1)));
  }
  private readonly foldedKeyColumns: Set<string>;
  private readonly freshSource: boolean;
  private defaults: Set<string> | undefined;

  /** Whether upsert() would insert this row without looking for one to update first. */
  insertsBlindly(row: Readonly<Record<string, Value>>): boolean {
    return this.freshSource && row.external_id !== null && row.external_id !== undefined;
  }

  /**
   * The columns a multi-row INSERT of this row names: every column of the row except empty ones
   * with a DEFAULT (left out, as insert() leaves out every empty one, so the default applies).
   * Rows of one file have the same columns, so they share one statement.
   */
  batchColumns(row: Readonly<Record<string, Value>>): string[] {
    this.defaults ??= new Set(
      (this.sqlite.prepare('SELECT name FROM pragma_table_info(?) WHERE dflt_value IS NOT NULL').all(this.spec.table) as { name: string }[]).map((r) => r.name),
    );
    const cols: string[] = [];
    for (const c in row) if (c !== 'source' && (!this.defaults.has(c) || (row[c] !== null && row[c] !== undefined))) cols.push(c);
    return cols;
  }

  /**
   * Inserts rows with the same batchColumns() in one statement, as insert() would one by one.
   * Throws as a single INSERT would; then none of them is written. Returns the first new id
   * (the rows get consecutive ids, as they would one by one).
   */
  insertMany(cols: readonly string[], rows: readonly Readonly<Record<string, Value>>[]): number {
    // what every row has the same (source, user, time) is bound once, by name
    const all = [...cols, ...(this.spec.external ? ['source'] : []), 'created_by', 'created_at'];
    const s = this.stmt(`many:${rows.length}:${all.join(',')}`, () => {
      const one = `(${[...cols.map(() => '?'), ...(this.spec.external ? ['@crm_source'] : []), '@crm_user', '@crm_now'].join(', ')})`;
      return `INSERT INTO ${this.spec.table} (${all.join(', ')}) VALUES ${new Array<string>(rows.length).fill(one).join(', ')}`;
    });
    const values: Value[] = new Array<Value>(rows.length * cols.length);
    let k = 0;
    for (const row of rows) for (const c of cols) values[k++] = row[c] ?? null;
    const same = this.spec.external ? { crm_source: this.source, crm_user: this.user, crm_now: this.now } : { crm_user: this.user, crm_now: this.now };
    return Number(s.run(values, same).lastInsertRowid) - rows.length + 1;
  }

  private stmt(key: string, sql: () => string): BetterSqlite3.Statement {
    let s = this.statements.get(key);
    if (!s) {
      s = this.sqlite.prepare(sql());
      this.statements.set(key, s);
    }
    return s;
  }

  /** Existing row ids matching the first applicable key; null when no key applies. */
  find(row: Readonly<Record<string, Value>>): number[] | null {
    for (const key of this.spec.keys) {
      const anchor = key.find((c) => c !== 'source')!;
      const anchorCol = anchor.replace(/^~/, '');
      if (row[anchorCol] === null || row[anchorCol] === undefined) continue;
      const target = this.spec.refTarget;
      if (anchor.startsWith('~') && anchorCol === 'name' && target) {
        const ids = this.resolver.idsByName(target, String(row.name));
        return ids.filter((id) => {
          const existing = this.byId.get(id) as Record<string, Value> | undefined;
          return existing && key.every((c) => this.same(existing, row, c));
        });
      }
      const sig = `find:${key.join(',')}`;
      const s = this.stmt(sig, () => {
        const where = key.map((c) => (c.startsWith('~') ? `crm_fold(${c.slice(1)}) IS ?` : `${c} IS ?`)).join(' AND ');
        return `SELECT id FROM ${this.spec.table} WHERE ${where}`;
      });
      const params = key.map((c) => {
        const col = c.replace(/^~/, '');
        const v = col === 'source' ? this.source : (row[col] ?? null);
        return c.startsWith('~') && v !== null ? fold(String(v)) : v;
      });
      return (s.all(...params) as { id: number }[]).map((r) => r.id);
    }
    return null;
  }

  private same(existing: Readonly<Record<string, Value>>, row: Readonly<Record<string, Value>>, keyCol: string): boolean {
    const col = keyCol.replace(/^~/, '');
    const a = existing[col] ?? null;
    const b = col === 'source' ? this.source : (row[col] ?? null);
    if (keyCol.startsWith('~')) return (a === null ? null : fold(String(a))) === (b === null ? null : fold(String(b)));
    return a === b;
  }

  upsert(row: Readonly<Record<string, Value>>): UpsertOutcome {
    if (this.freshSource && row.external_id !== null && row.external_id !== undefined) {
      // nothing of this source existed before this file: insert, and only if this file already
      // had the external id (the unique index says so) fall back to finding and updating it
      try {
        return this.insert(row);
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw err;
      }
    }
    const found = this.find(row);
    const t = this.spec.table;
    if (found && found.length > 1) {
      return { kind: 'ambiguous', reason: `matches ${found.length} existing ${t} (ids ${found.slice(0, 5).join(', ')}): give an external_id to tell them apart` };
    }
    if (!found || found.length === 0) return this.insert(row);
    return this.update(found[0]!, row);
  }

  insert(row: Readonly<Record<string, Value>>): UpsertOutcome {
    const t = this.spec.table;
    const cols = Object.keys(row).filter((c) => row[c] !== null && row[c] !== undefined);
    const values: Value[] = cols.map((c) => row[c]!);
    if (this.spec.external && !cols.includes('source')) {
      cols.push('source');
      values.push(this.source);
    }
    // stamped here: SQLite's 'localtime' default re-reads the time zone for every row
    cols.push('created_by', 'created_at');
    values.push(this.user, this.now);
    const s = this.stmt(`ins:${cols.join(',')}`, () => `INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    const id = Number(s.run(...values).lastInsertRowid);
    if (this.spec.refTarget) this.resolver.remember(this.spec.refTarget, id, row);
    return { kind: 'inserted', id };
  }

  update(id: number, row: Readonly<Record<string, Value>>): UpsertOutcome {
    const t = this.spec.table;
    const present = Object.keys(row).filter((c) => row[c] !== null && row[c] !== undefined);
    const existing = this.byId.get(id) as Record<string, Value>;
    // a name found by its folded form keeps the spelling the base has
    const changed = present.filter((c) => c !== 'source' && existing[c] !== row[c] && !(this.foldedKeyColumns.has(c) && fold(String(existing[c] ?? '')) === fold(String(row[c]))));
    if (changed.length === 0) return { kind: 'unchanged', id };
    const sets = [...changed];
    const values: Value[] = changed.map((c) => row[c]!);
    if (this.spec.stamped) {
      sets.push('updated_at', 'updated_by');
      values.push(this.now, this.user);
    }
    const s = this.stmt(`upd:${sets.join(',')}`, () => `UPDATE ${t} SET ${sets.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
    s.run(...values, id);
    if (this.spec.refTarget) this.resolver.remember(this.spec.refTarget, id, row);
    return { kind: 'updated', id };
  }
}

/** A previous import of the same content for the same entity, if any. */
export function findBatchByHash(sqlite: SqliteHandle, entity: string, sha256: string): { id: number; finished_at: string; file_name: string } | undefined {
  return sqlite
    .prepare("SELECT id, finished_at, file_name FROM import_batches WHERE entity = ? AND sha256 = ? AND status IN ('ok', 'partial') ORDER BY id DESC LIMIT 1")
    .get(entity, sha256) as { id: number; finished_at: string; file_name: string } | undefined;
}

/** What became of one row written through a BatchUpserter: an outcome, or the error its write threw. */
export type Settled = UpsertOutcome | { kind: 'error'; error: unknown };

/** Rows per multi-row INSERT: enough to share the statement's cost, few enough to redo one by one. */
const BATCH_ROWS = 64;

/**
 * The upserter for a bulk load: rows that upsert() would insert without a look-up (nothing of
 * their source existed before the file) wait and go in BATCH_ROWS at a time, by one multi-row
 * INSERT. Every other row first writes the waiting ones, so rows are written in file order. If
 * a batch is refused (an external id twice in the file, a CHECK), it is redone row by row,
 * which gives each row the outcome or error it would have had alone. Every row is settled
 * (passed to `settle`) exactly once, in file order, by upsert() or by a later flush().
 */
export class BatchUpserter<T> {
  private rows: Record<string, Value>[] = [];
  private tags: T[] = [];
  private cols: string[] = [];
  constructor(
    private readonly upserter: SqliteUpserter,
    private readonly settle: (tag: T, s: Settled) => void,
  ) {}

  upsert(row: Record<string, Value>, tag: T): void {
    if (!this.upserter.insertsBlindly(row)) {
      this.flush();
      this.one(row, tag);
      return;
    }
    const cols = this.upserter.batchColumns(row);
    if (this.rows.length && !sameColumns(cols, this.cols)) this.flush();
    this.cols = cols;
    this.rows.push(row);
    this.tags.push(tag);
    if (this.rows.length >= BATCH_ROWS) this.flush();
  }

  /** Writes the waiting rows and settles them. */
  flush(): void {
    const { rows, tags } = this;
    if (rows.length === 0) return;
    this.rows = [];
    this.tags = [];
    let first: number;
    try {
      first = this.upserter.insertMany(this.cols, rows);
    } catch (err) {
      if (!String((err as { code?: string }).code ?? '').startsWith('SQLITE_CONSTRAINT')) throw err;
      for (let i = 0; i < rows.length; i++) this.one(rows[i]!, tags[i]!);
      return;
    }
    for (let i = 0; i < rows.length; i++) this.settle(tags[i]!, { kind: 'inserted', id: first + i });
  }

  private one(row: Record<string, Value>, tag: T): void {
    let s: Settled;
    try {
      s = this.upserter.upsert(row);
    } catch (err) {
      s = { kind: 'error', error: err };
    }
    this.settle(tag, s);
  }
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
