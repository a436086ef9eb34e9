/**
 * The SQLite fast path of `crm import`: one transaction per file, prepared statements, reference
 * look-ups from in-memory maps. (A PostgreSQL backend would stream COPY into a staging table
 * instead; the import core above does not know which one it talks to.)
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { EntitySpec, RefTarget } from '../import/entities.js';
import { fold } from '../util/normalize.js';
import type { SqliteHandle } from './sqlite.js';
import type { TableName } from './types.js';

export type Value = string | number | null;
export type Resolved = { ok: true; id: number } | { ok: false; reason: string };

const REF_TABLE: Record<RefTarget, TableName> = {
  client: 'clients',
  staff: 'staff',
  product: 'products',
  promotion: 'promotions',
  contact: 'contacts',
  response: 'responses',
  plan_task: 'plan_tasks',
  deal: 'deals',
};

interface RefMaps {
  readonly ext: Map<string, number>;
  readonly byKey: Map<string, number[]>[];
}

function push(map: Map<string, number[]>, key: string | null | undefined, id: number): void {
  if (key === null || key === undefined || key === '') return;
  const list = map.get(key);
  if (!list) map.set(key, [id]);
  else if (!list.includes(id)) list.push(id);
}

/**
 * Finds rows by the keys people have in spreadsheets: external id, INN, e-mail, code or exact
 * name (ignoring case, ё/е and extra spaces). Ambiguous or missing is an error, never NULL.
 */
export class RefResolver {
  private readonly maps = new Map<RefTarget, RefMaps>();
  constructor(
    private readonly sqlite: SqliteHandle,
    private readonly source: string,
  ) {}

  /** The other keys each target is found by, as [label, column, folded?] */
  private static readonly KEYS: Record<RefTarget, readonly [string, string, boolean][]> = {
    client: [['INN', 'inn', false], ['name', 'name', true]],
    staff: [['e-mail', 'email', true], ['name', 'name', true]],
    product: [['code', 'code', true], ['name', 'name', true]],
    promotion: [['code', 'code', true], ['name', 'name', true]],
    contact: [['e-mail', 'email', true]],
    response: [],
    plan_task: [],
    deal: [],
  };

  private load(target: RefTarget): RefMaps {
    let m = this.maps.get(target);
    if (m) return m;
    const table = REF_TABLE[target];
    const keys = RefResolver.KEYS[target];
    const hasExt = !['products', 'promotions'].includes(table);
    const merged = table === 'clients' || table === 'contacts';
    const cols = ['id', ...(hasExt ? ['source', 'external_id'] : []), ...(merged ? ['merged_into_id'] : []), ...keys.map((k) => k[1])];
    m = { ext: new Map(), byKey: keys.map(() => new Map()) };
    const rows = this.sqlite.prepare(`SELECT ${cols.join(', ')} FROM ${table}`).iterate() as Iterable<Record<string, Value>>;
    const mergedInto = new Map<number, number>();
    for (const r of rows) {
      const id = r.id as number;
      if (merged && r.merged_into_id !== null) mergedInto.set(id, r.merged_into_id as number);
      if (hasExt && r.external_id !== null && r.source === this.source) m.ext.set(String(r.external_id), id);
      if (merged && r.merged_into_id !== null) continue;
      keys.forEach(([, col, folded], i) => push(m!.byKey[i]!, r[col] === null ? null : folded ? fold(String(r[col])) : String(r[col]), id));
    }
    // an external id of a merged record leads to the record it was merged into
    for (const [ext, id] of m.ext) {
      let to = id;
      for (let hops = 0; mergedInto.has(to) && hops < 100; hops++) to = mergedInto.get(to)!;
      m.ext.set(ext, to);
    }
    this.maps.set(target, m);
    return m;
  }

  resolve(target: RefTarget, text: string): Resolved {
    const m = this.load(target);
    const t = text.trim().replace(/\s+/g, ' ');
    const byExt = m.ext.get(t);
    if (byExt !== undefined) return { ok: true, id: byExt };
    const keys = RefResolver.KEYS[target];
    for (let i = 0; i < keys.length; i++) {
      const [label, , folded] = keys[i]!;
      const key = folded ? fold(t) : t.replace(/\s/g, '');
      const ids = m.byKey[i]!.get(key);
      if (!ids || ids.length === 0) continue;
      if (ids.length === 1) return { ok: true, id: ids[0]! };
      return {
        ok: false,
        reason: `${JSON.stringify(text)} matches ${ids.length} ${REF_TABLE[target]} by ${label} (ids ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}): refer to one by its external id`,
      };
    }
    const how = ['external id', ...keys.map((k) => k[0])].join(', ');
    return { ok: false, reason: `no ${target.replace('_', ' ')} with ${how.replace(/, ([^,]*)$/, ' or $1')} ${JSON.stringify(text)}` };
  }

  /** Makes a row written by this import findable by the rows after it. */
  remember(target: RefTarget, id: number, row: Readonly<Record<string, Value>>): void {
    const m = this.maps.get(target);
    if (!m) return;
    if (row.external_id !== undefined && row.external_id !== null) m.ext.set(String(row.external_id), id);
    RefResolver.KEYS[target].forEach(([, col, folded], i) => {
      const v = row[col];
      if (v !== undefined && v !== null) push(m.byKey[i]!, folded ? fold(String(v)) : String(v), id);
    });
  }

  /** Ids whose name folds to `name` (for match keys on names). */
  idsByName(target: RefTarget, name: string): number[] {
    const keys = RefResolver.KEYS[target];
    const i = keys.findIndex((k) => k[1] === 'name');
    if (i < 0) return [];
    return this.load(target).byKey[i]!.get(fold(name)) ?? [];
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

  private stmt(key: string, sql: () => string): BetterSqlite3.Statement {
    let s = this.statements.get(key);
    if (!s) {
      s = this.sqlite.prepare(sql());
      this.statements.set(key, s);
    }
    return s;
  }

  /** Existing row ids matching the first applicable key; null when no key applies. */
  private find(row: Readonly<Record<string, Value>>): number[] | null {
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

  private insert(row: Readonly<Record<string, Value>>): UpsertOutcome {
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

  private update(id: number, row: Readonly<Record<string, Value>>): UpsertOutcome {
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
