// npm run bench: every benchmark, one after the other. BENCH_ONLY=startup,import runs a subset.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const all = ['startup', 'import', 'find', 'backup', 'reports', 'reports-promotions', 'plan', 'dedupe'];
const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : all;
let failed = 0;
for (const name of all.filter((n) => only.includes(n))) {
  const file = fileURLToPath(new URL(`./${name}.mjs`, import.meta.url));
  if (!fs.existsSync(file)) continue;
  const r = spawnSync(process.execPath, [file, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
