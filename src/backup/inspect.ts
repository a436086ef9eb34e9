/**
 * Checking a copy: PRAGMA integrity_check (or quick_check) and row counts, on worker threads so
 * the main thread can hash or compress the same file meanwhile. A full check is split into
 * quick_check plus integrity_check of each indexed table (see planCheck in src/db/sqlite.ts), and
 * the pieces run biggest first on as many threads as there are cores (up to 4): together they
 * check everything PRAGMA integrity_check checks. Falls back to the main thread, one task after
 * the other, when the worker script is not there (tests that run the TypeScript sources).
 */
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { inspectDatabaseFile, inspectionOf, type CheckPlan, type CheckTask, type FileInspection, type IntegrityLevel } from '../db/sqlite.js';
import type { Request } from './inspect-worker.js';

const WORKER = new URL('./inspect-worker.js', import.meta.url);
const MAX_THREADS = 4;

type Answer = { ok: true; ready?: true; plan?: CheckPlan; problems?: string[] };
type Reply = Answer | { ok: false; message: string; code?: string };

/** One worker thread with the file open; answers one request at a time. */
class CheckThread {
  private readonly worker: Worker;
  private pending: { resolve: (r: Answer) => void; reject: (e: unknown) => void } | null = null;
  private failure: unknown = null;
  readonly ready: Promise<unknown>;

  constructor(file: string) {
    this.worker = new Worker(WORKER, { workerData: { file } });
    this.ready = this.next();
    this.worker.on('message', (reply: Reply) => {
      const p = this.pending;
      this.pending = null;
      if (reply.ok) p?.resolve(reply);
      else p?.reject(Object.assign(new Error(reply.message), { code: reply.code }));
    });
    const fail = (err: unknown) => {
      this.failure ??= err;
      this.pending?.reject(this.failure);
      this.pending = null;
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('the checking thread ended')));
    // a rejection nobody waits for (the thread was stopped before it was needed) is not an error
    this.ready.catch(() => undefined);
  }

  private next(): Promise<Answer> {
    return new Promise((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else this.pending = { resolve, reject };
    });
  }

  async ask(req: Request): Promise<Answer> {
    await this.ready;
    const reply = this.next();
    this.worker.postMessage(req);
    return reply;
  }

  stop(): void {
    void this.worker.terminate();
  }
}

function threadsFor(level: IntegrityLevel): number {
  return level === 'quick' ? 1 : Math.max(1, Math.min(MAX_THREADS, os.availableParallelism()));
}

/** Runs the tasks on the threads, biggest first, each thread taking the next when it is done; stops at the first problem. */
async function runTasks(threads: readonly CheckThread[], tasks: readonly CheckTask[]): Promise<string[]> {
  const queue = [...tasks];
  const found: string[] = [];
  await Promise.all(
    threads.map(async (thread) => {
      for (let task = queue.shift(); task && found.length === 0; task = queue.shift()) {
        found.push(...((await thread.ask({ op: 'check', task })).problems ?? []));
      }
    }),
  );
  return found;
}

function onMainThread(file: string, level: IntegrityLevel): Promise<FileInspection> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(inspectDatabaseFile(file, level));
      } catch (err) {
        reject(err);
      }
    }),
  );
}

export async function inspectCopy(file: string, level: IntegrityLevel, signal?: AbortSignal): Promise<FileInspection> {
  if (!fs.existsSync(fileURLToPath(WORKER))) return onMainThread(file, level);
  signal?.throwIfAborted();
  // all threads start at once: the others open the file while the first one plans
  const threads = Array.from({ length: threadsFor(level) }, () => new CheckThread(file));
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  const work = (async () => {
    const plan = (await threads[0]!.ask({ op: 'plan', level })).plan!;
    return inspectionOf(plan, await runTasks(threads.slice(0, Math.max(1, plan.tasks.length)), plan.tasks));
  })();
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    for (const t of threads) t.stop();
    work.catch(() => undefined);
  }
}
