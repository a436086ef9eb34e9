/**
 * crm plan add|list|done|fail|cancel|next: weekly plan tasks per staff member and client, and
 * next week's plan from this week's outcome. Thin: flags → src/db/queries/plan*.ts and the pure
 * cores in src/plan/.
 */
import { describeClient, resolveClient, type ClientRef } from '../../db/queries/client-ref.js';
import { addTask, applyMarks, describeStaff, listTasks, loggedActivities, namesOf, resolveContact, resolveStaff, resolveTasks, taskStates, type MarkChange, type Stamp, type StaffRef } from '../../db/queries/plan.js';
import { insertProposals, nextFacts, writeProposals } from '../../db/queries/plan-next.js';
import { writeTransaction } from '../../db/transaction.js';
import type { CrmDatabase } from '../../db/open.js';
import { InterruptedError, UsageError } from '../../errors.js';
import { proposalsModel, taskListModel, type Names, type ProposalOutcome } from '../../plan/models.js';
import { planNext, type NextPlan, type Proposal, type ProposalReason } from '../../plan/next.js';
import { TASK_STATUSES } from '../../plan/review.js';
import { activityFor, outcomeFor, parseKind, refusal, taskIdOf, TASK_KINDS, weekOption, type Mark } from '../../plan/tasks.js';
import { localDate, localDateTime, parseDate } from '../../util/dates.js';
import { addWeeks, describeWeek, isoWeekOf } from '../../util/isoweek.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

function stampOf(ctx: Context): Stamp {
  return { user: ctx.user, at: localDateTime(ctx.now()) };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** --staff, else the user running crm (--user / CRM_USER) when that names a staff member. */
async function staffOrUser(ctx: Context, cdb: CrmDatabase, text: string | undefined): Promise<StaffRef> {
  if (text !== undefined) return resolveStaff(cdb.db, text);
  try {
    const s = await resolveStaff(cdb.db, ctx.user);
    ctx.info(`for ${describeStaff(s)} (the current user; --staff for someone else)`);
    return s;
  } catch {
    throw new UsageError('whose task is it? add --staff EMAIL or NAME', `or run crm as a staff member: --user EMAIL or CRM_USER=EMAIL (now ${JSON.stringify(ctx.user)})`);
  }
}

export interface AddFlags {
  staff?: string;
  client?: string;
  contact?: string;
  kind?: string;
  week?: string;
}

export async function add(ctx: Context, words: string[], flags: AddFlags): Promise<void> {
  const text = words.join(' ').trim();
  if (!text) throw new UsageError('what is the task? give its text, e.g. crm plan add "Позвонить по КП" --client CL-0033');
  if (text.length > 2000) throw new UsageError(`the task text is ${text.length} characters; at most 2000`);
  const today = localDate(ctx.now());
  const week = weekOption(flags.week, today);
  const kind = flags.kind !== undefined ? parseKind(flags.kind) : null;
  await withDatabase(ctx, async (cdb) => {
    const staff = await staffOrUser(ctx, cdb, flags.staff);
    if (staff.active !== 1) ctx.warn(`crm: ${describeStaff(staff)} is marked inactive`);
    let client: ClientRef | null = null;
    if (flags.client !== undefined) {
      client = await resolveClient(cdb.db, flags.client);
      if (client.status === 'lost') ctx.warn(`crm: ${describeClient(client)} is a lost client`);
    }
    const contact = flags.contact !== undefined ? await resolveContact(cdb.db, flags.contact, client) : null;
    if (contact && !client) client = await resolveClient(cdb.db, `#${contact.client_id}`);
    if (week < isoWeekOf(today)) ctx.warn(`crm: ${week} is in the past`);
    const id = await addTask(cdb, { week, staff_id: staff.id, client_id: client?.id ?? null, contact_id: contact?.id ?? null, kind, task: text }, stampOf(ctx), { env: ctx.env });
    ctx.info(`added task #${id} to ${describeWeek(week)} for ${staff.name}${client ? `: ${describeClient(client)}` : ''}`);
    await ctx.output(taskListModel(await listTasks(cdb.db, { ids: [id] }), { compact: ctx.render.format === 'table' }));
  });
}

export interface ListFlags {
  week?: string;
  staff?: string;
  client?: string;
  status?: string;
}

export async function list(ctx: Context, flags: ListFlags): Promise<void> {
  const week = weekOption(flags.week, localDate(ctx.now()));
  const statuses = flags.status?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const s of statuses ?? []) {
    if (!(TASK_STATUSES as readonly string[]).includes(s)) throw new UsageError(`--status ${JSON.stringify(s)}: not a task status`, `use ${TASK_STATUSES.join(', ')} (several with commas)`);
  }
  await withDatabase(ctx, async (cdb) => {
    const staff = flags.staff !== undefined ? await resolveStaff(cdb.db, flags.staff) : undefined;
    const client = flags.client !== undefined ? await resolveClient(cdb.db, flags.client) : undefined;
    const rows = await listTasks(cdb.db, { week, staffId: staff?.id, clientId: client?.id, statuses });
    const counts = TASK_STATUSES.map((s) => [s, rows.filter((r) => r.status === s).length] as const).filter(([, n]) => n > 0);
    const summary = rows.length ? `${plural(rows.length, 'task')}: ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}` : 'no tasks';
    await ctx.output(
      taskListModel(rows, {
        compact: ctx.render.format === 'table',
        title: `Plan ${describeWeek(week)}${staff ? `, ${staff.name}` : ''}${client ? `, ${client.name}` : ''}`,
        note: summary,
      }),
    );
    if (rows.length === 0) ctx.info(`no tasks in ${week}${staff ? ` for ${staff.name}` : ''}: crm plan add adds one, crm plan next --week ${addWeeks(week, -1)} proposes them`);
  });
}

export interface MarkFlags {
  note?: string;
  on?: string;
  log?: boolean;
  outcome?: string;
}

async function mark(ctx: Context, refs: string[], flags: MarkFlags, status: Mark): Promise<void> {
  const today = localDate(ctx.now());
  let on = today;
  if (flags.on !== undefined) {
    if (status === 'cancelled') throw new UsageError('--on is for done and failed tasks');
    const d = parseDate(flags.on);
    if (!d.ok) throw new UsageError(`--on ${JSON.stringify(flags.on)}: ${d.reason}`);
    if (d.value > today) throw new UsageError(`--on ${d.value} is in the future (today is ${today})`);
    on = d.value;
  }
  const log = status !== 'cancelled' && (flags.log === true || flags.outcome !== undefined);
  const outcome = status !== 'cancelled' && log ? outcomeFor(status, flags.outcome) : null;
  const note = flags.note?.trim() ? flags.note.trim() : null;
  await withDatabase(ctx, async (cdb) => {
    const occurredAt = flags.on !== undefined ? on : localDateTime(ctx.now()).slice(0, 16);
    // the checks and the marks in one transaction: a task carried or marked by another run
    // meanwhile is seen, on either backend
    const { tasks, logged, twice } = await writeTransaction(
      cdb,
      async (trx) => {
        const tasks = await resolveTasks(trx, refs, taskIdOf);
        const states = await taskStates(trx, tasks);
        const refused = states.map((s) => refusal(s, status)).filter((r): r is string => r !== null);
        if (refused.length) throw new UsageError(refused.length === 1 ? refused[0]! : `${refused.length} tasks cannot be marked ${status}:\n  ${refused.join('\n  ')}`, 'nothing was changed');
        const already = log ? await loggedActivities(trx, tasks.map((t) => t.id)) : new Map<number, number>();
        const twice: number[] = [];
        const changes: MarkChange[] = tasks.map((t) => {
          let activity = null;
          if (log && outcome) {
            if (already.has(t.id)) twice.push(t.id);
            else activity = activityFor({ id: t.id, staffId: t.staff_id, clientId: t.client_id, contactId: t.contact_id, kind: t.kind, task: t.task }, outcome, occurredAt, note);
          }
          return { id: t.id, status, completedOn: status === 'cancelled' ? null : on, note, activity };
        });
        return { tasks, logged: await applyMarks(trx, changes, stampOf(ctx)), twice };
      },
      { what: `crm plan ${status === 'failed' ? 'fail' : status === 'cancelled' ? 'cancel' : 'done'}`, env: ctx.env },
    );
    for (const id of twice) ctx.warn(`crm: task #${id} already has an activity logged; no other is logged`);
    for (const t of tasks) {
      const a = logged.get(t.id);
      const was = t.status === status ? ` (it was ${status} already: updated)` : t.status !== 'planned' ? ` (was ${t.status})` : '';
      ctx.info(`#${t.id} ${status}${status === 'cancelled' ? '' : ` on ${on}`}${was}${a ? `; activity #${a} logged (${outcome})` : ''}: ${t.task}`);
    }
    if (ctx.render.format !== 'table') {
      await ctx.output(taskListModel(await listTasks(cdb.db, { ids: tasks.map((t) => t.id) })));
    }
  });
}

export const done = (ctx: Context, refs: string[], flags: MarkFlags) => mark(ctx, refs, flags, 'done');
export const fail = (ctx: Context, refs: string[], flags: MarkFlags) => mark(ctx, refs, flags, 'failed');
export const cancel = (ctx: Context, refs: string[], flags: MarkFlags) => mark(ctx, refs, flags, 'cancelled');

export interface NextFlags {
  week?: string;
  staff?: string;
  yes?: boolean;
  dryRun?: boolean;
}

function countsText(proposals: readonly Proposal[]): string {
  const n = (r: ProposalReason) => proposals.filter((p) => p.reason === r).length;
  return `${n('carry')} carried, ${n('follow_up')} follow-up${n('follow_up') === 1 ? '' : 's'}, ${n('key_account')} key-account contact${n('key_account') === 1 ? '' : 's'}`;
}

function reportSkipped(ctx: Context, plan: NextPlan): void {
  const groups = new Map<string, string[]>();
  for (const s of plan.skipped) {
    const key = `${s.reason}: ${s.why}`;
    const list = groups.get(key) ?? [];
    list.push(s.taskId !== null ? `task #${s.taskId}` : `client #${s.clientId}`);
    groups.set(key, list);
  }
  for (const [key, items] of groups) ctx.info(`left out (${key}): ${items.slice(0, 8).join(', ')}${items.length > 8 ? `, … (${items.length})` : ''}`);
}

function oneLine(p: Proposal, names: Names): string {
  const client = p.clientId !== null ? names.clients.get(p.clientId) : undefined;
  const who = names.staff.get(p.staffId) ?? `#${p.staffId}`;
  const contact = p.contactId !== null ? names.contacts.get(p.contactId) : undefined;
  return `${who} · ${client ? `${client.name}${client.externalId ? ` (${client.externalId})` : ''}` : 'no client'}${contact ? ` · ${contact}` : ''}\n  ${p.kind ?? 'task'}: ${p.task}\n  because: ${p.why}`;
}

/** Asks about each proposal on the terminal: accept, edit, drop (or all the rest). Ctrl-C writes nothing. */
async function review(ctx: Context, cdb: CrmDatabase, proposals: readonly Proposal[], names: Names): Promise<Proposal[]> {
  const { createPromptModule } = await import('inquirer');
  const prompt = createPromptModule({ input: ctx.streams.stdin as NodeJS.ReadStream, output: ctx.streams.stderr as NodeJS.WriteStream });
  const accepted: Proposal[] = [];
  const staffNames = names.staff as Map<number, string>;
  try {
    for (let i = 0; i < proposals.length; i++) {
      let p = proposals[i]!;
      ctx.streams.stderr.write(`\n[${i + 1}/${proposals.length}] ${p.reason.replace('_', ' ')} → ${p.week}\n  ${oneLine(p, names)}\n`);
      const { action } = await prompt<{ action: string }>([
        {
          type: 'select',
          name: 'action',
          message: 'This proposal:',
          choices: [
            { name: 'accept', value: 'accept' },
            { name: 'edit, then accept', value: 'edit' },
            { name: 'drop', value: 'drop' },
            ...(i + 1 < proposals.length
              ? [
                  { name: `accept this and the ${proposals.length - i - 1} left`, value: 'accept-rest' },
                  { name: `drop this and the ${proposals.length - i - 1} left`, value: 'drop-rest' },
                ]
              : []),
          ],
        },
      ]);
      if (action === 'drop') continue;
      if (action === 'drop-rest') break;
      if (action === 'accept-rest') {
        accepted.push(p, ...proposals.slice(i + 1));
        break;
      }
      if (action === 'edit') {
        const a = await prompt<{ task: string; kind: string; staff: string }>([
          { type: 'input', name: 'task', message: 'Task:', default: p.task, validate: (v: string) => (v.trim() ? true : 'the task needs a text') },
          { type: 'select', name: 'kind', message: 'Kind:', choices: [...TASK_KINDS], default: p.kind ?? 'call' },
          {
            type: 'input',
            name: 'staff',
            message: 'Whose (e-mail or name):',
            default: staffNames.get(p.staffId),
            validate: async (v: string) => {
              try {
                await resolveStaff(cdb.db, v);
                return true;
              } catch (err) {
                return (err as Error).message;
              }
            },
          },
        ]);
        const staff = await resolveStaff(cdb.db, a.staff);
        staffNames.set(staff.id, staff.name);
        p = { ...p, task: a.task.trim(), kind: a.kind, staffId: staff.id };
      }
      accepted.push(p);
    }
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') throw new InterruptedError('plan next interrupted; nothing was written');
    throw err;
  }
  return accepted;
}

export async function next(ctx: Context, flags: NextFlags): Promise<void> {
  const week = weekOption(flags.week, localDate(ctx.now()));
  const nextWeek = addWeeks(week, 1);
  if (flags.yes && flags.dryRun) throw new UsageError('--yes and --dry-run contradict each other: choose one');
  if (!flags.yes && !flags.dryRun && !ctx.interactive) {
    throw new UsageError('there is no terminal to review the proposals on', '--yes accepts them all, --dry-run only lists them');
  }
  await withDatabase(ctx, async (cdb) => {
    const staff = flags.staff !== undefined ? await resolveStaff(cdb.db, flags.staff) : undefined;
    const propose = async (db: typeof cdb.db) => planNext(await nextFacts(db, week, staff?.id), { staffId: staff?.id });
    // --yes reads the week and writes the next one in one transaction, so that runs at the same
    // time (several people, cron) give what one run after the other gives
    const auto = flags.yes
      ? await writeTransaction(
          cdb,
          async (trx) => {
            const plan = await propose(trx);
            return { plan, written: plan.proposals.length ? await insertProposals(trx, plan.proposals, stampOf(ctx)) : [] };
          },
          { what: 'crm plan next', env: ctx.env },
        )
      : undefined;
    const plan = auto?.plan ?? (await propose(cdb.db));
    reportSkipped(ctx, plan);
    const names = await namesOf(cdb.db, {
      staff: plan.proposals.map((p) => p.staffId),
      clients: plan.proposals.flatMap((p) => (p.clientId !== null ? [p.clientId] : [])),
      contacts: plan.proposals.flatMap((p) => (p.contactId !== null ? [p.contactId] : [])),
    });
    const compact = ctx.render.format === 'table';
    const whose = staff ? ` for ${staff.name}` : '';
    if (plan.proposals.length === 0) ctx.info(`nothing to propose for ${nextWeek}${whose}: no task to carry or follow up, and every key account has something planned`);
    if (flags.dryRun || plan.proposals.length === 0) {
      await ctx.output(proposalsModel(plan.proposals.map((proposal) => ({ proposal })), names, { compact, title: `Proposed plan ${describeWeek(nextWeek)}${whose}, from ${week}` }));
      if (plan.proposals.length) ctx.info(`dry run: ${plural(plan.proposals.length, 'proposal')} (${countsText(plan.proposals)}); nothing was written`);
      return;
    }
    const accepted = flags.yes ? [...plan.proposals] : await review(ctx, cdb, plan.proposals, names);
    if (accepted.length === 0) {
      ctx.info('no proposal accepted; nothing was written');
      return;
    }
    const written = auto?.written ?? (await writeProposals(cdb, accepted, stampOf(ctx), { env: ctx.env }));
    const created = written.filter((w) => w.id !== null);
    const late = written.length - created.length;
    if (late) ctx.warn(`crm: ${plural(late, 'task')} had been carried meanwhile (another run?) and ${late === 1 ? 'was' : 'were'} left out`);
    const dropped = plan.proposals.length - accepted.length;
    ctx.info(`added ${plural(created.length, 'task')} to ${nextWeek}${whose} (${countsText(created.map((w) => w.proposal))})${dropped ? `; ${dropped} dropped` : ''}`);
    const allNames = await namesOf(cdb.db, { staff: created.map((w) => w.proposal.staffId), clients: [...names.clients.keys()], contacts: [...names.contacts.keys()] });
    const outcomes: ProposalOutcome[] = created.map((w) => ({ proposal: w.proposal, taskId: w.id }));
    await ctx.output(proposalsModel(outcomes, allNames, { compact, written: true, title: `Added to the plan ${describeWeek(nextWeek)}${whose}` }));
  });
}
