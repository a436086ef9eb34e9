import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, crm, parseCsv, query, snapshot, tempDir, type RunResult } from '../helpers/cli.js';

const BACKUP = /^crm-\d{8}-\d{6}(\.\d+)?\.db(\.gz)?$/;
const isRoot = process.getuid?.() === 0;

let dir: string;
let db: string;
let bk: string;
beforeEach(() => {
  dir = tempDir('crm-backup-');
  db = path.join(dir, 'crm.db');
  bk = path.join(dir, 'bk');
  expect(crm(['init', '--db', db]).status).toBe(0);
  seed(db);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function seed(file: string, n = 40): void {
  const c = new Database(file);
  c.exec(`
    INSERT INTO staff (name, role, region) VALUES ('Ёлкина Алёна', 'account_manager', 'Москва'), ('Петров Пётр', 'field_rep', 'Казань');
    WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < ${n})
    INSERT INTO clients (name, client_type, region, inn, manager_id) SELECT 'ООО «Клиент ' || n || '»', 'retail', 'Москва', printf('77%08d', n), 1 FROM i;
    INSERT INTO contacts (client_id, full_name, level) SELECT id, 'Контакт ' || id, 'executive' FROM clients;
    INSERT INTO deals (client_id, amount_minor, stage, opened_on) SELECT id, id * 100000, 'open', '2026-11-01' FROM clients;
  `);
  c.close();
}

/** Adds `mb` megabytes of incompressible rows, so a backup takes long enough to be caught in the act. */
function filler(file: string, mb: number): void {
  const c = new Database(file);
  c.exec(`CREATE TABLE IF NOT EXISTS attachments (id INTEGER PRIMARY KEY, body BLOB);
    WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < ${mb * 256}) INSERT INTO attachments (body) SELECT randomblob(4000) FROM i;`);
  c.close();
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const visible = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d).filter((n) => !n.startsWith('.')).sort() : []);
const backupsIn = (d: string) => visible(d).filter((n) => BACKUP.test(n));
const manifestOf = (file: string) => JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) as Record<string, unknown> & { rows: Record<string, number> };
const integrity = (file: string) => (query<{ integrity_check: string }>(file, 'PRAGMA integrity_check')[0]!.integrity_check);

/** The one new backup in bk after a run. */
function only(d = bk): string {
  const names = backupsIn(d);
  expect(names).toHaveLength(1);
  return path.join(d, names[0]!);
}

/** Runs crm without waiting for it. */
function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<RunResult>; stderr: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<RunResult>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every visible file that looks like a backup is a whole one: its manifest names it and its checksum matches. */
function everyBackupIsWhole(d: string): void {
  for (const name of backupsIn(d)) {
    const file = path.join(d, name);
    const m = manifestOf(file);
    expect(m.file).toBe(name);
    expect(m.sha256).toBe(sha256(file));
  }
}

describe('crm backup', () => {
  it('writes a consistent, checked copy (mode 0600) with a manifest, records it, and is silent with --quiet', () => {
    const before = snapshot(db);
    const r = crm(['backup', '--db', db, '--to', bk, '--quiet']);
    expect(r).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const file = only();
    expect(visible(bk)).toEqual([path.basename(file), `${path.basename(file)}.json`]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(`${file}.json`).mode & 0o777).toBe(0o600);
    expect(fs.statSync(bk).mode & 0o777).toBe(0o700);
    expect(snapshot(file)).toBe(before);
    expect(integrity(file)).toBe('ok');

    const m = manifestOf(file);
    expect(m).toMatchObject({ format: 'crm-backup', file: path.basename(file), bytes: fs.statSync(file).size, sha256: sha256(file), compressed: false, source: db, schema_version: 1, check: 'full', copy: 'backup-api' });
    expect(m.rows).toMatchObject({ clients: 40, contacts: 40, deals: 40, staff: 2, backup_runs: 0 });
    expect(String(m.sqlite_version)).toMatch(/^3\.\d+/);
    expect(Date.parse(String(m.created_at))).toBeLessThanOrEqual(Date.parse(String(m.finished_at)));

    const runs = query<{ file: string; sha256: string; verified: number; bytes: number }>(db, 'SELECT file, sha256, verified, bytes FROM backup_runs');
    expect(runs).toEqual([{ file, sha256: m.sha256, verified: 1, bytes: m.bytes }]);
    const info = JSON.parse(crm(['info', '--db', db, '--format', 'json']).stdout) as { property: string; value: unknown }[];
    expect(info.find((x) => x.property === 'last_backup')?.value).toContain(file);
  });

  it('goes to backups/ beside the database by default, or to $CRM_BACKUP_DIR; says what it wrote without --quiet', () => {
    const r = crm(['backup', '--db', db]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^backup written: .*crm-\d{8}-\d{6}\.db \(.*integrity_check ok/);
    only(path.join(dir, 'backups'));
    const env = path.join(dir, 'from-env');
    expect(crm(['backup', '--db', db, '-q'], { env: { CRM_BACKUP_DIR: env } }).status).toBe(0);
    only(env);
  });

  it('--compress writes a .db.gz whose checksum is of the gzip and whose content is the database', () => {
    const before = snapshot(db);
    expect(crm(['backup', '--db', db, '--to', bk, '--compress', '-q']).status).toBe(0);
    const file = only();
    expect(file).toMatch(/\.db\.gz$/);
    const m = manifestOf(file);
    expect(m).toMatchObject({ compressed: true, sha256: sha256(file), bytes: fs.statSync(file).size });
    const plain = path.join(dir, 'plain.db');
    fs.writeFileSync(plain, zlib.gunzipSync(fs.readFileSync(file)));
    expect(m.database_bytes).toBe(fs.statSync(plain).size);
    expect(snapshot(plain)).toBe(before);
    expect(crm(['backup', 'verify', file, '--db', db]).status).toBe(0);
  });

  // the backup API in one step by default; VACUUM INTO is the fallback when that step cannot complete
  it.each(['backup-api', 'vacuum-into'])('is consistent under a concurrent writer, which is never blocked (copy: %s)', async (method) => {
    filler(db, 48);
    const writer = path.join(dir, 'writer.mjs');
    fs.writeFileSync(
      writer,
      `import Database from ${JSON.stringify(path.join(ROOT, 'node_modules/better-sqlite3/lib/index.js'))};
       const db = new Database(process.argv[2]); db.pragma('journal_mode = WAL'); db.pragma('busy_timeout = 10000');
       db.exec('CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY, at INTEGER, amount INTEGER); CREATE TABLE IF NOT EXISTS balance (id INTEGER PRIMARY KEY, total INTEGER, n INTEGER); INSERT OR IGNORE INTO balance VALUES (1, 0, 0)');
       const ins = db.prepare('INSERT INTO ledger (at, amount) VALUES (?, ?)'), upd = db.prepare('UPDATE balance SET total = total + ?, n = n + 1 WHERE id = 1');
       const commit = db.transaction((a) => { ins.run(Date.now(), a); upd.run(a); });
       const stop = Date.now() + Number(process.argv[3]); let n = 0;
       while (Date.now() < stop) commit(1 + (n++ % 7));
       process.stdout.write(String(n));`,
    );
    const w = spawn(process.execPath, [writer, db, '3500'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let commits = '';
    w.stdout.on('data', (d: Buffer) => (commits += d.toString()));
    const writerDone = new Promise((resolve) => w.on('close', resolve));
    await until(() => {
      try {
        return (query<{ n: number }>(db, 'SELECT n FROM balance')[0]?.n ?? 0) > 200;
      } catch {
        return false;
      }
    }, 'the writer to start');
    const r = await start(['backup', '--db', db, '--to', bk, '--quiet'], method === 'vacuum-into' ? { CRM_TEST_BACKUP_COPY: method } : {}).done;
    await writerDone;
    expect(r).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const file = only();
    expect(integrity(file)).toBe('ok');
    // a snapshot: the ledger and the balance agree, as in every committed state
    const [copy] = query<{ rows: number; sum: number; n: number; total: number }>(file, 'SELECT (SELECT count(*) FROM ledger) AS rows, (SELECT sum(amount) FROM ledger) AS sum, n, total FROM balance');
    expect(copy!.rows).toBe(copy!.n);
    expect(copy!.sum).toBe(copy!.total);
    const total = Number(commits);
    expect(copy!.rows).toBeGreaterThan(200);
    expect(copy!.rows).toBeLessThan(total);
    // the writer kept committing while the backup ran
    const m = manifestOf(file);
    expect(m.copy).toBe(method);
    const [during] = query<{ n: number }>(db, 'SELECT count(*) AS n FROM ledger WHERE at BETWEEN ? AND ?', Date.parse(String(m.created_at)), Date.parse(String(m.finished_at)));
    expect(during!.n).toBeGreaterThan(20);
    expect(m.rows.attachments).toBe(48 * 256);
  });

  it('kill -9 at any moment leaves nothing that looks like a backup, and the next run cleans up', async () => {
    for (const step of ['copied', 'checked', 'manifest']) {
      const run = start(['backup', '--db', db, '--to', bk, '--quiet'], { CRM_TEST_BACKUP_STALL: step });
      await until(() => run.stderr().includes(`stalled after ${step}`), `the backup to reach ${step}`);
      run.child.kill('SIGKILL');
      await run.done;
      expect(backupsIn(bk), step).toEqual([]);
      expect(JSON.parse(crm(['backup', 'list', '--dir', bk, '--format', 'json']).stdout), step).toEqual([]);
    }
    // killed between its two renames, a run leaves a manifest without its file: not a backup
    expect(visible(bk)).toHaveLength(1);
    expect(visible(bk)[0]).toMatch(/\.db\.json$/);
    // and at random moments of a bigger backup
    filler(db, 24);
    for (const after of [30, 120, 250]) {
      const run = start(['backup', '--db', db, '--to', bk, '--quiet']);
      await new Promise((r) => setTimeout(r, after));
      run.child.kill('SIGKILL');
      await run.done;
      everyBackupIsWhole(bk);
    }
    const r = crm(['backup', '--db', db, '--to', bk]);
    expect(r.status).toBe(0);
    everyBackupIsWhole(bk);
    // only whole backups and their manifests remain: no temporary files, no stale lock, no orphans
    const all = fs.readdirSync(bk);
    for (const n of all) expect(n).toMatch(/^crm-\d{8}-\d{6}(\.\d+)?\.db(\.json)?$/);
    expect(all.filter((n) => n.endsWith('.json'))).toHaveLength(backupsIn(bk).length);
  });

  it('Ctrl-C or TERM: exit 130, and the run removes its temporary files and its lock', async () => {
    for (const [step, sig] of [['copied', 'SIGINT'], ['manifest', 'SIGTERM']] as const) {
      const run = start(['backup', '--db', db, '--to', bk, '--quiet'], { CRM_TEST_BACKUP_STALL: step });
      await until(() => run.stderr().includes('stalled'), `the backup to reach ${step}`);
      run.child.kill(sig);
      const r = await run.done;
      expect(r.status).toBe(130);
      expect(r.stderr).toContain(`crm: backup interrupted by ${sig}; no backup was kept`);
      expect(fs.readdirSync(bk)).toEqual([]);
    }
  });

  it('one backup at a time: the second exits 7 with one line, or waits with --wait; --log keeps one line per run', async () => {
    const log = path.join(dir, 'backup.log');
    const first = start(['backup', '--db', db, '--to', bk, '--quiet'], { CRM_TEST_BACKUP_STALL: 'copied' });
    await until(() => first.stderr().includes('stalled'), 'the first backup to hold the lock');
    const second = crm(['backup', '--db', db, '--to', bk, '--quiet', '--log', log]);
    expect(second.status).toBe(7);
    expect(second.stdout).toBe('');
    expect(second.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(/^crm: another crm backup is running in .*\(pid \d+/);
    const waiting = start(['backup', '--db', db, '--to', bk, '--quiet', '--wait', '--log', log]);
    await new Promise((r) => setTimeout(r, 400));
    expect(waiting.child.exitCode).toBeNull();
    first.child.kill('SIGKILL'); // its lock is now stale: the waiting run takes it over
    await first.done;
    const w = await waiting.done;
    expect(w).toMatchObject({ status: 0, stdout: '', stderr: '' });
    only();
    const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+[+-]\d{2}:\d{2} backup FAILED exit=7 another crm backup is running/);
    expect(lines[1]).toMatch(/ backup ok .*crm-\d{8}-\d{6}\.db \d+ bytes sha256=[0-9a-f]{64}/);
    expect(fs.existsSync(path.join(bk, '.crm-backup.lock'))).toBe(false);
  });
});

describe('unwritable or full target', () => {
  /** The run failed with one line on stderr, left nothing behind and did not record a backup. */
  function failedCleanly(r: RunResult, message: RegExp, target: string): void {
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error|\bat .*\.js/);
    if (fs.existsSync(target) && fs.statSync(target).isDirectory()) expect(fs.readdirSync(target)).toEqual([]);
    expect(query(db, 'SELECT * FROM backup_runs')).toEqual([]);
    expect(integrity(db)).toBe('ok');
  }

  it('a target under a regular file', () => {
    const file = path.join(dir, 'not-a-dir');
    fs.writeFileSync(file, 'x');
    failedCleanly(crm(['backup', '--db', db, '--to', path.join(file, 'sub'), '--quiet']), /^crm: cannot write the backup to .*not-a-dir\/sub/, file);
    failedCleanly(crm(['backup', '--db', db, '--to', file, '--quiet']), /^crm: cannot write the backup to .*not-a-dir/, file);
  });

  // chmod does not stop root, so as root this case is covered by the read-only mount below
  it.runIf(!isRoot)('a directory without write permission', () => {
    fs.mkdirSync(bk, { mode: 0o500 });
    failedCleanly(crm(['backup', '--db', db, '--to', bk, '--quiet']), /^crm: cannot write the backup to /, bk);
    fs.chmodSync(bk, 0o700);
  });

  // A file size limit (RLIMIT_FSIZE) makes every write past 1 MB fail with EFBIG in this process
  // only: the copy fails the way it would on a full disk (SQLite calls it an I/O error), with no
  // privileges needed. A real ENOSPC is tested below on a tiny tmpfs where mounting is allowed.
  it('a write that fails half-way (file size limit)', () => {
    filler(db, 3);
    const r = spawnSync('bash', ['-c', `ulimit -f 1024 && exec "${process.execPath}" "${BIN}" backup --db "${db}" --to "${bk}" --quiet`], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    failedCleanly({ status: r.status, stdout: r.stdout, stderr: r.stderr }, /^crm: (writing the backup to .* failed|no space left for the backup in )/, bk);
  });

  const canMount = (() => {
    if (!isRoot) return false;
    const probe = tempDir('crm-mount-probe-');
    const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]).status === 0;
    if (ok) spawnSync('umount', [probe]);
    fs.rmSync(probe, { recursive: true, force: true });
    return ok;
  })();

  function withMount(options: string, fn: (mnt: string) => void): void {
    const mnt = path.join(dir, 'mnt');
    fs.mkdirSync(mnt);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mnt]).status).toBe(0);
    try {
      fn(mnt);
    } finally {
      spawnSync('umount', [mnt]);
    }
  }

  it.runIf(canMount)('a full disk (a 1 MB tmpfs): ENOSPC', () => {
    filler(db, 3);
    withMount('size=1m', (mnt) => {
      failedCleanly(crm(['backup', '--db', db, '--to', mnt, '--quiet']), /^crm: no space left for the backup in /, mnt);
    });
  });

  it.runIf(canMount)('a read-only file system', () => {
    withMount('ro,size=1m', (mnt) => {
      failedCleanly(crm(['backup', '--db', db, '--to', mnt, '--quiet']), /^crm: cannot write the backup to .*read-only file system/, mnt);
    });
  });
});

describe('crm backup verify and damaged backups', () => {
  /** Overwrites a few bytes in the middle of a file, as a failing disk would. */
  function flip(file: string, at = Math.floor(fs.statSync(file).size / 2)): void {
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0x55, 0xaa, 0x55, 0xaa]), 0, 4, at);
    fs.closeSync(fd);
  }

  it('flipped bytes are caught by verify (exit 6), shown by list, and refused by restore, which changes nothing', () => {
    filler(db, 1);
    crm(['backup', '--db', db, '--to', bk, '-q']);
    const file = only();
    expect(crm(['backup', 'verify', file, '--db', db]).status).toBe(0);
    flip(file);
    const v = crm(['backup', 'verify', file, '--db', db, '--format', 'csv']);
    expect(v.status).toBe(6);
    expect(v.stdout).toMatch(/^file,created_at,checksum,integrity,rows,result,problem\r\n/);
    expect(v.stdout).toMatch(/,mismatch,.*,FAILED,/);
    expect(v.stderr).toMatch(/is damaged: its sha256 differs from the manifest/);
    const listed = JSON.parse(crm(['backup', 'list', '--dir', bk, '--format', 'json']).stdout) as { verified: boolean; problem: string }[];
    expect(listed[0]).toMatchObject({ verified: false, problem: expect.stringMatching(/failed verify/) as unknown });

    const before = snapshot(db);
    const r = crm(['restore', file, '--db', db, '--yes']);
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/refusing to restore .*sha256 differs/);
    expect(snapshot(db)).toBe(before);
    expect(fs.readdirSync(dir).filter((n) => n.includes('restore'))).toEqual([]);
  });

  it('damage the checksum cannot see (a manifest rewritten to match) is caught by integrity_check', () => {
    crm(['backup', '--db', db, '--to', bk, '-q']);
    const file = only();
    // page 2 is a b-tree page: make its page-type byte invalid, then "fix" the manifest
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0x07]), 0, 1, 4096);
    fs.closeSync(fd);
    const m = manifestOf(file);
    fs.writeFileSync(`${file}.json`, JSON.stringify({ ...m, sha256: sha256(file) }));
    const v = crm(['backup', 'verify', file, '--db', db, '--format', 'json']);
    expect(v.status).toBe(6);
    const [row] = JSON.parse(v.stdout) as { checksum: string; integrity: string; result: string }[];
    expect(row).toMatchObject({ checksum: 'ok', result: 'FAILED' });
    expect(row!.integrity).not.toBe('ok');
    expect(crm(['restore', file, '--db', db, '--yes']).status).toBe(6);
  });

  it('the full check (split across threads) finds what integrity_check finds: an index that disagrees with its rows, a page nothing uses', () => {
    crm(['backup', '--db', db, '--to', bk, '-q']);
    const file = only();
    /** A damaged copy of the backup beside it, with a manifest that matches it. */
    const damaged = (name: string, damage: (f: string) => void): string => {
      const f = path.join(bk, name);
      fs.copyFileSync(file, f);
      damage(f);
      fs.writeFileSync(`${f}.json`, JSON.stringify({ ...manifestOf(file), file: name, sha256: sha256(f), bytes: fs.statSync(f).size }));
      return f;
    };
    const index = damaged('crm-20260101-000000.db', (f) => {
      const c = new Database(f);
      c.unsafeMode(true);
      c.pragma('writable_schema = ON');
      c.prepare("UPDATE sqlite_master SET sql = 'CREATE INDEX clients_inn ON clients (region)' WHERE name = 'clients_inn'").run();
      c.close();
    });
    const page = damaged('crm-20260102-000000.db', (f) => {
      const fd = fs.openSync(f, 'r+');
      const header = Buffer.alloc(4);
      fs.readSync(fd, header, 0, 4, 28);
      const pages = header.readUInt32BE(0);
      header.writeUInt32BE(pages + 1);
      fs.writeSync(fd, header, 0, 4, 28);
      fs.writeSync(fd, Buffer.alloc(4096), 0, 4096, pages * 4096);
      fs.closeSync(fd);
    });
    const verify = (f: string, ...flags: string[]) => JSON.parse(crm(['backup', 'verify', f, '--db', db, '--format', 'json', ...flags]).stdout) as { checksum: string; result: string; problem: string }[];
    expect(verify(index)[0]).toMatchObject({ checksum: 'ok', result: 'FAILED', problem: expect.stringMatching(/row \d+ missing from index clients_inn/) as unknown });
    expect(verify(page)[0]).toMatchObject({ checksum: 'ok', result: 'FAILED', problem: expect.stringMatching(/Page \d+: never used/) as unknown });
    // quick_check skips the index cross-check
    expect(verify(index, '--check', 'quick')[0]).toMatchObject({ result: 'ok' });
    expect(verify(file)[0]).toMatchObject({ result: 'ok' });
  });

  it('a damaged .gz is caught too; --all checks every backup and fails if any is damaged', () => {
    crm(['backup', '--db', db, '--to', bk, '-q']);
    crm(['backup', '--db', db, '--to', bk, '-q', '--compress']);
    const gz = backupsIn(bk).find((n) => n.endsWith('.gz'))!;
    expect(crm(['backup', 'verify', '--all', '--dir', bk, '--db', db]).status).toBe(0);
    flip(path.join(bk, gz), 200);
    const v = crm(['backup', 'verify', '--all', '--dir', bk, '--db', db, '--format', 'csv', '--quiet']);
    expect(v.status).toBe(6);
    const rows = parseCsv(v.stdout);
    expect(rows.map((r) => r[5])).toEqual(['result', 'ok', 'FAILED']); // oldest first: the plain one, then the .gz
    expect(v.stderr).toMatch(/^crm: 1 of 2 backups are damaged/);
    expect(v.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('verify without a file checks the newest backup; no backups at all is a failure', () => {
    expect(crm(['backup', 'verify', '--dir', bk, '--db', db]).status).toBe(1);
    crm(['backup', '--db', db, '--to', bk, '-q']);
    const r = crm(['backup', 'verify', '--dir', bk, '--db', db, '--format', 'csv']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(only());
    expect(crm(['backup', 'verify', 'x.db', '--all', '--db', db]).status).toBe(2);
  });
});

describe('crm restore', () => {
  it('round trip: every row comes back, the current database (WAL included) is kept as a safety copy, no stale WAL is replayed', async () => {
    const before = snapshot(db);
    crm(['backup', '--db', db, '--to', bk, '--compress', '-q']);
    const file = only();
    // change the database, and leave committed changes in a WAL that nobody checkpointed
    const crasher = path.join(dir, 'crash.mjs');
    fs.writeFileSync(
      crasher,
      `import Database from ${JSON.stringify(path.join(ROOT, 'node_modules/better-sqlite3/lib/index.js'))};
       const db = new Database(process.argv[2]); db.pragma('journal_mode = WAL'); db.pragma('wal_autocheckpoint = 0');
       db.exec("DELETE FROM contacts; UPDATE clients SET region = 'Тверь'; INSERT INTO staff (name, role) VALUES ('Новый', 'service')");
       process.kill(process.pid, 'SIGKILL');`,
    );
    spawnSync(process.execPath, [crasher, db]);
    expect(fs.statSync(`${db}-wal`).size).toBeGreaterThan(0);
    const changed = snapshot(db);
    expect(changed).not.toBe(before);

    const r = crm(['restore', file, '--db', db, '--yes']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/restored .* from .*crm-\d{8}-\d{6}\.db\.gz/);
    expect(snapshot(db)).toBe(before);
    expect(fs.existsSync(`${db}-wal`)).toBe(false);
    expect(fs.statSync(db).mode & 0o777).toBe(0o600);
    const safety = fs.readdirSync(dir).filter((n) => /^crm\.db\.pre-restore-\d{8}T\d{6}\.bak$/.test(n));
    expect(safety).toHaveLength(1);
    expect(snapshot(path.join(dir, safety[0]!))).toBe(changed);
    expect(fs.statSync(path.join(dir, safety[0]!)).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('.crm-restore'))).toEqual([]);
    expect(crm(['info', '--db', db, '--format', 'csv']).status).toBe(0);
  });

  it('needs --yes without a terminal; --dry-run checks and changes nothing; a bare name is found in the backup directory', () => {
    crm(['backup', '--db', db, '--to', bk, '-q']);
    const name = path.basename(only());
    const c = new Database(db);
    c.exec('DELETE FROM deals');
    c.close();
    const before = snapshot(db);
    const no = crm(['restore', name, '--db', db, '--dir', bk]);
    expect(no.status).toBe(2);
    expect(no.stderr).toMatch(/add --yes/);
    const dry = crm(['restore', name, '--db', db, '--dir', bk, '--dry-run']);
    expect(dry.status).toBe(0);
    expect(dry.stderr).toMatch(/is good .*nothing was changed/s);
    expect(snapshot(db)).toBe(before);
    expect(fs.readdirSync(dir).filter((n) => n.includes('restore'))).toEqual([]);
    expect(crm(['restore', name, '--db', db, '--dir', bk, '--yes', '-q'])).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(query(db, 'SELECT count(*) AS n FROM deals')).toEqual([{ n: 40 }]);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  /** Runs `crm restore` on a pseudo-terminal (script(1)) and answers its question. */
  async function restoreOnTerminal(file: string, answer: string): Promise<{ status: number | null; output: string }> {
    const cmd = `${process.execPath} ${BIN} restore '${file}' --db '${db}'`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, NO_COLOR: '1', TERM: 'xterm', CI: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until(() => output.includes('Replace'), 'the question');
    child.stdin.write(answer);
    const status = await done;
    return { status, output };
  }

  it.runIf(hasScript)('on a terminal it asks first: no keeps everything, yes restores', async () => {
    crm(['backup', '--db', db, '--to', bk, '-q']);
    const file = only();
    const c = new Database(db);
    c.exec('DELETE FROM contacts');
    c.close();
    const changed = snapshot(db);
    const no = await restoreOnTerminal(file, 'n\r');
    expect(no.output).toMatch(/restore cancelled; nothing was changed/);
    expect(no.status).toBe(130);
    expect(snapshot(db)).toBe(changed);
    const yes = await restoreOnTerminal(file, 'y\r');
    expect(yes.status).toBe(0);
    expect(yes.output).toMatch(/restored /);
    expect(query(db, 'SELECT count(*) AS n FROM contacts')).toEqual([{ n: 40 }]);
  });

  it('refuses while another process has the database open (exit 5), changing nothing', async () => {
    crm(['backup', '--db', db, '--to', bk, '-q']);
    const file = only();
    const holder = new Database(db);
    holder.pragma('journal_mode = WAL');
    holder.prepare('SELECT count(*) FROM clients').get();
    const before = snapshot(db);
    try {
      const r = await start(['restore', file, '--db', db, '--yes']).done;
      expect(r.status).toBe(5);
      expect(r.stderr).toMatch(/is open in another process; nothing was changed/);
    } finally {
      holder.close();
    }
    expect(snapshot(db)).toBe(before);
    expect(fs.readdirSync(dir).filter((n) => n.includes('restore'))).toEqual([]);
  });

  it('refuses a file that is not a crm database', () => {
    const other = path.join(dir, 'other.db');
    const c = new Database(other);
    c.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    c.close();
    const r = crm(['restore', other, '--db', db, '--yes']);
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/not a crm database/);
  });
});

describe('rotation', () => {
  /** Clones one real backup into backups "taken" on the given local days at 02:00, with manifests to match. */
  function calendar(days: string[]): void {
    crm(['backup', '--db', db, '--to', bk, '-q']);
    const real = only();
    const m = manifestOf(real);
    for (const day of days) {
      const at = new Date(`${day}T02:00:00`);
      const name = `crm-${day.replace(/-/g, '')}-020000.db`;
      fs.copyFileSync(real, path.join(bk, name));
      fs.writeFileSync(path.join(bk, `${name}.json`), JSON.stringify({ ...m, file: name, created_at: at.toISOString(), finished_at: at.toISOString() }));
    }
    fs.rmSync(real);
    fs.rmSync(`${real}.json`);
  }
  const days = (from: string, n: number) => Array.from({ length: n }, (_, i) => new Date(Date.parse(`${from}T12:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
  const foreign = ['crm-20260330-030000.db', 'notes.txt', 'crm.db', 'crm-20260101-000000.db.gz'];

  beforeEach(() => {
    calendar(days('2026-01-01', 90)); // Jan 1 … Mar 31, 2026
    fs.mkdirSync(bk, { recursive: true });
    for (const f of foreign) fs.writeFileSync(path.join(bk, f), 'not crm’s'); // no manifest names them
  });

  it('keeps exactly what the policy says and never touches files that are not its own backups', () => {
    const dry = crm(['backup', 'prune', '--dir', bk, '--db', db, '--keep-daily', '3', '--keep-weekly', '2', '--keep-monthly', '2', '--dry-run', '--format', 'json']);
    expect(dry.status).toBe(0);
    const plan = JSON.parse(dry.stdout) as { file: string; action: string; reasons: string }[];
    expect(plan).toHaveLength(90);
    expect(plan.filter((p) => p.action === 'would delete')).toHaveLength(86);
    expect(backupsIn(bk)).toHaveLength(90 + 2);

    expect(crm(['backup', 'prune', '--dir', bk, '--db', db, '--keep-daily', '3', '--keep-weekly', '2', '--keep-monthly', '2', '-q']).status).toBe(0);
    // days Mar 29–31; weeks: W14 (Mon Mar 30 …) → Mar 31, W13 → Sun Mar 29; months: Mar 31, Feb 28
    expect(visible(bk)).toEqual(
      [...foreign, ...['20260228', '20260329', '20260330', '20260331'].flatMap((d) => [`crm-${d}-020000.db`, `crm-${d}-020000.db.json`])].sort(),
    );
  });

  it('a new backup with --keep-last rotates after it is written; the newest verified backup is never deleted', () => {
    // the three newest clones fail verification
    for (const d of ['20260329', '20260330', '20260331']) {
      const f = path.join(bk, `crm-${d}-020000.db`);
      fs.writeFileSync(`${f}.json`, JSON.stringify({ ...manifestOf(f), last_verify: { at: new Date().toISOString(), ok: false, problem: 'damaged' } }));
    }
    const r = crm(['backup', 'prune', '--dir', bk, '--db', db, '--keep-last', '1', '--format', 'json']);
    expect(r.status).toBe(0);
    expect(backupsIn(bk).filter((n) => !foreign.includes(n))).toEqual(['crm-20260328-020000.db', 'crm-20260331-020000.db']);
    expect(crm(['backup', '--db', db, '--to', bk, '--keep-last', '2', '-q']).status).toBe(0);
    const left = backupsIn(bk).filter((n) => !foreign.includes(n));
    expect(left).toHaveLength(2);
    expect(left).toContain('crm-20260331-020000.db');
    expect(left.some((n) => !n.startsWith('crm-2026033'))).toBe(true); // today's new backup
    for (const f of foreign) expect(fs.existsSync(path.join(bk, f))).toBe(true);
  });

  it('prune without a policy is a usage error; bad numbers too', () => {
    expect(crm(['backup', 'prune', '--dir', bk, '--db', db]).status).toBe(2);
    expect(crm(['backup', '--db', db, '--to', bk, '--keep-last', 'many']).status).toBe(2);
    expect(crm(['backup', 'list', '--to', bk, '--db', db]).status).toBe(2);
    expect(backupsIn(bk)).toHaveLength(92);
  });
});
