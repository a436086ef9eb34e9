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
crm('find a client by part of its name, Cyrillic, any case', 'find', 'РОМАШК', '--format', 'table');
crm('the client card: details, branches, buying centre, team, open deals, activities, tasks, goals', 'show', 'client', 'CL-0033', '--recent', '5', '--format', 'table');
crm('key accounts in Москва with their managers', 'query', 'clients', '--key-accounts', '--region', 'Москва', '--columns', 'name,inn,manager,purchase_potential', '--format', 'table');
crm('the planted duplicates, with their evidence (nothing is merged)', 'dedupe', 'clients', '--dry-run', '--format', 'table');
crm('how current the base is', 'report', 'data-health', '--as-of', '2026-11-20', '--format', 'table');
crm('a consistent, checked backup beside the database', 'backup');
crm('the backups', 'backup', 'list', '--format', 'table');
crm('key accounts against the Hise & Reid conditions: strong, developing and at-risk accounts, and the programme row', 'report', 'key-accounts', '--as-of', '2026-11-20', '--format', 'table');
crm('why an account scored what it did: the evidence, the trap top-to-top and the flagged self-assessment', 'report', 'key-accounts', '--as-of', '2026-11-20', '--client', 'CL-0210', '--explain', '--format', 'table');
crm('clients that should be key accounts, and key accounts that do not qualify', 'report', 'key-candidates', '--as-of', '2026-11-20', '--format', 'table');
crm('national accounts: HQs, branches, regions, field reps and gaps', 'report', 'national-accounts', '--as-of', '2026-11-20', '--format', 'table');
crm('the weekly plan review: per staff member and in total against the week before, then the carry-over list', 'report', 'weekly', '--week', '2026-W47', '--format', 'table');
crm("next week's plan from this week's: carried tasks, follow-ups of successes, key accounts with nothing planned", 'plan', 'next', '--week', '2026-W47', '--dry-run', '--format', 'table');
crm('promotions: responses → deals → won deals, revenue, cost and ROI per promotion (PR-2605, the radio campaign, wins nothing)', 'report', 'promotions', '--format', 'table');
crm('the sales department judged by deals per response: by who handled them, this year, with unlinked deals credited within 30 days', 'report', 'promotions', '--by', 'staff', '--from', '2026-01-01', '--to', '2026-11-20', '--attribution-days', '30', '--format', 'table');
crm('responses nobody answered for two weeks, oldest first, with who handled them', 'report', 'follow-ups', '--days', '14', '--as-of', '2026-11-20', '--from', '2026-09-01', '--format', 'table');
crm('won revenue by product × client type over the last 12 months: the top combinations and their trend', 'report', 'revenue', '--from', '2025-11-21', '--to', '2026-11-20', '--top', '10', '--format', 'table');
crm('lost clients: why, to whom, what they bought in their last year, and the last contact', 'report', 'lost', '--format', 'table');
console.log(`\nThe demo database is ${path.relative(process.cwd(), db)}; try: CRM_DB=${path.relative(process.cwd(), db)} node bin/crm.js --help`);
