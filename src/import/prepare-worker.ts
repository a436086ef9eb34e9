/**
 * The validating thread of a big import (see prepare.ts): reads the file, parses and validates
 * it with its own read-only connection for the references, and posts the batches to the main
 * thread, which writes them. It stays at most MAX_AHEAD batches ahead (the main thread
 * acknowledges each), so memory stays flat however big the file.
 */
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { RefResolver } from '../db/sqlite-import.js';
import { openReader } from '../db/sqlite.js';
import { CrmError, InputError } from '../errors.js';
import type { FromWorker, PrepareJob } from './prepare-thread.js';
import { findEntity } from './entities.js';
import { ByteSource } from './input.js';
import { prepareBatches } from './prepare.js';
import { readRecords } from './records.js';

const MAX_AHEAD = 8;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

let ahead = 0;
let wake: (() => void) | null = null;
port.on('message', () => {
  ahead--;
  wake?.();
  wake = null;
});

async function run(job: PrepareJob): Promise<void> {
  const spec = findEntity(job.entity);
  if (!spec) throw new Error(`no entity ${job.entity}`);
  const src = await ByteSource.open(job.file, Readable.from([]));
  const { headers, records } = await readRecords(spec, src, job, { ...job, userMap: job.userMap ? new Map(job.userMap) : undefined });
  post({ type: 'headers', headers: [...headers] });
  const sqlite = openReader(job.db);
  try {
    const resolver = new RefResolver(sqlite, job.source, { writes: spec.table });
    const opts = { displayName: job.displayName, convert: { defaultCountry: job.defaultCountry }, keepRaw: job.keepRaw };
    for await (const batch of prepareBatches(spec, records, resolver, opts)) {
      post({ type: 'batch', batch, bytes: src.bytesRead });
      ahead++;
      while (ahead >= MAX_AHEAD) await new Promise<void>((r) => (wake = r));
    }
  } finally {
    sqlite.close();
  }
  post({ type: 'end', sha256: src.hash.digest('hex'), bytes: src.bytesRead });
}

run(workerData as PrepareJob).catch((err: unknown) => {
  const e = err as Error;
  if (err instanceof InputError) post({ type: 'error', input: true, message: e.message, hint: err.hint, problems: [...err.problems] });
  else post({ type: 'error', input: false, message: e.message, hint: err instanceof CrmError ? err.hint : undefined, stack: e.stack, code: (err as { code?: string }).code });
});
