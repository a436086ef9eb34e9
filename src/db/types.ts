/**
 * Kysely's view of schema.sql. Keep in step with it: test/unit/schema-types.test.ts fails when a
 * table or column here is missing from the real schema or the other way round.
 */
import type { Generated } from 'kysely';

interface Stamped {
  created_at: Generated<string>;
  created_by: string | null;
  updated_at: string | null;
  updated_by: string | null;
}

interface External {
  source: string | null;
  external_id: string | null;
}

export interface StaffTable extends Stamped, External {
  id: Generated<number>;
  name: string;
  email: string | null;
  phone: string | null;
  role: string;
  region: string | null;
  manager_id: number | null;
  active: Generated<number>;
}

export interface ClientsTable extends Stamped, External {
  id: Generated<number>;
  name: string;
  legal_form: string | null;
  client_type: string;
  parent_id: number | null;
  region: string | null;
  city: string | null;
  address: string | null;
  phone: string | null;
  email: string | null;
  website: string | null;
  inn: string | null;
  kpp: string | null;
  status: Generated<string>;
  is_key_account: Generated<number>;
  purchase_potential_minor: number | null;
  partnership: string | null;
  contract_no: string | null;
  contract_since: string | null;
  contract_until: string | null;
  mission: string | null;
  manager_id: number | null;
  lost_date: string | null;
  lost_reason: string | null;
  lost_competitor: string | null;
  notes: string | null;
  merged_into_id: number | null;
}

export interface ClientAliasesTable {
  id: Generated<number>;
  client_id: number;
  field: string;
  value: string;
  merge_id: number | null;
  created_at: Generated<string>;
}

export interface ContactsTable extends Stamped, External {
  id: Generated<number>;
  client_id: number;
  full_name: string;
  position: string | null;
  level: Generated<string>;
  buying_role: string | null;
  is_service_contact: Generated<number>;
  phone: string | null;
  email: string | null;
  postal_address: string | null;
  verified_on: string | null;
  active: Generated<number>;
  notes: string | null;
  merged_into_id: number | null;
}

export interface AccountTeamTable {
  id: Generated<number>;
  client_id: number;
  staff_id: number;
  role: string;
  region: string | null;
  since: string | null;
  until: string | null;
  created_at: Generated<string>;
  created_by: string | null;
}

export interface ProductsTable extends Stamped {
  id: Generated<number>;
  code: string | null;
  name: string;
  category: string | null;
  unit_price_minor: number | null;
  active: Generated<number>;
}

export interface PromotionsTable extends Stamped {
  id: Generated<number>;
  code: string | null;
  name: string;
  channel: string;
  target_client_type: string | null;
  starts_on: string;
  ends_on: string | null;
  cost_minor: Generated<number>;
  notes: string | null;
}

export interface ResponsesTable extends Stamped, External {
  id: Generated<number>;
  promotion_id: number;
  client_id: number | null;
  contact_id: number | null;
  raw_company: string | null;
  raw_name: string | null;
  raw_phone: string | null;
  raw_email: string | null;
  responded_on: string;
  handled_by_id: number | null;
  notes: string | null;
}

export interface DealsTable extends Stamped, External {
  id: Generated<number>;
  client_id: number;
  product_id: number | null;
  owner_id: number | null;
  title: string | null;
  amount_minor: number;
  stage: Generated<string>;
  opened_on: string;
  closed_on: string | null;
  lost_reason: string | null;
  lost_competitor: string | null;
  response_id: number | null;
}

export interface PlanTasksTable extends Stamped, External {
  id: Generated<number>;
  week: string;
  staff_id: number;
  client_id: number | null;
  contact_id: number | null;
  kind: string | null;
  task: string;
  status: Generated<string>;
  outcome_note: string | null;
  completed_on: string | null;
  carried_from_id: number | null;
  carry_count: Generated<number>;
}

export interface ActivitiesTable extends Stamped, External {
  id: Generated<number>;
  client_id: number;
  contact_id: number | null;
  staff_id: number;
  kind: string;
  occurred_at: string;
  outcome: string | null;
  subject: string | null;
  notes: string | null;
  plan_task_id: number | null;
  response_id: number | null;
  deal_id: number | null;
}

export interface GoalsTable extends Stamped, External {
  id: Generated<number>;
  client_id: number;
  goal: string;
  target_value: string | null;
  target_unit: string | null;
  set_on: string | null;
  due_on: string | null;
  status: Generated<string>;
  owner_id: number | null;
}

export interface AssessmentsTable {
  id: Generated<number>;
  client_id: number;
  criterion: number;
  rating: number;
  note: string | null;
  assessor_id: number | null;
  assessor: string | null;
  assessed_on: string;
  created_at: Generated<string>;
  created_by: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: Generated<string>;
  updated_by: string | null;
}

export interface ImportBatchesTable {
  id: Generated<number>;
  entity: string;
  file_name: string;
  sha256: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  inserted: Generated<number>;
  updated: Generated<number>;
  unchanged: Generated<number>;
  rejected: Generated<number>;
  user: string | null;
}

export interface MergesTable {
  id: Generated<number>;
  entity: string;
  survivor_id: number;
  merged_id: number;
  score: number | null;
  merged_row: string;
  survivor_before: string;
  moved: string;
  merged_at: Generated<string>;
  merged_by: string | null;
  undone_at: string | null;
  undone_by: string | null;
}

export interface NotDuplicatesTable {
  entity: string;
  id_a: number;
  id_b: number;
  marked_at: Generated<string>;
  marked_by: string | null;
}

export interface BackupRunsTable {
  id: Generated<number>;
  file: string;
  started_at: string;
  finished_at: string;
  bytes: number;
  sha256: string;
  verified: number;
}

export interface DB {
  staff: StaffTable;
  clients: ClientsTable;
  client_aliases: ClientAliasesTable;
  contacts: ContactsTable;
  account_team: AccountTeamTable;
  products: ProductsTable;
  promotions: PromotionsTable;
  responses: ResponsesTable;
  deals: DealsTable;
  plan_tasks: PlanTasksTable;
  activities: ActivitiesTable;
  goals: GoalsTable;
  assessments: AssessmentsTable;
  settings: SettingsTable;
  import_batches: ImportBatchesTable;
  merges: MergesTable;
  not_duplicates: NotDuplicatesTable;
  backup_runs: BackupRunsTable;
}

export type TableName = keyof DB;

/** The tables in dependency order (parents before children): for counts, copies and checks. */
export const TABLES: readonly TableName[] = [
  'staff',
  'merges',
  'clients',
  'client_aliases',
  'contacts',
  'account_team',
  'products',
  'promotions',
  'responses',
  'deals',
  'plan_tasks',
  'activities',
  'goals',
  'assessments',
  'settings',
  'import_batches',
  'not_duplicates',
  'backup_runs',
];
