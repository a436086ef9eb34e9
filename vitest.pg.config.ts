/**
 * The end-to-end suite on PostgreSQL: the same test files, with the one switch
 * CRM_TEST_BACKEND=postgres (test/helpers/backend.ts). Run through `npm run test:pg`, which starts
 * a throwaway server (scripts/pg-cluster.mjs). A file joins this list once every command it runs
 * works on the server.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/e2e/pg-schema.test.ts',
      'test/e2e/migration.test.ts',
      'test/e2e/migrate-to.test.ts',
      'test/e2e/report-parity.test.ts',
      'test/e2e/backup.test.ts',
      'test/e2e/pg-connect.test.ts',
      'test/e2e/key-accounts.test.ts',
      'test/e2e/data-health.test.ts',
      'test/e2e/report-promotions.test.ts',
      'test/e2e/report-revenue-lost.test.ts',
      'test/e2e/report-weekly.test.ts',
      'test/e2e/import.test.ts',
      'test/e2e/fixtures.test.ts',
      'test/e2e/edit.test.ts',
      'test/e2e/import-pg.test.ts',
      'test/e2e/find.test.ts',
      'test/e2e/show.test.ts',
      'test/e2e/query.test.ts',
      'test/e2e/config.test.ts',
      'test/e2e/mailing-list.test.ts',
      'test/e2e/plan.test.ts',
      'test/e2e/dedupe.test.ts',
      'test/e2e/concurrency.test.ts',
    ],
    env: { CRM_TEST_BACKEND: 'postgres' },
    testTimeout: 300_000,
    hookTimeout: 300_000,
    maxWorkers: 2,
  },
});
