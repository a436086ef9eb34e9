import { UsageError } from '../../errors.js';
import { CHECKS, type Check } from '../../reports/data-health.js';
import { localDate } from '../../util/dates.js';
import type { CrmDatabase } from '../../db/open.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';
import { parseAsOf } from './report.js';

export async function run(ctx: Context, flags: { list?: string; asOf?: string; section?: string }): Promise<void> {
  if (flags.list !== undefined && !(CHECKS as readonly string[]).includes(flags.list)) {
    throw new UsageError(`no check ${JSON.stringify(flags.list)}`, `the checks are: ${CHECKS.join(', ')}`);
  }
  const today = parseAsOf(flags.asOf, localDate(ctx.now()));
  await withDatabase(ctx, async (cdb) => {
    const { healthClients, healthContacts } = await import('../../db/queries/data-health.js');
    const { dataHealth, healthList } = await import('../../reports/data-health.js');
    const duplicates = await duplicateCandidates(cdb);
    const input = { today, clients: await healthClients(cdb), contacts: await healthContacts(cdb), duplicates };
    if (flags.list) {
      await ctx.output(healthList(input, flags.list as Check));
      return;
    }
    const sections = dataHealth(input);
    await ctx.outputSections(flags.section ? sections.filter((s) => s.key === flags.section) : sections, flags.section ?? 'summary');
  });
}

/** Groups of likely duplicate clients, as crm dedupe finds them. */
async function duplicateCandidates(cdb: CrmDatabase) {
  const { duplicateClients } = await import('../../dedupe/health.js');
  return duplicateClients(cdb);
}
