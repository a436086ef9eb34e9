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
  const r = spawnSync(process.execPath, [path.join(root, 'bin/crm.js'), ...args], { env, stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.error(`demo: "crm ${args.join(' ')}" exited ${r.status}`);
    process.exit(r.status ?? 1);
  }
}

crm('create the database', 'init');
// parents before the rows that refer to them
const ENTITIES = ['staff', 'clients', 'contacts', 'account_team', 'products', 'promotions', 'responses', 'deals', 'plan_tasks', 'activities', 'goals', 'assessments'];
for (const entity of ENTITIES) crm(`load ${entity}`, 'import', entity, path.join('fixtures', `${entity}.csv`));
crm('the same file again is recognised and skipped', 'import', 'clients', path.join('fixtures', 'clients.csv'));
crm('every import, newest first', 'import', 'log', '--format', 'table');
crm('what is in the base', 'info', '--format', 'table');
console.log(`\nThe demo database is ${path.relative(process.cwd(), db)}; try: CRM_DB=${path.relative(process.cwd(), db)} node bin/crm.js --help`);
