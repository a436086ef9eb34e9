/**
 * crm config get [KEY|GROUP] / set KEY VALUE / reset KEY: the thresholds and weights of the
 * reports, kept in the database's settings table. Every setting is declared in src/config/ with
 * its type, range, default and meaning; values are checked before they are written.
 */
import { crossProblems, findSetting, parseSetting, settingsUnder, similarKeys, SETTINGS } from '../../config/index.js';
import { Settings, displaySetting, settingText, type ResolvedSetting } from '../../config/settings.js';
import { deleteSetting, loadSettings, writeSetting } from '../../db/queries/settings.js';
import { UsageError } from '../../errors.js';
import type { Row, TableModel } from '../../render/model.js';
import { localDateTime } from '../../util/dates.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

function unknownKey(key: string): UsageError {
  const near = similarKeys(key);
  return new UsageError(`no setting ${JSON.stringify(key)}`, near.length ? `did you mean ${near.join(', ')}? crm config get lists them all` : 'crm config get lists them all');
}

export function settingsModel(list: readonly ResolvedSetting[], compact: boolean): TableModel {
  const rows: Row[] = list.map((r) => {
    const dflt = parseSetting(r.def, r.def.default);
    return {
      key: r.def.key,
      value: compact ? displaySetting(r.def, r.value) : settingText(r.def, r.value),
      default: compact && dflt.ok ? displaySetting(r.def, dflt.value) : r.def.default,
      unit: r.def.unit ?? null,
      source: r.source,
      updated_at: r.updatedAt ?? null,
      updated_by: r.updatedBy ?? null,
      changed: r.source === 'set' ? `${r.updatedAt ?? ''}${r.updatedBy ? ` by ${r.updatedBy}` : ''}` : null,
      description: r.def.description,
    };
  });
  const keys = compact ? ['key', 'value', 'default', 'changed', 'description'] : ['key', 'value', 'default', 'unit', 'source', 'updated_at', 'updated_by', 'description'];
  const headers: Record<string, string> = { key: 'Setting', value: 'Value', default: 'Default', unit: 'Unit', source: 'Source', updated_at: 'Updated at', updated_by: 'Updated by', changed: 'Changed', description: 'Meaning' };
  return {
    title: 'Settings (crm config set KEY VALUE; crm config reset KEY; docs/key-accounts.md explains them)',
    columns: keys.map((key) => ({ key, header: headers[key], type: key === 'updated_at' ? ('date' as const) : undefined })),
    rows,
  };
}

export async function run(ctx: Context, key: string | undefined): Promise<void> {
  const defs = key === undefined ? SETTINGS : settingsUnder(key);
  if (key !== undefined && defs.length === 0) throw unknownKey(key);
  await withDatabase(ctx, async (cdb) => {
    const settings = await loadSettings(cdb.db);
    for (const p of settings.problems) ctx.warn(`crm: ${p}`);
    const wanted = new Set(defs.map((d) => d.key));
    await ctx.output(settingsModel(settings.all().filter((r) => wanted.has(r.def.key)), ctx.render.format === 'table'));
  });
}

export async function set(ctx: Context, key: string, value: string): Promise<void> {
  const def = findSetting(key);
  if (!def) throw unknownKey(key);
  const parsed = parseSetting(def, value);
  if (!parsed.ok) throw new UsageError(`${def.key} ${JSON.stringify(value)}: ${parsed.reason}`, `${def.key}: ${def.description}`);
  await withDatabase(ctx, async (cdb) => {
    const settings = await loadSettings(cdb.db);
    const problems = crossProblems(settings, def.key, parsed.value);
    if (problems.length) throw new UsageError(`${def.key} ${parsed.text}: ${problems.join('; ')}`);
    const before = settings.resolved(def.key);
    await writeSetting(cdb.db, def.key, parsed.text, ctx.user, localDateTime(ctx.now()));
    ctx.info(`${def.key} = ${displaySetting(def, parsed.value)} (was ${displaySetting(def, before.value)}${before.source === 'default' ? ', the default' : ''})`);
  });
}

export async function reset(ctx: Context, key: string): Promise<void> {
  const defs = settingsUnder(key);
  if (defs.length === 0) throw unknownKey(key);
  await withDatabase(ctx, async (cdb) => {
    const settings = await loadSettings(cdb.db);
    // what the settings would be without the rows removed must still be consistent
    const removed = new Set(defs.map((d) => d.key));
    const after = SETTINGS.filter((d) => !removed.has(d.key) && settings.resolved(d.key).source === 'set');
    const check = new Settings(SETTINGS, after.map((d) => ({ key: d.key, value: settingText(d, settings.resolved(d.key).value), updated_at: '', updated_by: null })));
    const problems = crossProblems(check);
    if (problems.length) throw new UsageError(`resetting ${key} would leave the settings inconsistent: ${problems.join('; ')}`, 'change the other setting first');
    let n = 0;
    await cdb.db.transaction().execute(async (trx) => {
      for (const d of defs) if (await deleteSetting(trx, d.key)) n++;
    });
    ctx.info(n ? `${n} setting${n === 1 ? '' : 's'} back to the default: ${defs.map((d) => `${d.key} = ${d.default}`).join(', ')}` : `${key}: already the default`);
  });
}
