/** Runs inspectDatabaseFile() in a worker thread, so checking a copy overlaps hashing or compressing it. */
import { parentPort, workerData } from 'node:worker_threads';
import { inspectDatabaseFile, type IntegrityLevel } from '../db/sqlite.js';

const { file, level } = workerData as { file: string; level: IntegrityLevel };
try {
  parentPort!.postMessage({ ok: true, inspection: inspectDatabaseFile(file, level) });
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  parentPort!.postMessage({ ok: false, message: e.message, code: e.code });
}
