/**
 * Which backups a retention policy keeps: a pure function of the list of backups and the
 * policy, so it can be tested over any calendar.
 *
 * Each rule picks the newest backup of each of its periods, going back from the newest backup,
 * until it has picked as many periods as it is allowed (periods with no backup are skipped, so a
 * pause in backups never empties the directory):
 *   last N     the N newest backups
 *   daily D    the newest backup of each of the last D days that have one
 *   weekly W   … of each of the last W ISO weeks (Monday to Sunday) that have one
 *   monthly M  … of each of the last M calendar months that have one
 * A backup is kept if any rule picks it. Whatever the policy, the newest verified backup is
 * always kept. The caller passes only its own backups, so nothing else can ever be deleted.
 */
import { isoWeekOf } from '../util/isoweek.js';

export interface RetentionPolicy {
  readonly last: number;
  readonly daily: number;
  readonly weekly: number;
  readonly monthly: number;
}

export interface RetentionCandidate {
  readonly name: string;
  /** when it was taken, epoch milliseconds */
  readonly at: number;
  /** the local calendar day it was taken, 'YYYY-MM-DD' */
  readonly day: string;
  /** it passed its integrity check and its file still matches the manifest */
  readonly verified: boolean;
  /** the `.N` of its name: orders backups taken in the same second */
  readonly seq?: number;
}

export interface RetentionDecision {
  readonly name: string;
  readonly keep: boolean;
  /** why it is kept: 'last 1', 'daily 2026-11-22', 'weekly 2026-W47', 'monthly 2026-11', 'newest verified' */
  readonly reasons: readonly string[];
}

export const NO_RETENTION: RetentionPolicy = Object.freeze({ last: 0, daily: 0, weekly: 0, monthly: 0 });

/** True when no rule is set: nothing is rotated. */
export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return p.last === 0 && p.daily === 0 && p.weekly === 0 && p.monthly === 0;
}

type Rule = { readonly label: string; readonly count: number; readonly period: (c: RetentionCandidate) => string };

/** The decisions, newest backup first. An empty policy keeps everything. */
export function planRetention(backups: readonly RetentionCandidate[], policy: RetentionPolicy): RetentionDecision[] {
  const newestFirst = [...backups].sort((a, b) => b.at - a.at || (b.seq ?? 0) - (a.seq ?? 0) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  if (isEmptyPolicy(policy)) return newestFirst.map((b) => ({ name: b.name, keep: true, reasons: ['no policy'] }));
  const reasons = new Map<string, string[]>(newestFirst.map((b) => [b.name, []]));
  const rules: Rule[] = [
    { label: 'daily', count: policy.daily, period: (c) => c.day },
    { label: 'weekly', count: policy.weekly, period: (c) => isoWeekOf(c.day) },
    { label: 'monthly', count: policy.monthly, period: (c) => c.day.slice(0, 7) },
  ];
  newestFirst.slice(0, policy.last).forEach((b, i) => reasons.get(b.name)!.push(`last ${i + 1}`));
  for (const rule of rules) {
    const seen = new Set<string>();
    for (const b of newestFirst) {
      if (seen.size >= rule.count) break;
      const period = rule.period(b);
      if (seen.has(period)) continue;
      seen.add(period);
      reasons.get(b.name)!.push(`${rule.label} ${period}`);
    }
  }
  const newestVerified = newestFirst.find((b) => b.verified);
  if (newestVerified) reasons.get(newestVerified.name)!.push('newest verified');
  return newestFirst.map((b) => {
    const why = reasons.get(b.name)!;
    return { name: b.name, keep: why.length > 0, reasons: why };
  });
}
