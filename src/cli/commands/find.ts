import { UsageError } from '../../errors.js';
import { searchTerms } from '../../find/rank.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

export async function run(ctx: Context, words: string[], flags: { limit: string }): Promise<void> {
  const text = words.join(' ').trim();
  if (!text) throw new UsageError('what to find? e.g. crm find ромашка, crm find 84951234567, crm find 7707083893');
  if (!/^\d+$/.test(flags.limit)) throw new UsageError('--limit takes a whole number');
  const terms = searchTerms(text);
  if (!terms.text && !terms.digits) throw new UsageError('give at least a letter or four digits');
  await withDatabase(ctx, async (cdb) => {
    const { findClientsAndContacts } = await import('../../db/queries/find.js');
    const hits = await findClientsAndContacts(cdb, terms, Number(flags.limit) || 1_000_000);
    await ctx.output({
      columns: [
        { key: 'kind', header: 'Kind' },
        { key: 'id', header: 'Id', type: 'int' },
        { key: 'name', header: 'Name' },
        { key: 'client', header: 'Client' },
        { key: 'city', header: 'City' },
        { key: 'phone', header: 'Phone' },
        { key: 'email', header: 'E-mail' },
        { key: 'inn', header: 'INN' },
        { key: 'matched', header: 'Matched' },
        { key: 'score', header: 'Score', type: 'int' },
      ],
      rows: hits,
    });
    if (hits.length === 0) ctx.info(`nothing found for ${JSON.stringify(text)}`);
  });
}
