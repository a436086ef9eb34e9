/**
 * The entry point: parse, run, and turn whatever was thrown into a message and an exit code.
 * The only place that sets the exit code.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';

function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

async function main(argv: string[]): Promise<void> {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  const program = buildProgram().exitOverride();
  for (const sub of program.commands) sub.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has printed its message already
      const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      process.exitCode = ok ? 0 : 2;
      return;
    }
    const { report } = await import('./report-error.js');
    process.exitCode = report(err, process.stderr, process.env, argv.includes('--debug'));
  }
}

await main(process.argv);
