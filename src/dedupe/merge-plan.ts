/**
 * What a merge does to the surviving record, decided before anything is written: gaps filled
 * from the merged record, conflicts kept as the survivor has them unless a person chose the
 * other value, and every value that does not end up in the survivor kept as an alias (clients)
 * or in the notes (contacts). Pure: rows in, a plan out.
 */
import type { EntityKind } from './find.js';

export type Value = string | number | null;
export type Row = Readonly<Record<string, Value>>;

/** Columns a merge may change on the survivor. Everything else (ids, source keys, stamps) is left alone. */
export const MERGEABLE: Readonly<Record<EntityKind, readonly string[]>> = {
  client: [
    'name', 'legal_form', 'client_type', 'parent_id', 'region', 'city', 'address', 'phone', 'email', 'website', 'inn', 'kpp',
    'status', 'is_key_account', 'purchase_potential_minor', 'partnership', 'contract_no', 'contract_since', 'contract_until',
    'mission', 'manager_id', 'lost_date', 'lost_reason', 'lost_competitor', 'notes',
  ],
  contact: ['client_id', 'full_name', 'position', 'level', 'buying_role', 'is_service_contact', 'phone', 'email', 'postal_address', 'verified_on', 'active', 'notes'],
};

/** Fields a person may choose between when the records disagree (shown in the interactive review). */
export const CHOOSABLE: Readonly<Record<EntityKind, readonly string[]>> = {
  client: ['name', 'legal_form', 'client_type', 'region', 'city', 'address', 'phone', 'email', 'website', 'inn', 'kpp', 'status', 'purchase_potential_minor', 'partnership', 'manager_id', 'mission'],
  contact: ['client_id', 'full_name', 'position', 'level', 'buying_role', 'phone', 'email', 'postal_address'],
};

/** Client values worth finding the client by later: kept in client_aliases when they differ. */
const ALIAS_FIELDS = new Set(['name', 'legal_form', 'address', 'phone', 'email', 'website', 'inn', 'kpp']);

/** 0/1 flags where "yes" on either record wins; dates where the later one wins. */
const MAX_FIELDS = new Set(['is_key_account', 'is_service_contact', 'active', 'verified_on']);

/** Status and its loss details travel together (a lost client needs its lost_date). */
const STATUS_UNIT = ['status', 'lost_date', 'lost_reason', 'lost_competitor'];

const STATUS_RANK: Readonly<Record<string, number>> = { prospect: 0, lost: 1, active: 2 };

export interface Alias {
  readonly field: string;
  readonly value: string;
}

export interface MergeStepPlan {
  readonly mergedId: number;
  /** new values for the survivor (only the columns that change) */
  readonly set: Readonly<Record<string, Value>>;
  /** values kept as aliases of the survivor (clients) */
  readonly aliases: readonly Alias[];
}

export interface PlanInput {
  readonly entity: EntityKind;
  readonly survivor: Row;
  /** merged one after the other, in this order */
  readonly merged: readonly Row[];
  /** field → id of the record whose value wins (default: the survivor's, gaps filled) */
  readonly choices?: Readonly<Record<string, number>>;
  readonly user: string;
  /** 'YYYY-MM-DD HH:MM:SS' */
  readonly now: string;
}

const same = (a: Value | undefined, b: Value | undefined) => (a ?? null) === (b ?? null);
const present = (v: Value | undefined): v is string | number => v !== null && v !== undefined && v !== '';

function label(field: string): string {
  return field.replace(/_minor$/, '').replaceAll('_', ' ');
}

/** The plan for merging `merged` into `survivor`, one step per merged record. */
export function planMerge(input: PlanInput): MergeStepPlan[] {
  const { entity, choices = {} } = input;
  const fields = MERGEABLE[entity];
  const current: Record<string, Value> = { ...input.survivor };
  const survivorId = Number(input.survivor.id);
  const steps: MergeStepPlan[] = [];
  for (const m of input.merged) {
    const mergedId = Number(m.id);
    const set: Record<string, Value> = {};
    const aliases: Alias[] = [];
    const lost: string[] = [];
    const keep = (field: string, value: Value) => {
      if (!present(value)) return;
      if (entity === 'client' && ALIAS_FIELDS.has(field)) aliases.push({ field, value: String(value) });
      else if (field !== 'notes') lost.push(`${label(field)}: ${String(value)}`);
    };
    const assign = (field: string, value: Value) => {
      if (!same(current[field], value)) {
        set[field] = value;
        current[field] = value;
      }
    };
    const statusFromMerged =
      entity === 'client' &&
      (choices.status === mergedId || (choices.status === undefined && (STATUS_RANK[String(m.status)] ?? 0) > (STATUS_RANK[String(current.status)] ?? 0)));
    for (const field of fields) {
      const sv = current[field] ?? null;
      const mv = m[field] ?? null;
      if (same(sv, mv)) continue;
      if (entity === 'client' && STATUS_UNIT.includes(field)) {
        if (statusFromMerged) assign(field, mv);
        continue;
      }
      if (field === 'parent_id') {
        // a branch merged into its HQ (or the other way) must not become its own parent
        if (!present(sv) && present(mv) && Number(mv) !== survivorId) assign(field, mv);
        else if (present(sv) && Number(sv) === mergedId) assign(field, present(mv) && Number(mv) !== survivorId ? mv : null);
        continue;
      }
      if (field === 'notes') {
        if (present(mv) && !(present(sv) && String(sv).includes(String(mv)))) assign(field, present(sv) ? `${String(sv)}\n${String(mv)}` : mv);
        continue;
      }
      if (MAX_FIELDS.has(field)) {
        if (present(mv) && (!present(sv) || mv > sv)) assign(field, mv);
        continue;
      }
      if (!present(mv)) continue;
      if (!present(sv)) {
        assign(field, mv);
        continue;
      }
      if (choices[field] === mergedId) {
        keep(field, sv);
        assign(field, mv);
      } else keep(field, mv);
    }
    if (entity === 'client') {
      if (present(m.external_id)) aliases.push({ field: 'external_id', value: `${String(m.source ?? '')}:${String(m.external_id)}` });
    } else if (lost.length > 0) {
      // contacts have no alias table: what the survivor does not keep is written into its notes
      const line = `[merged contact #${mergedId}, ${input.now.slice(0, 10)}] ${lost.join('; ')}`;
      assign('notes', present(current.notes) ? `${String(current.notes)}\n${line}` : line);
    }
    set.updated_at = input.now;
    set.updated_by = input.user;
    current.updated_at = input.now;
    current.updated_by = input.user;
    const unique = new Map(aliases.map((a) => [`${a.field}\u0000${a.value}`, a]));
    steps.push({ mergedId, set, aliases: [...unique.values()] });
  }
  return steps;
}

/** Fields where the records of a group disagree (both have a value, and the values differ). */
export function conflicts(entity: EntityKind, rows: readonly Row[]): { field: string; values: { id: number; value: Value }[] }[] {
  const out: { field: string; values: { id: number; value: Value }[] }[] = [];
  for (const field of CHOOSABLE[entity]) {
    const values = rows.filter((r) => present(r[field])).map((r) => ({ id: Number(r.id), value: r[field] ?? null }));
    if (new Set(values.map((v) => String(v.value))).size > 1) out.push({ field, values });
  }
  return out;
}
