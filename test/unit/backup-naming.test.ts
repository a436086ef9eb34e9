import { describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT, isoLocal, parseManifest, serializeManifest, totalRows, type Manifest } from '../../src/backup/manifest.js';
import { LOCK_NAME, TEMP_PREFIX, backupFileName, fileOfManifestName, isTempName, manifestNameFor, parseBackupName } from '../../src/backup/naming.js';

describe('backup names', () => {
  const at = new Date(2026, 10, 22, 2, 15, 7); // local time

  it('encode the local time taken, a sequence number on a clash and .gz', () => {
    expect(backupFileName(at, 0, false)).toBe('crm-20261122-021507.db');
    expect(backupFileName(at, 2, true)).toBe('crm-20261122-021507.2.db.gz');
  });

  it('parse back', () => {
    expect(parseBackupName('crm-20261122-021507.db')).toEqual({ stamp: '2026-11-22 02:15:07', seq: 0, compressed: false });
    expect(parseBackupName('crm-20261122-021507.2.db.gz')).toEqual({ stamp: '2026-11-22 02:15:07', seq: 2, compressed: true });
  });

  it.each([
    'crm-20261122-021507.db.json',
    'crm-20261122-021507.db-wal',
    'crm-20261122.db',
    'crm.db',
    'crm-20261122-021507.sqlite',
    'xcrm-20261122-021507.db',
    `${TEMP_PREFIX}123-abc.db`,
    LOCK_NAME,
  ])('%s is not a backup name', (name) => {
    expect(parseBackupName(name)).toBeNull();
  });

  it('work files are hidden and never look like backups', () => {
    expect(isTempName(`${TEMP_PREFIX}123-abc.db`)).toBe(true);
    expect(isTempName(`${LOCK_NAME}.stale-1-ab`)).toBe(true);
    expect(isTempName('crm-20261122-021507.db')).toBe(false);
    expect(`${TEMP_PREFIX}x`.startsWith('.')).toBe(true);
  });

  it('manifest names', () => {
    expect(manifestNameFor('crm-20261122-021507.db.gz')).toBe('crm-20261122-021507.db.gz.json');
    expect(fileOfManifestName('crm-20261122-021507.db.gz.json')).toBe('crm-20261122-021507.db.gz');
    expect(fileOfManifestName('notes.json')).toBeNull();
  });
});

describe('manifests', () => {
  const good: Manifest = {
    format: MANIFEST_FORMAT,
    format_version: 1,
    file: 'crm-20261122-021507.db',
    created_at: '2026-11-22T02:15:07.000+03:00',
    finished_at: '2026-11-22T02:15:09.000+03:00',
    bytes: 4096,
    sha256: 'a'.repeat(64),
    compressed: false,
    database_bytes: 4096,
    source: '/srv/crm/sales.db',
    schema_version: 1,
    sqlite_version: '3.50.0',
    crm_version: '0.1.0',
    host: 'h',
    check: 'full',
    rows: { clients: 3, contacts: 4 },
    timings_ms: { total: 5 },
  };

  it('round trip', () => {
    expect(parseManifest(serializeManifest(good), good.file)).toEqual({ ok: true, manifest: good });
    expect(totalRows(good.rows)).toBe(7);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['another format', JSON.stringify({ ...good, format: 'x' }), /not a crm backup manifest/],
    ['a newer format', JSON.stringify({ ...good, format_version: 99 }), /newer/],
    ['another file', JSON.stringify({ ...good, file: 'crm-20261122-021508.db' }), /describes/],
    ['a bad checksum', JSON.stringify({ ...good, sha256: 'xyz' }), /sha256/],
    ['a bad size', JSON.stringify({ ...good, bytes: -1 }), /size/],
    ['a bad date', JSON.stringify({ ...good, created_at: 'yesterday' }), /created_at/],
    ['bad rows', JSON.stringify({ ...good, rows: { clients: 'many' } }), /row counts/],
  ])('refuses %s', (_what, text, reason) => {
    const r = parseManifest(text, good.file);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('moments carry the local offset and parse back to the same instant', () => {
    const d = new Date(Date.UTC(2026, 10, 22, 23, 30, 5, 120));
    const text = isoLocal(d);
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/);
    expect(Date.parse(text)).toBe(d.getTime());
  });
});
