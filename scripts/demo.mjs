// npm run demo: a fresh demo database from fixtures/, the main jobs, and their reports.
// The database goes to demo/crm.db (git-ignored); run it again any time, it starts over.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'demo');
const db = path.join(dir, 'crm.db');
fs.mkdirSync(dir, { recursive: true });
for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });

const env = { ...process.env, CRM_DB: db, CRM_USER: 'demo' };
function crm(title, ...args) {
  process.stdout.write(`\n\x1b[1m$ crm ${args.join(' ')}\x1b[0m${title ? `   # ${title}` : ''}\n`);
  const r = spawnSync(process.execPath, [path.join(root, 'bin/crm.js'), ...args], { env, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`demo: "crm ${args.join(' ')}" exited ${r.status}`);
    process.exit(r.status ?? 1);
  }
}

crm('create the database', 'init');
crm('what is in it', 'info', '--format', 'table');
console.log(`\nThe demo database is ${path.relative(process.cwd(), db)}; try: CRM_DB=${path.relative(process.cwd(), db)} node bin/crm.js --help`);
