// crm dedupe: quality on public benchmarks with ground truth, and speed at scale.
//
//   node bench/dedupe.mjs [DATA_DIR]         default DATA_DIR: ../shared/data beside the checkout
//   BENCH_DEDUPE_SCALE=0 node bench/dedupe.mjs   skip the 100k-client run (BENCH_DEDUPE_QUALITY=0: skip quality)
//   BENCH_DEDUPE_THRESHOLD=0.9 …                 another threshold than the documented default
//   BENCH_DEDUPE_KEEP=1 …                        keep the planted copy (its path is printed)
//
// Quality: pair precision, recall and F1 of the matcher (the same code `crm dedupe` runs, from
// dist/) at the default threshold, over the pairs inside the groups it forms (what a merge of
// each group would join):
//   - contacts: Febrl person records (dataset 1: 1,000 records, dataset 2: 5,000); name, address,
//     date of birth and the personal id number are given to the contact matcher;
//   - organisations: PATSTAT company names (2,379 names of 102 companies), name only.
// The data are read where they are; nothing is copied into the repository.
//
// Speed: a copy of the scale base ($BENCH_DIR/crm.db, default /tmp/crm-scale, written by
// bench/import.mjs; never modified) with duplicates planted up to 5% of 100,000 clients, then the
// real binary: `crm dedupe clients --dry-run --format csv`, wall time and peak memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Rng } from '../fixtures/lib/rng.mjs';
import { translit } from '../fixtures/lib/people.mjs';
import { BIN, ROOT, measure, printTable } from './lib.mjs';

const dataDir = path.resolve(process.argv[2] ?? process.env.BENCH_DATA ?? path.join(ROOT, '../shared/data'));
const dist = (p) => pathToFileURL(path.join(ROOT, 'dist', p)).href;
const { findClientDuplicates, findContactDuplicates } = await import(dist('dedupe/find.js'));
const { DEFAULT_THRESHOLD } = await import(dist('dedupe/score.js'));
const threshold = Number(process.env.BENCH_DEDUPE_THRESHOLD ?? DEFAULT_THRESHOLD);

/** RFC 4180 CSV into rows of fields. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const pairs = (n) => (n * (n - 1)) / 2;

/** Pair precision / recall / F1 of groups against true entities. */
function pairMetrics(groups, truthOf, ids) {
  let predicted = 0;
  let correct = 0;
  for (const g of groups) {
    predicted += pairs(g.ids.length);
    const cells = new Map();
    for (const id of g.ids) cells.set(truthOf.get(id), (cells.get(truthOf.get(id)) ?? 0) + 1);
    for (const n of cells.values()) correct += pairs(n);
  }
  const sizes = new Map();
  for (const id of ids) sizes.set(truthOf.get(id), (sizes.get(truthOf.get(id)) ?? 0) + 1);
  let truth = 0;
  for (const n of sizes.values()) truth += pairs(n);
  const precision = predicted ? correct / predicted : 1;
  const recall = truth ? correct / truth : 1;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, truth, predicted };
}

function timed(fn) {
  const t = process.hrtime.bigint();
  const r = fn();
  return [r, Number(process.hrtime.bigint() - t) / 1e9];
}

const quality = [];
const row = (set, records, m, seconds) => ({
  'data set': set,
  records,
  'true pairs': m.truth,
  'found pairs': m.predicted,
  precision: m.precision.toFixed(4),
  recall: m.recall.toFixed(4),
  F1: m.f1.toFixed(4),
  seconds: seconds.toFixed(2),
});

if (process.env.BENCH_DEDUPE_QUALITY === '0') {
  // quality skipped
} else if (!fs.existsSync(dataDir)) {
  console.error(`bench/dedupe: no benchmark data at ${dataDir} (pass the directory as an argument); quality skipped`);
} else {
  for (const name of ['febrl_dataset1', 'febrl_dataset2']) {
    const file = path.join(dataDir, 'febrl', `${name}.csv`);
    if (!fs.existsSync(file)) {
      console.error(`bench/dedupe: ${file} is missing; skipped`);
      continue;
    }
    // Febrl quirks: a space after every comma, a lone space for an empty field
    const rows = parseCsv(fs.readFileSync(file, 'utf8'))
      .slice(1)
      .filter((r) => r.length >= 11)
      .map((r) => r.map((x) => x.trim()));
    const records = rows.map((r, i) => ({
      id: i + 1,
      name: `${r[1]} ${r[2]}`.trim() || '?',
      address: [`${r[3]} ${r[4]}`, r[5], `${r[6]} ${r[8]} ${r[7]}`].map((x) => x.trim()).filter(Boolean).join(', '),
      birthDate: r[9] || null,
      personalIds: r[10] ? [r[10]] : [],
    }));
    const truth = new Map(rows.map((r, i) => [i + 1, r[0].split('-')[1]]));
    const [res, s] = timed(() => findContactDuplicates(records, { threshold }));
    quality.push(row(`Febrl ${name.slice(-1)} (contacts: name, address, birth date, id)`, records.length, pairMetrics(res.groups, truth, records.map((r) => r.id)), s));
    // what the contacts table holds today: no birth date, no personal id
    const plain = records.map((r) => ({ id: r.id, name: r.name, address: r.address }));
    const [res2, s2] = timed(() => findContactDuplicates(plain, { threshold }));
    quality.push(row(`Febrl ${name.slice(-1)} (name and address only)`, records.length, pairMetrics(res2.groups, truth, records.map((r) => r.id)), s2));
  }
  const ref = path.join(dataDir, 'company_names', 'patstat_reference.csv');
  if (fs.existsSync(ref)) {
    const rows = parseCsv(fs.readFileSync(ref, 'utf8'))
      .slice(1)
      .filter((r) => r.length >= 3);
    // a leading "* " marks names the PATSTAT disambiguation flagged; it is not part of the name
    const records = rows.map((r) => ({ id: Number(r[0]), name: r[2].replace(/^\*\s*/, '') }));
    const truth = new Map(rows.map((r) => [Number(r[0]), r[1]]));
    const [res, s] = timed(() => findClientDuplicates(records, { threshold }));
    quality.push(row('PATSTAT (organisations: name only)', records.length, pairMetrics(res.groups, truth, records.map((r) => r.id)), s));
  } else console.error(`bench/dedupe: ${ref} is missing; skipped`);
  printTable(`crm dedupe quality at the default threshold ${threshold} (pairs inside the groups it forms; goal F1 ≥ 0.95)`, quality);
}

// ------------------------------------------------------------------------------ scale

/** A duplicate of a client as people type one: another spelling of the name, phone, e-mail… */
function duplicateOf(rng, c, n) {
  const stem = c.name.replace(/^(ООО|АО|ПАО|ЗАО|ИП|ГБУЗ|ГБОУ|МУП|МБУ|ГКУ|ГУП|ФГБУ|МКУ|МБДОУ|LLC)\s+/, '').replace(/,\s*(ООО|АО|ПАО|LLC)$/, '').replace(/\s+LLC$/, '');
  const form = c.legal_form ?? 'ООО';
  const bare = stem.replace(/[«»"]/g, '');
  const typo = (s) => {
    const letters = [...s];
    const i = rng.int(1, Math.max(1, letters.length - 2));
    const k = rng.int(0, 2);
    if (k === 0) [letters[i], letters[i + 1]] = [letters[i + 1], letters[i]];
    else if (k === 1) letters.splice(i, 1);
    else letters[i] = letters[i] === 'а' ? 'о' : letters[i] === 'о' ? 'а' : letters[i] === 'е' ? 'и' : 'е';
    return letters.join('');
  };
  const names = [
    () => `${bare}, ${form}`,
    () => `${form} "${bare}"`,
    () => `${bare} ${form}`,
    () => `${form} «${bare.replace(/ё/g, 'е')}»`,
    () => `${form} ${bare.toUpperCase()}`,
    () => `"${translit(bare).replace(/(^|[\s-])(\S)/g, (m, p, ch) => p + ch.toUpperCase())}" ${form === 'ООО' ? 'LLC' : form === 'АО' ? 'JSC' : form}`,
    () => `${form} «${typo(bare)}»`,
    () => `${form}  «${bare}» `,
    () => (form === 'ООО' ? `Общество с ограниченной ответственностью «${bare}»` : `${form} «${bare}»`),
  ];
  const name = rng.pick(names)();
  const phone = c.phone && rng.chance(0.75) ? c.phone : null;
  const inn = c.inn && rng.chance(0.5) ? c.inn : null;
  const domain = c.email ? c.email.split('@')[1] : null;
  const email = domain ? rng.weighted([[c.email, 40], [`${rng.pick(['info', 'office', 'sales', 'zakaz', 'buh'])}@${domain}`, 30], [null, 30]]) : null;
  const address = c.address && rng.chance(0.5) ? c.address.replace('ул. ', rng.pick(['улица ', 'ул.', 'ул '])).replace(', д. ', rng.pick([', ', ', дом ', ' д.'])) : null;
  return { name, legal_form: c.legal_form, client_type: c.client_type, region: c.region, city: c.city, address, phone, email, inn, kpp: inn ? c.kpp : null, source: 'bench', external_id: `DUP-${n}`, notes: `bench duplicate of #${c.id}` };
}

function plantDuplicates(file, wanted, seed) {
  const db = new Database(file);
  const rng = new Rng(seed);
  const live = db.prepare("SELECT id, name, legal_form, client_type, region, city, address, phone, email, inn, kpp FROM clients WHERE merged_into_id IS NULL AND parent_id IS NULL AND name NOT LIKE '%филиал%'").all();
  const insert = db.prepare(
    'INSERT INTO clients (name, legal_form, client_type, region, city, address, phone, email, inn, kpp, source, external_id, notes, created_by) VALUES (@name, @legal_form, @client_type, @region, @city, @address, @phone, @email, @inn, @kpp, @source, @external_id, @notes, \'bench\')',
  );
  const truth = new Map();
  const used = new Set();
  db.transaction(() => {
    for (let n = 1; n <= wanted; n++) {
      let c;
      do c = live[rng.int(0, live.length - 1)];
      while (used.has(c.id));
      used.add(c.id);
      const r = insert.run(duplicateOf(rng, c, n));
      truth.set(Number(r.lastInsertRowid), c.id);
    }
  })();
  db.close();
  return truth;
}

if (process.env.BENCH_DEDUPE_SCALE !== '0') {
  const dir = process.env.BENCH_DIR ?? '/tmp/crm-scale';
  const base = path.join(dir, 'crm.db');
  if (!fs.existsSync(base)) {
    console.error(`bench/dedupe: no scale base at ${base}; run node bench/import.mjs first (it builds it). Scale run skipped.`);
  } else {
    // the copy goes to a directory of its own: the base and its directory are left as they are
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-dedupe-bench-'));
    const copy = path.join(work, 'dedupe-bench.db');
    // a consistent copy of the base, whatever else is using it (read-only: the base is not touched)
    const src = new Database(base, { readonly: true, fileMustExist: true });
    src.prepare('VACUUM INTO ?').run(copy);
    src.close();
    const counts = new Database(copy, { readonly: true });
    const clients = counts.prepare('SELECT count(*) AS n FROM clients WHERE merged_into_id IS NULL').get().n;
    const planted0 = counts.prepare("SELECT count(*) AS n FROM clients WHERE notes = 'Заведён повторно'").get().n;
    counts.close();
    // up to 5% duplicates: the generator plants about 0.5%, the rest are planted here
    const wanted = Math.max(0, Math.round(clients * 0.05) - planted0);
    const truth = plantDuplicates(copy, wanted, 20261120);
    const args = [BIN, 'dedupe', 'clients', '--dry-run', '--format', 'csv', '--db', copy, '--quiet'];
    const m = measure(process.execPath, args);
    const rows = parseCsv(m.stdout);
    const header = rows[0] ?? [];
    const col = (k) => header.indexOf(k);
    const found = rows.slice(1).filter((r) => r[col('relation')] === 'duplicate');
    const groupOf = new Map();
    for (const r of found) for (const c of ['id_a', 'id_b']) groupOf.set(Number(r[col(c)]), r[col('group')]);
    const hit = [...truth].filter(([d, o]) => groupOf.has(d) && groupOf.get(d) === groupOf.get(o)).length;
    // pairs explained by planting: ours, or one involving the generator's own duplicates (whose originals it does not record)
    const check = new Database(copy, { readonly: true });
    const genDup = new Set(check.prepare("SELECT id FROM clients WHERE notes = 'Заведён повторно'").all().map((r) => r.id));
    check.close();
    const explained = found.filter((r) => {
      const a = Number(r[col('id_a')]);
      const b = Number(r[col('id_b')]);
      // a planted duplicate with its original, two duplicates of one original, or the generator's own duplicates
      const ra = truth.get(a) ?? a;
      const rb = truth.get(b) ?? b;
      return ra === rb || genDup.has(ra) || genDup.has(rb);
    }).length;
    printTable(`crm dedupe clients at scale: ${(clients + wanted).toLocaleString('en-US')} clients, ${planted0 + wanted} planted duplicates (goal: < 30 s, < 1 GB)`, [
      {
        command: 'crm dedupe clients --dry-run --format csv',
        seconds: m.seconds.toFixed(1),
        peak_MiB: m.peakMiB?.toFixed(0) ?? '?',
        'pairs listed': found.length,
        'planted duplicates grouped with their original': `${hit} of ${truth.size} (${((hit / Math.max(1, truth.size)) * 100).toFixed(1)}%)`,
        'listed pairs explained by planting': `${explained} of ${found.length}`,
      },
    ]);
    if (process.env.BENCH_DEDUPE_KEEP === '1') console.error(`bench/dedupe: the planted copy is ${copy}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}
