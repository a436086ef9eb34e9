import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, PG, ROOT, crm, newPgDatabase, parseCsv, psql, query, snapshot, tempDir, type RunResult, newDb } from '../helpers/cli.js';

// a SQLite backup, or a server's dump: crm-<database>-YYYYMMDD-HHMMSS.dump
const BACKUP = /^crm-(?:.+-)?\d{8}-\d{6}(\.\d+)?\.(db(\.gz)?|dump)$/;
const isRoot = process.getuid?.() === 0;

let dir: string;
let db: string;
let bk: string;
beforeEach(() => {
  dir = tempDir('crm-backup-');
  db = newDb(dir);
  bk = path.join(dir, 'bk');
  expect(crm(['init', '--db', db]).status).toBe(0);
  seed(db);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function seed(file: string, n = 40): void {
  if (PG) {
    psql(file, `
      INSERT INTO staff (name, role, region) VALUES ('Ёлкина Алёна', 'account_manager', 'Москва'), ('Петров Пётр', 'field_rep', 'Казань');
      INSERT INTO clients (name, client_type, region, inn, manager_id) SELECT 'ООО «Клиент ' || n || '»', 'retail', 'Москва', '77' || lpad(n::text, 8, '0'), 1 FROM generate_series(1, ${n}) n;
      INSERT INTO contacts (client_id, full_name, level) SELECT id, 'Контакт ' || id, 'executive' FROM clients;
      INSERT INTO deals (client_id, amount_minor, stage, opened_on) SELECT id, id * 100000, 'open', '2026-11-01' FROM clients;`);
    return;
  }
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
  it.skipIf(PG)('writes a consistent, checked copy (mode 0600) with a manifest, records it, and is silent with --quiet', () => {
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

  it.skipIf(PG)('goes to backups/ beside the database by default, or to $CRM_BACKUP_DIR; says what it wrote without --quiet', () => {
    const r = crm(['backup', '--db', db]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^backup written: .*crm-\d{8}-\d{6}\.db \(.*integrity_check ok/);
    only(path.join(dir, 'backups'));
    const env = path.join(dir, 'from-env');
    expect(crm(['backup', '--db', db, '-q'], { env: { CRM_BACKUP_DIR: env } }).status).toBe(0);
    only(env);
  });

  it.skipIf(PG)('--compress writes a .db.gz whose checksum is of the gzip and whose content is the database', () => {
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
  it.skipIf(PG).each(['backup-api', 'vacuum-into'])('is consistent under a concurrent writer, which is never blocked (copy: %s)', async (method) => {
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

  it.skipIf(PG)('kill -9 at any moment leaves nothing that looks like a backup, and the next run cleans up', async () => {
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
    expect(lines[1]).toMatch(/ backup ok .*crm-(.+-)?\d{8}-\d{6}\.(db|dump) \d+ bytes sha256=[0-9a-f]{64}/);
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
    if (!PG) expect(integrity(db)).toBe('ok');
  }

  it('a target under a regular file', () => {
    const file = path.join(dir, 'not-a-dir');
    fs.writeFileSync(file, 'x');
    failedCleanly(crm(['backup', '--db', db, '--to', path.join(file, 'sub'), '--quiet']), /^crm: cannot write the backup to .*not-a-dir\/sub/, file);
    failedCleanly(crm(['backup', '--db', db, '--to', file, '--quiet']), /^crm: cannot write the backup to .*not-a-dir/, file);
  });

  // chmod does not stop root, so as root this case is covered by the read-only mount below
  it.runIf(!isRoot && !PG)('a directory without write permission', () => {
    fs.mkdirSync(bk, { mode: 0o500 });
    failedCleanly(crm(['backup', '--db', db, '--to', bk, '--quiet']), /^crm: cannot write the backup to /, bk);
    fs.chmodSync(bk, 0o700);
  });

  // A file size limit (RLIMIT_FSIZE) makes every write past 1 MB fail with EFBIG in this process
  // only: the copy fails the way it would on a full disk (SQLite calls it an I/O error), with no
  // privileges needed. A real ENOSPC is tested below on a tiny tmpfs where mounting is allowed.
  it.skipIf(PG)('a write that fails half-way (file size limit)', () => {
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

  it.runIf(canMount && !PG)('a full disk (a 1 MB tmpfs): ENOSPC', () => {
    filler(db, 3);
    withMount('size=1m', (mnt) => {
      failedCleanly(crm(['backup', '--db', db, '--to', mnt, '--quiet']), /^crm: no space left for the backup in /, mnt);
    });
  });

  it.runIf(canMount && !PG)('a read-only file system', () => {
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

  it.skipIf(PG)('flipped bytes are caught by verify (exit 6), shown by list, and refused by restore, which changes nothing', () => {
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

  it.skipIf(PG)('damage the checksum cannot see (a manifest rewritten to match) is caught by integrity_check', () => {
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

  it.skipIf(PG)('the full check (split across threads) finds what integrity_check finds: an index that disagrees with its rows, a page nothing uses', () => {
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

  it.skipIf(PG)('a damaged .gz is caught too; --all checks every backup and fails if any is damaged', () => {
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

// SQLite's restore swaps files; the server's is tested in 'on a PostgreSQL server' below
describe.skipIf(PG)('crm restore', () => {
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
  /** The name of the backup taken at 02:00 on a day ('20260331'): crm-20260331-020000.db, or crm-<database>-20260331-020000.dump. */
  const nameFor = (day: string) => (PG ? `crm-${new URL(db).pathname.slice(1)}-${day}-020000.dump` : `crm-${day}-020000.db`);
  /** Clones one real backup into backups "taken" on the given local days at 02:00, with manifests to match. */
  function calendar(days: string[]): void {
    crm(['backup', '--db', db, '--to', bk, '-q']);
    const real = only();
    const m = manifestOf(real);
    for (const day of days) {
      const at = new Date(`${day}T02:00:00`);
      const name = nameFor(day.replace(/-/g, ''));
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
      [...foreign, ...['20260228', '20260329', '20260330', '20260331'].flatMap((d) => [nameFor(d), `${nameFor(d)}.json`])].sort(),
    );
  });

  it('a new backup with --keep-last rotates after it is written; the newest verified backup is never deleted', () => {
    // the three newest clones fail verification
    for (const d of ['20260329', '20260330', '20260331']) {
      const f = path.join(bk, nameFor(d));
      fs.writeFileSync(`${f}.json`, JSON.stringify({ ...manifestOf(f), last_verify: { at: new Date().toISOString(), ok: false, problem: 'damaged' } }));
    }
    const r = crm(['backup', 'prune', '--dir', bk, '--db', db, '--keep-last', '1', '--format', 'json']);
    expect(r.status).toBe(0);
    expect(backupsIn(bk).filter((n) => !foreign.includes(n))).toEqual([nameFor('20260328'), nameFor('20260331')]);
    expect(crm(['backup', '--db', db, '--to', bk, '--keep-last', '2', '-q']).status).toBe(0);
    const left = backupsIn(bk).filter((n) => !foreign.includes(n));
    expect(left).toHaveLength(2);
    expect(left).toContain(nameFor('20260331'));
    expect(left.some((n) => !n.includes('-2026033'))).toBe(true); // today's new backup
    for (const f of foreign) expect(fs.existsSync(path.join(bk, f))).toBe(true);
  });

  it('prune without a policy is a usage error; bad numbers too', () => {
    expect(crm(['backup', 'prune', '--dir', bk, '--db', db]).status).toBe(2);
    expect(crm(['backup', '--db', db, '--to', bk, '--keep-last', 'many']).status).toBe(2);
    expect(crm(['backup', 'list', '--to', bk, '--db', db]).status).toBe(2);
    expect(backupsIn(bk)).toHaveLength(92);
  });
});

describe.runIf(PG)('on a PostgreSQL server', () => {
  const dbName = () => new URL(db).pathname.slice(1);
  const dumps = (d = bk) => backupsIn(d).filter((n) => n.endsWith('.dump'));
  const pgRestoreBin = path.join(process.env.CRM_TEST_PG_BINDIR ?? '', 'pg_restore');

  /** Restores a dump into a new database with crm restore; returns its URL. */
  function restoredCopy(file: string): string {
    const copy = newPgDatabase();
    const r = crm(['restore', file, '--db', copy, '--yes']);
    expect(r.stderr).toMatch(/restored /);
    expect(r.status).toBe(0);
    return copy;
  }

  it('needs --to or CRM_BACKUP_DIR; writes a pg_dump custom-format archive (0600) with a manifest, recorded, silent with --quiet', () => {
    const no = crm(['backup', '--db', db]);
    expect(no.status).toBe(2);
    expect(no.stderr).toMatch(/needs a directory: give --to DIR or set CRM_BACKUP_DIR/);
    expect(crm(['backup', 'list', '--db', db]).status).toBe(2);

    const before = snapshot(db);
    expect(crm(['backup', '--db', db, '--to', bk, '--quiet'])).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const file = only();
    expect(path.basename(file)).toMatch(new RegExp(`^crm-${dbName()}-\\d{8}-\\d{6}\\.dump$`));
    expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(spawnSync(pgRestoreBin, ['--list', file]).status).toBe(0);
    const m = manifestOf(file);
    expect(m).toMatchObject({ format: 'crm-backup', engine: 'postgresql', file: path.basename(file), bytes: fs.statSync(file).size, sha256: sha256(file), compressed: false, schema_version: 1, check: 'full' });
    expect(String(m.source)).toMatch(new RegExp(`^postgres://crm@[^:/]*:\\d+/${dbName()}`));
    expect(m.rows).toMatchObject({ clients: 40, contacts: 40, deals: 40, staff: 2, backup_runs: 0 });
    expect(m.rows).not.toHaveProperty('crm_meta');
    const runs = query<{ file: string; sha256: string; verified: number }>(db, 'SELECT file, sha256, verified FROM backup_runs');
    expect(runs).toEqual([{ file, sha256: m.sha256, verified: 1 }]);

    const env = path.join(dir, 'from-env');
    const r = crm(['backup', '--db', db], { env: { CRM_BACKUP_DIR: env } });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^backup written: .*\.dump \(.*pg_restore read-back ok/);
    only(env);
    // what the dump holds is the database, row for row
    expect(snapshot(restoredCopy(file))).toBe(before);
  });

  it('is consistent under a concurrent writer, which is never blocked: the manifest counts what pg_restore brings back', async () => {
    psql(db, 'CREATE TABLE ledger (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at bigint, amount bigint); CREATE TABLE balance (id int PRIMARY KEY, total bigint, n bigint); INSERT INTO balance VALUES (1, 0, 0)');
    const writer = path.join(dir, 'writer.mjs');
    fs.writeFileSync(
      writer,
      `import fs from 'node:fs'; import pg from ${JSON.stringify(path.join(ROOT, 'node_modules/pg/lib/index.js'))};
       const c = new pg.Client({ connectionString: process.argv[2] }); await c.connect();
       const give_up = Date.now() + 120000; let n = 0;
       while (!fs.existsSync(process.argv[3]) && Date.now() < give_up) {
         const a = 1 + (n++ % 7);
         await c.query('BEGIN'); await c.query('INSERT INTO ledger (at, amount) VALUES ($1, $2)', [Date.now(), a]);
         await c.query('UPDATE balance SET total = total + $1, n = n + 1 WHERE id = 1', [a]); await c.query('COMMIT');
       }
       await c.end(); process.stdout.write(String(n));`,
    );
    // the writer runs until told to stop, after the backup: it writes before, during and after it
    const stop = path.join(dir, 'stop-writing');
    const w = spawn(process.execPath, [writer, db, stop], { stdio: ['ignore', 'pipe', 'inherit'] });
    let commits = '';
    w.stdout.on('data', (d: Buffer) => (commits += d.toString()));
    const writerDone = new Promise((resolve) => w.on('close', resolve));
    await until(() => (query<{ n: number }>(db, 'SELECT n FROM balance')[0]?.n ?? 0) > 100, 'the writer to start');
    const r = await start(['backup', '--db', db, '--to', bk, '--quiet']).done;
    await until(() => (query<{ n: number }>(db, 'SELECT n FROM balance')[0]?.n ?? 0) > (manifestOf(only()).rows.ledger ?? 0) + 5, 'the writer to go on after the backup');
    fs.writeFileSync(stop, '');
    await writerDone;
    expect(r).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const file = only();
    const m = manifestOf(file);
    const copy = restoredCopy(file);
    const [c] = query<{ rows: number; sum: number; n: number; total: number }>(copy, 'SELECT (SELECT count(*) FROM ledger)::int AS rows, (SELECT sum(amount) FROM ledger)::int AS sum, n::int, total::int FROM balance');
    // one snapshot: the ledger and the balance agree, and the manifest counted the same moment
    expect(c!.rows).toBe(c!.n);
    expect(c!.sum).toBe(c!.total);
    expect(m.rows.ledger).toBe(c!.rows);
    expect(c!.rows).toBeGreaterThan(100);
    expect(c!.rows).toBeLessThan(Number(commits));
    for (const t of Object.keys(m.rows)) expect(query<{ n: number }>(copy, `SELECT count(*)::int AS n FROM "${t}"`)[0]!.n, t).toBe(m.rows[t]);
    const [during] = query<{ n: number }>(db, 'SELECT count(*)::int AS n FROM ledger WHERE at BETWEEN ? AND ?', Date.parse(String(m.created_at)), Date.parse(String(m.finished_at)));
    expect(during!.n).toBeGreaterThan(0);
  });

  it('a flipped byte is caught by verify (exit 6), shown by list, and refused by restore, which changes nothing', () => {
    crm(['backup', '--db', db, '--to', bk, '-q']);
    const file = only();
    expect(crm(['backup', 'verify', file, '--db', db]).status).toBe(0);
    const fd = fs.openSync(file, 'r+');
    const at = Math.floor(fs.statSync(file).size / 2);
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, at);
    fs.writeSync(fd, Buffer.from([b[0]! ^ 0xff]), 0, 1, at);
    fs.closeSync(fd);
    const v = crm(['backup', 'verify', file, '--format', 'csv'], { env: { CRM_BACKUP_DIR: bk, CRM_DB: db } });
    expect(v.status).toBe(6);
    expect(v.stdout).toMatch(/,mismatch,.*,FAILED,/);
    expect(v.stderr).toMatch(/is damaged: its sha256 differs from the manifest/);
    const listed = JSON.parse(crm(['backup', 'list', '--dir', bk, '--db', db, '--format', 'json']).stdout) as { verified: boolean; problem: string }[];
    expect(listed[0]).toMatchObject({ verified: false, problem: expect.stringMatching(/failed verify/) as unknown });
    psql(db, 'DELETE FROM deals');
    const before = snapshot(db);
    const r = crm(['restore', file, '--db', db, '--yes']);
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/refusing to restore .*sha256 differs/);
    expect(snapshot(db)).toBe(before);
    expect(dumps()).toEqual([path.basename(file)]); // not even a safety backup was taken
  });

  it('restore round trip: every row comes back; what the database held is backed up first', () => {
    const before = snapshot(db);
    crm(['backup', '--db', db, '--to', bk, '-q']);
    const file = only();
    psql(db, `DELETE FROM contacts; UPDATE clients SET region = 'Тверь'; INSERT INTO staff (name, role) VALUES ('Новый Сотрудник', 'service')`);
    const changed = snapshot(db);
    expect(changed).not.toBe(before);

    const no = crm(['restore', file, '--db', db]);
    expect(no.status).toBe(2);
    expect(no.stderr).toMatch(/add --yes/);
    const dry = crm(['restore', path.basename(file), '--db', db, '--dir', bk, '--dry-run']);
    expect(dry.status).toBe(0);
    expect(dry.stderr).toMatch(/is good .*nothing was changed/s);
    expect(snapshot(db)).toBe(changed);

    const r = crm(['restore', file, '--db', db, '--yes']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/restored .* from .*\.dump/);
    expect(snapshot(db)).toBe(before);
    const safety = dumps().filter((n) => n !== path.basename(file));
    expect(safety).toHaveLength(1);
    expect(r.stderr).toContain(`kept as ${path.join(bk, safety[0]!)}`);
    expect(snapshot(restoredCopy(path.join(bk, safety[0]!)))).toBe(changed);
    expect(crm(['info', '--db', db, '--format', 'csv']).status).toBe(0);
  });

  it('restore refuses a SQLite backup and a database that is not crm’s', () => {
    crm(['backup', '--db', db, '--to', bk, '-q']);
    const file = only();
    const sqliteFile = path.join(dir, 'local.db');
    expect(crm(['init', '--db', sqliteFile]).status).toBe(0);
    const sqliteBk = path.join(dir, 'sqlite-bk');
    expect(crm(['backup', '--db', sqliteFile, '--to', sqliteBk, '-q']).status).toBe(0);
    const fromSqlite = crm(['restore', only(sqliteBk), '--db', db, '--yes']);
    expect(fromSqlite.status).toBe(2);
    expect(fromSqlite.stderr).toMatch(/not a PostgreSQL backup/);
    const other = newPgDatabase();
    psql(other, 'CREATE TABLE t (x int); INSERT INTO t VALUES (1)');
    const r = crm(['restore', file, '--db', other, '--yes']);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/is not a crm database/);
    expect(query(other, 'SELECT x FROM t')).toEqual([{ x: 1 }]);
  });

  it('rotation counts only the dumps of its own database', () => {
    const other = newPgDatabase();
    expect(crm(['init', '--db', other]).status).toBe(0);
    expect(crm(['backup', '--db', other, '--to', bk, '-q']).status).toBe(0);
    const theirs = dumps();
    for (let i = 0; i < 3; i++) expect(crm(['backup', '--db', db, '--to', bk, '-q', '--keep-last', '2']).status).toBe(0);
    const mine = dumps().filter((n) => !theirs.includes(n));
    expect(mine).toHaveLength(2);
    expect(dumps()).toEqual(expect.arrayContaining(theirs));
    everyBackupIsWhole(bk);
  });

  it('without pg_dump: a clear error, nothing left behind', () => {
    const r = crm(['backup', '--db', db, '--to', bk, '--quiet'], { env: { CRM_PG_BINDIR: path.join(dir, 'nowhere') } });
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^crm: pg_dump was not found in CRM_PG_BINDIR .*apt-get install postgresql-client/);
    expect(fs.readdirSync(bk)).toEqual([]);
    expect(query(db, 'SELECT * FROM backup_runs')).toEqual([]);
  });
});
