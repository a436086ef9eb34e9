// Every report gives byte-identical CSV and JSON on SQLite and on PostgreSQL for the same data:
// the fixtures base as a SQLite file and its copy on the test server (crm migrate-to). Loops over
// the report registry, so a new report is covered by its defaults at least; VARIANTS adds each
// report's main flags. Needs the test server: runs in the PostgreSQL suite only.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORTS } from '../../src/cli/commands/report.js';
import { BIN, PG, ROOT, crm, newPgDatabase, tempDir } from '../helpers/cli.js';
import { fixturesSqlite } from '../helpers/fixtures-base.js';

// the fixtures' anchor date: every date in them lies on or before it
const AS_OF = ['--as-of', '2026-11-20'];

/** the main flags of each report, beside its defaults (run as they are) */
const VARIANTS: Record<string, string[][]> = {
  'key-accounts': [AS_OF, [...AS_OF, '--window', '8'], [...AS_OF, '--explain'], [...AS_OF, '--client', 'CL-0210', '--explain'], [...AS_OF, '--client', 'CL-0134']],
  'key-candidates': [AS_OF, ['--as-of', '2026-06-30']],
  'national-accounts': [AS_OF, [...AS_OF, '--key-only'], [...AS_OF, '--client', 'CL-0134'], [...AS_OF, '--window', '4']],
  'data-health': [
    AS_OF,
    ...['summary', 'completeness', 'contact-completeness'].map((s) => [...AS_OF, '--section', s]),
    ...['invalid-phones', 'invalid-emails', 'invalid-inns', 'stale-contacts', 'no-manager', 'no-contacts', 'duplicates'].map((l) => [...AS_OF, '--list', l]),
  ],
  promotions: [
    ['--from', '2026-01-01', '--to', '2026-06-30'],
    ...['channel', 'staff', 'client-type', 'month'].map((b) => ['--by', b]),
    ['--by', 'month', '--from', '2025-12-01', '--to', '2026-11-20'],
    ['--attribution-days', '30'],
    ['--by', 'staff', '--attribution-days', '60'],
  ],
  'follow-ups': [AS_OF, [...AS_OF, '--days', '7'], [...AS_OF, '--days', '60', '--from', '2026-03-01']],
  revenue: [
    ['--from', '2025-11-21', '--to', '2026-11-20'],
    ['--from', '2026-01-01', '--to', '2026-06-30', '--top', '5'],
    ['--by', 'product', '--from', '2025-11-21', '--to', '2026-11-20'],
    ['--by', 'client-type', '--from', '2025-11-21', '--to', '2026-11-20'],
  ],
  lost: [['--from', '2026-01-01'], ...['reasons', 'competitors', 'clients'].map((s) => ['--section', s]), ['--from', '2025-01-01', '--to', '2026-11-20', '--section', 'reasons']],
  weekly: [
    ['--week', '2026-W47'],
    ['--week', '2026-W46', '--carry-over'],
    ['--week', '2026-W47', '--weeks', '8'],
    ['--week', '2026-W45', '--staff', 'r.valiev@promtehsnab.ru'],
    ['--week', '2026-W47', '--staff', 'r.valiev@promtehsnab.ru', '--weeks', '6'],
  ],
};

/** crm as a child process, like crm() of the helpers but not blocking, so several run at once */
function crmAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'CRM_DB', 'CRM_USER', 'CRM_BACKUP_DIR']) delete env[k];
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env, cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/** Runs the jobs with at most `n` at a time; results in order. */
async function pool<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
  return out;
}

const PARALLEL = Math.max(2, Math.min(6, Math.floor(os.availableParallelism() / 2)));

let dir: string;
let file: string;
let url: string;

beforeAll(() => {
  if (!PG) return;
  dir = tempDir();
  file = fixturesSqlite(dir);
  url = newPgDatabase();
  const r = crm(['migrate-to', url, '--db', file, '-q']);
  if (r.status !== 0) throw new Error(`crm migrate-to: ${r.stderr}`);
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!PG)('every report: the same bytes on SQLite and on PostgreSQL', () => {
  it('every variant names a report of the registry', () => {
    for (const name of Object.keys(VARIANTS)) expect(REPORTS.map((r) => r.name)).toContain(name);
  });

  for (const report of REPORTS) {
    it(`crm report ${report.name}`, async () => {
      const cases = [[], ...(VARIANTS[report.name] ?? [])].flatMap((args) => ['csv', 'json'].map((format) => ['report', report.name, ...args, '--format', format]));
      const runs = await pool(
        cases.flatMap((cmd) => [() => crmAsync([...cmd, '--db', file]), () => crmAsync([...cmd, '--db', url])]),
        PARALLEL,
      );
      cases.forEach((cmd, i) => {
        const [a, b] = [runs[2 * i]!, runs[2 * i + 1]!];
        const what = cmd.join(' ');
        expect(a.status, `${what} on SQLite: ${a.stderr}`).toBe(0);
        expect(b.status, `${what} on PostgreSQL: ${b.stderr}`).toBe(0);
        expect(a.stdout.length, what).toBeGreaterThan(0);
        expect(b.stdout, what).toBe(a.stdout);
        expect(b.stderr, what).toBe(a.stderr);
      });
    }, 600_000);
  }
});
