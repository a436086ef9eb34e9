/**
 * Finding one client from what a person types on the command line: an id (#42 or 42), an
 * external id, an INN (or INN/KPP), or the exact name ignoring case, ё/е, quotes and spaces —
 * the keys `crm import` accepts for references. A merged record leads to the one it was merged
 * into. Missing or ambiguous is an error that lists the candidates, never a guess.
 */
import type { Kysely } from 'kysely';
import { UsageError } from '../../errors.js';
import { fold } from '../../util/normalize.js';
import type { DB } from '../types.js';

export interface ClientRef {
  readonly id: number;
  readonly external_id: string | null;
  readonly name: string;
  readonly inn: string | null;
  readonly kpp: string | null;
  readonly status: string;
  readonly is_key_account: number;
  readonly parent_id: number | null;
  readonly merged_into_id: number | null;
}

export type ClientLookup =
  | { readonly ok: true; readonly client: ClientRef; readonly via: string }
  | { readonly ok: false; readonly reason: string; readonly candidates: readonly ClientRef[] };

const COLUMNS = ['id', 'external_id', 'name', 'inn', 'kpp', 'status', 'is_key_account', 'parent_id', 'merged_into_id'] as const;

/** "ООО «Ромашка» (#12, CL-0012)" */
export function describeClient(c: ClientRef): string {
  return `${c.name} (#${c.id}${c.external_id ? `, ${c.external_id}` : ''})`;
}

async function byIds(db: Kysely<DB>, ids: number[]): Promise<ClientRef[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('clients').select(COLUMNS).where('id', 'in', ids).orderBy('id').execute();
}

/** Follows merged_into_id to the record a merged client now lives in. */
async function survivor(db: Kysely<DB>, c: ClientRef): Promise<ClientRef> {
  let current = c;
  for (let hops = 0; hops < 100 && current.merged_into_id !== null; hops++) {
    const next = (await byIds(db, [current.merged_into_id]))[0];
    if (!next) break;
    current = next;
  }
  return current;
}

export async function findClient(db: Kysely<DB>, text: string): Promise<ClientLookup> {
  const t = text.trim().replace(/\s+/g, ' ');
  if (t === '') return { ok: false, reason: 'an empty client reference', candidates: [] };
  const found = new Map<number, { client: ClientRef; via: string[] }>();
  const add = async (rows: ClientRef[], via: string) => {
    for (const row of rows) {
      const s = await survivor(db, row);
      const label = s.id === row.id ? via : `${via} (merged into #${s.id})`;
      const hit = found.get(s.id);
      if (hit) hit.via.push(label);
      else found.set(s.id, { client: s, via: [label] });
    }
  };

  const idText = /^#?(\d{1,9})$/.exec(t);
  if (idText) await add(await byIds(db, [Number(idText[1])]), 'id');
  if (!t.startsWith('#')) {
    await add(await db.selectFrom('clients').select(COLUMNS).where('external_id', '=', t).orderBy('id').limit(6).execute(), 'external id');
    const innKpp = /^(\d{10}|\d{12})(?:\/([\dA-Z]{9}))?$/i.exec(t.replace(/[\s-]/g, ''));
    if (innKpp) {
      let q = db.selectFrom('clients').select(COLUMNS).where('inn', '=', innKpp[1]!).where('merged_into_id', 'is', null);
      if (innKpp[2]) q = q.where('kpp', '=', innKpp[2].toUpperCase());
      const rows = await q.orderBy('id').limit(50).execute();
      // an INN shared by an HQ and its branches names the HQ
      const heads = rows.filter((r) => r.parent_id === null || !rows.some((p) => p.id === r.parent_id));
      await add(heads.length === 1 && !innKpp[2] ? heads : rows, innKpp[2] ? 'INN/KPP' : 'INN');
    }
  }
  if (found.size === 0 && !idText) {
    const key = fold(t);
    const ids: number[] = [];
    // names fold in JavaScript (Cyrillic case, ё/е, quotes), which no SQL index does on every backend
    for (const r of await db.selectFrom('clients').select(['id', 'name']).where('merged_into_id', 'is', null).execute()) {
      if (fold(r.name) === key) ids.push(r.id);
    }
    await add(await byIds(db, ids), 'name');
  }

  const hits = [...found.values()];
  if (hits.length === 1) return { ok: true, client: hits[0]!.client, via: hits[0]!.via.join(', ') };
  if (hits.length === 0) {
    return { ok: false, reason: `no client with id, external id, INN or name ${JSON.stringify(text)}`, candidates: [] };
  }
  const list = hits.slice(0, 5).map((h) => `${describeClient(h.client)} by ${h.via.join(', ')}`);
  return {
    ok: false,
    reason: `${JSON.stringify(text)} matches ${hits.length} clients: ${list.join('; ')}${hits.length > 5 ? '; …' : ''}`,
    candidates: hits.map((h) => h.client),
  };
}

/** findClient, or a UsageError that says how to refer to the client instead. */
export async function resolveClient(db: Kysely<DB>, text: string): Promise<ClientRef> {
  const r = await findClient(db, text);
  if (r.ok) return r.client;
  throw new UsageError(
    r.reason,
    r.candidates.length ? 'refer to one by its id (#42) or external id' : 'refer to a client by id (#42), external id, INN or exact name',
  );
}
