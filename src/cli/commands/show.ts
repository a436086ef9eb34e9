import { UsageError } from '../../errors.js';
import { localDate } from '../../util/dates.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

export interface ShowFlags {
  section?: string;
  recent: string;
}

export async function run(ctx: Context, what: string, ref: string[], flags: ShowFlags): Promise<void> {
  if (what !== 'client') throw new UsageError(`crm show ${what}: only "crm show client" exists`, 'e.g. crm show client 7707083893');
  const text = ref.join(' ');
  if (!text.trim()) throw new UsageError('which client? give an id (#42), external id, INN or exact name');
  if (!/^\d+$/.test(flags.recent)) throw new UsageError('--recent takes a whole number');
  const { CARD_SECTIONS, clientCardSections } = await import('../../show/client-card.js');
  if (flags.section && !(CARD_SECTIONS as readonly string[]).includes(flags.section)) {
    throw new UsageError(`no section ${JSON.stringify(flags.section)}`, `the sections are: ${CARD_SECTIONS.join(', ')}`);
  }
  await withDatabase(ctx, async (cdb) => {
    const { resolveClient } = await import('../../db/queries/client-ref.js');
    const { clientCard } = await import('../../db/queries/client-card.js');
    const client = await resolveClient(cdb.db, text);
    const today = localDate(ctx.now());
    const sections = clientCardSections(await clientCard(cdb.db, client.id, today, Number(flags.recent)), today);
    const shown = flags.section ? sections.filter((s) => s.key === flags.section) : sections;
    await ctx.outputSections(shown, flags.section ?? 'details');
    if (ctx.render.format === 'csv' && !flags.section) ctx.info(`CSV holds one table: the details; --section ${CARD_SECTIONS.filter((s) => s !== 'details').join('|')} for the others`);
  });
}
