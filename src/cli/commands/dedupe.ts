/**
 * crm dedupe: find duplicate clients or contacts, review them (on a terminal), merge them
 * automatically above a threshold, write candidate pairs for a spreadsheet and apply the
 * reviewed file, list merges, undo one.
 */
import fs from 'node:fs';
import type { CrmDatabase } from '../../db/open.js';
import type { MergeOutcome } from '../../db/merge.js';
import { InputError, InterruptedError, UsageError, type InputProblem } from '../../errors.js';
import type { DuplicateGroup, EntityKind, FindResult, ScoredPair } from '../../dedupe/find.js';
import type { Row } from '../../dedupe/merge-plan.js';
import type { Column, Row as OutRow, TableModel } from '../../render/model.js';
import { localDateTime } from '../../util/dates.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

export interface FindFlags {
  threshold?: string;
  auto?: boolean;
  dryRun?: boolean;
  limit?: string;
}

export interface ApplyFlags {
  dryRun?: boolean;
  encoding?: string;
}

export interface HistoryFlags {
  all?: boolean;
  limit?: string;
  entity?: string;
}

export interface UndoFlags {
  dryRun?: boolean;
}

const NAME_COLUMN: Record<EntityKind, string> = { client: 'name', contact: 'full_name' };
/** The tables only dedupe inserts into: their ids stay as on SQLite on PostgreSQL too (see writeTransaction). */
const DENSE = ['merges', 'client_aliases'] as const;
const PLURAL: Record<EntityKind, string> = { client: 'clients', contact: 'contacts' };

function parseThreshold(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const t = Number(text.replace(',', '.'));
  if (!Number.isFinite(t) || t <= 0 || t > 1) throw new UsageError(`--threshold takes a score between 0 and 1, e.g. 0.9 (got ${JSON.stringify(text)})`);
  return t;
}

function parseCount(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) === 0) throw new UsageError(`${flag} takes a positive whole number (got ${JSON.stringify(text)})`);
  return Number(text);
}

/** A redrawn progress line on stderr, for big bases on a terminal. */
function progressLine(ctx: Context, label: string) {
  const stderr = ctx.streams.stderr;
  if (ctx.quiet || !stderr.isTTY) return { update: undefined, done: () => {} };
  let last = 0;
  let drawn = false;
  return {
    update: (done: number, total: number) => {
      const now = Date.now();
      if (total < 5000 || now - last < 200) return;
      last = now;
      drawn = true;
      stderr.write(`\r${label} ${Math.floor((done / total) * 100)}%  ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`);
    },
    done: () => {
      if (drawn) stderr.write('\r\u001b[2K');
    },
  };
}

/** Everything about one listing: the result, the rows of the records in it, the suggested survivors. */
interface Review {
  readonly entity: EntityKind;
  readonly result: FindResult;
  readonly groups: readonly DuplicateGroup[];
  readonly rows: Map<number, Row>;
  readonly survivors: Map<DuplicateGroup, number>;
  readonly clientNames: Map<number, string>;
}

async function findAndDescribe(ctx: Context, cdb: CrmDatabase, entity: EntityKind, threshold: number, limit: number | undefined): Promise<Review> {
  const q = await import('../../db/queries/dedupe.js');
  const { findClientDuplicates, findContactDuplicates } = await import('../../dedupe/find.js');
  const { suggestSurvivor } = await import('../../dedupe/survivor.js');
  const started = Date.now();
  const notDuplicates = await q.notDuplicatePairs(cdb.db, entity);
  const progress = progressLine(ctx, `comparing ${PLURAL[entity]}`);
  let result: FindResult;
  try {
    result =
      entity === 'client'
        ? findClientDuplicates(await q.loadClientRecords(cdb.db), { threshold, notDuplicates, onProgress: progress.update })
        : findContactDuplicates(await q.loadContactRecords(cdb.db), { threshold, notDuplicates, onProgress: progress.update });
  } finally {
    progress.done();
  }
  const groups = limit === undefined ? result.groups : result.groups.slice(0, limit);
  const ids = [...new Set([...groups.flatMap((g) => g.ids), ...result.branches.flatMap((p) => [p.a, p.b])])];
  const rows = await q.fetchRows(cdb.db, entity, ids);
  const refs = await q.referenceCounts(cdb.db, entity, groups.flatMap((g) => g.ids));
  const survivors = new Map<DuplicateGroup, number>();
  for (const g of groups) survivors.set(g, suggestSurvivor(g.ids.map((id) => ({ row: rows.get(id)!, references: refs.get(id) ?? 0 }))));
  const clientNames = new Map<number, string>();
  if (entity === 'contact') {
    const clientIds = [...new Set([...rows.values()].map((r) => Number(r.client_id)))];
    for (const [id, r] of await q.fetchRows(cdb.db, 'client', clientIds)) clientNames.set(id, String(r.name));
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const pairsInGroups = result.groups.reduce((s, g) => s + g.pairs.length, 0);
  ctx.info(
    `${result.records.toLocaleString('en-US')} ${PLURAL[entity]}, ${result.compared.toLocaleString('en-US')} pairs compared in ${seconds} s: ` +
      `${result.groups.length} group${result.groups.length === 1 ? '' : 's'} of likely duplicates (${pairsInGroups} pairs scoring ≥ ${threshold})` +
      (result.branches.length ? `; ${result.branches.length} look alike but are a company and its branch (same INN, branch KPP or parent): not duplicates` : '') +
      (result.heldApart.length ? `; ${result.heldApart.length} pairs kept apart (different INN in one group, or marked not duplicates)` : '') +
      (notDuplicates.length ? `; ${notDuplicates.length} pairs marked not duplicates are not proposed again` : ''),
  );
  return { entity, result, groups, rows, survivors, clientNames };
}

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** One output row per candidate pair; the columns are the pair file that `crm dedupe apply` reads back. */
function pairRows(review: Review, explain: (e: ScoredPair['evidence']) => string): OutRow[] {
  const { entity, rows } = review;
  const out: OutRow[] = [];
  const side = (id: number, s: 'a' | 'b'): Record<string, unknown> => {
    const r = rows.get(id) ?? {};
    const base: Record<string, unknown> = {
      [`id_${s}`]: id,
      [`name_${s}`]: str(r[NAME_COLUMN[entity]]),
      [`phone_${s}`]: str(r.phone),
      [`email_${s}`]: str(r.email),
      [`external_id_${s}`]: r.external_id ? `${String(r.source ?? '')}:${String(r.external_id)}` : null,
    };
    if (entity === 'client') {
      Object.assign(base, {
        [`inn_${s}`]: str(r.inn),
        [`kpp_${s}`]: str(r.kpp),
        [`website_${s}`]: str(r.website),
        [`city_${s}`]: str(r.city),
        [`address_${s}`]: str(r.address),
      });
    } else {
      Object.assign(base, {
        [`client_${s}`]: r.client_id === null || r.client_id === undefined ? null : `#${String(r.client_id)} ${review.clientNames.get(Number(r.client_id)) ?? ''}`.trim(),
        [`position_${s}`]: str(r.position),
        [`address_${s}`]: str(r.postal_address),
      });
    }
    return base;
  };
  review.groups.forEach((g, gi) => {
    for (const p of g.pairs) {
      out.push({ decision: null, survivor_id: review.survivors.get(g) ?? null, entity, group: gi + 1, score: p.score, relation: p.relation, evidence: explain(p.evidence), ...side(p.a, 'a'), ...side(p.b, 'b') });
    }
  });
  for (const p of review.result.branches) {
    out.push({ decision: null, survivor_id: null, entity, group: null, score: p.score, relation: p.relation, evidence: explain(p.evidence), ...side(p.a, 'a'), ...side(p.b, 'b') });
  }
  return out;
}

const HEADERS: Record<string, string> = {
  decision: 'Decision',
  survivor_id: 'Keep',
  entity: 'Entity',
  group: 'Group',
  score: 'Score',
  relation: 'Relation',
  id_a: 'ID A',
  name_a: 'A',
  id_b: 'ID B',
  name_b: 'B',
  evidence: 'Evidence',
};

async function pairModel(review: Review, format: string): Promise<TableModel> {
  const { PAIR_COLUMNS } = await import('../../dedupe/decisions.js');
  const { explain } = await import('../../dedupe/score.js');
  const rows = pairRows(review, explain);
  const columnType = (k: string): Column['type'] => (k === 'score' ? 'number' : k === 'group' || k.startsWith('id_') || k === 'survivor_id' ? 'int' : 'text');
  // a terminal shows what a person reads; the file formats carry every column, for `crm dedupe apply`
  const keys = format === 'table' ? ['group', 'score', 'id_a', 'name_a', 'id_b', 'name_b', 'relation', 'survivor_id', 'evidence'] : [...PAIR_COLUMNS[review.entity]];
  return {
    title: `Likely duplicate ${PLURAL[review.entity]}: pairs by group, strongest first`,
    columns: keys.map((key) => ({ key, header: HEADERS[key] ?? key, type: columnType(key) })),
    rows,
    note:
      rows.length === 0
        ? undefined
        : `Keep = the suggested survivor. Merge on a terminal with crm dedupe ${PLURAL[review.entity]} (interactive review),\n` +
          `or write the pairs with --format csv, fill in "decision" (merge / not_duplicate / skip), then crm dedupe apply FILE.`,
  };
}

function mergeModel(outcomes: readonly (MergeOutcome & { group?: number; score?: number | null })[], entity: EntityKind, rows: Map<number, Row>, dryRun: boolean): TableModel {
  return {
    title: dryRun ? 'Merges that would be made (dry run: nothing was written)' : 'Merges made (undo one with crm dedupe undo MERGE_ID)',
    columns: [
      { key: 'merge_id', header: 'Merge', type: 'int' },
      { key: 'group', header: 'Group', type: 'int' },
      { key: 'score', header: 'Score', type: 'number' },
      { key: 'survivor_id', header: 'Kept', type: 'int' },
      { key: 'survivor', header: 'Kept record' },
      { key: 'merged_id', header: 'Merged', type: 'int' },
      { key: 'merged', header: 'Merged record' },
      { key: 'moved_rows', header: 'Rows moved', type: 'int' },
      { key: 'changed', header: 'Fields filled or changed' },
    ],
    rows: outcomes.map((o) => ({
      merge_id: dryRun ? null : o.mergeId,
      group: o.group ?? null,
      score: o.score ?? null,
      survivor_id: o.survivorId,
      survivor: str(rows.get(o.survivorId)?.[NAME_COLUMN[entity]]),
      merged_id: o.mergedId,
      merged: str(rows.get(o.mergedId)?.[NAME_COLUMN[entity]]),
      moved_rows: o.moved,
      changed: o.changed.join(', ') || null,
    })),
  };
}

/**
 * Test hook for the kill -9 and the concurrency tests: pause inside the merge transaction after
 * the first merge, for CRM_TEST_PAUSE_IN_MERGE ms or until the file CRM_TEST_RESUME_FILE exists.
 */
function pauseHook(ctx: Context): (() => Promise<void>) | undefined {
  const ms = Number(ctx.env.CRM_TEST_PAUSE_IN_MERGE ?? 0);
  if (!ms) return undefined;
  const resume = ctx.env.CRM_TEST_RESUME_FILE;
  return async () => {
    ctx.streams.stderr.write('paused inside the merge transaction\n');
    const until = Date.now() + ms;
    while (Date.now() < until && !(resume && fs.existsSync(resume))) await new Promise((resolve) => setTimeout(resolve, 20));
  };
}

async function autoMerge(ctx: Context, cdb: CrmDatabase, review: Review, threshold: number, dryRun: boolean): Promise<void> {
  const { writeTransaction } = await import('../../db/transaction.js');
  const { mergeRecords } = await import('../../db/merge.js');
  const now = localDateTime(ctx.now());
  const chosen = review.groups.map((g, gi) => ({ g, gi })).filter(({ g }) => g.score >= threshold);
  const afterFirst = pauseHook(ctx);
  const outcomes = await writeTransaction(
    cdb,
    async (db) => {
      const all: (MergeOutcome & { group: number; score: number })[] = [];
      for (const { g, gi } of chosen) {
        const survivorId = review.survivors.get(g)!;
        const merged = g.ids.filter((id) => id !== survivorId);
        const done = await mergeRecords(db, { entity: review.entity, survivorId, mergedIds: merged, score: g.score, user: ctx.user, now, afterFirst: all.length === 0 ? afterFirst : undefined });
        all.push(...done.map((o) => ({ ...o, group: gi + 1, score: g.score })));
      }
      return all;
    },
    { dryRun, what: `crm dedupe ${PLURAL[review.entity]} --auto`, env: ctx.env, denseIds: DENSE },
  );
  await ctx.output(mergeModel(outcomes, review.entity, review.rows, dryRun));
  const moved = outcomes.reduce((s, o) => s + o.moved, 0);
  ctx.info(
    `${dryRun ? 'dry run: would merge' : 'merged'} ${outcomes.length} ${PLURAL[review.entity]} into ${chosen.length} survivor${chosen.length === 1 ? '' : 's'} (groups scoring ≥ ${threshold}), ${moved} rows ${dryRun ? 'would be ' : ''}re-pointed` +
      (dryRun || outcomes.length === 0 ? '' : '; crm dedupe history lists them, crm dedupe undo MERGE_ID undoes one'),
  );
}

export async function run(ctx: Context, flags: FindFlags): Promise<void> {
  await find(ctx, 'client', flags);
}

export async function contacts(ctx: Context, flags: FindFlags): Promise<void> {
  await find(ctx, 'contact', flags);
}

async function find(ctx: Context, entity: EntityKind, flags: FindFlags): Promise<void> {
  const { DEFAULT_THRESHOLD } = await import('../../dedupe/score.js');
  if (flags.auto && flags.threshold === undefined) {
    throw new UsageError(`--auto merges without asking, so it needs an explicit --threshold (e.g. --threshold 0.95; the listing default is ${DEFAULT_THRESHOLD})`);
  }
  const threshold = parseThreshold(flags.threshold, DEFAULT_THRESHOLD);
  const limit = parseCount(flags.limit, '--limit');
  await withDatabase(ctx, async (cdb) => {
    const review = await findAndDescribe(ctx, cdb, entity, threshold, limit);
    if (flags.auto) return autoMerge(ctx, cdb, review, threshold, flags.dryRun ?? false);
    if (ctx.interactive && ctx.render.format === 'table' && !flags.dryRun && review.groups.length > 0) return interactiveReview(ctx, cdb, review);
    await ctx.output(await pairModel(review, ctx.render.format));
    if (!flags.dryRun && review.groups.length > 0 && !ctx.interactive) {
      ctx.info(`nothing was merged: without a terminal, merge with --auto --threshold X, or review the pairs file (--format csv) and run crm dedupe apply FILE`);
    }
  });
}

// ---------------------------------------------------------------- interactive review

type Action = { kind: 'merge'; survivor: number; choose: boolean } | { kind: 'not_duplicates' } | { kind: 'skip' } | { kind: 'quit' };

interface Prompter {
  select<T>(message: string, choices: readonly { name: string; value: T; description?: string }[], defaultValue?: T): Promise<T>;
}

async function inquirerPrompter(ctx: Context): Promise<Prompter> {
  const { default: inquirer } = await import('inquirer');
  const prompt = inquirer.createPromptModule({ input: ctx.streams.stdin, output: ctx.streams.stderr });
  return {
    async select(message, choices, defaultValue) {
      try {
        const answer = (await prompt([{ type: 'select', name: 'v', message, choices: choices.map((c) => ({ ...c })), default: defaultValue, pageSize: 12 }])) as { v: unknown };
        return answer.v as never;
      } catch (err) {
        if ((err as Error).name === 'ExitPromptError' || (err as Error).name === 'AbortPromptError') throw new InterruptedError('review interrupted; the merges made so far are saved');
        throw err;
      }
    },
  };
}

function short(v: unknown, max = 60): string {
  const s = v === null || v === undefined ? '—' : String(v);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

async function showGroup(ctx: Context, review: Review, g: DuplicateGroup, index: number): Promise<void> {
  const { renderTable } = await import('../../render/table.js');
  const { explain } = await import('../../dedupe/score.js');
  const fields =
    review.entity === 'client'
      ? ['name', 'inn', 'kpp', 'phone', 'email', 'website', 'city', 'address', 'status', 'external_id']
      : ['full_name', 'client_id', 'position', 'phone', 'email', 'postal_address', 'external_id'];
  let text = '';
  const sink = { write: (s: string) => (text += s) };
  renderTable(
    {
      title: `Group ${index + 1} of ${review.groups.length}: ${g.ids.length} ${PLURAL[review.entity]}, score ${g.score.toFixed(2)}`,
      columns: [{ key: 'field', header: '' }, ...g.ids.map((id) => ({ key: String(id), header: `#${id}${review.survivors.get(g) === id ? ' (keep?)' : ''}` }))],
      rows: fields.map((f) => {
        const row: Record<string, unknown> = { field: f };
        for (const id of g.ids) {
          const r = review.rows.get(id)!;
          row[String(id)] = f === 'client_id' ? short(`#${String(r.client_id)} ${review.clientNames.get(Number(r.client_id)) ?? ''}`, 40) : short(r[f], 40);
        }
        return row;
      }),
    },
    { format: 'table', color: ctx.stderrColor, bom: false, delimiter: ',' },
    sink,
  );
  ctx.streams.stderr.write('\n' + text);
  for (const p of g.pairs) ctx.streams.stderr.write(`  #${p.a} ~ #${p.b}  ${p.score.toFixed(2)}: ${explain(p.evidence)}\n`);
}

async function interactiveReview(ctx: Context, cdb: CrmDatabase, review: Review): Promise<void> {
  const { writeTransaction } = await import('../../db/transaction.js');
  const { mergeRecords } = await import('../../db/merge.js');
  const { markNotDuplicates } = await import('../../db/queries/dedupe.js');
  const { conflicts, CHOOSABLE } = await import('../../dedupe/merge-plan.js');
  const prompter = await inquirerPrompter(ctx);
  const name = (id: number) => short(review.rows.get(id)?.[NAME_COLUMN[review.entity]], 50);
  let merged = 0;
  let marked = 0;
  let skipped = 0;
  for (const [gi, g] of review.groups.entries()) {
    await showGroup(ctx, review, g, gi);
    const suggested = review.survivors.get(g)!;
    const groupRows = g.ids.map((id) => review.rows.get(id)!);
    const conflicting = conflicts(review.entity, groupRows);
    const choices: { name: string; value: Action; description?: string }[] = [
      ...[suggested, ...g.ids.filter((id) => id !== suggested)].map((id) => ({
        name: `Merge into #${id} ${name(id)}${id === suggested ? ' (suggested)' : ''}`,
        value: { kind: 'merge', survivor: id, choose: false } as Action,
        description: conflicting.length ? `where values differ, #${id} keeps its own; the others are kept as aliases` : undefined,
      })),
      ...(conflicting.length ? [{ name: `Merge, choosing the values of ${conflicting.map((c) => c.field).join(', ')}`, value: { kind: 'merge', survivor: suggested, choose: true } as Action }] : []),
      { name: 'Not duplicates (remember, never propose again)', value: { kind: 'not_duplicates' } },
      { name: 'Skip for now', value: { kind: 'skip' } },
      { name: 'Stop reviewing', value: { kind: 'quit' } },
    ];
    const action = await prompter.select<Action>(`Group ${gi + 1}: what to do?`, choices, choices[0]!.value);
    if (action.kind === 'quit') break;
    if (action.kind === 'skip') {
      skipped++;
      continue;
    }
    const now = localDateTime(ctx.now());
    if (action.kind === 'not_duplicates') {
      const pairs: [number, number][] = [];
      for (let i = 0; i < g.ids.length; i++) for (let j = i + 1; j < g.ids.length; j++) pairs.push([g.ids[i]!, g.ids[j]!]);
      await writeTransaction(cdb, (db) => markNotDuplicates(db, review.entity, pairs, ctx.user, now), { what: 'marking not duplicates', env: ctx.env, denseIds: DENSE });
      marked += pairs.length;
      ctx.info(`remembered: ${g.ids.map((id) => `#${id}`).join(', ')} are not duplicates`);
      continue;
    }
    let survivor = action.survivor;
    const picked: Record<string, number> = {};
    if (action.choose) {
      survivor = await prompter.select(
        'Which record stays (keeps its id, external id and history)?',
        g.ids.map((id) => ({ name: `#${id} ${name(id)}`, value: id })),
        suggested,
      );
      for (const c of conflicting) {
        if (!CHOOSABLE[review.entity].includes(c.field)) continue;
        // one choice per distinct value, naming every record that has it; the survivor's own comes first
        const byValue = new Map<string, number[]>();
        for (const v of c.values) byValue.set(String(v.value), [...(byValue.get(String(v.value)) ?? []), v.id]);
        const options = [...byValue.entries()].map(([value, owners]) => ({
          name: `${short(value, 70)}  (${owners.map((id) => `#${id}`).join(', ')})`,
          value: owners.includes(survivor) ? survivor : owners[0]!,
        }));
        options.sort((x, y) => Number(y.value === survivor) - Number(x.value === survivor));
        picked[c.field] = await prompter.select(`${c.field.replaceAll('_', ' ')}:`, options, options[0]!.value);
      }
    }
    const others = g.ids.filter((id) => id !== survivor);
    const outcomes = await writeTransaction(cdb, (db) => mergeRecords(db, { entity: review.entity, survivorId: survivor, mergedIds: others, choices: picked, score: g.score, user: ctx.user, now }), { what: 'the merge', env: ctx.env, denseIds: DENSE });
    merged += outcomes.length;
    ctx.info(
      `merged ${others.map((id) => `#${id}`).join(', ')} into #${survivor} (merge ${outcomes.map((o) => o.mergeId).join(', ')}; ${outcomes.reduce((s, o) => s + o.moved, 0)} rows re-pointed)`,
    );
  }
  ctx.info(`review done: ${merged} merged, ${marked} pairs marked not duplicates, ${skipped} groups skipped`);
}

// ---------------------------------------------------------------- apply a reviewed pair file

async function readPairFile(ctx: Context, file: string, encoding: string | undefined): Promise<string[][]> {
  const { detectEncoding, parseEncoding, sniffBinary, sniffDelimiter } = await import('../../import/input.js');
  let bytes: Buffer;
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of ctx.streams.stdin) chunks.push(Buffer.from(c as Buffer));
    bytes = Buffer.concat(chunks);
  } else {
    try {
      bytes = fs.readFileSync(file);
    } catch {
      throw new InputError(`${file}: no such file`, 'give the pair file written by crm dedupe --format csv (or - for stdin)');
    }
  }
  const name = file === '-' ? 'stdin' : file;
  if (bytes.length === 0) throw new InputError(`${name} is empty`);
  sniffBinary(bytes, name);
  const detected = detectEncoding(bytes, true);
  const enc = encoding ? parseEncoding(encoding) : detected.encoding;
  const text = new TextDecoder(enc).decode(bytes.subarray(encoding && enc !== detected.encoding ? 0 : detected.bom));
  const flag = ctx.render.delimiter !== ',' ? ctx.render.delimiter : undefined;
  const delimiter = flag ?? sniffDelimiter(text);
  const { parse } = await import('csv-parse/sync');
  try {
    return parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, bom: true }) as string[][];
  } catch (err) {
    throw new InputError(`${name}: not a readable CSV file: ${(err as Error).message}`);
  }
}

export async function apply(ctx: Context, file: string, flags: ApplyFlags): Promise<void> {
  const { readDecisions } = await import('../../dedupe/decisions.js');
  const rows = await readPairFile(ctx, file, flags.encoding);
  const name = file === '-' ? 'stdin' : file;
  const { decisions, problems } = readDecisions(rows, name);
  const fail = (list: readonly InputProblem[]) =>
    new InputError(`${name}: ${list.length} row${list.length === 1 ? '' : 's'} cannot be applied; nothing was changed`, 'fix them (or set decision to skip) and run crm dedupe apply again', list);
  if (problems.length > 0) throw fail(problems);
  const dryRun = flags.dryRun ?? false;
  await withDatabase(ctx, async (cdb) => {
    const q = await import('../../db/queries/dedupe.js');
    const { writeTransaction } = await import('../../db/transaction.js');
    const { mergeRecords } = await import('../../db/merge.js');
    // every id must exist before anything is written
    const missing: InputProblem[] = [];
    for (const entity of ['client', 'contact'] as const) {
      const mine = decisions.filter((d) => d.entity === entity);
      const ids = [...new Set(mine.flatMap((d) => [d.idA, d.idB, ...(d.survivorId === null ? [] : [d.survivorId])]))];
      const found = await q.fetchRows(cdb.db, entity, ids);
      for (const d of mine) {
        for (const [field, id] of [['id_a', d.idA], ['id_b', d.idB], ['survivor_id', d.survivorId]] as const) {
          if (id !== null && !found.has(id)) missing.push({ file: name, line: d.line, field, value: String(id), reason: `there is no ${entity} #${id}` });
        }
      }
    }
    if (missing.length > 0) throw fail(missing);
    const now = localDateTime(ctx.now());
    const results = await writeTransaction(
      cdb,
      async (db) => {
        const out: OutRow[] = [];
        for (const d of decisions) {
          const base = { line: d.line, entity: d.entity, id_a: d.idA, id_b: d.idB, decision: d.decision, survivor_id: d.survivorId };
          if (d.decision === 'skip') {
            out.push({ ...base, result: 'skipped', merge_ids: null });
            continue;
          }
          if (d.decision === 'not_duplicate') {
            const added = await q.markNotDuplicates(db, d.entity, [[d.idA, d.idB]], ctx.user, now);
            out.push({ ...base, result: added ? 'marked not duplicates' : 'already marked not duplicates', merge_ids: null });
            continue;
          }
          const survivor = await q.liveRecord(db, d.entity, d.survivorId!);
          const a = await q.liveRecord(db, d.entity, d.idA);
          const b = await q.liveRecord(db, d.entity, d.idB);
          const targets = [...new Set([a, b])].filter((x): x is number => x !== null && x !== survivor);
          if (survivor === null || targets.length === 0) {
            out.push({ ...base, result: 'already merged', merge_ids: null });
            continue;
          }
          const outcomes = await mergeRecords(db, { entity: d.entity, survivorId: survivor, mergedIds: targets, score: d.score, user: ctx.user, now });
          const into = survivor === d.survivorId ? `#${survivor}` : `#${survivor} (where #${d.survivorId} was merged before)`;
          out.push({ ...base, result: `merged ${targets.map((t) => `#${t}`).join(', ')} into ${into}`, merge_ids: outcomes.map((o) => o.mergeId).join(' ') });
        }
        return out;
      },
      { dryRun, what: `crm dedupe apply ${name}`, env: ctx.env, denseIds: DENSE },
    );
    await ctx.output({
      title: dryRun ? `${name}: what applying it would do (dry run: nothing was written)` : `${name}: applied`,
      columns: [
        { key: 'line', header: 'Line', type: 'int' },
        { key: 'entity', header: 'Entity' },
        { key: 'id_a', header: 'ID A', type: 'int' },
        { key: 'id_b', header: 'ID B', type: 'int' },
        { key: 'decision', header: 'Decision' },
        { key: 'survivor_id', header: 'Keep', type: 'int' },
        { key: 'result', header: 'Result' },
        { key: 'merge_ids', header: 'Merge ids' },
      ],
      rows: results.map((r) => (dryRun ? { ...r, merge_ids: null } : r)),
    });
    const count = (k: string) => results.filter((r) => r.decision === k).length;
    ctx.info(
      `${name}${dryRun ? ' (dry run, nothing written)' : ''}: ${count('merge')} merge decisions, ${count('not_duplicate')} not duplicates, ${count('skip')} skipped` +
        (dryRun ? '' : '; crm dedupe history lists the merges'),
    );
  });
}

// ---------------------------------------------------------------- crm import --check-duplicates

/** Warnings shown at most; the count of the rest is given. */
const CHECK_SHOWN = 50;

/**
 * Warns about rows an import just inserted (inside its transaction) that look like records of the
 * base, or like each other. Nothing is changed; `crm dedupe` merges them later.
 */
export async function checkIncoming(ctx: Context, cdb: CrmDatabase, entity: EntityKind, inserted: readonly { id: number; line: number }[]): Promise<void> {
  if (inserted.length === 0) return;
  const q = await import('../../db/queries/dedupe.js');
  const { findClientDuplicates, findContactDuplicates } = await import('../../dedupe/find.js');
  const { explain } = await import('../../dedupe/score.js');
  const only = new Set(inserted.map((r) => r.id));
  const lineOf = new Map(inserted.map((r) => [r.id, r.line]));
  const notDuplicates = await q.notDuplicatePairs(cdb.db, entity);
  const result =
    entity === 'client'
      ? findClientDuplicates(await q.loadClientRecords(cdb.db), { only, notDuplicates })
      : findContactDuplicates(await q.loadContactRecords(cdb.db), { only, notDuplicates });
  const incomingLine = (p: ScoredPair) => Math.min(lineOf.get(p.a) ?? Infinity, lineOf.get(p.b) ?? Infinity);
  const pairs = [...result.pairs, ...result.branches].sort((x, y) => incomingLine(x) - incomingLine(y) || y.score - x.score);
  if (pairs.length === 0) {
    ctx.info(`--check-duplicates: none of the ${inserted.length} new ${PLURAL[entity]} looks like one in the base`);
    return;
  }
  const rows = await q.fetchRows(cdb.db, entity, [...new Set(pairs.flatMap((p) => [p.a, p.b]))]);
  const label = (id: number) => {
    const r = rows.get(id);
    const name = short(r?.[NAME_COLUMN[entity]], 60);
    return lineOf.has(id) ? `line ${lineOf.get(id)} «${name}»` : `${entity} #${id} «${name}»${r?.external_id ? ` (${String(r.external_id)})` : ''}`;
  };
  const suspicious = new Set(pairs.flatMap((p) => [p.a, p.b]).filter((id) => only.has(id)));
  ctx.warn(`--check-duplicates: ${suspicious.size} of the ${inserted.length} new ${PLURAL[entity]} look like records already in the base:`);
  for (const p of pairs.slice(0, CHECK_SHOWN)) {
    const [mine, other] = only.has(p.a) && !only.has(p.b) ? [p.a, p.b] : only.has(p.b) && !only.has(p.a) ? [p.b, p.a] : [Math.max(p.a, p.b), Math.min(p.a, p.b)];
    const what = p.relation === 'branch' ? 'is a branch of (or the HQ of), not a duplicate of,' : 'looks like';
    ctx.warn(`  ${label(mine)} ${what} ${label(other)}: score ${p.score.toFixed(2)} (${explain(p.evidence)})`);
  }
  if (pairs.length > CHECK_SHOWN) ctx.warn(`  … and ${pairs.length - CHECK_SHOWN} more pairs`);
  ctx.warn(`review and merge them with: crm dedupe ${PLURAL[entity]}`);
}

// ---------------------------------------------------------------- history and undo

export async function history(ctx: Context, flags: HistoryFlags): Promise<void> {
  const limit = parseCount(flags.limit, '--limit');
  let entity: EntityKind | undefined;
  if (flags.entity !== undefined) {
    const e = flags.entity.replace(/s$/, '');
    if (e !== 'client' && e !== 'contact') throw new UsageError(`--entity must be clients or contacts (got ${JSON.stringify(flags.entity)})`);
    entity = e;
  }
  await withDatabase(ctx, async (cdb) => {
    const { mergeHistory } = await import('../../db/queries/dedupe.js');
    const rows = await mergeHistory(cdb.db, { entity, limit, includeUndone: flags.all ?? false });
    await ctx.output({
      title: `Merges, newest first${flags.all ? ' (undone ones too)' : ''}`,
      columns: [
        { key: 'merge_id', header: 'Merge', type: 'int' },
        { key: 'merged_at', header: 'When', type: 'date' },
        { key: 'entity', header: 'Entity' },
        { key: 'survivor_id', header: 'Kept', type: 'int' },
        { key: 'survivor', header: 'Kept record' },
        { key: 'merged_id', header: 'Merged', type: 'int' },
        { key: 'merged', header: 'Merged record (as it was)' },
        { key: 'score', header: 'Score', type: 'number' },
        { key: 'moved_rows', header: 'Rows moved', type: 'int' },
        { key: 'merged_by', header: 'By' },
        { key: 'undone_at', header: 'Undone', type: 'date' },
        { key: 'undone_by', header: 'Undone by' },
      ],
      rows,
      note: rows.length ? 'Undo one with crm dedupe undo MERGE_ID (the latest merge of a record first).' : undefined,
    });
  });
}

export async function undo(ctx: Context, mergeIds: string[], flags: UndoFlags): Promise<void> {
  for (const t of mergeIds) {
    if (!/^\d+$/.test(t)) throw new UsageError(`a merge id is a whole number (got ${JSON.stringify(t)})`, 'crm dedupe history lists the merges');
  }
  // several at once: the newest first, as each must be the latest of its records when undone
  const ids = [...new Set(mergeIds.map(Number))].sort((a, b) => b - a);
  const dryRun = flags.dryRun ?? false;
  await withDatabase(ctx, async (cdb) => {
    const { writeTransaction } = await import('../../db/transaction.js');
    const { undoMerge } = await import('../../db/merge.js');
    const { fetchRows } = await import('../../db/queries/dedupe.js');
    const now = localDateTime(ctx.now());
    const outcomes = await writeTransaction(
      cdb,
      async (db) => {
        const done = [];
        for (const id of ids) done.push(await undoMerge(db, id, ctx.user, now));
        return done;
      },
      { dryRun, what: 'crm dedupe undo', env: ctx.env, denseIds: DENSE },
    );
    for (const o of outcomes) {
      const rows = await fetchRows(cdb.db, o.entity, [o.mergedId, o.survivorId]);
      const label = (id: number) => `${o.entity} #${id} ${short(rows.get(id)?.[NAME_COLUMN[o.entity]], 60)}`;
      ctx.info(
        `${dryRun ? 'dry run, nothing written: would undo' : 'undid'} merge #${o.mergeId}: ${label(o.mergedId)} is back, ${o.movedBack} rows ${dryRun ? 'would move' : 'moved'} back from ${label(o.survivorId)}`,
      );
      if (o.notMovedBack > 0) ctx.warn(`merge #${o.mergeId}: ${o.notMovedBack} rows it moved point elsewhere now and were left where they are`);
      if (o.keptFields.length > 0) ctx.warn(`merge #${o.mergeId}: changed since the merge, so kept as they are now on #${o.survivorId}: ${o.keptFields.join(', ')}`);
    }
  });
}
