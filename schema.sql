-- crm: the one source of the data model (DESIGN.md §3).
--
-- Conventions
--   * Money is INTEGER minor units (kopecks): columns end in _minor. Never REAL.
--   * Dates are ISO 8601 text 'YYYY-MM-DD' (CHECKed with date()); moments are
--     'YYYY-MM-DD HH:MM[:SS]' local wall-clock time, never shifted by a time zone.
--   * ISO weeks are text 'YYYY-Www'.
--   * Every business row carries who created/changed it and when (created_by, updated_by).
--   * Rows that come from another system keep (source, external_id) so a re-import upserts.
--
-- The schema version lives in PRAGMA user_version, set by the tool, not here.

CREATE TABLE staff (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL CHECK (trim(name) <> ''),
  email       TEXT,
  phone       TEXT,
  role        TEXT NOT NULL CHECK (role IN (
                'account_manager', 'national_account_manager', 'field_rep', 'sales_manager',
                'executive', 'service', 'rnd', 'production', 'finance', 'logistics',
                'planning', 'marketing', 'crm')),
  region      TEXT,
  manager_id  INTEGER REFERENCES staff (id) ON DELETE SET NULL,
  active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  source      TEXT,
  external_id TEXT,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  created_by  TEXT,
  updated_at  TEXT,
  updated_by  TEXT,
  UNIQUE (source, external_id)
);
CREATE UNIQUE INDEX staff_email ON staff (email) WHERE email IS NOT NULL;
CREATE INDEX staff_role_region ON staff (role, region);

CREATE TABLE clients (
  id                 INTEGER PRIMARY KEY,
  name               TEXT NOT NULL CHECK (trim(name) <> ''),
  legal_form         TEXT,
  client_type        TEXT NOT NULL CHECK (trim(client_type) <> ''),
  parent_id          INTEGER REFERENCES clients (id) ON DELETE RESTRICT,
  region             TEXT,
  city               TEXT,
  address            TEXT,
  phone              TEXT,
  email              TEXT,
  website            TEXT,
  inn                TEXT CHECK (inn IS NULL OR (length(inn) IN (10, 12) AND inn NOT GLOB '*[^0-9]*')),
  kpp                TEXT CHECK (kpp IS NULL OR (length(kpp) = 9 AND kpp NOT GLOB '*[^0-9A-Z]*')),
  status             TEXT NOT NULL DEFAULT 'prospect' CHECK (status IN ('prospect', 'active', 'lost')),
  is_key_account     INTEGER NOT NULL DEFAULT 0 CHECK (is_key_account IN (0, 1)),
  -- expected purchases per year, kopecks
  purchase_potential_minor INTEGER CHECK (purchase_potential_minor >= 0),
  -- the client's stance on a long-term partnership
  partnership        TEXT CHECK (partnership IN ('none', 'interested', 'contract', 'strategic')),
  contract_no        TEXT,
  contract_since     TEXT CHECK (contract_since IS NULL OR date(contract_since) = contract_since),
  contract_until     TEXT CHECK (contract_until IS NULL OR date(contract_until) = contract_until),
  mission            TEXT,
  manager_id         INTEGER REFERENCES staff (id) ON DELETE SET NULL,
  lost_date          TEXT CHECK (lost_date IS NULL OR date(lost_date) = lost_date),
  lost_reason        TEXT,
  lost_competitor    TEXT,
  notes              TEXT,
  source             TEXT,
  external_id        TEXT,
  -- set when the row was merged into another by dedupe; merged rows are kept for undo
  merged_into_id     INTEGER REFERENCES clients (id) ON DELETE SET NULL,
  created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  created_by         TEXT,
  updated_at         TEXT,
  updated_by         TEXT,
  CHECK (status <> 'lost' OR lost_date IS NOT NULL),
  CHECK (parent_id IS NULL OR parent_id <> id),
  UNIQUE (source, external_id)
);
CREATE INDEX clients_parent ON clients (parent_id);
CREATE INDEX clients_inn ON clients (inn);
CREATE INDEX clients_name ON clients (name COLLATE NOCASE);
CREATE INDEX clients_type_region ON clients (client_type, region);
CREATE INDEX clients_key ON clients (is_key_account) WHERE is_key_account = 1;
CREATE INDEX clients_manager ON clients (manager_id);
CREATE INDEX clients_lost ON clients (lost_date) WHERE status = 'lost';

-- earlier names, spellings and values kept when records are merged or renamed
CREATE TABLE client_aliases (
  id         INTEGER PRIMARY KEY,
  client_id  INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  field      TEXT NOT NULL,
  value      TEXT NOT NULL,
  merge_id   INTEGER REFERENCES merges (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  UNIQUE (client_id, field, value)
);

CREATE TABLE contacts (
  id           INTEGER PRIMARY KEY,
  client_id    INTEGER NOT NULL REFERENCES clients (id) ON DELETE RESTRICT,
  full_name    TEXT NOT NULL CHECK (trim(full_name) <> ''),
  position     TEXT,
  level        TEXT NOT NULL DEFAULT 'staff' CHECK (level IN ('executive', 'manager', 'staff')),
  -- role in the client's buying centre
  buying_role  TEXT CHECK (buying_role IN (
                 'decision_maker', 'influencer', 'user', 'buyer', 'gatekeeper', 'initiator')),
  -- the client's named contact for service questions (Hise & Reid condition 3)
  is_service_contact INTEGER NOT NULL DEFAULT 0 CHECK (is_service_contact IN (0, 1)),
  phone        TEXT,
  email        TEXT,
  postal_address TEXT,
  verified_on  TEXT CHECK (verified_on IS NULL OR date(verified_on) = verified_on),
  active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  notes        TEXT,
  source       TEXT,
  external_id  TEXT,
  merged_into_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  created_by   TEXT,
  updated_at   TEXT,
  updated_by   TEXT,
  UNIQUE (source, external_id)
);
CREATE INDEX contacts_client ON contacts (client_id);
CREATE INDEX contacts_email ON contacts (email);
CREATE INDEX contacts_phone ON contacts (phone);
CREATE INDEX contacts_name ON contacts (full_name COLLATE NOCASE);

CREATE TABLE account_team (
  id         INTEGER PRIMARY KEY,
  client_id  INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  staff_id   INTEGER NOT NULL REFERENCES staff (id) ON DELETE RESTRICT,
  role       TEXT NOT NULL CHECK (role IN (
               'account_manager', 'national_account_manager', 'executive_sponsor', 'field_rep',
               'sales_manager', 'service', 'rnd', 'production', 'finance', 'logistics',
               'planning', 'other')),
  -- for field reps: the region of the client's organisation they cover
  region     TEXT,
  since      TEXT CHECK (since IS NULL OR date(since) = since),
  until      TEXT CHECK (until IS NULL OR date(until) = until),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  created_by TEXT,
  UNIQUE (client_id, staff_id, role)
);
CREATE INDEX account_team_staff ON account_team (staff_id);

CREATE TABLE products (
  id               INTEGER PRIMARY KEY,
  code             TEXT UNIQUE,
  name             TEXT NOT NULL UNIQUE CHECK (trim(name) <> ''),
  category         TEXT,
  unit_price_minor INTEGER CHECK (unit_price_minor >= 0),
  active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  created_by       TEXT,
  updated_at       TEXT,
  updated_by       TEXT
);

CREATE TABLE promotions (
  id                 INTEGER PRIMARY KEY,
  code               TEXT UNIQUE,
  name               TEXT NOT NULL CHECK (trim(name) <> ''),
  channel            TEXT NOT NULL CHECK (channel IN (
                       'mail', 'email', 'phone', 'exhibition', 'seminar', 'advertising', 'web', 'other')),
  target_client_type TEXT,
  starts_on          TEXT NOT NULL CHECK (date(starts_on) = starts_on),
  ends_on            TEXT CHECK (ends_on IS NULL OR (date(ends_on) = ends_on AND ends_on >= starts_on)),
  cost_minor         INTEGER NOT NULL DEFAULT 0 CHECK (cost_minor >= 0),
  notes              TEXT,
  created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  created_by         TEXT,
  updated_at         TEXT,
  updated_by         TEXT
);
CREATE INDEX promotions_dates ON promotions (starts_on);

-- a response (отклик) to a promotion: from a known client, or raw details to be matched later
CREATE TABLE responses (
  id            INTEGER PRIMARY KEY,
  promotion_id  INTEGER NOT NULL REFERENCES promotions (id) ON DELETE RESTRICT,
  client_id     INTEGER REFERENCES clients (id) ON DELETE RESTRICT,
  contact_id    INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
  raw_company   TEXT,
  raw_name      TEXT,
  raw_phone     TEXT,
  raw_email     TEXT,
  responded_on  TEXT NOT NULL CHECK (date(responded_on) = responded_on),
  handled_by_id INTEGER REFERENCES staff (id) ON DELETE SET NULL,
  notes         TEXT,
  source        TEXT,
  external_id   TEXT,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  created_by    TEXT,
  updated_at    TEXT,
  updated_by    TEXT,
  CHECK (client_id IS NOT NULL OR coalesce(raw_company, raw_name, raw_phone, raw_email) IS NOT NULL),
  UNIQUE (source, external_id)
);
CREATE INDEX responses_promotion ON responses (promotion_id);
CREATE INDEX responses_client ON responses (client_id, responded_on);
CREATE INDEX responses_date ON responses (responded_on);

CREATE TABLE deals (
  id              INTEGER PRIMARY KEY,
  client_id       INTEGER NOT NULL REFERENCES clients (id) ON DELETE RESTRICT,
  product_id      INTEGER REFERENCES products (id) ON DELETE RESTRICT,
  owner_id        INTEGER REFERENCES staff (id) ON DELETE SET NULL,
  title           TEXT,
  amount_minor    INTEGER NOT NULL CHECK (amount_minor >= 0),
  stage           TEXT NOT NULL DEFAULT 'open' CHECK (stage IN ('open', 'won', 'lost')),
  opened_on       TEXT NOT NULL CHECK (date(opened_on) = opened_on),
  closed_on       TEXT CHECK (closed_on IS NULL OR (date(closed_on) = closed_on AND closed_on >= opened_on)),
  lost_reason     TEXT,
  lost_competitor TEXT,
  -- the response that led to the deal (promotion-to-deal ratio)
  response_id     INTEGER REFERENCES responses (id) ON DELETE SET NULL,
  source          TEXT,
  external_id     TEXT,
  created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  created_by      TEXT,
  updated_at      TEXT,
  updated_by      TEXT,
  CHECK (stage = 'open' OR closed_on IS NOT NULL),
  UNIQUE (source, external_id)
);
CREATE INDEX deals_client ON deals (client_id, opened_on);
CREATE INDEX deals_response ON deals (response_id) WHERE response_id IS NOT NULL;
CREATE INDEX deals_stage_closed ON deals (stage, closed_on);
CREATE INDEX deals_product ON deals (product_id);
CREATE INDEX deals_owner ON deals (owner_id);

CREATE TABLE plan_tasks (
  id              INTEGER PRIMARY KEY,
  week            TEXT NOT NULL CHECK (week GLOB '[0-9][0-9][0-9][0-9]-W[0-5][0-9]'),
  staff_id        INTEGER NOT NULL REFERENCES staff (id) ON DELETE RESTRICT,
  client_id       INTEGER REFERENCES clients (id) ON DELETE RESTRICT,
  contact_id      INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
  kind            TEXT CHECK (kind IN (
                    'call', 'meeting', 'visit', 'email', 'letter', 'presentation',
                    'top_to_top', 'service', 'proposal', 'other')),
  task            TEXT NOT NULL CHECK (trim(task) <> ''),
  status          TEXT NOT NULL DEFAULT 'planned' CHECK (status IN (
                    'planned', 'done', 'failed', 'cancelled', 'carried')),
  outcome_note    TEXT,
  completed_on    TEXT CHECK (completed_on IS NULL OR date(completed_on) = completed_on),
  carried_from_id INTEGER REFERENCES plan_tasks (id) ON DELETE SET NULL,
  carry_count     INTEGER NOT NULL DEFAULT 0 CHECK (carry_count >= 0),
  source          TEXT,
  external_id     TEXT,
  created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  created_by      TEXT,
  updated_at      TEXT,
  updated_by      TEXT,
  CHECK (status NOT IN ('done', 'failed') OR completed_on IS NOT NULL),
  UNIQUE (source, external_id)
);
CREATE INDEX plan_tasks_week_staff ON plan_tasks (week, staff_id);
CREATE INDEX plan_tasks_client_week ON plan_tasks (client_id, week);
CREATE INDEX plan_tasks_carried_from ON plan_tasks (carried_from_id);

CREATE TABLE activities (
  id           INTEGER PRIMARY KEY,
  client_id    INTEGER NOT NULL REFERENCES clients (id) ON DELETE RESTRICT,
  contact_id   INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
  staff_id     INTEGER NOT NULL REFERENCES staff (id) ON DELETE RESTRICT,
  kind         TEXT NOT NULL CHECK (kind IN (
                 'call', 'meeting', 'visit', 'email', 'letter', 'presentation',
                 'top_to_top', 'service', 'proposal', 'other')),
  occurred_at  TEXT NOT NULL CHECK (datetime(occurred_at) IS NOT NULL AND substr(occurred_at, 1, 10) = date(occurred_at)),
  outcome      TEXT CHECK (outcome IN ('success', 'neutral', 'failure', 'no_answer')),
  subject      TEXT,
  notes        TEXT,
  plan_task_id INTEGER REFERENCES plan_tasks (id) ON DELETE SET NULL,
  response_id  INTEGER REFERENCES responses (id) ON DELETE SET NULL,
  deal_id      INTEGER REFERENCES deals (id) ON DELETE SET NULL,
  source       TEXT,
  external_id  TEXT,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  created_by   TEXT,
  updated_at   TEXT,
  updated_by   TEXT,
  UNIQUE (source, external_id)
);
CREATE INDEX activities_client_date ON activities (client_id, occurred_at);
CREATE INDEX activities_staff_date ON activities (staff_id, occurred_at);
CREATE INDEX activities_date ON activities (occurred_at);
CREATE INDEX activities_plan_task ON activities (plan_task_id) WHERE plan_task_id IS NOT NULL;
CREATE INDEX activities_response ON activities (response_id) WHERE response_id IS NOT NULL;

CREATE TABLE goals (
  id           INTEGER PRIMARY KEY,
  client_id    INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  goal         TEXT NOT NULL CHECK (trim(goal) <> ''),
  -- a measurable target: a number and its unit (e.g. 12000000 RUB, 15 %)
  target_value TEXT,
  target_unit  TEXT,
  set_on       TEXT CHECK (set_on IS NULL OR date(set_on) = set_on),
  due_on       TEXT CHECK (due_on IS NULL OR date(due_on) = due_on),
  status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'met', 'missed', 'dropped')),
  owner_id     INTEGER REFERENCES staff (id) ON DELETE SET NULL,
  source       TEXT,
  external_id  TEXT,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  created_by   TEXT,
  updated_at   TEXT,
  updated_by   TEXT,
  UNIQUE (source, external_id)
);
CREATE INDEX goals_client ON goals (client_id, status);

-- a manager's self-assessment of one Hise & Reid condition for one key account
CREATE TABLE assessments (
  id          INTEGER PRIMARY KEY,
  client_id   INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  criterion   INTEGER NOT NULL CHECK (criterion BETWEEN 1 AND 6),
  rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  note        TEXT,
  assessor_id INTEGER REFERENCES staff (id) ON DELETE SET NULL,
  assessor    TEXT,
  assessed_on TEXT NOT NULL CHECK (date(assessed_on) = assessed_on),
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  created_by  TEXT
);
CREATE INDEX assessments_client ON assessments (client_id, criterion, assessed_on);

-- thresholds and weights of the reports (crm config get|set)
CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  updated_by TEXT
);

-- one row per imported file
CREATE TABLE import_batches (
  id          INTEGER PRIMARY KEY,
  entity      TEXT NOT NULL,
  file_name   TEXT NOT NULL,
  sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  status      TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'failed', 'dry_run')),
  inserted    INTEGER NOT NULL DEFAULT 0,
  updated     INTEGER NOT NULL DEFAULT 0,
  unchanged   INTEGER NOT NULL DEFAULT 0,
  rejected    INTEGER NOT NULL DEFAULT 0,
  user        TEXT
);
CREATE INDEX import_batches_sha ON import_batches (entity, sha256);

-- one row per merge of duplicates; enough to undo it
CREATE TABLE merges (
  id          INTEGER PRIMARY KEY,
  entity      TEXT NOT NULL CHECK (entity IN ('client', 'contact')),
  survivor_id INTEGER NOT NULL,
  merged_id   INTEGER NOT NULL,
  score       REAL,
  -- JSON: the merged row as it was, the survivor's values before, and every re-pointed row
  merged_row  TEXT NOT NULL,
  survivor_before TEXT NOT NULL,
  moved       TEXT NOT NULL,
  merged_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  merged_by   TEXT,
  undone_at   TEXT,
  undone_by   TEXT
);

-- pairs a person marked "not duplicates": never proposed again
CREATE TABLE not_duplicates (
  entity    TEXT NOT NULL CHECK (entity IN ('client', 'contact')),
  id_a      INTEGER NOT NULL,
  id_b      INTEGER NOT NULL,
  marked_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
  marked_by TEXT,
  PRIMARY KEY (entity, id_a, id_b),
  CHECK (id_a < id_b)
);

-- one row per backup the tool wrote (crm info shows the last)
CREATE TABLE backup_runs (
  id          INTEGER PRIMARY KEY,
  file        TEXT NOT NULL,
  started_at  TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  bytes       INTEGER NOT NULL,
  sha256      TEXT NOT NULL,
  verified    INTEGER NOT NULL CHECK (verified IN (0, 1))
);

-- Full-text search for crm find: trigram indexes (any substring of 3+ characters, case-
-- insensitive for Cyrillic too) over names, cities and e-mails, kept current by triggers. The
-- text is indexed with ё written as е, so a search for "елка" finds "Ёлка". Contentless: the
-- words live only in the index; rows are found by rowid = the client's or contact's id.
CREATE VIRTUAL TABLE clients_search USING fts5(name, city, email, content = '', tokenize = 'trigram case_sensitive 0');
CREATE TRIGGER clients_search_insert AFTER INSERT ON clients BEGIN
  INSERT INTO clients_search (rowid, name, city, email)
  VALUES (new.id, replace(replace(new.name, 'ё', 'е'), 'Ё', 'Е'), replace(replace(new.city, 'ё', 'е'), 'Ё', 'Е'), new.email);
END;
CREATE TRIGGER clients_search_update AFTER UPDATE OF name, city, email ON clients BEGIN
  INSERT INTO clients_search (clients_search, rowid, name, city, email)
  VALUES ('delete', old.id, replace(replace(old.name, 'ё', 'е'), 'Ё', 'Е'), replace(replace(old.city, 'ё', 'е'), 'Ё', 'Е'), old.email);
  INSERT INTO clients_search (rowid, name, city, email)
  VALUES (new.id, replace(replace(new.name, 'ё', 'е'), 'Ё', 'Е'), replace(replace(new.city, 'ё', 'е'), 'Ё', 'Е'), new.email);
END;
CREATE TRIGGER clients_search_delete AFTER DELETE ON clients BEGIN
  INSERT INTO clients_search (clients_search, rowid, name, city, email)
  VALUES ('delete', old.id, replace(replace(old.name, 'ё', 'е'), 'Ё', 'Е'), replace(replace(old.city, 'ё', 'е'), 'Ё', 'Е'), old.email);
END;

CREATE VIRTUAL TABLE contacts_search USING fts5(full_name, email, content = '', tokenize = 'trigram case_sensitive 0');
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
  INSERT INTO contacts_search (rowid, full_name, email) VALUES (new.id, replace(replace(new.full_name, 'ё', 'е'), 'Ё', 'Е'), new.email);
END;
CREATE TRIGGER contacts_search_update AFTER UPDATE OF full_name, email ON contacts BEGIN
  INSERT INTO contacts_search (contacts_search, rowid, full_name, email) VALUES ('delete', old.id, replace(replace(old.full_name, 'ё', 'е'), 'Ё', 'Е'), old.email);
  INSERT INTO contacts_search (rowid, full_name, email) VALUES (new.id, replace(replace(new.full_name, 'ё', 'е'), 'Ё', 'Е'), new.email);
END;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
  INSERT INTO contacts_search (contacts_search, rowid, full_name, email) VALUES ('delete', old.id, replace(replace(old.full_name, 'ё', 'е'), 'Ё', 'Е'), old.email);
END;
