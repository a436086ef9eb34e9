/**
 * crm assess <client>: the account manager's self-assessment of the six Hise & Reid conditions,
 * 1–5 with a note each. On a terminal a questionnaire asks for each condition, showing what the
 * evidence in the base says; without one (cron, scripts, CI) the ratings come from --c1 … --c6.
 * The ratings are saved in one transaction, then shown beside the evidence scores.
 */
import { CONDITION_KEYS } from '../../config/kam.js';
import { describeClient, resolveClient } from '../../db/queries/client-ref.js';
import { insertAssessments, resolveStaff, type NewAssessment } from '../../db/queries/assessments.js';
import { InterruptedError, UsageError } from '../../errors.js';
import type { Row, TableModel } from '../../render/model.js';
import { CONDITION_TITLES, conditionColumn, ratingScore, type AccountScore, type ConditionResult } from '../../reports/key-accounts.js';
import { localDate, localDateTime, parseDate } from '../../util/dates.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';
import { scoreFromDatabase } from './report-key-accounts.js';

export interface AssessFlags {
  c1?: string;
  c2?: string;
  c3?: string;
  c4?: string;
  c5?: string;
  c6?: string;
  note?: string[];
  on?: string;
  assessor?: string;
}

export const RATING_MEANING: Readonly<Record<number, string>> = {
  1: 'not in place',
  2: 'barely',
  3: 'partly',
  4: 'mostly',
  5: 'fully in place',
};

/** The ratings and notes given as flags: criterion → { rating, note }. */
export function ratingsFromFlags(flags: AssessFlags): NewAssessment[] {
  const notes = new Map<number, string>();
  for (const n of flags.note ?? []) {
    const m = /^\s*(?:c)?([1-6])\s*[=:]\s*([\s\S]*)$/i.exec(n) ?? /^\s*([a-z_]+)\s*[=:]\s*([\s\S]*)$/i.exec(n);
    const criterion = m ? (/^\d$/.test(m[1]!) ? Number(m[1]) : CONDITION_KEYS.indexOf(m[1]!.toLowerCase() as (typeof CONDITION_KEYS)[number]) + 1) : 0;
    if (!m || criterion < 1) throw new UsageError(`--note ${JSON.stringify(n)}: write it as N=text, N the condition 1–6 (e.g. --note "2=спонсор назначен")`);
    notes.set(criterion, m[2]!.trim());
  }
  const out: NewAssessment[] = [];
  for (let c = 1; c <= 6; c++) {
    const text = flags[`c${c}` as keyof AssessFlags] as string | undefined;
    if (text === undefined) {
      if (notes.has(c)) throw new UsageError(`--note for condition ${c} needs its rating too: --c${c} 1…5`);
      continue;
    }
    if (!/^\s*[1-5]\s*$/.test(text)) throw new UsageError(`--c${c} ${JSON.stringify(text)}: a rating is a whole number from 1 (${RATING_MEANING[1]}) to 5 (${RATING_MEANING[5]})`);
    out.push({ criterion: c, rating: Number(text), note: notes.get(c) || null });
  }
  return out;
}

function evidenceLine(c: ConditionResult): string {
  const marks = c.rules.map((r) => `${r.status === 'met' ? '✓' : r.status === 'partial' ? '~' : r.status === 'not_scored' ? '·' : '✗'} ${r.label}`);
  return `evidence in the base: ${c.score}/100 (${marks.join('; ')})`;
}

export async function questionnaire(ctx: Context, name: string, account: AccountScore, assessedOn: string): Promise<NewAssessment[]> {
  const { createPromptModule } = await import('inquirer');
  const prompt = createPromptModule({ input: ctx.streams.stdin as NodeJS.ReadStream, output: ctx.streams.stderr as NodeJS.WriteStream });
  const out: NewAssessment[] = [];
  try {
    ctx.info(`Self-assessment of ${name} on ${assessedOn}: rate each condition 1–5 (the cursor starts on your last rating, else on 3; "skip" leaves a condition out).`);
    for (const c of account.conditions) {
      const previous = c.self?.rating;
      const { rating } = await prompt<{ rating: number | 0 }>([
        {
          type: 'select',
          name: 'rating',
          message: `C${c.n} ${CONDITION_TITLES[c.key]}\n  ${evidenceLine(c)}${previous ? `\n  your last rating: ${previous} on ${c.self!.assessedOn}` : ''}\n  Your rating:`,
          choices: [5, 4, 3, 2, 1].map((v) => ({ name: `${v} — ${RATING_MEANING[v]}`, value: v })).concat([{ name: 'skip this condition', value: 0 }]),
          default: previous ?? 3,
        },
      ]);
      if (rating === 0) continue;
      const { note } = await prompt<{ note: string }>([{ type: 'input', name: 'note', message: `  Note on C${c.n} (optional):` }]);
      out.push({ criterion: c.n, rating, note: note.trim() || null });
    }
    if (out.length === 0) throw new InterruptedError('no rating given; nothing was saved');
    const { ok } = await prompt<{ ok: boolean }>([{ type: 'confirm', name: 'ok', message: `Save ${out.length} rating${out.length === 1 ? '' : 's'} for ${name}?`, default: true }]);
    if (!ok) throw new InterruptedError('assessment cancelled; nothing was saved');
    return out;
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') throw new InterruptedError('assessment cancelled; nothing was saved');
    throw err;
  }
}

export function assessmentModel(account: AccountScore, saved: readonly NewAssessment[], maxGap: number): TableModel {
  const rows: Row[] = saved.map((a) => {
    const c = account.conditions[a.criterion - 1]!;
    const self = ratingScore(a.rating);
    return {
      condition: conditionColumn(c.key),
      rating: a.rating,
      self_score: self,
      evidence_score: c.score,
      gap: self - c.score,
      flagged: Math.abs(self - c.score) > maxGap,
      note: a.note,
    };
  });
  return {
    title: `Saved: ${account.name}, self-assessment beside the evidence`,
    columns: [
      { key: 'condition', header: 'Condition' },
      { key: 'rating', header: 'Rating', type: 'int' },
      { key: 'self_score', header: 'Self', type: 'int' },
      { key: 'evidence_score', header: 'Evidence', type: 'int' },
      { key: 'gap', header: 'Gap', type: 'int' },
      { key: 'flagged', header: `Gap > ${maxGap}`, type: 'bool' },
      { key: 'note', header: 'Note' },
    ],
    rows,
    note: 'Ratings 1–5 read as 0, 25, 50, 75, 100. crm report key-accounts --client … --explain shows the evidence.',
  };
}

export async function run(ctx: Context, client: string, flags: AssessFlags): Promise<void> {
  const given = ratingsFromFlags(flags);
  const today = localDate(ctx.now());
  let assessedOn = today;
  if (flags.on !== undefined) {
    const d = parseDate(flags.on);
    if (!d.ok) throw new UsageError(`--on ${JSON.stringify(flags.on)}: ${d.reason}`);
    if (d.value > today) throw new UsageError(`--on ${d.value} is in the future`);
    assessedOn = d.value;
  }
  if (given.length === 0 && !ctx.interactive) {
    throw new UsageError('give the ratings with --c1 … --c6 (1–5): there is no terminal to ask on', `e.g. crm assess ${JSON.stringify(client)} --c1 4 --c2 3 --note "2=спонсор не встречался с клиентом"`);
  }
  await withDatabase(ctx, async (cdb) => {
    const c = await resolveClient(cdb.db, client);
    if (c.is_key_account !== 1 || c.status === 'lost') {
      throw new UsageError(`${describeClient(c)} is not a ${c.is_key_account === 1 ? 'live ' : ''}key account: the conditions are about key accounts`, c.parent_id !== null ? 'a branch is assessed with its HQ: give the HQ' : undefined);
    }
    const assessor = flags.assessor !== undefined ? await resolveStaff(cdb.db, flags.assessor) : null;
    const { report } = await scoreFromDatabase(ctx, cdb, { asOf: assessedOn, clientId: c.id });
    const account = report.accounts[0];
    if (!account) throw new UsageError(`${describeClient(c)} is not a live key account`);
    const ratings = given.length ? given : await questionnaire(ctx, describeClient(c), account, assessedOn);
    await insertAssessments(cdb.db, c.id, ratings, {
      assessorId: assessor?.id ?? null,
      assessor: assessor?.email ?? assessor?.name ?? ctx.user,
      assessedOn,
      user: ctx.user,
      at: localDateTime(ctx.now()),
    });
    ctx.info(`saved ${ratings.length} rating${ratings.length === 1 ? '' : 's'} for ${describeClient(c)} on ${assessedOn}`);
    const flagged = ratings.filter((a) => Math.abs(ratingScore(a.rating) - account.conditions[a.criterion - 1]!.score) > report.settings.maxGap);
    if (flagged.length) ctx.warn(`the evidence disagrees by more than ${report.settings.maxGap} points on ${flagged.map((a) => `C${a.criterion}`).join(', ')}`);
    await ctx.output(assessmentModel(account, ratings, report.settings.maxGap));
  });
}
