/**
 * The command tree: names, one-line purposes, flags and examples. Actions load their module
 * only when they run, so `crm --help` and `crm --version` load no database or prompt library.
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import type { Context, GlobalOptions } from './context.js';

type Runner = (ctx: Context, ...args: never[]) => Promise<void>;
type Loader = () => Promise<{ run: Runner }>;

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function lazy(load: Loader) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const { createContext } = await import('./context.js');
    const ctx = createContext(command.optsWithGlobals<GlobalOptions>(), process);
    const { run } = await load();
    await run(ctx, ...(args.slice(0, -1) as never[]));
  };
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

export function buildProgram(): Command {
  const program = new Command('crm')
    .description("The client base of a sales organisation in one SQLite file: import, dedupe, back up, query, report.")
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--db <path>', 'database file (default: $CRM_DB, else ./crm.db)')
    .addOption(new Option('-f, --format <format>', 'output format (default: table on a terminal, csv when piped)').choices(['table', 'csv', 'json', 'ndjson']))
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR=1 does the same)')
    .option('--bom', 'CSV: start with a UTF-8 byte-order mark (for Excel)')
    .option('--delimiter <char>', 'CSV: field delimiter , ; | or tab')
    .option('-q, --quiet', 'no progress or status messages on stderr')
    .option('--user <name>', 'who makes the changes (default: $CRM_USER, else the OS user)')
    .option('--debug', 'show the stack trace of unexpected errors')
    .configureHelp({ showGlobalOptions: true, helpWidth: 100 })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      examples('crm init', 'crm import clients clients.csv', 'crm info --format json', 'crm backup --quiet') +
        '\nExit codes: 0 ok, 1 failure, 2 usage, 3 invalid input, 4 no usable database, 5 database busy,\n6 integrity failure, 7 locked by another run, 70 internal error (a bug), 130 interrupted.\n',
    );

  program
    .command('init')
    .description('create a new database from schema.sql (an existing one is left untouched)')
    .addHelpText('after', examples('crm init', 'crm init --db /srv/crm/sales.db', 'CRM_DB=~/sales.db crm init'))
    .action(lazy(() => import('./commands/init.js')));

  program
    .command('info')
    .description('show the database: path, size, schema version, rows per table, last import and backup')
    .addHelpText('after', examples('crm info', 'crm info --db sales.db --format json'))
    .action(lazy(() => import('./commands/info.js')));

  const collect = (value: string, previous: string[] = []) => [...previous, value];
  program
    .command('import')
    .description('import clients, contacts, staff, deals… from CSV, JSON or NDJSON: validated, atomic, idempotent')
    .argument('<entity>', 'what the file holds (crm import fields lists them), or "fields" / "log"')
    .argument('[file]', 'the file, or - for stdin')
    .option('--source <name>', 'the system the ids come from: rows upsert by (source, external_id)', 'main')
    .option('--map <header=field>', "read a column into a field; 'Header=-' ignores it (repeatable)", collect)
    .option('--mapping <file>', 'a mapping file for a recurring source: JSON {"Header": "field"} or lines Header=field')
    .option('--no-header', 'the file has no header row: give the order with --columns')
    .option('--columns <fields>', 'with --no-header: the fields in column order, e.g. name,inn,phone (- skips one)')
    .option('--encoding <name>', 'utf-8, cp1251, koi8-r, utf-16le (default: detected)')
    .option('--input-format <format>', 'csv, json or ndjson (default: from the extension or the content)')
    .option('--ignore-unknown', 'skip columns that name no field instead of stopping')
    .option('--skip-invalid', 'import the valid rows and skip the invalid ones (listed on stderr and in --rejects)')
    .option('--rejects <file>', 'write the invalid rows, with line and reason, to this CSV file')
    .option('--dry-run', 'validate and report what would be inserted and updated; write nothing')
    .option('--again', 'import a file whose content was imported before')
    .option('--country <code>', 'country for phone numbers without a country code', process.env.CRM_COUNTRY ?? 'RU')
    .addHelpText(
      'after',
      '\nThe input --delimiter is sniffed (, ; tab |) and can be given with the global --delimiter.\n' +
        'Empty cells never overwrite what the base holds. One transaction per file: any invalid row\n' +
        'rejects the whole file (exit 3) unless --skip-invalid.\n' +
        examples(
          'crm import fields clients',
          'crm import clients clients.csv',
          "crm import contacts export.csv --encoding cp1251 --delimiter ';' --map 'Контрагент=client'",
          'crm import deals deals.csv --dry-run --rejects bad-deals.csv',
          'cat activities.ndjson | crm import activities - --source 1c',
          'crm import log',
        ),
    )
    .action(lazy(() => import('./commands/import.js')));

  program
    .command('query')
    .description('list the rows of any entity with filters, or run a read-only SQL SELECT')
    .argument('<entity>', 'clients, contacts, staff, deals, activities, … or "sql"')
    .argument('[sql]', 'with "sql": the SELECT to run, or - to read it from stdin')
    .option('-w, --where <filter>', 'FIELD=VALUE; ~ contains; != > < >= <= (repeatable)', collect)
    .option('--columns <fields>', 'the fields to show, in order, e.g. name,inn,phone')
    .option('--sort <fields>', 'sort by fields; -field or field:desc for descending')
    .option('--limit <n>', `at most n rows (a terminal table shows ${200} unless told; 0 = all)`)
    .option('--type <client type>', 'clients of this type (or rows of such clients)')
    .option('--region <region>', "clients in this region (or rows of such clients)")
    .option('--key-accounts', 'key accounts only (or rows of key accounts)')
    .option('--status <status>', 'status or stage')
    .option('--manager <staff>', "rows of this staff member (e-mail or name): the clients they manage, their deals, activities, tasks")
    .option('--all', 'include records merged into others by dedupe')
    .option('--param <name=value>', 'with "sql": a value for :name in the SQL (repeatable)', collect)
    .addHelpText(
      'after',
      '\nValues are always bound parameters. Text compares ignoring case and ё/е; dates as YYYY-MM-DD\n' +
        '(a year or month works with < and >); money in rubles. `crm query sql` refuses anything that writes.\n' +
        examples(
          "crm query clients --type retail --region Москва --columns name,inn,phone",
          "crm query deals --where stage=won --where 'amount>=1000000' --sort -amount --limit 10",
          "crm query contacts --key-accounts --where 'position~директор'",
          "crm query activities --manager petrov@example.ru --where 'occurred_at>=2026-11'",
          'crm query sql "SELECT client_type, count(*) AS n FROM clients GROUP BY 1"',
          "crm query sql 'SELECT * FROM deals WHERE amount_minor > :min' --param min=100000000",
        ),
    )
    .action(lazy(() => import('./commands/query.js')));

  program
    .command('find')
    .description('find clients and contacts by part of a name, a phone in any format, e-mail, INN or city')
    .argument('<text...>', 'what to look for')
    .option('--limit <n>', 'at most n results (0 = all)', '20')
    .addHelpText(
      'after',
      '\nCyrillic and Latin, case-insensitive, ё = е; best matches first (exact INN, phone and e-mail,\n' +
        'then names that start with the text, then names and cities that contain it).\n' +
        examples('crm find ромашка', "crm find '+7 (495) 123-45-67'", 'crm find 123-45-67', 'crm find 7707083893', 'crm find info@romashka.ru', 'crm find Казань --format csv'),
    )
    .action(lazy(() => import('./commands/find.js')));

  program
    .command('show')
    .description('the client card: details, HQ and branches, contacts, team, open deals, activities, tasks, goals')
    .argument('<what>', '"client"')
    .argument('<client...>', 'id (#42), external id, INN or exact name')
    .option('--section <name>', 'only this part: details, structure, contacts, team, deals, activities, tasks, goals, assessments (CSV shows one part; details by default)')
    .option('--recent <n>', 'how many recent activities', '10')
    .addHelpText('after', examples('crm show client 7707083893', "crm show client 'ООО «Ромашка»'", 'crm show client CL-0033 --section contacts --format csv', 'crm show client 42 --format json'))
    .action(lazy(() => import('./commands/show.js')));

  return program;
}
