// npm run bench: every benchmark, one after the other. BENCH_ONLY=startup,import runs a subset.
// The PostgreSQL parts (reports-pg, import-pg) are optional: skipped when PostgreSQL is not installed, or
// with BENCH_PG=0.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const all = ['startup', 'import', 'find', 'backup', 'reports', 'reports-promotions', 'plan', 'dedupe', 'reports-pg', 'import-pg'];
const optional = new Set(['reports-pg', 'import-pg']);
const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : all.filter((n) => !(optional.has(n) && process.env.BENCH_PG === '0'));
let failed = 0;
for (const name of all.filter((n) => only.includes(n))) {
  const file = fileURLToPath(new URL(`./${name}.mjs`, import.meta.url));
  if (!fs.existsSync(file)) continue;
  const env = optional.has(name) ? { ...process.env, BENCH_PG_OPTIONAL: '1' } : process.env;
  const r = spawnSync(process.execPath, [file, ...process.argv.slice(2)], { stdio: 'inherit', env });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
