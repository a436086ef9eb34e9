/**
 * One backup at a time per directory: a lock file created with O_EXCL that holds the owner's
 * pid. A lock whose owner is gone (the pid is dead, or was reused after a reboot or by another
 * program) is stale and taken over, so a backup killed with -9 never blocks the next night's.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LockedError } from '../errors.js';
import { LOCK_NAME } from './naming.js';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** kernel boot id: a different one means the owner died in a reboot */
  readonly boot_id?: string;
  /** the owner's start time in clock ticks after boot (/proc/PID/stat field 22): tells pid reuse apart */
  readonly proc_start?: string;
  readonly started_at: string;
  readonly token: string;
}

export interface HeldLock {
  readonly path: string;
  release(): void;
}

export interface LockOptions {
  /** how long to wait for another run to finish: 0 = not at all, Infinity = as long as it takes */
  readonly waitMs: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  return readOrUndefined('/proc/sys/kernel/random/boot_id');
}

function procStart(pid: number): string | undefined {
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // the command name (field 2) may hold spaces and parentheses: count fields after the last ')'
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the owner of a lock is certainly gone. A lock from another host is never stale here. */
export function isStale(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false;
  const boot = bootId();
  if (owner.boot_id && boot && owner.boot_id !== boot) return true;
  if (!pidAlive(owner.pid)) return true;
  const start = procStart(owner.pid);
  return owner.proc_start !== undefined && start !== undefined && owner.proc_start !== start;
}

function parseOwner(text: string | undefined): LockOwner | null {
  if (!text) return null;
  try {
    const o = JSON.parse(text) as LockOwner;
    return typeof o.pid === 'number' && typeof o.token === 'string' ? o : null;
  } catch {
    return null;
  }
}

type Attempt = { held: HeldLock } | { owner: LockOwner | null };

function tryCreate(file: string, me: LockOwner): Attempt {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { owner: parseOwner(readOrUndefined(file)) };
  }
  try {
    fs.writeSync(fd, JSON.stringify(me) + '\n');
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  return {
    held: {
      path: file,
      release() {
        // remove only our own lock, never one that a later run took over
        if (parseOwner(readOrUndefined(file))?.token === me.token) fs.rmSync(file, { force: true });
      },
    },
  };
}

/**
 * Moves a stale lock out of the way. Renaming is atomic, so of several runs that found the same
 * stale lock only one moves it; a run that moved a fresh lock by mistake (taken over between its
 * read and its rename) puts it back with link(), which never overwrites.
 */
function breakStale(file: string, isTheStaleOne: (moved: LockOwner | null) => boolean): void {
  const aside = `${file}.stale-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!isTheStaleOne(parseOwner(readOrUndefined(aside)))) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // someone holds the lock again; the moved one was stale after all or is theirs to redo
    }
  }
  fs.rmSync(aside, { force: true });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function describe(owner: LockOwner | null): string {
  return owner ? ` (pid ${owner.pid} on ${owner.host}, started ${owner.started_at})` : '';
}

/** Takes the backup lock of a directory, or throws LockedError (exit 7). */
export async function acquireLock(dir: string, opts: LockOptions): Promise<HeldLock> {
  const file = path.join(dir, LOCK_NAME);
  const me: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    boot_id: bootId(),
    proc_start: procStart(process.pid),
    started_at: new Date().toISOString(),
    token: crypto.randomBytes(12).toString('hex'),
  };
  const deadline = Date.now() + opts.waitMs;
  let unreadableSince: number | undefined;
  for (;;) {
    const attempt = tryCreate(file, me);
    if ('held' in attempt) return attempt.held;
    const owner = attempt.owner;
    if (owner && isStale(owner)) {
      breakStale(file, (moved) => moved?.token === owner.token);
      continue;
    }
    if (!owner) {
      // created but not yet written by its owner — or left empty by a crash long ago
      unreadableSince ??= Date.now();
      const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 10_000 && Date.now() - unreadableSince > 1000) {
        breakStale(file, (moved) => moved === null);
        continue;
      }
    }
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (Date.now() >= deadline) {
      throw new LockedError(
        `another crm backup is running in ${dir}${describe(owner)}`,
        opts.waitMs > 0
          ? 'it did not finish in time; try again later'
          : `wait for it, or add --wait to start when it ends; if no backup is running, delete ${file}`,
      );
    }
    await sleep(Math.min(opts.pollMs ?? 200, Math.max(0, deadline - Date.now())));
  }
}
