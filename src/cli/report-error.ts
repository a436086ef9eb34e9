import { CrmError, ExitCode, InputError, classifyError } from '../errors.js';
import { colorWanted } from './context.js';

const MAX_PROBLEMS = 50;

/** Prints an error for a person and returns the exit code. Stack traces only with --debug. */
export function report(raw: unknown, stderr: NodeJS.WritableStream & { isTTY?: boolean }, env: NodeJS.ProcessEnv, debug: boolean): number {
  const err = classifyError(raw);
  const color = colorWanted(stderr, env, undefined);
  const red = (s: string) => (color ? `\u001b[31m${s}\u001b[39m` : s);
  const dim = (s: string) => (color ? `\u001b[2m${s}\u001b[22m` : s);
  if (err instanceof CrmError) {
    const lines = [red(`crm: ${err.message}`)];
    if (err instanceof InputError) {
      for (const p of err.problems.slice(0, MAX_PROBLEMS)) {
        const where = [p.file, p.line !== undefined ? `line ${p.line}` : undefined, p.field ? `field ${p.field}` : undefined]
          .filter(Boolean)
          .join(', ');
        const value = p.value !== undefined ? ` (value ${JSON.stringify(p.value.length > 60 ? p.value.slice(0, 60) + '…' : p.value)})` : '';
        lines.push(`  ${where}: ${p.reason}${value}`);
      }
      if (err.problems.length > MAX_PROBLEMS) lines.push(`  … and ${err.problems.length - MAX_PROBLEMS} more (write them all with --rejects FILE)`);
    }
    if (err.hint) lines.push(dim(`hint: ${err.hint}`));
    if (debug && err.stack) lines.push(dim(err.stack));
    stderr.write(lines.join('\n') + '\n');
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  stderr.write(red(`crm: internal error: ${message}`) + '\n');
  stderr.write('This is a bug in crm. Please report it with the command you ran' + (debug ? '.\n' : '; add --debug to see where it happened.\n'));
  if (debug && err instanceof Error && err.stack) stderr.write(dim(err.stack) + '\n');
  return ExitCode.BUG;
}
