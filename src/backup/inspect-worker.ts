/**
 * One checking thread: opens the copy once, then answers the main thread's requests — first the
 * plan (header fields, row counts, the tasks), then one check task at a time — until terminated.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openForCheck, planCheck, runCheck, type CheckTask, type IntegrityLevel } from '../db/sqlite.js';

export type Request = { op: 'plan'; level: IntegrityLevel } | { op: 'check'; task: CheckTask };

const { file } = workerData as { file: string };
try {
  const sqlite = openForCheck(file);
  parentPort!.on('message', (req: Request) => {
    if (req.op === 'plan') parentPort!.postMessage({ ok: true, plan: planCheck(sqlite, req.level) });
    else parentPort!.postMessage({ ok: true, problems: runCheck(sqlite, req.task) });
  });
  parentPort!.postMessage({ ok: true, ready: true });
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  parentPort!.postMessage({ ok: false, message: e.message, code: e.code });
}
