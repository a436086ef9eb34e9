import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, isStale, type LockOwner } from '../../src/backup/lock.js';
import { LOCK_NAME } from '../../src/backup/naming.js';
import { LockedError } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-lock-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has certainly ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const owner = (o: Partial<LockOwner>): LockOwner => ({ pid: process.pid, host: os.hostname(), started_at: '2026-01-01T00:00:00Z', token: 't', ...o });
const writeLock = (o: LockOwner) => fs.writeFileSync(path.join(dir, LOCK_NAME), JSON.stringify(o), { mode: 0o600 });

describe('backup lock', () => {
  it('is an O_EXCL file with our pid, mode 0600, removed on release', async () => {
    const lock = await acquireLock(dir, { waitMs: 0 });
    const file = path.join(dir, LOCK_NAME);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await expect(acquireLock(dir, { waitMs: 0 })).rejects.toBeInstanceOf(LockedError);
    lock.release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a live owner keeps it: LockedError (exit 7) naming the owner', async () => {
    writeLock(owner({}));
    const err = await acquireLock(dir, { waitMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect((err as LockedError).exitCode).toBe(7);
    expect((err as LockedError).message).toContain(`pid ${process.pid}`);
  });

  it('a dead owner is stale: the lock is taken over', async () => {
    const stale = owner({ pid: deadPid(), token: 'old' });
    expect(isStale(stale)).toBe(true);
    writeLock(stale);
    const lock = await acquireLock(dir, { waitMs: 0 });
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_NAME), 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a reused pid (another start time) or another boot is stale; another host never is', () => {
    expect(isStale(owner({ proc_start: '1' }))).toBe(fs.existsSync('/proc/self/stat'));
    expect(isStale(owner({ boot_id: 'another-boot' }))).toBe(fs.existsSync('/proc/sys/kernel/random/boot_id'));
    expect(isStale(owner({ host: 'elsewhere', pid: deadPid() }))).toBe(false);
  });

  it('--wait: waits until the owner releases it, or gives up after the time allowed', async () => {
    writeLock(owner({}));
    const t = Date.now();
    await expect(acquireLock(dir, { waitMs: 300, pollMs: 50 })).rejects.toBeInstanceOf(LockedError);
    expect(Date.now() - t).toBeGreaterThanOrEqual(280);
    setTimeout(() => fs.rmSync(path.join(dir, LOCK_NAME)), 200);
    const lock = await acquireLock(dir, { waitMs: Infinity, pollMs: 50 });
    lock.release();
  });

  it('release never removes a lock that another run took over', async () => {
    const lock = await acquireLock(dir, { waitMs: 0 });
    writeLock(owner({ token: 'someone-else' }));
    lock.release();
    expect(fs.existsSync(path.join(dir, LOCK_NAME))).toBe(true);
  });
});
