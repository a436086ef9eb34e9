import { UsageError } from '../../errors.js';
import type { Channel } from '../../mailing/list.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

export async function run(ctx: Context, flags: { type?: string; region?: string; channel: string }): Promise<void> {
  if (!flags.type) throw new UsageError('which client type? --type retail (crm query sql "SELECT DISTINCT client_type FROM clients" lists them)');
  if (flags.channel !== 'email' && flags.channel !== 'post') throw new UsageError('--channel is email or post');
  const channel = flags.channel as Channel;
  await withDatabase(ctx, async (cdb) => {
    const { mailingCandidates } = await import('../../db/queries/mailing.js');
    const { mailingList } = await import('../../mailing/list.js');
    const list = mailingList(await mailingCandidates(cdb, flags.type!, flags.region), channel);
    const columns =
      channel === 'email'
        ? ['client', 'full_name', 'position', 'email', 'city', 'region', 'client_type']
        : ['client', 'full_name', 'position', 'address', 'postcode', 'city', 'region', 'client_type'];
    await ctx.output({ columns: columns.map((key) => ({ key })), rows: list.rows });
    ctx.info(
      `${list.rows.length} contacts listed for ${channel === 'email' ? 'an e-mail' : 'a postal'} mailing to ${flags.type}${flags.region ? ` in ${flags.region}` : ''}; ` +
        `left out: ${list.lostClients} lost clients (${list.contactsOfLostClients} contacts), ${list.withoutAddress} contacts without a valid ${channel === 'email' ? 'e-mail' : 'postal address'}, ` +
        `${list.duplicates} repeated addresses; ${list.clientsWithoutReachableContact} clients have no reachable contact`,
    );
  });
}
