#!/usr/bin/env node
// Writes the scale data set of DESIGN.md §6 as CSV files in the `crm import` format:
// 100,000 clients (3,000 key accounts), 300,000 contacts, 1,000,000 activities, 200,000 deals,
// with staff, products, promotions, responses, plan tasks, goals in proportion.
//
//   node bench/gen-scale.mjs [--out DIR] [--clients N] [--seed S]
//
// Defaults: --out /tmp/crm-scale, --clients 100000. Other counts scale with N (contacts 3N,
// activities 10N, deals 2N, responses 2N). Seeded and deterministic. Rows are streamed to disk
// in chunks; memory holds only a few typed arrays per client and response, never the rows.

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Rng } from '../fixtures/lib/rng.mjs';
import { dayOf, iso, isoWeek, weekMonday, addWeeks, dateTime, isWorkday, workdayOnOrBefore } from '../fixtures/lib/dates.mjs';
import { CsvFile } from '../fixtures/lib/csv.mjs';
import { COLUMNS, fileName } from '../fixtures/lib/columns.mjs';
import { rubles } from '../fixtures/lib/money.mjs';
import { newInn10, newInn12, kpp } from '../fixtures/lib/inn.mjs';
import { REGIONS, taxOffice, address } from '../fixtures/lib/geo.mjs';
import { landline, mobile, formatPhone, randomPhone } from '../fixtures/lib/phone.mjs';
import { person, emailOf, translit, plainYo } from '../fixtures/lib/people.mjs';
import { CLIENT_TYPES, TYPE_WEIGHTS, companyName, domainOf } from '../fixtures/lib/companies.mjs';
import {
  SELLER_DOMAIN, PRODUCTS, CATEGORY_AFFINITY, COMPETITORS, LOST_DEAL_REASONS, LOST_CLIENT_REASONS, POSITIONS,
  ACTIVITY_SUBJECTS, NOTES, TASKS, OUTCOMES,
} from '../fixtures/lib/catalog.mjs';

// ---------------------------------------------------------------------------------------------
// options

function parseArgs(argv) {
  const opts = { out: '/tmp/crm-scale', clients: 100000, seed: 20261120 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--out') opts.out = value();
    else if (a === '--clients') opts.clients = Number(value());
    else if (a === '--seed') opts.seed = Number(value());
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!Number.isInteger(opts.clients) || opts.clients < 100) usage('--clients must be an integer >= 100');
  if (!Number.isInteger(opts.seed)) usage('--seed must be an integer');
  return opts;
}

function usage(problem) {
  const text = 'usage: node bench/gen-scale.mjs [--out DIR] [--clients N] [--seed S]\n' +
    '  writes N clients (3% key accounts), 3N contacts, 10N activities, 2N deals, 2N responses\n' +
    '  and proportionate staff, products, promotions, plan tasks, goals as CSV into DIR\n' +
    '  (default /tmp/crm-scale, N = 100000)\n';
  process.stderr.write(problem ? `gen-scale: ${problem}\n${text}` : text);
  process.exit(problem ? 2 : 0);
}

const opts = parseArgs(process.argv.slice(2));
const N = opts.clients;
const KEYS = Math.round(N * 0.03);
const CONTACTS = 3 * N;
const ACTIVITIES = 10 * N;
const DEALS = 2 * N;
const RESPONSES = 2 * N;
const STAFF = Math.max(22, Math.round(N / 250));

const ANCHOR = dayOf('2026-11-20');
const CURRENT_WEEK = isoWeek(ANCHOR);
const WEEKS = Array.from({ length: 10 }, (_, i) => addWeeks(CURRENT_WEEK, i - 9));
const YEAR_AGO = ANCHOR - 364;
const TWO_YEARS_AGO = ANCHOR - 730;

const root = new Rng(opts.seed);
fs.mkdirSync(opts.out, { recursive: true });
const started = performance.now();
const writers = {};
const open = (entity) => (writers[entity] = new CsvFile(path.join(opts.out, fileName(entity)), COLUMNS[entity]));
const timings = {};
function finish(entity, since) {
  const rows = writers[entity].close();
  timings[entity] = { rows, seconds: (performance.now() - since) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// fast helpers

const pad = (n, width) => String(n).padStart(width, '0');
const digitsOf = (n) => Math.max(5, String(n).length);
const W_CLIENT = digitsOf(N);
const W_CONTACT = digitsOf(CONTACTS);
const W_ACT = digitsOf(ACTIVITIES + N);
const clientId = (i) => `CL-${pad(i + 1, W_CLIENT)}`;
const contactId = (i) => `CT-${pad(i + 1, W_CONTACT)}`;

/** A weighted choice compiled once: returns a function (rng) -> value. */
function table(pairs) {
  const values = pairs.map((p) => p[0]);
  const cum = [];
  let total = 0;
  for (const p of pairs) cum.push((total += p[1]));
  return (rng) => {
    const r = rng.next() * total;
    for (let i = 0; i < cum.length; i++) if (r < cum[i]) return values[i];
    return values[values.length - 1];
  };
}

// all working days of the last two years, for O(1) "a working day between a and b"
const WORKDAYS = [];
for (let d = TWO_YEARS_AGO - 60; d <= ANCHOR; d++) if (isWorkday(d)) WORKDAYS.push(d);
const WD = Int32Array.from(WORKDAYS);
function lowerBound(day) {
  let lo = 0;
  let hi = WD.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (WD[mid] < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
/** A working day in [from, to], or -1. */
function workday(rng, from, to) {
  const a = lowerBound(from);
  const b = lowerBound(to + 1) - 1;
  if (b < a) return -1;
  return WD[a + Math.floor(rng.next() * (b - a + 1))];
}
const minutes = (rng) => (108 + Math.floor(rng.next() * 108)) * 5; // 09:00 .. 17:55

// ---------------------------------------------------------------------------------------------
// staff

const ROLE = ['executive', 'sales_manager', 'national_account_manager', 'account_manager', 'field_rep', 'service',
  'rnd', 'production', 'finance', 'logistics', 'marketing', 'crm'];
const R = Object.fromEntries(ROLE.map((r, i) => [r, i]));
const staffRole = new Uint8Array(STAFF);
const staffRegion = new Uint8Array(STAFF);
const staffEmail = new Array(STAFF);
const byRole = ROLE.map(() => []);
const byRoleRegion = ROLE.map(() => REGIONS.map(() => []));

function buildStaff() {
  const t = performance.now();
  const rng = root.fork('staff');
  open('staff');
  const quota = {
    executive: Math.max(2, Math.round(STAFF * 0.01)), sales_manager: Math.max(1, Math.round(STAFF * 0.04)),
    national_account_manager: Math.max(1, Math.round(STAFF * 0.05)), account_manager: Math.round(STAFF * 0.28),
    field_rep: Math.round(STAFF * 0.33), service: Math.round(STAFF * 0.1), rnd: Math.max(1, Math.round(STAFF * 0.03)),
    production: Math.max(1, Math.round(STAFF * 0.03)), finance: Math.max(1, Math.round(STAFF * 0.03)),
    logistics: Math.max(1, Math.round(STAFF * 0.03)), marketing: Math.max(1, Math.round(STAFF * 0.02)),
  };
  const roles = [];
  for (const role of ROLE) for (let i = 0; i < (quota[role] ?? 0); i++) roles.push(role);
  while (roles.length < STAFF) roles.push('crm');
  roles.length = STAFF;
  const used = new Set();
  roles.forEach((role, i) => {
    const ri = byRole[R[role]].length % REGIONS.length;
    const p = person(rng);
    let local = `${translit(p.first)[0]}.${translit(p.last).replace(/[^a-z]/g, '')}`;
    for (let k = 2; used.has(local); k++) local = `${translit(p.first)[0]}.${translit(p.last).replace(/[^a-z]/g, '')}${k}`;
    used.add(local);
    staffEmail[i] = `${local}@${SELLER_DOMAIN}`;
    staffRole[i] = R[role];
    staffRegion[i] = ri;
    byRole[R[role]].push(i);
    byRoleRegion[R[role]][ri].push(i);
    let manager = '';
    if (role === 'executive') manager = byRole[R.executive].length > 1 ? staffEmail[byRole[R.executive][0]] : '';
    else if (['account_manager', 'national_account_manager', 'field_rep', 'crm'].includes(role) && byRole[R.sales_manager].length) {
      manager = staffEmail[rng.pick(byRole[R.sales_manager])];
    } else manager = staffEmail[rng.pick(byRole[R.executive])];
    writers.staff.values([`S${pad(i + 1, 4)}`, p.full, staffEmail[i], formatPhone(mobile(rng), 'intl'), role, REGIONS[ri].name, manager]);
  });
  finish('staff', t);
}

/** A staff member of a role in a region (falls back to any region). */
function staffIn(rng, role, region) {
  const local = byRoleRegion[R[role]][region];
  if (local.length) return local[Math.floor(rng.next() * local.length)];
  const all = byRole[R[role]];
  return all.length ? all[Math.floor(rng.next() * all.length)] : 0;
}

// ---------------------------------------------------------------------------------------------
// clients, with their contacts, account teams, goals and self-assessments

const ST_PROSPECT = 0;
const ST_ACTIVE = 1;
const ST_LOST = 2;
const KIND_ORDINARY = 0;
const KIND_KEY = 1;
const KIND_BRANCH = 2;
const cKind = new Uint8Array(N);
const cStatus = new Uint8Array(N);
const cRegion = new Uint8Array(N);
const cType = new Uint8Array(N);
const cManager = new Int32Array(N);
const cSince = new Int32Array(N);
const cLost = new Int32Array(N);
const cContact = new Int32Array(N + 1); // first contact of client i; contacts of i are [cContact[i], cContact[i+1])
const keyList = [];

const regionPick = table([[0, 24], [1, 10], [2, 14], [3, 7], [4, 9], [5, 9], [6, 9], [7, 6], [8, 6], [9, 6]]);
const typePick = table(TYPE_WEIGHTS.map(([t, w]) => [CLIENT_TYPES.indexOf(t), w]));
const TAILS = ['', '', '', '', '', '-Урал', '-Сибирь', '-Юг', '-Волга', '-Центр', '-Север', '-Запад', ' Плюс', '-М', '-Групп', '-Регион', '-Инжиниринг', '-Опт'];
const LATIN_TAILS = ['', '', ' Rus', ' Trading', ' Group', ' Service', ' Partners', ' Engineering', ' East', ' North', ' South',
  ' Volga', ' Ural', ' Siberia', ' Baltic', ' Pro', ' Plus', ' Invest'];
const PARTNERSHIP = table([['', 40], ['none', 32], ['interested', 20], ['contract', 8]]);

function planContacts(rng) {
  // contacts per client: key accounts 8-12, branches 2-3, others 1-4; then trimmed/padded to exactly 3N
  let total = 0;
  const count = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    count[i] = cKind[i] === KIND_KEY ? rng.int(8, 12) : cKind[i] === KIND_BRANCH ? rng.int(2, 3) : rng.int(1, 4);
    total += count[i];
  }
  while (total !== CONTACTS) {
    const i = Math.floor(rng.next() * N);
    if (total < CONTACTS && count[i] < 14) { count[i]++; total++; }
    else if (total > CONTACTS && count[i] > 1) { count[i]--; total--; }
  }
  for (let i = 0; i < N; i++) cContact[i + 1] = cContact[i] + count[i];
}

function buildClients() {
  const t = performance.now();
  const rng = root.fork('clients');
  const crng = root.fork('contacts');
  const trng = root.fork('teams');
  for (const e of ['clients', 'contacts', 'account_team', 'goals', 'assessments']) open(e);

  // layout: key accounts evenly spaced; every tenth key account is a national HQ followed by 2-5 branches
  const natEvery = 10;
  for (let j = 0; j < KEYS; j++) {
    const i = Math.floor((j * N) / KEYS);
    cKind[i] = KIND_KEY;
    keyList.push(i);
    if (j % natEvery === 0) {
      const b = rng.int(2, 5);
      for (let k = 1; k <= b && i + k < N && cKind[i + k] === KIND_ORDINARY; k++) cKind[i + k] = KIND_BRANCH;
    }
  }
  planContacts(rng);
  for (let i = 0; i < N; i++) cRegion[i] = regionPick(rng);

  const usedInn = new Set();
  const usedPhone = new Set();
  const domainCount = new Map();
  const govSeen = new Set();
  const ring = []; // recent ordinary clients, to plant duplicates from (0.5% of clients)
  let ringPos = 0;
  let hq = -1;
  let hqRow = null;
  let goalNo = 0;
  let dups = 0;

  for (let i = 0; i < N; i++) {
    const kind = cKind[i];
    // a duplicate of a recent client: other spelling, other phone format, sometimes no ИНН
    const dupOf = kind === KIND_ORDINARY && ring.length > 50 && rng.next() < 0.005 ? ring[Math.floor(rng.next() * ring.length)] : null;
    const region = dupOf ? dupOf.region : cRegion[i];
    const type = kind === KIND_BRANCH ? cType[hq] : dupOf ? dupOf.type : typePick(rng);
    const r = REGIONS[region];
    const c = dupOf ? dupOf.city : r.cities[Math.floor(rng.next() * r.cities.length)];
    const office = taxOffice(rng, r);
    let name;
    let form;
    let domain = '';
    let inn = '';
    let kppValue = '';
    let number;
    do number = landline(rng, c.codes[Math.floor(rng.next() * c.codes.length)]); while (usedPhone.has(number.digits));
    usedPhone.add(number.digits);
    let phone = randomPhone(rng, number);
    let ipPerson = null;

    if (kind === KIND_BRANCH) {
      // a branch: the HQ's name, ИНН and domain, its own КПП, region and phone
      name = `${hqRow.name}, филиал в г. ${c.name}`;
      form = hqRow.form;
      inn = hqRow.inn;
      kppValue = kpp(office, '43');
      domain = hqRow.domain;
    } else {
      let co = companyName(rng, CLIENT_TYPES[type], { city: c.name, regionShort: r.short }, new Set(), () => person(rng));
      // a national account's HQ is an organisation, not an individual entrepreneur;
      // a city has one water utility: a repeated public-sector name is drawn again (schools, clinics are numbered)
      for (let k = 0; k < 20 && ((kind === KIND_KEY && cKind[i + 1] === KIND_BRANCH && co.isPerson) || govSeen.has(co.name)); k++) {
        co = companyName(rng, CLIENT_TYPES[type], { city: c.name, regionShort: r.short }, new Set(), () => person(rng));
      }
      if (CLIENT_TYPES[type] === 'government') govSeen.add(co.name);
      form = co.legalForm;
      ipPerson = co.person ?? null;
      const tails = form === 'LLC' ? LATIN_TAILS : TAILS;
      const tail = co.isPerson || CLIENT_TYPES[type] === 'government' ? '' : tails[Math.floor(rng.next() * tails.length)];
      name = tail ? co.name.replace(co.stem, co.stem + tail) : co.name;
      if (co.domain) {
        const base = tail ? domainOf(co.stem + tail) : co.domain;
        const n = (domainCount.get(base) ?? 0) + 1;
        domainCount.set(base, n);
        domain = `${base}${n > 1 ? n : ''}.ru`;
      }
      if (co.isPerson) inn = newInn12(rng, office, usedInn);
      else {
        inn = newInn10(rng, office, usedInn);
        if (rng.next() < 0.88) kppValue = kpp(office);
      }
    }

    let status = ST_ACTIVE;
    let since = rng.int(dayOf('2014-01-01'), dayOf('2024-12-31'));
    let lost = 0;
    if (kind === KIND_ORDINARY) {
      const s = rng.next();
      status = s < 0.37 ? ST_PROSPECT : s < 0.92 ? ST_ACTIVE : ST_LOST;
      if (status === ST_PROSPECT) {
        since = rng.int(TWO_YEARS_AGO, ANCHOR - 14);
        if (rng.next() < 0.25) { inn = ''; kppValue = ''; }
      }
      if (status === ST_LOST) lost = workdayOnOrBefore(rng.int(since + 200 > ANCHOR - 10 ? ANCHOR - 300 : Math.max(since + 200, TWO_YEARS_AGO), ANCHOR - 10));
    }
    if (kind === KIND_BRANCH) since = cSince[hq] + rng.int(30, 900);

    if (dupOf) {
      name = rng.pick([plainYo(dupOf.name).replace(/[«»]/g, '"'), dupOf.name.replace(/^(\S+) «(.*)»$/, '$2 $1'), dupOf.name.replace(' ', '  ')]);
      form = dupOf.form;
      phone = formatPhone(dupOf.number, rng.pick(['eightDigits', 'plusDigits', 'eightSpaced']));
      domain = dupOf.domain;
      inn = rng.next() < 0.5 ? dupOf.inn : '';
      kppValue = inn ? dupOf.kpp : '';
      status = ST_PROSPECT;
      since = rng.int(dupOf.since, ANCHOR - 14);
      dups++;
    }

    cStatus[i] = status;
    cRegion[i] = region;
    cType[i] = type;
    cSince[i] = since;
    cLost[i] = lost;
    let manager = -1;
    if (kind === KIND_KEY) manager = staffIn(rng, cKind[i + 1] === KIND_BRANCH ? 'national_account_manager' : 'account_manager', region);
    else if (kind === KIND_BRANCH) manager = staffIn(rng, 'field_rep', region);
    else {
      const m = rng.next();
      manager = m < 0.85 ? staffIn(rng, 'account_manager', region) : m < 0.92 ? staffIn(rng, 'sales_manager', region) : -1;
    }
    cManager[i] = manager;

    const addr = address(rng, r, c);
    const email = domain ? `${rng.pick(['info', 'office', 'zakaz', 'sales', 'snab'])}@${domain}` : ipPerson ? emailOf(rng, ipPerson, '') : '';
    let potential = '';
    let partnership = kind === KIND_BRANCH ? '' : PARTNERSHIP(rng);
    let contract = ['', '', ''];
    let mission = '';
    if (kind === KIND_KEY) {
      potential = rubles(Math.round(rng.int(150, 3000) * 1e5) * 100);
      partnership = rng.pick(['interested', 'contract', 'contract', 'strategic']);
      if (rng.next() < 0.8) mission = 'Стать предпочтительным поставщиком оборудования и сервиса для всех площадок клиента';
    } else if (kind === KIND_ORDINARY && rng.next() < 0.55) {
      potential = rubles(rng.int(30, 800) * 1e4 * 100);
    }
    if ((partnership === 'contract' || partnership === 'strategic') && status !== ST_PROSPECT) {
      const s = rng.int(dayOf('2019-01-01'), ANCHOR - 60);
      contract = [`Д-${iso(s).slice(0, 4)}/${pad(rng.int(1, 999), 3)}`, iso(s), `${rng.pick(['2026', '2027', '2028'])}-12-31`];
    } else if (partnership === 'contract') partnership = 'interested';

    let lostReason = '';
    let lostCompetitor = '';
    if (status === ST_LOST) {
      lostReason = rng.pick(LOST_CLIENT_REASONS);
      lostCompetitor = rng.next() < 0.8 ? rng.pick(COMPETITORS) : '';
    }
    writers.clients.values([
      clientId(i), name, form, CLIENT_TYPES[type], kind === KIND_BRANCH ? clientId(hq) : '', r.name, c.name,
      rng.next() < 0.93 ? addr.text : '', rng.next() < 0.96 ? phone : '', email, domain && rng.next() < 0.5 ? `www.${domain}` : '',
      inn, kppValue, ['prospect', 'active', 'lost'][status], kind === KIND_KEY ? 'yes' : 'no', potential, partnership,
      contract[0], contract[1], contract[2], mission, manager >= 0 ? staffEmail[manager] : '',
      status === ST_LOST ? iso(lost) : '', lostReason, lostCompetitor, dupOf ? 'Заведён повторно' : '',
    ]);
    if (kind === KIND_KEY) {
      hq = i;
      hqRow = { name, form, inn, domain };
    }
    if (kind === KIND_ORDINARY && !dupOf && inn && status !== ST_LOST) {
      ring[ringPos++ % 1000] = { name, form, type, inn, kpp: kppValue, domain, number, region, city: c, since };
    }

    // contacts
    for (let k = cContact[i]; k < cContact[i + 1]; k++) {
      const first = k === cContact[i];
      const level = first ? (kind === KIND_BRANCH ? 'manager' : 'executive') : crng.next() < 0.15 ? 'executive' : crng.next() < 0.55 ? 'manager' : 'staff';
      const pos = first && kind !== KIND_BRANCH ? POSITIONS.executive[0] : POSITIONS[level][Math.floor(crng.next() * POSITIONS[level].length)];
      let role = first ? 'decision_maker' : crng.weighted(pos[1]);
      if (!first && role === 'decision_maker' && kind !== KIND_KEY && crng.next() < 0.7) role = 'influencer';
      const p = first && ipPerson ? ipPerson : person(crng, { tatar: region === 5 });
      const v = crng.next();
      writers.contacts.values([
        contactId(k), clientId(i), crng.next() < 0.2 ? plainYo(p.full) : p.full, first && ipPerson ? 'Индивидуальный предприниматель' : pos[0],
        level, role, level !== 'staff' && crng.next() < (kind === KIND_KEY ? 0.15 : 0.04) ? 'yes' : 'no',
        crng.next() < 0.5 ? randomPhone(crng, mobile(crng)) : randomPhone(crng, number, 0.6),
        crng.next() < 0.8 ? emailOf(crng, p, domain) : '', crng.next() < 0.25 ? addr.text : '',
        v < 0.12 ? '' : iso(workdayOnOrBefore(ANCHOR - (v < 0.72 ? crng.int(3, 360) : crng.int(370, 1500)))),
      ]);
    }

    // account team, goals and assessments of key accounts
    if (kind === KIND_KEY) {
      const members = new Set();
      const join = (s, role, regionName = '') => {
        const key = `${s}/${role}`;
        if (members.has(key)) return;
        members.add(key);
        writers.account_team.values([clientId(i), staffEmail[s], role, regionName, iso(Math.min(ANCHOR - 30, since + trng.int(0, 1500)))]);
      };
      join(manager, cKind[i + 1] === KIND_BRANCH ? 'national_account_manager' : 'account_manager');
      if (trng.next() < 0.55) join(staffIn(trng, 'executive', region), 'executive_sponsor');
      if (trng.next() < 0.6) join(staffIn(trng, 'service', region), 'service');
      if (trng.next() < 0.3) join(staffIn(trng, 'sales_manager', region), 'sales_manager');
      if (trng.next() < 0.25) join(staffIn(trng, 'rnd', region), 'rnd');
      if (trng.next() < 0.15) join(staffIn(trng, 'logistics', region), 'logistics');
      if (trng.next() < 0.7) join(staffIn(trng, 'field_rep', region), 'field_rep', r.name);
      // field reps for the branches that follow (one per rep: the team's key is client+staff+role)
      for (let b = i + 1; b < N && cKind[b] === KIND_BRANCH; b++) {
        if (trng.next() < 0.75) join(staffIn(trng, 'field_rep', cRegion[b]), 'field_rep', REGIONS[cRegion[b]].name);
      }
      const goals = trng.int(0, 3);
      for (let g = 0; g < goals; g++) {
        const set = trng.int(dayOf('2025-06-01'), ANCHOR - 60);
        const mode = trng.next();
        const due = mode < 0.5 ? iso(trng.int(ANCHOR + 20, ANCHOR + 400)) : mode < 0.8 ? iso(trng.int(set + 30, ANCHOR - 1)) : '';
        const status = mode < 0.5 || mode >= 0.8 ? 'open' : trng.pick(['met', 'met', 'open', 'missed', 'dropped']);
        const v = trng.int(5, 150);
        writers.goals.values([`G-${pad(++goalNo, 6)}`, clientId(i), `Увеличить годовой объём закупок до ${v} млн руб.`,
          trng.next() < 0.85 ? String(v * 1e6) : '', 'RUB', iso(set), due, status, staffEmail[manager]]);
      }
      if (trng.next() < 0.1) {
        const on = iso(workdayOnOrBefore(ANCHOR - trng.int(0, 120)));
        for (let k = 1; k <= 6; k++) writers.assessments.values([clientId(i), k, trng.int(1, 5), '', staffEmail[manager], on]);
      }
    }
  }
  for (const e of ['clients', 'contacts', 'account_team', 'goals', 'assessments']) finish(e, t);
  timings.clients.dups = dups;
}

// ---------------------------------------------------------------------------------------------
// products and promotions

const products = [];
function buildProducts() {
  const t = performance.now();
  const rng = root.fork('products');
  open('products');
  const target = Math.max(PRODUCTS.length, Math.round(N / 1000));
  for (const [code, name, category, price] of PRODUCTS) products.push({ code, name, category, price: Math.round(price * 100) });
  for (let i = 0; products.length < target; i++) {
    const [code, name, category, price] = PRODUCTS[i % PRODUCTS.length];
    const series = Math.floor(i / PRODUCTS.length) + 2;
    products.push({ code: `${code}-M${series}`, name: `${name}, модификация М${series}`, category, price: Math.round(price * (0.8 + rng.next() * 0.6) * 100) });
  }
  for (const p of products) writers.products.values([p.code, p.name, p.category, rubles(p.price)]);
  finish('products', t);
}

const byCategory = new Map();
function productFor(rng, type) {
  if (!byCategory.size) {
    for (let i = 0; i < products.length; i++) {
      if (!byCategory.has(products[i].category)) byCategory.set(products[i].category, []);
      byCategory.get(products[i].category).push(i);
    }
  }
  const aff = CATEGORY_AFFINITY[CLIENT_TYPES[type]];
  const cat = rng.weighted(Object.entries(aff));
  const list = byCategory.get(cat);
  return list[Math.floor(rng.next() * list.length)];
}

const promos = [];
const CHANNELS = ['mail', 'email', 'phone', 'exhibition', 'seminar', 'advertising', 'web'];
const CHANNEL_NAME = {
  mail: 'Рассылка каталога', email: 'E-mail рассылка', phone: 'Телемаркетинг', exhibition: 'Выставка',
  seminar: 'Семинар', advertising: 'Реклама в отраслевом журнале', web: 'Контекстная реклама',
};
function buildPromotions() {
  const t = performance.now();
  const rng = root.fork('promotions');
  open('promotions');
  const count = Math.max(16, Math.round(N / 1000));
  for (let i = 0; i < count; i++) {
    const channel = CHANNELS[i % CHANNELS.length];
    const starts = workdayOnOrBefore(TWO_YEARS_AGO + Math.floor(((ANCHOR - TWO_YEARS_AGO - 20) * i) / count) + rng.int(0, 5));
    const length = channel === 'exhibition' ? 3 : channel === 'seminar' ? 0 : rng.int(14, 75);
    const ends = i === count - 1 ? -1 : Math.min(starts + length, ANCHOR);
    const target = rng.next() < 0.5 ? rng.int(0, CLIENT_TYPES.length - 1) : -1;
    const code = `PR-${iso(starts).slice(2, 4)}${pad(i + 1, 4)}`;
    promos.push({ code, starts, ends: ends < 0 ? ANCHOR : ends, target, weight: channel === 'exhibition' ? 3 : 1 });
    writers.promotions.values([code, `${CHANNEL_NAME[channel]} №${i + 1}`, channel, target >= 0 ? CLIENT_TYPES[target] : '', iso(starts),
      ends < 0 ? '' : iso(ends), rubles(rng.int(20, 2000) * 1000 * 100)]);
  }
  finish('promotions', t);
}

// ---------------------------------------------------------------------------------------------
// responses

const rClient = new Int32Array(RESPONSES);
const rDay = new Int32Array(RESPONSES);
const rStaff = new Int32Array(RESPONSES);
const rContact = new Int32Array(RESPONSES);
const responseId = (i) => `R-${pad(i + 1, digitsOf(RESPONSES))}`;

function buildResponses() {
  const t = performance.now();
  const rng = root.fork('responses');
  open('responses');
  const promoPick = table(promos.map((p, i) => [i, p.weight]));
  const marketing = byRole[R.marketing];
  for (let i = 0; i < RESPONSES; i++) {
    const p = promos[promoPick(rng)];
    const day = workday(rng, p.starts, Math.min(p.ends + 20, ANCHOR));
    rDay[i] = day;
    const handler = marketing[Math.floor(rng.next() * marketing.length)];
    if (rng.next() < 0.15) {
      const who = person(rng);
      rClient[i] = -1;
      rContact[i] = -1;
      rStaff[i] = handler;
      writers.responses.values([responseId(i), p.code, '', '', rng.next() < 0.7 ? `ООО «${rng.pick(['Альфа', 'Вектор', 'Ресурс', 'Гранит', 'Прогресс'])}»` : '',
        who.full, rng.next() < 0.7 ? randomPhone(rng, mobile(rng)) : '', rng.next() < 0.5 ? emailOf(rng, who, '') : '', iso(day), staffEmail[handler], '']);
      continue;
    }
    let c = Math.floor(rng.next() * N);
    for (let k = 0; k < 8 && (cSince[c] > day || (cStatus[c] === ST_LOST && cLost[c] <= day) || (p.target >= 0 && cType[c] !== p.target && k < 4)); k++) {
      c = Math.floor(rng.next() * N);
    }
    if (cSince[c] > day || (cStatus[c] === ST_LOST && cLost[c] <= day)) c = keyList[Math.floor(rng.next() * keyList.length)];
    const contact = rng.next() < 0.5 ? cContact[c] + Math.floor(rng.next() * (cContact[c + 1] - cContact[c])) : -1;
    const staff = cManager[c] >= 0 && rng.next() < 0.8 ? cManager[c] : handler;
    rClient[i] = c;
    rContact[i] = contact;
    rStaff[i] = staff;
    writers.responses.values([responseId(i), p.code, clientId(c), contact >= 0 ? contactId(contact) : '', '', '', '', '', iso(day), staffEmail[staff], '']);
  }
  finish('responses', t);
}

// ---------------------------------------------------------------------------------------------
// deals

const STAGE_NEW = table([['open', 75], ['won', 15], ['lost', 10]]);
const STAGE_MID = table([['open', 30], ['won', 45], ['lost', 25]]);
const STAGE_OLD = table([['open', 4], ['won', 60], ['lost', 36]]);
const LOST_REASON = table(LOST_DEAL_REASONS);
const QTY = {
  'Насосное оборудование': [1, 12], 'Запорная арматура': [5, 120], 'Электродвигатели': [1, 15], 'Автоматика': [1, 10],
  'Компрессоры': [1, 3], 'Кабельная продукция': [2, 40], 'Сервис': [1, 2], 'Запчасти': [2, 30],
};

function buildDeals() {
  const t = performance.now();
  const rng = root.fork('deals');
  open('deals');
  let n = 0;
  const write = (c, opened, owner, response) => {
    const pi = productFor(rng, cType[c]);
    const p = products[pi];
    const [lo, hi] = QTY[p.category];
    let qty = rng.int(lo, hi);
    if (cKind[c] !== KIND_ORDINARY) qty *= rng.int(2, 4);
    const amount = Math.round((p.price * qty * (100 - rng.int(0, 10))) / 100);
    const age = ANCHOR - opened;
    let stage = age <= 45 ? STAGE_NEW(rng) : age <= 150 ? STAGE_MID(rng) : STAGE_OLD(rng);
    if (cStatus[c] === ST_PROSPECT && stage === 'won') stage = age <= 150 ? 'open' : 'lost';
    if (cStatus[c] === ST_LOST && stage === 'open') stage = 'lost';
    let closed = '';
    let reason = '';
    let competitor = '';
    if (stage !== 'open') {
      const limit = cStatus[c] === ST_LOST ? cLost[c] : ANCHOR;
      closed = iso(Math.max(opened, workdayOnOrBefore(Math.min(opened + rng.int(5, 110), limit))));
      if (stage === 'lost') {
        reason = LOST_REASON(rng);
        if (rng.next() < 0.6) competitor = COMPETITORS[Math.floor(rng.next() * COMPETITORS.length)];
      }
    }
    n++;
    writers.deals.values([`D-${pad(n, digitsOf(DEALS))}`, clientId(c), p.code, owner >= 0 ? staffEmail[owner] : '',
      `${p.name}, ${qty} шт.`, rubles(amount), stage, iso(opened), closed, reason, competitor, response >= 0 ? responseId(response) : '']);
  };
  // about 35% of deals come from responses
  const linkChance = Math.min(0.9, (0.35 * DEALS) / (RESPONSES * 0.85));
  for (let i = 0; i < RESPONSES && n < DEALS; i++) {
    const c = rClient[i];
    if (c < 0 || rng.next() >= linkChance) continue;
    const limit = cStatus[c] === ST_LOST ? cLost[c] - 1 : ANCHOR;
    const opened = workday(rng, rDay[i], Math.min(rDay[i] + 21, limit));
    if (opened < 0) continue;
    write(c, opened, rStaff[i], i);
  }
  while (n < DEALS) {
    const c = rng.next() < 0.25 ? keyList[Math.floor(rng.next() * keyList.length)] : Math.floor(rng.next() * N);
    const limit = cStatus[c] === ST_LOST ? cLost[c] - 1 : ANCHOR;
    const opened = workday(rng, Math.max(cSince[c], TWO_YEARS_AGO), limit);
    if (opened < 0) continue;
    write(c, opened, cManager[c] >= 0 ? cManager[c] : staffIn(rng, 'field_rep', cRegion[c]), -1);
  }
  finish('deals', t);
}

// ---------------------------------------------------------------------------------------------
// plan tasks with their activities, then the rest of the activities

let activityNo = 0;
const KIND_SALES = table([['call', 36], ['email', 18], ['meeting', 12], ['visit', 12], ['proposal', 10], ['presentation', 5], ['letter', 4], ['other', 3]]);
const OUTCOME = table([['success', 34], ['neutral', 42], ['failure', 9], ['no_answer', 10], ['', 5]]);
const SUBJECTS = ACTIVITY_SUBJECTS;

function writeActivity(rng, c, contact, staff, kind, day, outcome, subject, notes, task, response) {
  activityNo++;
  writers.activities.values([`A-${pad(activityNo, W_ACT)}`, clientId(c), contact >= 0 ? contactId(contact) : '', staffEmail[staff], kind,
    dateTime(day, minutes(rng)), outcome, subject, notes, task, response >= 0 ? responseId(response) : '']);
}

function randomContact(rng, c) {
  return cContact[c] + Math.floor(rng.next() * (cContact[c + 1] - cContact[c]));
}

function buildPlans() {
  const t = performance.now();
  const rng = root.fork('plans');
  open('plan_tasks');
  open('activities');
  // clients by manager (counting sort), for each planner's portfolio
  const STAFF_N = staffRole.length;
  const start = new Int32Array(STAFF_N + 1);
  for (let i = 0; i < N; i++) if (cManager[i] >= 0) start[cManager[i] + 1]++;
  for (let s = 0; s < STAFF_N; s++) start[s + 1] += start[s];
  const fill = start.slice();
  const portfolio = new Int32Array(N);
  for (let i = 0; i < N; i++) if (cManager[i] >= 0) portfolio[fill[cManager[i]]++] = i;
  const planners = [...byRole[R.account_manager], ...byRole[R.national_account_manager], ...byRole[R.field_rep]].sort((a, b) => a - b);
  const KIND_TASK = table([['call', 40], ['meeting', 14], ['email', 10], ['proposal', 14], ['presentation', 6], ['visit', 12], ['letter', 2], ['other', 2]]);
  const STATUS_PAST = table([['done', 64], ['failed', 14], ['carried', 13], ['cancelled', 9]]);
  const STATUS_NOW = table([['done', 55], ['failed', 12], ['planned', 26], ['cancelled', 7]]);
  let taskNo = 0;
  let carried = [];
  for (const week of WEEKS) {
    const monday = weekMonday(week);
    const current = week === CURRENT_WEEK;
    const next = [];
    const emit = (staff, c, kind, text, from, count) => {
      taskNo++;
      const id = `PT-${pad(taskNo, 6)}`;
      let status = current ? STATUS_NOW(rng) : STATUS_PAST(rng);
      if (status === 'carried' && count >= 3) status = 'failed';
      const contact = rng.next() < 0.6 ? randomContact(rng, c) : -1;
      let completed = '';
      let note = '';
      if (status === 'done' || status === 'failed') {
        let day = workday(rng, monday, Math.min(monday + 4, ANCHOR));
        if (day < 0) day = workday(rng, monday, monday + 6);
        if (day < 0) status = 'cancelled';
        else {
          completed = iso(day);
          note = rng.pick(OUTCOMES[status]);
          writeActivity(rng, c, contact, staff, kind, day, status === 'done' ? 'success' : 'failure', text, note, id, -1);
        }
      }
      if (status === 'carried' || status === 'cancelled') note = rng.pick(OUTCOMES[status]);
      writers.plan_tasks.values([id, week, staffEmail[staff], clientId(c), contact >= 0 ? contactId(contact) : '', kind, text, status, note,
        completed, from, count]);
      if (status === 'carried') next.push({ staff, c, kind, text, id, count });
    };
    for (const x of carried) emit(x.staff, x.c, x.kind, x.text, x.id, x.count + 1);
    for (const s of planners) {
      const a = start[s];
      const b = start[s + 1];
      if (b <= a) continue;
      const tasks = staffRole[s] === R.national_account_manager ? rng.int(8, 14) : rng.int(18, 30);
      for (let k = 0; k < tasks; k++) {
        const c = portfolio[a + Math.floor(rng.next() * (b - a))];
        if (cStatus[c] === ST_LOST) continue;
        const kind = KIND_TASK(rng);
        emit(s, c, kind, rng.pick(TASKS[kind]), '', 0);
      }
    }
    carried = next;
  }
  timings.plan_tasks = { rows: writers.plan_tasks.close(), seconds: (performance.now() - t) / 1000 };
}

function buildActivities() {
  const t = performance.now();
  const rng = root.fork('activities');
  // follow-ups of responses (about 70% of the responses from known clients)
  for (let i = 0; i < RESPONSES && activityNo < ACTIVITIES; i++) {
    const c = rClient[i];
    if (c < 0 || rng.next() >= 0.7) continue;
    const limit = cStatus[c] === ST_LOST ? cLost[c] : ANCHOR;
    const day = workday(rng, rDay[i], Math.min(rDay[i] + 7, limit));
    if (day < 0) continue;
    writeActivity(rng, c, rContact[i], rStaff[i], rng.next() < 0.7 ? 'call' : 'email', day, OUTCOME(rng), 'Обработка отклика на акцию', '', '', i);
  }
  // top-to-top meetings at key accounts: an executive with the client's first (executive) contact
  const executives = byRole[R.executive];
  for (const c of keyList) {
    if (activityNo >= ACTIVITIES || rng.next() >= 0.6) continue;
    const day = workday(rng, YEAR_AGO, ANCHOR);
    writeActivity(rng, c, cContact[c], executives[Math.floor(rng.next() * executives.length)], 'top_to_top', day, 'success',
      rng.pick(SUBJECTS.top_to_top), '', '', -1);
  }
  // everything else: a year of calls, visits, e-mails, service
  const services = byRole[R.service];
  while (activityNo < ACTIVITIES) {
    const roll = rng.next();
    const c = roll < 0.2 ? keyList[Math.floor(rng.next() * keyList.length)] : Math.floor(rng.next() * N);
    const from = Math.max(YEAR_AGO, cSince[c]);
    const to = cStatus[c] === ST_LOST ? cLost[c] : ANCHOR;
    const day = workday(rng, from, to);
    if (day < 0) continue;
    let staff;
    let kind;
    const who = rng.next();
    if (who < 0.06 && services.length) {
      staff = staffIn(rng, 'service', cRegion[c]);
      kind = 'service';
    } else {
      staff = cManager[c] >= 0 && who < 0.8 ? cManager[c] : staffIn(rng, 'field_rep', cRegion[c]);
      kind = KIND_SALES(rng);
    }
    const list = SUBJECTS[kind];
    writeActivity(rng, c, rng.next() < 0.65 ? randomContact(rng, c) : -1, staff, kind, day, OUTCOME(rng), list[Math.floor(rng.next() * list.length)],
      rng.next() < 0.12 ? NOTES[Math.floor(rng.next() * NOTES.length)] : '', '', -1);
  }
  timings.activities = { rows: writers.activities.close(), seconds: (performance.now() - t) / 1000 };
}

// ---------------------------------------------------------------------------------------------

buildStaff();
buildClients();
buildProducts();
buildPromotions();
buildResponses();
buildDeals();
buildPlans();
buildActivities();

const total = (performance.now() - started) / 1000;
let bytes = 0;
for (const entity of Object.keys(COLUMNS)) {
  const file = path.join(opts.out, fileName(entity));
  const size = fs.statSync(file).size;
  bytes += size;
  const tm = timings[entity];
  process.stderr.write(`${file.padEnd(40)} ${String(tm?.rows ?? '-').padStart(9)} rows ${(size / 1048576).toFixed(1).padStart(7)} MB\n`);
}
process.stderr.write(`planted duplicate clients: ${timings.clients.dups}\n`);
process.stderr.write(`plan tasks + their activities: ${timings.plan_tasks.seconds.toFixed(1)} s; other activities: ${timings.activities.seconds.toFixed(1)} s\n`);
process.stderr.write(`total: ${(bytes / 1048576).toFixed(0)} MB in ${total.toFixed(1)} s\n`);
