/**
 * Settings: the thresholds and weights of the reports, kept in the `settings` table as text and
 * read back as typed values. A setting is declared once (key, type, default, range, meaning);
 * `crm config` lists, validates and changes them, the reports read them, the docs describe them.
 * Pure: no database here (src/db/queries/settings.ts reads and writes the rows).
 */
import { formatMoney, parseMoney } from '../util/money.js';

export type SettingType =
  /** a whole number */
  | 'int'
  /** a decimal number */
  | 'number'
  /** rubles, kept as integer kopecks */
  | 'money'
  /** a comma-separated list of words from `choices` */
  | 'list';

export type SettingValue = number | readonly string[];

export interface SettingDef {
  readonly key: string;
  readonly type: SettingType;
  /** the default in the canonical text form */
  readonly default: string;
  readonly min?: number;
  readonly max?: number;
  /** list: the words allowed */
  readonly choices?: readonly string[];
  /** shown after the value: weeks, points, RUB… */
  readonly unit?: string;
  /** what it does, for `crm config get` and the docs */
  readonly description: string;
}

export type Parsed = { ok: true; value: SettingValue; text: string } | { ok: false; reason: string };

function inRange(def: SettingDef, n: number, unit = ''): string | null {
  if (def.min !== undefined && n < def.min) return `must be at least ${def.min}${unit}`;
  if (def.max !== undefined && n > def.max) return `must be at most ${def.max}${unit}`;
  return null;
}

/**
 * Reads what a person typed (or what the table holds) as the setting's type. Returns the value
 * and its canonical text, or why it is not acceptable.
 * @example parseSetting({ key: 'k', type: 'money', default: '0.00', description: '' }, '10 000 000') // { ok: true, value: 1000000000, text: '10000000.00' }
 */
export function parseSetting(def: SettingDef, input: string): Parsed {
  const text = input.trim();
  switch (def.type) {
    case 'int': {
      if (!/^[+-]?\d+$/.test(text)) return { ok: false, reason: 'expected a whole number' };
      const n = Number(text);
      const bad = inRange(def, n);
      return bad ? { ok: false, reason: bad } : { ok: true, value: n, text: String(n) };
    }
    case 'number': {
      const t = text.replace(',', '.');
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) return { ok: false, reason: 'expected a number' };
      const n = Number(t);
      const bad = inRange(def, n);
      return bad ? { ok: false, reason: bad } : { ok: true, value: n, text: String(n) };
    }
    case 'money': {
      const m = parseMoney(text);
      if (!m.ok) return { ok: false, reason: `expected an amount in rubles (${m.reason})` };
      const bad = inRange(def, m.minor / 100, ' RUB');
      return bad ? { ok: false, reason: bad } : { ok: true, value: m.minor, text: formatMoney(m.minor) };
    }
    case 'list': {
      const words = text
        .split(/[,;\s]+/)
        .map((w) => w.trim().toLowerCase())
        .filter((w) => w !== '');
      const unique = [...new Set(words)];
      const wrong = unique.filter((w) => def.choices && !def.choices.includes(w));
      if (wrong.length) return { ok: false, reason: `${wrong.map((w) => JSON.stringify(w)).join(', ')} not allowed: choose from ${(def.choices ?? []).join(', ')}` };
      if (def.min !== undefined && unique.length < def.min) return { ok: false, reason: `give at least ${def.min} of ${(def.choices ?? []).join(', ')}` };
      return { ok: true, value: unique, text: unique.join(',') };
    }
  }
}

/** The canonical text of a value: what the settings table stores. */
export function settingText(def: SettingDef, value: SettingValue): string {
  if (Array.isArray(value)) return value.join(',');
  return def.type === 'money' ? formatMoney(value as number) : String(value);
}

/** A value as people read it: "10 000 000.00 RUB", "13 weeks", "interested, contract". */
export function displaySetting(def: SettingDef, value: SettingValue): string {
  if (Array.isArray(value)) return value.length ? value.join(', ') : '(none)';
  const n = value as number;
  const text = def.type === 'money' ? formatMoney(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ') : String(n);
  return def.unit ? `${text} ${def.unit}` : text;
}

/** A value for JSON output: numbers stay numbers (money as rubles), lists are arrays. */
export function jsonSetting(def: SettingDef, value: SettingValue): number | readonly string[] {
  if (def.type === 'money') return (value as number) / 100;
  return value;
}

/** What one stored row said and what came of it. */
export interface ResolvedSetting {
  readonly def: SettingDef;
  readonly value: SettingValue;
  /** 'default' when the table has no (usable) row for it */
  readonly source: 'default' | 'set';
  readonly updatedAt?: string;
  readonly updatedBy?: string | null;
}

export interface StoredSetting {
  readonly key: string;
  readonly value: string;
  readonly updated_at: string;
  readonly updated_by: string | null;
}

/** A consistency rule over several settings; returns the problem or null. */
export type CrossCheck = (get: (key: string) => SettingValue) => string | null;

/**
 * The effective settings: every declared key with its stored value, or its default when there is
 * no row or the row cannot be read (such rows are listed in `problems`, never silently used).
 */
export class Settings {
  private readonly byKey: ReadonlyMap<string, ResolvedSetting>;
  readonly problems: readonly string[];

  constructor(defs: readonly SettingDef[], stored: readonly StoredSetting[]) {
    const rows = new Map(stored.map((r) => [r.key, r]));
    const byKey = new Map<string, ResolvedSetting>();
    const problems: string[] = [];
    for (const def of defs) {
      const row = rows.get(def.key);
      const fallback = parseSetting(def, def.default);
      if (!fallback.ok) throw new Error(`the default of setting ${def.key} is invalid: ${fallback.reason}`);
      if (!row) {
        byKey.set(def.key, { def, value: fallback.value, source: 'default' });
        continue;
      }
      const p = parseSetting(def, row.value);
      if (p.ok) byKey.set(def.key, { def, value: p.value, source: 'set', updatedAt: row.updated_at, updatedBy: row.updated_by });
      else {
        problems.push(`setting ${def.key} holds ${JSON.stringify(row.value)}: ${p.reason}; using the default ${def.default} (fix it with crm config set ${def.key} VALUE)`);
        byKey.set(def.key, { def, value: fallback.value, source: 'default' });
      }
    }
    this.byKey = byKey;
    this.problems = problems;
  }

  all(): ResolvedSetting[] {
    return [...this.byKey.values()];
  }

  resolved(key: string): ResolvedSetting {
    const r = this.byKey.get(key);
    if (!r) throw new Error(`no setting ${key} is declared`);
    return r;
  }

  number(key: string): number {
    const v = this.resolved(key).value;
    if (typeof v !== 'number') throw new Error(`setting ${key} is not a number`);
    return v;
  }

  list(key: string): readonly string[] {
    const v = this.resolved(key).value;
    if (!Array.isArray(v)) throw new Error(`setting ${key} is not a list`);
    return v as readonly string[];
  }

  /** The settings whose keys start with `prefix`, as JSON values: for a report's JSON form. */
  json(prefix = ''): Record<string, number | readonly string[]> {
    const out: Record<string, number | readonly string[]> = {};
    for (const r of this.byKey.values()) if (r.def.key.startsWith(prefix)) out[r.def.key] = jsonSetting(r.def, r.value);
    return out;
  }

  /** "key=value" pairs of the settings whose keys start with `prefix`: for a table's note. */
  summary(prefix = ''): string {
    return [...this.byKey.values()]
      .filter((r) => r.def.key.startsWith(prefix))
      .map((r) => `${r.def.key}=${settingText(r.def, r.value)}`)
      .join(' ');
  }
}
