/**
 * The main thread's side of the validating thread (prepare-worker.ts): starts it, hands out its
 * batches in order and acknowledges each, turns what went wrong there into the same errors the
 * main thread would have thrown. Not there when the TypeScript sources run (tests): callers then
 * validate on the main thread with the same prepareBatches().
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError, type InputProblem } from '../errors.js';
import type { InputFacts } from './input.js';
import type { PreparedBatch } from './prepare.js';

const WORKER = new URL('./prepare-worker.js', import.meta.url);
/** The thread's young generation (V8's default is 16 MiB; 1M activities: 12.6 s then, 11.4 s so). */
const YOUNG_MB = 32;

/** What the validating thread needs to know: plain data (it is copied to the thread). */
export interface PrepareJob extends InputFacts {
  readonly file: string;
  readonly header: boolean;
  readonly positional?: readonly string[];
  readonly userMap?: readonly [string, string][];
  readonly ignoreUnknown: boolean;
  readonly entity: string;
  readonly source: string;
  /** the database file, opened read-only there */
  readonly db: string;
  readonly defaultCountry: string;
  readonly keepRaw: boolean;
}

export type FromWorker =
  | { type: 'headers'; headers: string[] }
  | { type: 'batch'; batch: PreparedBatch; bytes: number }
  | { type: 'end'; sha256: string; bytes: number }
  | { type: 'error'; input: boolean; message: string; hint?: string; problems?: InputProblem[]; stack?: string; code?: string };

export class PrepareThread {
  private readonly worker: Worker;
  private readonly queue: FromWorker[] = [];
  private waiting: (() => void) | null = null;
  private failure: unknown = null;
  private finished = false;
  private end: { sha256: string; bytes: number } | null = null;

  /** Whether the thread's script is there (it is in the built package, not in the sources). */
  static available(): boolean {
    return fs.existsSync(fileURLToPath(WORKER));
  }

  constructor(job: PrepareJob) {
    // a young generation big enough for a few batches: fewer of them survive into the old one
    this.worker = new Worker(WORKER, { workerData: job, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB } });
    const wake = () => {
      this.waiting?.();
      this.waiting = null;
    };
    this.worker.on('message', (m: FromWorker) => {
      this.queue.push(m);
      wake();
    });
    this.worker.on('error', (err) => {
      this.failure ??= err;
      wake();
    });
    this.worker.on('exit', () => {
      if (!this.finished) this.failure ??= new Error('the validating thread of the import ended unexpectedly');
      wake();
    });
  }

  private async next(): Promise<FromWorker> {
    for (;;) {
      const m = this.queue.shift();
      if (m) {
        if (m.type !== 'error') return m;
        this.finished = true;
        if (m.input) throw new InputError(m.message, m.hint, m.problems ?? []);
        throw Object.assign(new Error(m.message), { stack: m.stack, code: m.code, hint: m.hint });
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.waiting = r));
    }
  }

  /** The source's column headers (after the thread checked them against the entity). */
  async headers(): Promise<string[]> {
    const m = await this.next();
    if (m.type !== 'headers') throw new Error(`the validating thread sent ${m.type} before the headers`);
    return m.headers;
  }

  /** The batches in file order, each with the bytes read so far; acknowledged as they are taken. */
  async *batches(): AsyncGenerator<{ batch: PreparedBatch; bytes: number }> {
    for (;;) {
      const m = await this.next();
      if (m.type === 'end') {
        this.finished = true;
        this.end = { sha256: m.sha256, bytes: m.bytes };
        return;
      }
      if (m.type !== 'batch') throw new Error(`the validating thread sent ${m.type} among the batches`);
      this.worker.postMessage('ack');
      yield m;
    }
  }

  /** The file's sha256 and size as the thread read it; after batches() has ended. */
  result(): { sha256: string; bytes: number } {
    if (!this.end) throw new Error('the validating thread has not finished');
    return this.end;
  }

  stop(): void {
    this.finished = true;
    void this.worker.terminate();
  }
}
