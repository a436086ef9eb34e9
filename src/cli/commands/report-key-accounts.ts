/**
 * crm report key-accounts: read the settings and the facts, score (src/reports/key-accounts.ts),
 * print. The JSON form carries the as-of date, the window and every setting used.
 */
import { kamSettings, type KamSettings } from '../../config/kam.js';
import type { Settings } from '../../config/settings.js';
import { describeClient, resolveClient } from '../../db/queries/client-ref.js';
import { countLostKeyAccounts, keyAccountFacts } from '../../db/queries/key-accounts.js';
import { loadSettings } from '../../db/queries/settings.js';
import type { CrmDatabase } from '../../db/open.js';
import { UsageError } from '../../errors.js';
import type { TableModel } from '../../render/model.js';
import { explainAccountModel, explainModel, kamPeriod, keyAccountsModel, scoreKeyAccounts, type KamReport } from '../../reports/key-accounts.js';
import { localDate } from '../../util/dates.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';
import { parseAsOf, parseWindow } from './report.js';

export interface KeyAccountsFlags {
  asOf?: string;
  window?: string;
  client?: string;
  explain?: boolean;
}

/** The effective settings, with the problems of stored values said on stderr. */
export async function kamSettingsOf(ctx: Context, cdb: CrmDatabase, window?: number): Promise<{ settings: Settings; kam: KamSettings; json: Record<string, unknown> }> {
  const settings = await loadSettings(cdb.db);
  for (const p of settings.problems) ctx.warn(`crm: ${p}`);
  const base = kamSettings(settings);
  const kam = window === undefined ? base : { ...base, windowWeeks: window };
  return { settings, kam, json: { ...settings.json('kam.'), 'kam.window_weeks': kam.windowWeeks } };
}

/** The key account a --client reference names; a branch of a key account names its HQ. */
export async function keyAccountRef(ctx: Context, cdb: CrmDatabase, text: string): Promise<number> {
  const c = await resolveClient(cdb.db, text);
  if (c.is_key_account === 1 && c.status !== 'lost') return c.id;
  if (c.is_key_account === 1) throw new UsageError(`${describeClient(c)} is a lost key account: the report scores live ones`);
  if (c.parent_id !== null) {
    const parent = await resolveClient(cdb.db, `#${c.parent_id}`);
    if (parent.is_key_account === 1) {
      ctx.info(`${describeClient(c)} is a branch of the key account ${describeClient(parent)}: showing that account`);
      return parent.id;
    }
  }
  throw new UsageError(`${describeClient(c)} is not a key account`, 'crm report key-candidates lists the clients that qualify; set is_key_account with crm import clients');
}

/** Scores the key accounts (or one); `detail` builds every evidence text (for --explain and single accounts). */
export async function scoreFromDatabase(ctx: Context, cdb: CrmDatabase, opts: { asOf: string; window?: number; clientId?: number; detail?: boolean }) {
  const { kam, json } = await kamSettingsOf(ctx, cdb, opts.window);
  const period = kamPeriod(opts.asOf, kam.windowWeeks);
  const facts = await keyAccountFacts(cdb.db, {
    asOf: period.asOf,
    from: period.from,
    firstWeek: period.weeks[0]!,
    lastWeek: period.weeks[period.weeks.length - 1]!,
    topToTopKinds: kam.topToTopKinds,
    clientId: opts.clientId,
  });
  const report: KamReport = scoreKeyAccounts(facts, period, kam, { programme: opts.clientId === undefined, detail: opts.detail ?? opts.clientId !== undefined });
  return { report, json };
}

function settingsModel(json: Record<string, unknown>): TableModel {
  return {
    title: 'Settings used (crm config get kam; crm config set KEY VALUE)',
    columns: [{ key: 'key' }, { key: 'value' }],
    rows: Object.entries(json).map(([key, value]) => ({ key, value: Array.isArray(value) ? value.join(', ') : String(value) })),
  };
}

export async function run(ctx: Context, flags: KeyAccountsFlags): Promise<void> {
  const asOf = parseAsOf(flags.asOf, localDate(ctx.now()));
  const window = parseWindow(flags.window);
  await withDatabase(ctx, async (cdb) => {
    const clientId = flags.client !== undefined ? await keyAccountRef(ctx, cdb, flags.client) : undefined;
    const { report, json } = await scoreFromDatabase(ctx, cdb, { asOf, window, clientId, detail: flags.explain === true || clientId !== undefined });
    if (clientId === undefined) {
      const lost = await countLostKeyAccounts(cdb.db);
      if (lost) ctx.info(`${lost} lost key account${lost === 1 ? '' : 's'} left out (status lost)`);
      if (report.accounts.length === 0) ctx.info('no key accounts in the base: mark clients with is_key_account = yes (crm import clients), see crm report key-candidates');
    }
    const table = ctx.render.format === 'table';
    if (!flags.explain) {
      await ctx.output(keyAccountsModel(report, { compact: table, settingsJson: json }));
      return;
    }
    if (!table) {
      await ctx.output(explainModel(report, { settingsJson: json }));
      return;
    }
    for (const a of report.accounts) await ctx.output(explainAccountModel(a, report));
    await ctx.output(settingsModel(json));
  });
}
