/**
 * crm client add|update|set-status, crm contact add|update|verify, crm log: the CRM section's
 * everyday edits. Thin: flags → src/edit/records.ts.
 */
import { UsageError } from '../../errors.js';
import { findEntity, type EntitySpec, type FieldSpec } from '../../import/entities.js';
import { localDate, parseDate } from '../../util/dates.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';
import type { CrmDatabase } from '../../db/open.js';

type Flags = Record<string, unknown> & { country?: string };

function spec(name: string): EntitySpec {
  return findEntity(name)!;
}

function editContext(ctx: Context, flags: Flags) {
  return { user: ctx.user, now: ctx.now(), defaultCountry: String(flags.country ?? ctx.env.CRM_COUNTRY ?? 'RU').toUpperCase() };
}

async function clientId(cdb: CrmDatabase, ref: string): Promise<number> {
  const { resolveClient } = await import('../../db/queries/client-ref.js');
  return (await resolveClient(cdb.db, ref)).id;
}

async function contactId(cdb: CrmDatabase, ref: string): Promise<number> {
  const m = /^#?(\d{1,9})$/.exec(ref.trim());
  if (m) {
    const row = await cdb.db.selectFrom('contacts').select('id').where('id', '=', Number(m[1])).executeTakeFirst();
    if (row) return row.id;
  }
  const { resolveReference } = await import('../../edit/records.js');
  const r = await resolveReference(cdb, 'contact', ref);
  if (!r.ok) throw new UsageError(r.reason, 'refer to a contact by id (#12), external id or e-mail');
  return r.id;
}

/**
 * A contact's client as people type it on the command line (id, external id, INN or name),
 * taken out of the values and returned as client_id.
 */
async function takeClient(cdb: CrmDatabase, s: EntitySpec, values: Map<FieldSpec, string>): Promise<Record<string, number>> {
  const field = s.fields.find((f) => f.name === 'client')!;
  const client = values.get(field);
  if (client === undefined) return {};
  values.delete(field);
  return { client_id: await clientId(cdb, client) };
}

function describeChanges(changes: readonly { field: string; before: unknown; after: unknown }[]): string {
  return changes.map((c) => `  ${c.field}: ${c.before === null ? '—' : String(c.before)} → ${c.after === null ? '—' : String(c.after)}`).join('\n');
}

export async function clientAdd(ctx: Context, flags: Flags): Promise<void> {
  const { addRecord, valuesFromFlags } = await import('../../edit/records.js');
  await withDatabase(ctx, async (cdb) => {
    const id = await addRecord(cdb, spec('clients'), valuesFromFlags(spec('clients'), flags), editContext(ctx, flags));
    ctx.info(`added client #${id}`);
    if (ctx.render.format !== 'table') await ctx.output({ columns: [{ key: 'id', type: 'int' }], rows: [{ id }] });
  });
}

export async function clientUpdate(ctx: Context, ref: string, flags: Flags): Promise<void> {
  const { updateRecord, valuesFromFlags } = await import('../../edit/records.js');
  await withDatabase(ctx, async (cdb) => {
    const id = await clientId(cdb, ref);
    const changes = await updateRecord(cdb, spec('clients'), id, valuesFromFlags(spec('clients'), flags), editContext(ctx, flags));
    ctx.info(changes.length ? `client #${id} changed:\n${describeChanges(changes)}` : `client #${id}: nothing changed`);
  });
}

export async function clientSetStatus(ctx: Context, ref: string, status: string, flags: Flags): Promise<void> {
  if (!['prospect', 'active', 'lost'].includes(status)) throw new UsageError(`status must be prospect, active or lost (got ${JSON.stringify(status)})`);
  const { updateRecord } = await import('../../edit/records.js');
  const s = spec('clients');
  const values = new Map([[s.fields.find((f) => f.name === 'status')!, status]]);
  const extra: Record<string, string | null> = {};
  if (status === 'lost') {
    const date = flags.date ? parseDate(String(flags.date)) : { ok: true as const, value: localDate(ctx.now()) };
    if (!date.ok) throw new UsageError(`--date: ${date.reason}`);
    extra.lost_date = date.value;
    if (flags.reason !== undefined) extra.lost_reason = String(flags.reason);
    if (flags.competitor !== undefined) extra.lost_competitor = String(flags.competitor);
  } else if (flags.reason !== undefined || flags.competitor !== undefined) {
    throw new UsageError('--reason and --competitor go with status lost');
  }
  await withDatabase(ctx, async (cdb) => {
    const id = await clientId(cdb, ref);
    const changes = await updateRecord(cdb, s, id, values, editContext(ctx, flags), extra);
    ctx.info(changes.length ? `client #${id} changed:\n${describeChanges(changes)}` : `client #${id}: nothing changed`);
  });
}

export async function contactAdd(ctx: Context, flags: Flags): Promise<void> {
  const { addRecord, valuesFromFlags } = await import('../../edit/records.js');
  await withDatabase(ctx, async (cdb) => {
    const s = spec('contacts');
    const values = valuesFromFlags(s, flags);
    const id = await addRecord(cdb, s, values, editContext(ctx, flags), await takeClient(cdb, s, values));
    ctx.info(`added contact #${id}`);
    if (ctx.render.format !== 'table') await ctx.output({ columns: [{ key: 'id', type: 'int' }], rows: [{ id }] });
  });
}

export async function contactUpdate(ctx: Context, ref: string, flags: Flags): Promise<void> {
  const { updateRecord, valuesFromFlags } = await import('../../edit/records.js');
  await withDatabase(ctx, async (cdb) => {
    const id = await contactId(cdb, ref);
    const s = spec('contacts');
    const values = valuesFromFlags(s, flags);
    const changes = await updateRecord(cdb, s, id, values, editContext(ctx, flags), await takeClient(cdb, s, values));
    ctx.info(changes.length ? `contact #${id} changed:\n${describeChanges(changes)}` : `contact #${id}: nothing changed`);
  });
}

export async function contactVerify(ctx: Context, ref: string, flags: Flags): Promise<void> {
  const { updateRecord } = await import('../../edit/records.js');
  const s = spec('contacts');
  const on = flags.on ? parseDate(String(flags.on)) : { ok: true as const, value: localDate(ctx.now()) };
  if (!on.ok) throw new UsageError(`--on: ${on.reason}`);
  await withDatabase(ctx, async (cdb) => {
    const id = await contactId(cdb, ref);
    await updateRecord(cdb, s, id, new Map([[s.fields.find((f) => f.name === 'verified_on')!, on.value]]), editContext(ctx, flags));
    ctx.info(`contact #${id}: details confirmed on ${on.value}`);
  });
}

/** The staff record of the person running crm: --staff, else CRM_USER/the OS user as e-mail or name. */
async function staffId(cdb: CrmDatabase, ctx: Context, given: unknown): Promise<number> {
  const { resolveReference } = await import('../../edit/records.js');
  if (typeof given === 'string') {
    const r = await resolveReference(cdb, 'staff', given);
    if (!r.ok) throw new UsageError(`--staff: ${r.reason}`);
    return r.id;
  }
  const r = await resolveReference(cdb, 'staff', ctx.user);
  if (!r.ok) throw new UsageError(`who did it? ${JSON.stringify(ctx.user)} is not a staff e-mail or name`, 'give --staff EMAIL, or set CRM_USER to your staff e-mail');
  return r.id;
}

export async function log(ctx: Context, kind: string | undefined, note: string[], flags: Flags): Promise<void> {
  const s = spec('activities');
  const { addRecord, valuesFromFlags } = await import('../../edit/records.js');
  if (kind === undefined && !flags.client) {
    if (!ctx.interactive) throw new UsageError('what happened? e.g. crm log call --client 7707083893 --outcome success "agreed a visit"', 'run crm log bare on a terminal to be asked');
    const answers = await askActivity();
    Object.assign(flags, answers.flags);
    kind = answers.kind;
    note = answers.note ? [answers.note] : [];
  }
  const values = valuesFromFlags(s, flags);
  const field = (name: string) => s.fields.find((f) => f.name === name)!;
  if (kind) values.set(field('kind'), kind);
  if (note.length) values.set(field('notes'), note.join(' '));
  if (!values.has(field('occurred_at'))) {
    const now = ctx.now();
    values.set(field('occurred_at'), `${localDate(now)} ${String(now.getHours()).padStart(2, '0')}:${String(now.getMinutes()).padStart(2, '0')}`);
  }
  await withDatabase(ctx, async (cdb) => {
    const extra: Record<string, number> = { staff_id: await staffId(cdb, ctx, flags.staff) };
    values.delete(field('staff'));
    if (!values.has(field('client'))) throw new UsageError('which client? --client ID|INN|NAME');
    Object.assign(extra, await takeClient(cdb, s, values));
    const contact = values.get(field('contact'));
    if (contact !== undefined) {
      extra.contact_id = await contactId(cdb, contact);
      values.delete(field('contact'));
    }
    const id = await addRecord(cdb, s, values, editContext(ctx, flags), extra);
    ctx.info(`logged activity #${id}`);
  });
}

async function askActivity(): Promise<{ kind: string; note: string; flags: Flags }> {
  const { ACTIVITY_KINDS } = await import('../../import/entities.js');
  const { default: inquirer } = await import('inquirer');
  try {
    const a = await inquirer.prompt<{ kind: string; client: string; contact: string; outcome: string; note: string }>([
      { type: 'list', name: 'kind', message: 'What happened?', choices: [...ACTIVITY_KINDS] },
      { type: 'input', name: 'client', message: 'Client (id, INN or name):', validate: (v: string) => (v.trim() ? true : 'a client is needed') },
      { type: 'input', name: 'contact', message: 'Contact (id or e-mail, empty for none):' },
      { type: 'list', name: 'outcome', message: 'Outcome:', choices: ['success', 'neutral', 'failure', 'no_answer', '(none)'] },
      { type: 'input', name: 'note', message: 'Note:' },
    ]);
    const flags: Flags = { client: a.client };
    if (a.contact.trim()) flags.contact = a.contact;
    if (a.outcome !== '(none)') flags.outcome = a.outcome;
    return { kind: a.kind, note: a.note, flags };
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') {
      const { InterruptedError } = await import('../../errors.js');
      throw new InterruptedError('cancelled; nothing was logged');
    }
    throw err;
  }
}
