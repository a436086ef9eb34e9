/**
 * The command tree: names, one-line purposes, flags and examples. Actions load their module
 * only when they run, so `crm --help` and `crm --version` load no database or prompt library.
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import type { Context, GlobalOptions } from './context.js';
import { addReportCommands } from './commands/report.js';
import { findEntity } from '../import/entities.js';

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

/** A command whose action is one named export of a lazily loaded module. */
function lazyExport(load: () => Promise<Record<string, unknown>>, name: string) {
  return lazy(async () => ({ run: (await load())[name] as Runner }));
}

/** `--client-type <value>` for every import field of an entity: the same names and formats. */
function entityFlags(cmd: Command, entity: string, except: readonly string[] = []): Command {
  for (const f of findEntity(entity)!.fields) {
    if (!except.includes(f.name)) cmd.option(`--${f.name.replace(/_/g, '-')} <value>`, f.help);
  }
  return cmd;
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

  program
    .command('migrate-to')
    .description('copy the whole SQLite base into an empty PostgreSQL database, checked table by table')
    .argument('<url>', 'the empty target database: postgres://user@host:port/dbname (password: PGPASSWORD or ~/.pgpass)')
    .addHelpText(
      'after',
      '\nOne transaction: the schema, every row with its id, then a row count and a checksum per table on\n' +
        'both sides; any difference rolls everything back (exit 6). A target that is not empty is refused (exit 4).\n' +
        examples('crm migrate-to postgres://crm@db.example.ru:5432/sales --db sales.db', 'PGPASSWORD=… crm migrate-to postgres://crm@localhost/crm --format csv'),
    )
    .action(lazy(() => import('./commands/migrate-to.js')));

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
    .option('--check-duplicates', 'clients, contacts: warn about new rows that look like records already in the base (see crm dedupe)')
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
          'crm import clients new-leads.csv --check-duplicates --dry-run',
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

  const edit = () => import('./commands/edit.js');
  const client = program
    .command('client')
    .description('add a client, change its details or its status')
    .addHelpText('after', examples("crm client add --name 'ООО «Ромашка»' --client-type retail --inn 7707083893", "crm client update 7707083893 --phone '8 495 765-43-21'", 'crm client set-status 7707083893 lost --reason цена'));
  entityFlags(client.command('add').description('add a client (refused if one with the same INN/KPP or name exists)'), 'clients')
    .option('--country <code>', 'country for phone numbers without a country code', 'RU')
    .addHelpText('after', examples("crm client add --name 'ООО «Ромашка»' --client-type retail --inn 7707083893 --phone '+7 495 123-45-67' --manager elkina@example.ru"))
    .action(lazyExport(edit, 'clientAdd'));
  entityFlags(client.command('update').description("change a client's details (an empty value clears a field)").argument('<client>', 'id (#42), external id, INN or exact name'), 'clients')
    .option('--country <code>', 'country for phone numbers without a country code', 'RU')
    .addHelpText('after', examples("crm client update 7707083893 --phone '8 495 765-43-21' --address 'г. Москва, ул. Ленина, д. 1'", "crm client update '#42' --mission ''"))
    .action(lazyExport(edit, 'clientUpdate'));
  client
    .command('set-status')
    .description('mark a client prospect, active or lost (with the reason and the competitor it went to)')
    .argument('<client>', 'id (#42), external id, INN or exact name')
    .argument('<status>', 'prospect, active or lost')
    .option('--reason <text>', 'lost: why')
    .option('--competitor <name>', 'lost: to whom')
    .option('--date <date>', 'lost: when (default today)')
    .addHelpText('after', examples("crm client set-status 7707083893 lost --reason 'цена' --competitor 'ООО Конкурент'", 'crm client set-status CL-0042 active'))
    .action(lazyExport(edit, 'clientSetStatus'));

  const contact = program
    .command('contact')
    .description('add a contact, change it, or confirm its details are current')
    .addHelpText('after', examples("crm contact add --client 7707083893 --full-name 'Иванов Иван' --email ivanov@romashka.ru", 'crm contact verify ivanov@romashka.ru'));
  entityFlags(contact.command('add').description('add a contact person at a client'), 'contacts')
    .option('--country <code>', 'country for phone numbers without a country code', 'RU')
    .addHelpText('after', examples("crm contact add --client 7707083893 --full-name 'Иванов Иван Иванович' --position 'Директор по закупкам' --level executive --buying-role decision_maker --email ivanov@romashka.ru"))
    .action(lazyExport(edit, 'contactAdd'));
  entityFlags(contact.command('update').description("change a contact's details (an empty value clears a field)").argument('<contact>', 'id (#12), external id or e-mail'), 'contacts')
    .option('--country <code>', 'country for phone numbers without a country code', 'RU')
    .addHelpText('after', examples("crm contact update ivanov@romashka.ru --phone '+7 916 123-45-67' --position 'Генеральный директор'"))
    .action(lazyExport(edit, 'contactUpdate'));
  contact
    .command('verify')
    .description("record that a contact's details were confirmed (today, or --on DATE)")
    .argument('<contact>', 'id (#12), external id or e-mail')
    .option('--on <date>', 'when they were confirmed')
    .addHelpText('after', examples('crm contact verify ivanov@romashka.ru', "crm contact verify '#12' --on 2026-11-20"))
    .action(lazyExport(edit, 'contactVerify'));

  entityFlags(
    program
      .command('log')
      .description('record an activity in one line (or, bare on a terminal, by answering questions)')
      .argument('[kind]', 'call, meeting, visit, email, letter, presentation, top_to_top, service, proposal, other')
      .argument('[note...]', 'what happened'),
    'activities',
    ['kind', 'notes', 'external_id'],
  )
    .option('--country <code>', 'country for phone numbers without a country code', 'RU')
    .addHelpText(
      'after',
      '\nThe staff member is --staff, else CRM_USER (or the OS user) as a staff e-mail or name; the time is now\nunless --occurred-at says otherwise.\n' +
        examples("crm log call --client 7707083893 --contact ivanov@romashka.ru --outcome success 'договорились о встрече'", "crm log top_to_top --client CL-0033 --staff v.gromov@promtehsnab.ru --occurred-at '2026-11-19 15:00'", 'crm log'),
    )
    .action(lazyExport(edit, 'log'));

  program
    .command('mailing-list')
    .description('the address list for a promotion mailing: one row per reachable contact of a client type')
    .option('--type <client type>', 'the client type the promotion targets (required)')
    .option('--region <region>', 'only clients in this region')
    .option('--channel <channel>', 'email or post', 'email')
    .addHelpText(
      'after',
      '\nLost clients and contacts without a valid address for the channel are left out and counted on stderr;\n' +
        'a post address is the contact\'s, else the client\'s.\n' +
        examples('crm mailing-list --type retail > retail.csv', "crm mailing-list --type manufacturer --region 'Свердловская область' --channel post --bom --delimiter ';' > letters.csv"),
    )
    .action(lazy(() => import('./commands/mailing-list.js')));

  // crm backup: `create` is the default subcommand, so `crm backup --to DIR` takes a backup and
  // each subcommand owns its flags. Nested commands get exitOverride() here (main.ts sets it on
  // top-level ones only) so that their usage errors also exit 2.
  const backup = program
    .command('backup')
    .description('back up the database: consistent under writers, checked, rotated, safe from cron; list, verify, prune')
    .addHelpText(
      'after',
      examples(
        'crm backup',
        'crm backup --to /srv/crm-backups --compress --keep-daily 7 --keep-weekly 4 --keep-monthly 12',
        'crm backup list',
        'crm backup verify --all',
        'crm backup prune --keep-last 10 --dry-run',
      ) + '\nCron (quiet on success; one line on stderr and a non-zero exit on failure):\n  15 2 * * * crm backup --db /srv/crm/sales.db --to /srv/crm-backups --quiet --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --log /var/log/crm-backup.log\n',
    );
  const keepOptions = (c: Command) =>
    c
      .option('--keep-last <n>', 'keep the N newest backups')
      .option('--keep-daily <d>', 'keep the newest backup of each of the last D days that have one')
      .option('--keep-weekly <w>', 'keep the newest backup of each of the last W ISO weeks that have one')
      .option('--keep-monthly <m>', 'keep the newest backup of each of the last M months that have one');
  keepOptions(
    backup
      .command('create', { isDefault: true })
      .description('take a backup now (the default: `crm backup` is `crm backup create`)')
      .option('--to <dir>', 'backup directory (default: $CRM_BACKUP_DIR, else backups/ beside the database)')
      .option('--compress', 'gzip the backup (.db.gz)')
      .addOption(new Option('--check <level>', 'check the copy with integrity_check (full) or the faster quick_check (quick)').choices(['full', 'quick']).default('full'))
      .option('--wait [seconds]', 'if another backup holds the lock, wait for it (up to SECONDS) instead of exiting with code 7')
      .option('--log <file>', 'append one line per run (ok or FAILED) to FILE'),
  )
    .addHelpText(
      'after',
      examples('crm backup', 'crm backup --to /mnt/nas/crm --compress', 'crm backup --quiet --wait 600 --keep-last 14 --log backup.log', 'CRM_BACKUP_DIR=/srv/crm-backups crm backup --keep-daily 7 --keep-monthly 12'),
    )
    .exitOverride()
    .action(lazy(() => import('./commands/backup.js')));
  backup
    .command('list')
    .description('list the backups: date, size, verified, rows')
    .option('--dir <dir>', 'backup directory (default: $CRM_BACKUP_DIR, else backups/ beside the database)')
    .addHelpText('after', examples('crm backup list', 'crm backup list --dir /srv/crm-backups --format json'))
    .exitOverride()
    .action(lazy(() => import('./commands/backup.js').then((m) => ({ run: m.list }))));
  backup
    .command('verify')
    .description('check a backup again: its sha256 against the manifest and PRAGMA integrity_check (default: the newest)')
    .argument('[file]', 'a backup file (a path, or a name in the backup directory)')
    .option('--all', 'verify every backup in the directory')
    .option('--dir <dir>', 'backup directory (default: $CRM_BACKUP_DIR, else backups/ beside the database)')
    .addOption(new Option('--check <level>', 'integrity_check (full) or quick_check (quick)').choices(['full', 'quick']).default('full'))
    .addHelpText('after', examples('crm backup verify', 'crm backup verify backups/crm-20261122-021500.db', 'crm backup verify --all --quiet'))
    .exitOverride()
    .action(lazy(() => import('./commands/backup.js').then((m) => ({ run: m.verify }))));
  keepOptions(
    backup
      .command('prune')
      .description("delete the backups a retention policy does not keep (never the newest verified one, never files that are not crm's backups)")
      .option('--dir <dir>', 'backup directory (default: $CRM_BACKUP_DIR, else backups/ beside the database)')
      .option('--dry-run', 'show what would be deleted; delete nothing')
      .option('--wait [seconds]', 'if a backup holds the lock, wait for it (up to SECONDS)'),
  )
    .addHelpText('after', examples('crm backup prune --keep-last 10 --dry-run', 'crm backup prune --keep-daily 7 --keep-weekly 4 --keep-monthly 12'))
    .exitOverride()
    .action(lazy(() => import('./commands/backup.js').then((m) => ({ run: m.prune }))));

  program
    .command('restore')
    .description('replace the database by a backup: verified first, the current file kept as a safety copy, swapped atomically')
    .argument('<file>', 'a backup file (a path, or a name in the backup directory)')
    .option('--dir <dir>', 'where to look for a bare backup name (default: $CRM_BACKUP_DIR, else backups/ beside the database)')
    .option('-y, --yes', 'do not ask for confirmation (required when there is no terminal)')
    .option('--dry-run', 'verify the backup and say what would happen; change nothing')
    .addHelpText('after', examples('crm restore backups/crm-20261122-021500.db', 'crm restore crm-20261122-021500.db.gz --db /srv/crm/sales.db --yes', 'crm restore crm-20261122-021500.db --dry-run'))
    .action(lazy(() => import('./commands/restore.js')));

  // crm report <name>: one subcommand per entry of REPORTS in commands/report.ts
  addReportCommands(program, lazy, examples);

  // crm config: `get` is the default subcommand, so `crm config` lists every setting
  const config = program
    .command('config')
    .description('the thresholds and weights of the reports: list, change, reset (stored in the database)')
    .addHelpText('after', examples('crm config', 'crm config get kam.qualify', 'crm config set kam.window_weeks 8', 'crm config set kam.qualify.min_potential "15 000 000"', 'crm config reset kam.window_weeks'));
  config
    .command('get', { isDefault: true })
    .description('show the settings (all, one key, or a group such as kam.qualify) with defaults and meaning')
    .argument('[key]', 'a setting or a group prefix')
    .addHelpText('after', examples('crm config get', 'crm config get kam.band', 'crm config get kam.window_weeks --format json'))
    .exitOverride()
    .action(lazy(() => import('./commands/config.js')));
  config
    .command('set')
    .description('change a setting: the value is checked against its type, range and the other settings')
    .argument('<key>', 'the setting, e.g. kam.window_weeks')
    .argument('<value>', 'the new value: a number, an amount in rubles, or a comma-separated list')
    .addHelpText('after', examples('crm config set kam.window_weeks 8', 'crm config set kam.weight.identification 2', 'crm config set kam.qualify.partnership contract,strategic'))
    .exitOverride()
    .action(lazy(() => import('./commands/config.js').then((m) => ({ run: m.set }))));
  config
    .command('reset')
    .description('put a setting (or a group) back to its default')
    .argument('<key>', 'a setting or a group prefix, e.g. kam.band')
    .addHelpText('after', examples('crm config reset kam.window_weeks', 'crm config reset kam'))
    .exitOverride()
    .action(lazy(() => import('./commands/config.js').then((m) => ({ run: m.reset }))));

  const assess = program
    .command('assess')
    .description("a key account manager's self-assessment of the six Hise & Reid conditions (1-5 and a note each)")
    .argument('<client>', 'the key account: id (#42), external id, INN or exact name')
    .option('--on <date>', 'the date of the assessment (default: today)')
    .option('--assessor <staff>', 'who assesses: e-mail or name of a staff member (default: the user)')
    .option('--note <n=text>', 'a note on condition n, e.g. --note "2=спонсор не встречался с клиентом" (repeatable)', collect);
  for (let c = 1; c <= 6; c++) assess.option(`--c${c} <rating>`, `rating of condition ${c}, 1 (not in place) to 5 (fully in place)`);
  assess
    .addHelpText(
      'after',
      '\nOn a terminal, without --c1 … --c6, a questionnaire asks for each condition and shows what the\n' +
        'evidence in the base says. Without a terminal give the ratings as flags. The report\n' +
        '(crm report key-accounts) shows the latest rating beside the evidence score and flags large gaps.\n' +
        examples('crm assess CL-0210', 'crm assess CL-0210 --c1 3 --c2 5 --c3 2 --c4 3 --c5 2 --c6 4 --note "2=спонсор назначен"', "crm assess 'АО «Самаранефтемаш»' --c4 4 --on 2026-11-20 --assessor r.valiev@promtehsnab.ru"),
    )
    .action(lazy(() => import('./commands/assess.js')));

  // crm plan: weekly plan tasks per staff member and client; `plan next` builds next week's plan
  const plan = program
    .command('plan')
    .description("weekly plans: tasks per staff member and client in ISO weeks; mark them done, failed or cancelled; build next week's plan")
    .addHelpText(
      'after',
      '\nWeeks: 2026-W48 (or 2026w48), this, next, last, or a date in the week (from the local calendar date).\n' +
        examples(
          'crm plan add "Встреча по КП" --staff o.tkachenko@promtehsnab.ru --client CL-0033 --kind meeting --week next',
          'crm plan list --week this --staff o.tkachenko@promtehsnab.ru',
          'crm plan done 912 --note "Договорились о поставке" --log',
          'crm plan next --week 2026-W47 --dry-run',
        ),
    );
  const planOptions = (c: Command) =>
    c
      .option('--note <text>', 'the outcome, in words')
      .option('--on <date>', 'the day it was done or failed (default: today)')
      .option('--log', 'also log the activity that records it (client, contact, staff, kind and text of the task)')
      .option('--outcome <outcome>', 'the logged activity\'s outcome (implies --log): done success|neutral, failed failure|no_answer|neutral');
  plan
    .command('add')
    .description('add a task to a week\'s plan')
    .argument('<task...>', 'what is to be done')
    .option('--staff <staff>', 'whose task: e-mail or name (default: the user, --user / CRM_USER, if a staff member)')
    .option('--client <client>', 'the client: id (#42), external id, INN or exact name')
    .option('--contact <contact>', "the contact: id (#12), external id, e-mail, or the exact name of one of the client's contacts")
    .option('--kind <kind>', 'call, meeting, visit, email, letter, presentation, top_to_top, service, proposal or other')
    .option('--week <week>', 'the week (default: this)')
    .addHelpText(
      'after',
      examples(
        'crm plan add "Позвонить по КП" --staff o.tkachenko@promtehsnab.ru --client CL-0033 --kind call',
        "crm plan add 'Встреча с директором по закупкам' --client 'АО «ТрансЛогистик Групп»' --contact CT-00092 --kind meeting --week next --staff 'Ткаченко Ольга Викторовна'",
        'crm plan add "Визит в филиал" --client CL-0034 --week 2026-W48 --user a.morozov@promtehsnab.ru',
      ),
    )
    .exitOverride()
    .action(lazy(() => import('./commands/plan.js').then((m) => ({ run: m.add }))));
  plan
    .command('list')
    .description("a week's tasks: staff, client, kind, task, status, outcome, carried")
    .option('--week <week>', 'the week (default: this)')
    .option('--staff <staff>', 'one staff member: e-mail or name')
    .option('--client <client>', 'one client (and its branches): id (#42), external id, INN or exact name')
    .option('--status <status>', 'planned, done, failed, cancelled or carried (several with commas)')
    .addHelpText('after', examples('crm plan list', 'crm plan list --week last --staff o.tkachenko@promtehsnab.ru', 'crm plan list --week 2026-W47 --status planned,carried --format csv', 'crm plan list --client CL-0033 --week 2026-W46'))
    .exitOverride()
    .action(lazy(() => import('./commands/plan.js').then((m) => ({ run: m.list }))));
  planOptions(
    plan
      .command('done')
      .description('mark tasks done: the day, an optional note, and with --log the activity that records it')
      .argument('<task...>', 'task ids (12 or #12) or external ids'),
  )
    .addHelpText('after', examples('crm plan done 912', 'crm plan done 912 913 --note "КП отправлено" --log', 'crm plan done PT-00912 --on 2026-11-19 --outcome neutral'))
    .exitOverride()
    .action(lazy(() => import('./commands/plan.js').then((m) => ({ run: m.done }))));
  planOptions(
    plan
      .command('fail')
      .description('mark tasks failed: attempted, without the result; an optional note and activity')
      .argument('<task...>', 'task ids (12 or #12) or external ids'),
  )
    .addHelpText('after', examples('crm plan fail 914 --note "Нет бюджета до марта"', 'crm plan fail 915 --log --outcome no_answer'))
    .exitOverride()
    .action(lazy(() => import('./commands/plan.js').then((m) => ({ run: m.fail }))));
  plan
    .command('cancel')
    .description('cancel tasks that are no longer needed (they leave the planned count)')
    .argument('<task...>', 'task ids (12 or #12) or external ids')
    .option('--note <text>', 'why')
    .addHelpText('after', examples('crm plan cancel 916 --note "Клиент закрыл тендер"'))
    .exitOverride()
    .action(lazy(() => import('./commands/plan.js').then((m) => ({ run: m.cancel }))));
  plan
    .command('next')
    .description("build next week's plan from this week's: carry what was not done, follow up successes, contact key accounts with nothing planned")
    .option('--week <week>', 'the week to build from (default: this); the plan is for the week after')
    .option('--staff <staff>', "only this staff member's tasks and key accounts")
    .option('-y, --yes', 'accept every proposal (without a terminal: required, or --dry-run)')
    .option('--dry-run', 'list the proposals; write nothing')
    .addHelpText(
      'after',
      '\nOn a terminal each proposal is accepted, edited or dropped. Running it again proposes nothing twice:\n' +
        'a carried task is linked to the one it came from (carry_count + 1), and a client with a task next week\n' +
        'gets no other follow-up or key-account contact.\n' +
        examples('crm plan next', 'crm plan next --week 2026-W47 --dry-run', 'crm plan next --staff o.tkachenko@promtehsnab.ru', 'crm plan next --week this --yes --format csv'),
    )
    .exitOverride()
    .action(lazy(() => import('./commands/plan.js').then((m) => ({ run: m.next }))));

  // crm dedupe: `clients` is the default subcommand, so `crm dedupe` and `crm dedupe clients` are one
  const dedupe = program
    .command('dedupe')
    .description('find duplicate clients or contacts and merge them, losing nothing: review, auto-merge, pair file, history, undo')
    .addHelpText(
      'after',
      '\nA score (0-1) weighs the evidence of each pair: name (legal form, quotes, case, ё/е, transliteration and\n' +
        'typos ignored), ИНН (a branch with its own KPP is not a duplicate), phone, e-mail, domain, address, city.\n' +
        'On a terminal each group is reviewed; without one, --auto --threshold X merges, or --format csv writes\n' +
        'the pairs for a spreadsheet and `crm dedupe apply FILE` carries out the decisions. Every merge is\n' +
        'logged and undoable.\n' +
        examples(
          'crm dedupe',
          'crm dedupe contacts',
          'crm dedupe clients --format csv > pairs.csv',
          'crm dedupe apply pairs.csv',
          'crm dedupe clients --auto --threshold 0.95',
          'crm dedupe history',
          'crm dedupe undo 12',
        ),
    );
  const dedupeFind = (c: Command, entity: string) =>
    c
      .option('--threshold <score>', 'propose (or with --auto merge) groups scoring at least this, 0-1 (default 0.8)')
      .option('--auto', 'merge every group at or above --threshold without asking (needs an explicit --threshold)')
      .option('--dry-run', 'list the pairs (with --auto: the merges it would make); change nothing')
      .option('--limit <n>', 'at most N groups, strongest first')
      .addHelpText(
        'after',
        `\nOutput: one row per candidate pair (group, score, both records, evidence, relation, suggested survivor).\n` +
          `With --format csv it is the pair file: fill in "decision" (merge / not_duplicate / skip) and keep or change\n` +
          `"survivor_id", then run crm dedupe apply FILE.\n` +
          examples(`crm dedupe ${entity}`, `crm dedupe ${entity} --dry-run --limit 20`, `crm dedupe ${entity} --format csv --bom > pairs.csv`, `crm dedupe ${entity} --auto --threshold 0.95 --quiet`),
      )
      .exitOverride();
  dedupeFind(dedupe.command('clients', { isDefault: true }).description('find duplicate clients (the default)'), 'clients').action(
    lazy(() => import('./commands/dedupe.js')),
  );
  dedupeFind(dedupe.command('contacts').description('find duplicate contacts (people)'), 'contacts').action(
    lazy(() => import('./commands/dedupe.js').then((m) => ({ run: m.contacts }))),
  );
  dedupe
    .command('apply')
    .description('carry out the decisions of a reviewed pair file (merge / not_duplicate / skip per row), all in one transaction')
    .argument('<file>', 'the pair file written by crm dedupe --format csv, with the decision column filled in (- for stdin)')
    .option('--dry-run', 'check the file and report what it would do; change nothing')
    .option('--encoding <name>', 'utf-8, cp1251 … (default: detected)')
    .addHelpText(
      'after',
      '\nColumns are found by name; entity, id_a, id_b and decision are required, survivor_id for merges.\n' +
        'A decision may be written merge / not_duplicate / skip (or да / нет / пропустить); empty means skip.\n' +
        'Any invalid row rejects the whole file (exit 3) and nothing is changed.\n' +
        examples('crm dedupe apply pairs.csv', 'crm dedupe apply pairs.csv --dry-run', "crm dedupe apply reviewed.csv --delimiter ';' --encoding cp1251"),
    )
    .exitOverride()
    .action(lazy(() => import('./commands/dedupe.js').then((m) => ({ run: m.apply }))));
  dedupe
    .command('history')
    .description('list the merges, newest first: who, when, what was kept and what merged, rows moved')
    .option('--all', 'include undone merges')
    .option('--entity <entity>', 'only clients or only contacts')
    .option('--limit <n>', 'the N newest')
    .addHelpText('after', examples('crm dedupe history', 'crm dedupe history --all --format csv', 'crm dedupe history --entity contacts --limit 10'))
    .exitOverride()
    .action(lazy(() => import('./commands/dedupe.js').then((m) => ({ run: m.history }))));
  dedupe
    .command('undo')
    .description('undo merges: each merged record comes back and exactly the rows its merge moved return to it')
    .argument('<merge-id...>', 'the merges to undo (crm dedupe history lists them); several are undone newest first, in one transaction')
    .option('--dry-run', 'say what would be restored; change nothing')
    .addHelpText('after', '\nOnly the latest merge of a record can be undone; undo later ones first (or together).\n' + examples('crm dedupe undo 12', 'crm dedupe undo 12 --dry-run', 'crm dedupe undo 14 13 12'))
    .exitOverride()
    .action(lazy(() => import('./commands/dedupe.js').then((m) => ({ run: m.undo }))));

  return program;
}
