/**
 * The command tree: names, one-line purposes, flags and examples. Actions load their module
 * only when they run, so `crm --help` and `crm --version` load no database or prompt library.
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import type { Context, GlobalOptions } from './context.js';

type Runner = (ctx: Context, ...args: unknown[]) => Promise<void>;
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
    await run(ctx, ...args.slice(0, -1));
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

  return program;
}
