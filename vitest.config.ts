import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const packages = [
  'core',
  'sdk',
  'engine',
  'crm',
  'store-sqlite',
  'store-postgres',
  'nodes',
  'server',
  'cli',
];

const pgSetup = ['packages/store-postgres/src/testing/pg-global-setup.ts'];

/** The engine's tests run again on PostgreSQL when it is configured (CI sets both variables). */
const engineOnPostgres =
  Boolean(process.env.DATABASE_URL) || process.env.FLOWSTATE_REQUIRE_PG === '1';

const source = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

/** Tests import workspace packages from source, so no build is needed to run them. */
const alias = [
  {
    find: /^@flowstate\/engine\/testing$/,
    replacement: source('engine/src/testing/store-contract.ts'),
  },
  {
    find: /^@flowstate\/crm\/testing$/,
    replacement: source('crm/src/testing/crm-store-contract.ts'),
  },
  {
    find: /^@flowstate\/store-postgres\/testing$/,
    replacement: source('store-postgres/src/testing/pg-test-env.ts'),
  },
  ...packages.map((name) => ({
    find: new RegExp(`^@flowstate/${name}$`),
    replacement: source(`${name}/src/index.ts`),
  })),
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          // Plus the example plugin's and the plugin template's own tests.
          include: [
            'packages/*/src/**/*.test.ts',
            'examples/*/src/**/*.test.ts',
            'templates/*/src/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          sequence: { groupOrder: 0 },
          include: ['packages/*/src/**/*.int.test.ts', 'test/engine/**/*.int.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
          // Probes PostgreSQL once per run for the PostgreSQL tests (skipped, or failed with
          // FLOWSTATE_REQUIRE_PG=1, when it is unreachable).
          globalSetup: pgSetup,
        },
      },
      ...(engineOnPostgres
        ? [
            {
              resolve: { alias },
              test: {
                name: 'integration-postgres',
                sequence: { groupOrder: 0 },
                include: ['test/engine/**/*.int.test.ts'],
                exclude: ['test/engine/postgres-*.int.test.ts', '**/node_modules/**'],
                env: { FLOWSTATE_TEST_STORE: 'postgres' },
                testTimeout: 60_000,
                hookTimeout: 60_000,
                pool: 'forks' as const,
                globalSetup: pgSetup,
              },
            },
          ]
        : []),
      {
        // Real server processes killed and restarted: run after the rest, one file at a time,
        // so their timings do not depend on what else the two cores are doing.
        resolve: { alias },
        test: {
          name: 'processes',
          include: ['test/crash/**/*.int.test.ts', 'test/scale/**/*.int.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          pool: 'forks',
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          globalSetup: pgSetup,
        },
      },
      {
        // The web app in real Chromium against a real server process, one file at a time.
        resolve: { alias },
        test: {
          name: 'browser',
          include: ['test/e2e/**/*.e2e.test.ts'],
          // The UI waits for a server (scrypt sign-in, commits) on two busy cores.
          expect: { poll: { timeout: 15_000, interval: 50 } },
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          pool: 'forks',
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
