/**
 * Every setting crm knows. A feature with settings declares them in its own file here and adds
 * one line to each list below; `crm config` and the docs test pick them up.
 */
import { KAM_CHECKS, KAM_SETTINGS } from './kam.js';
import { Settings, parseSetting, type CrossCheck, type SettingDef, type SettingValue, type StoredSetting } from './settings.js';

export const SETTINGS: readonly SettingDef[] = [...KAM_SETTINGS];
const CHECKS: readonly CrossCheck[] = [...KAM_CHECKS];

export function findSetting(key: string): SettingDef | undefined {
  const k = key.trim().toLowerCase();
  return SETTINGS.find((d) => d.key === k);
}

/** The settings whose key is `prefix` or starts with `prefix.` (a group such as kam.qualify). */
export function settingsUnder(prefix: string): SettingDef[] {
  const p = prefix.trim().toLowerCase().replace(/\.$/, '');
  return SETTINGS.filter((d) => d.key === p || d.key.startsWith(`${p}.`));
}

/** The declared keys closest to a mistyped one (for "did you mean"). */
export function similarKeys(key: string, max = 3): string[] {
  const k = key.trim().toLowerCase();
  const last = k.split('.').pop() ?? k;
  return SETTINGS.map((d) => d.key)
    .filter((d) => d.includes(last) || last.includes(d.split('.').pop() ?? d))
    .slice(0, max);
}

export function resolveSettings(stored: readonly StoredSetting[]): Settings {
  return new Settings(SETTINGS, stored);
}

/**
 * The problems the settings would have with `key` set to `value` (already parsed): the
 * consistency rules between settings. [] when fine.
 */
export function crossProblems(current: Settings, key?: string, value?: SettingValue): string[] {
  const get = (k: string): SettingValue => (k === key && value !== undefined ? value : current.resolved(k).value);
  return CHECKS.map((c) => c(get)).filter((p): p is string => p !== null);
}

export { parseSetting, Settings };
export type { SettingDef, SettingValue, StoredSetting };
