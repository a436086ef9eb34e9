/**
 * Ctrl-C (or a TERM/HUP from cron or systemd) during a backup or restore: the work stops at its
 * next step and removes its temporary files and lock on the way out, instead of dying mid-way.
 * A kill -9 cannot be caught; the next run cleans up after it (see naming.ts and lock.ts).
 */
import { CrmError, InterruptedError } from '../errors.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** `what` names the work, `outcome` says what an interruption leaves: 'restore interrupted by SIGINT; nothing was changed'. */
export async function withInterrupt<T>(what: string, outcome: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => controller.abort(new InterruptedError(`${what} interrupted by ${sig}; ${outcome}`));
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    return await fn(controller.signal);
  } catch (err) {
    // an aborted stream or worker says "AbortError": say "interrupted" instead; a real failure
    // (a CrmError other than the interruption itself) keeps its own message
    if (controller.signal.aborted && !(err instanceof CrmError)) throw controller.signal.reason;
    throw err;
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
  }
}

/** Throws the interruption, if there was one, between two steps. */
export function checkInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}
