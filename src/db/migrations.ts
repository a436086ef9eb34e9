/**
 * The schema version is PRAGMA user_version. schema.sql is the whole model at LATEST_VERSION;
 * each migration takes a database from `version - 1` to `version`. A test checks that
 * schema.sql equals version 1 plus every migration.
 */
export interface Migration {
  /** the version this migration produces */
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** Migrations after version 1 (which is schema.sql as first released). */
export const MIGRATIONS: readonly Migration[] = [];

export const LATEST_VERSION = 1 + MIGRATIONS.length;

/** The migrations that take `from` to `to`, in order; throws if the chain has a gap. */
export function migrationPlan(all: readonly Migration[], from: number, to: number): Migration[] {
  const plan: Migration[] = [];
  for (let v = from + 1; v <= to; v++) {
    const m = all.find((x) => x.version === v);
    if (!m) throw new Error(`no migration to schema version ${v}`);
    plan.push(m);
  }
  return plan;
}
