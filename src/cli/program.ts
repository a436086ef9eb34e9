/**
 * The command tree: names, one-line purposes, flags and examples. Actions load their module
 * only when they run, so `crm --help` and `crm --version` load no database or prompt library.
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import type { Context, GlobalOptions } from './context.js';
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

  return program;
}
