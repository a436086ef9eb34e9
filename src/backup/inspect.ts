/**
 * Checking a copy: PRAGMA integrity_check (or quick_check) and row counts, on a worker thread so
 * the main thread can hash or compress the same file meanwhile. Falls back to the main thread
 * when the worker script is not there (tests that run the TypeScript sources).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { inspectDatabaseFile, type FileInspection, type IntegrityLevel } from '../db/sqlite.js';

const WORKER = new URL('./inspect-worker.js', import.meta.url);

type Reply = { ok: true; inspection: FileInspection } | { ok: false; message: string; code?: string };

export function inspectCopy(file: string, level: IntegrityLevel, signal?: AbortSignal): Promise<FileInspection> {
  if (!fs.existsSync(fileURLToPath(WORKER))) {
    return new Promise((resolve, reject) => setImmediate(() => {
      try {
        resolve(inspectDatabaseFile(file, level));
      } catch (err) {
        reject(err);
      }
    }));
  }
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { file, level } });
    const onAbort = () => void worker.terminate().then(() => reject(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: Reply) => {
      signal?.removeEventListener('abort', onAbort);
      if (reply.ok) resolve(reply.inspection);
      else reject(Object.assign(new Error(reply.message), { code: reply.code }));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
}
