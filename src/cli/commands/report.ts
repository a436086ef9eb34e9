/**
 * crm report <name>: every report is one entry in REPORTS (name, purpose, its own flags,
 * examples, and the module that runs it, src/cli/commands/report-<name>.ts). Adding a report is
 * adding that file and one entry here; `crm report --help` lists them. This module is loaded to
 * build the command tree, so it imports nothing heavy: the report modules load when they run.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { parseDate } from '../../util/dates.js';
import type { Context } from '../context.js';

type Runner = (ctx: Context, ...args: never[]) => Promise<void>;
type Loader = () => Promise<{ run: Runner }>;

export interface ReportEntry {
  readonly name: string;
  readonly description: string;
  /** the report's own flags and arguments */
  readonly flags?: (cmd: Command) => Command;
  readonly examples: readonly string[];
  /** extra help text before the examples */
  readonly help?: string;
  readonly load: Loader;
}

const asOf = (cmd: Command) => cmd.option('--as-of <date>', 'the day to report on: YYYY-MM-DD or DD.MM.YYYY (default: today)');
const windowWeeks = (cmd: Command) => cmd.option('--window <weeks>', 'weeks of evidence up to the as-of week (default: setting kam.window_weeks, 13)');
/** --from/--to, both inclusive; `what` says which date of a row decides */
const period = (cmd: Command, what: string) =>
  cmd.option('--from <date>', `first day, inclusive (${what})`).option('--to <date>', 'last day, inclusive');

export const REPORTS: readonly ReportEntry[] = [
  {
    name: 'key-accounts',
    description: 'score every key account 0–100 on the six Hise & Reid conditions: total, band, weakest condition, next action, programme row',
    flags: (cmd) =>
      windowWeeks(asOf(cmd))
        .option('--client <client>', 'one key account: id (#42), external id, INN or exact name')
        .option('--explain', 'the evidence behind every score: rows and dates found and missing, the rules and settings used'),
    help:
      '\nConditions: C1 integration (weeks with a plan task), C2 top management (executive sponsor, top-to-top\n' +
      'contact), C3 sales–service (service member, client service contact, non-sales activity), C4 goals and\n' +
      'mission, C5 field reps (a rep active in every region of the HQ and its branches), C6 qualification\n' +
      '(potential, complex buying, partnership). Thresholds and weights: crm config get kam; the rules: docs/key-accounts.md.\n',
    examples: [
      'crm report key-accounts',
      'crm report key-accounts --as-of 2026-11-20 --window 8',
      'crm report key-accounts --client CL-0210 --explain',
      'crm report key-accounts --format csv > kam.csv',
      'crm report key-accounts --format json | jq .settings',
    ],
    load: () => import('./report-key-accounts.js'),
  },
  {
    name: 'key-candidates',
    description: 'clients that qualify as key accounts but are not, and key accounts that do not qualify, with the criteria each meets or fails',
    flags: (cmd) => asOf(cmd),
    examples: ['crm report key-candidates', 'crm report key-candidates --format csv', 'crm config set kam.qualify.min_potential 20000000 && crm report key-candidates'],
    load: () => import('./report-key-candidates.js'),
  },
  {
    name: 'national-accounts',
    description: 'HQs with branches: the regions they cover, the field rep in each region, the last activity per branch, and the gaps',
    flags: (cmd) =>
      windowWeeks(asOf(cmd))
        .option('--client <client>', 'one HQ (or a branch of it): id (#42), external id, INN or exact name')
        .option('--key-only', 'only HQs that are key accounts'),
    examples: ['crm report national-accounts', 'crm report national-accounts --client CL-0134', 'crm report national-accounts --key-only --format csv'],
    load: () => import('./report-national-accounts.js'),
  },
  {
    name: 'data-health',
    description: 'how current the base is: completeness by field and client type, invalid phones/e-mails/INNs, stale contacts, clients without a manager, duplicates',
    flags: (cmd) =>
      asOf(cmd)
        .option('--list <check>', 'the records behind one check: invalid-phones, invalid-emails, invalid-inns, stale-contacts, no-manager, no-contacts, duplicates')
        .option('--section <name>', 'only this part: summary, completeness, contact-completeness (CSV shows one part; summary by default)'),
    examples: ['crm report data-health', 'crm report data-health --list stale-contacts --format csv > to-verify.csv', 'crm report data-health --section completeness --format csv'],
    load: () => import('./report-data-health.js'),
  },
  {
    name: 'promotions',
    description: 'responses → deals → won deals per promotion, channel, staff member, client type or month: ratios, revenue won, cost, ROI, totals',
    flags: (cmd) =>
      period(cmd, 'responses by responded_on')
        .option('--by <grouping>', 'promotion (default), channel, staff (who handled the responses), client-type or month')
        .option('--attribution-days <n>', "also credit a deal with no response link to its client's latest response in the N days before it opened"),
    help:
      '\nA response is in the period by responded_on; its deals count whatever their dates. Cost: each promotion\'s\n' +
      'cost shared equally over all its responses. ROI = (revenue won − cost) / cost. A ratio with nothing to\n' +
      'divide by is empty. --by staff: how well each person turns the responses they handle into deals.\n',
    examples: [
      'crm report promotions',
      'crm report promotions --by channel --from 2026-01-01 --to 2026-06-30',
      'crm report promotions --by staff --attribution-days 30',
      'crm report promotions --by month --format csv > promotions-by-month.csv',
    ],
    load: () => import('./report-promotions.js'),
  },
  {
    name: 'follow-ups',
    description: 'responses with no activity and no deal recorded against them after N days, oldest first, with who handled them',
    flags: (cmd) =>
      asOf(cmd)
        .option('--days <n>', 'how old a response must be to be listed, in days (default 14)')
        .option('--from <date>', 'only responses of this day or later'),
    help: '\nA follow-up is an activity or a deal that names the response (its response column on import).\n',
    examples: ['crm report follow-ups', 'crm report follow-ups --days 7', 'crm report follow-ups --days 30 --as-of 2026-11-20 --format csv > to-call.csv'],
    load: () => import('./report-follow-ups.js'),
  },
  {
    name: 'revenue',
    description: 'won revenue and share by product × client type, the top combinations, and the trend against the previous period',
    flags: (cmd) =>
      period(cmd, 'won deals by closed_on; default: the 12 months up to today')
        .option('--by <grouping>', 'both (product × client type, the default), product or client-type')
        .option('--top <n>', 'the N largest rows, the rest summed into one "other" row'),
    help: '\nThe previous period is the same number of days immediately before --from.\n',
    examples: [
      'crm report revenue',
      'crm report revenue --from 2026-01-01 --to 2026-06-30 --top 10',
      'crm report revenue --by product --format csv > revenue-by-product.csv',
      'crm report revenue --by client-type --from 2025-11-21 --to 2026-11-20',
    ],
    load: () => import('./report-revenue.js'),
  },
  {
    name: 'lost',
    description: 'lost clients by reason and by competitor, revenue in the 12 months before the loss, the last contact before it and who had it',
    flags: (cmd) =>
      period(cmd, 'clients by lost_date').option('--section <name>', 'only this part: reasons, competitors, clients (CSV shows one part; clients by default)'),
    examples: ['crm report lost', 'crm report lost --from 2026-01-01 --section competitors', 'crm report lost --format csv > lost-clients.csv'],
    load: () => import('./report-lost.js'),
  },
  {
    name: 'weekly',
    description: 'the weekly plan review per staff member and in total: planned, done, failed, not done, rates, unplanned activities, key accounts not contacted, change; the carry-over list',
    flags: (cmd) =>
      cmd
        .option('--week <week>', 'the ISO week: 2026-W47, this, last, next, or a date in it (default: this)')
        .option('--staff <staff>', 'one staff member: e-mail or name')
        .option('--weeks <n>', 'the trend: the N weeks up to --week, one row each (the total, or --staff)')
        .option('--carry-over', "only the carry-over list: the week's tasks not done, the longest-carried first"),
    help:
      '\nPlanned = the week\'s tasks that are not cancelled; completion rate = (done + failed) / planned; success\n' +
      'rate = done / (done + failed); not done = still planned or carried; unplanned = activities with no plan\n' +
      'task; a key account is contacted when an activity (by anyone) is on it or a live branch that week; 4+\n' +
      'weeks = not in that week nor the 3 before. Each figure is also given as its change against the week before.\n',
    examples: [
      'crm report weekly',
      'crm report weekly --week 2026-W47 --staff o.tkachenko@promtehsnab.ru',
      'crm report weekly --week last --carry-over --format csv > carry-over.csv',
      'crm report weekly --weeks 8 --format csv',
    ],
    load: () => import('./report-weekly.js'),
  },
];

/** Registers `crm report` and one subcommand per entry of REPORTS. */
export function addReportCommands(
  program: Command,
  lazy: (load: Loader) => (...args: unknown[]) => Promise<void>,
  examples: (...lines: string[]) => string,
): void {
  const report = program
    .command('report')
    .description('reports: ' + REPORTS.map((r) => r.name).join(', '))
    .addHelpText('after', examples(...REPORTS.map((r) => r.examples[0]!)));
  for (const r of REPORTS) {
    const cmd = report.command(r.name).description(r.description);
    (r.flags ? r.flags(cmd) : cmd)
      .addHelpText('after', (r.help ?? '') + examples(...r.examples))
      .exitOverride()
      .action(lazy(r.load));
  }
}

/** --as-of: a calendar date; default today. */
export function parseAsOf(text: string | undefined, today: string): string {
  if (text === undefined) return today;
  const d = parseDate(text);
  if (!d.ok) throw new UsageError(`--as-of ${JSON.stringify(text)}: ${d.reason}`);
  return d.value;
}

/** --window: whole weeks, 1…104. */
export function parseWindow(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 104) throw new UsageError(`--window ${JSON.stringify(text)}: give a number of weeks from 1 to 104`);
  return n;
}
