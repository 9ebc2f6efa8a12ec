import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { PostgresStoreOptions } from '../postgres-options.js';
import { PostgresStore } from '../postgres-store.js';

/** Database the PostgreSQL tests use when `DATABASE_URL` is unset. */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answered, as found once per test run by the global setup. */
export interface PostgresProbe {
  url: string;
  reachable: boolean;
  /** Why it is not reachable. */
  reason?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    flowstatePostgres: PostgresProbe;
  }
}

/** `DATABASE_URL`, or the local test database. */
export function testDatabaseUrl(): string {
  return process.env['DATABASE_URL'] || DEFAULT_TEST_DATABASE_URL;
}

/**
 * The test database's URL with `schema` as the connections' `search_path` (the libpq
 * `options` parameter): a `DATABASE_URL` for servers and processes under test.
 */
export function databaseUrlWithSchema(schema: string): string {
  const url = new URL(testDatabaseUrl());
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** True when `FLOWSTATE_REQUIRE_PG=1`: unreachable PostgreSQL fails the tests (CI). */
export function postgresRequired(): boolean {
  return process.env['FLOWSTATE_REQUIRE_PG'] === '1';
}

/** Connects once to `url` and says whether it worked. */
export async function probePostgres(url = testDatabaseUrl()): Promise<PostgresProbe> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { url, reachable: true };
  } catch (error) {
    return { url, reachable: false, reason: (error as Error).message || String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * In a PostgreSQL test file: whether to run (`describe.skipIf(!pgTestEnv().available)`).
 * Throws, failing the file, when PostgreSQL is unreachable and `FLOWSTATE_REQUIRE_PG=1`.
 * The probe is made once per run by `pg-global-setup.ts`, which also prints the one line
 * saying the tests are skipped.
 */
export function pgTestEnv(): { available: boolean; url: string } {
  const probe = inject('flowstatePostgres');
  if (probe === undefined) {
    throw new Error(
      'PostgreSQL tests need the global setup packages/store-postgres/src/testing/pg-global-setup.ts (see vitest.config.ts)',
    );
  }
  if (!probe.reachable && postgresRequired()) {
    throw new Error(
      `PostgreSQL not reachable at ${probe.url} (${probe.reason ?? 'unknown error'}) and FLOWSTATE_REQUIRE_PG=1`,
    );
  }
  return { available: probe.reachable, url: probe.url };
}

let admin: pg.Pool | undefined;

function adminPool(): pg.Pool {
  admin ??= new pg.Pool({
    connectionString: testDatabaseUrl(),
    max: 1,
    idleTimeoutMillis: 1000,
    allowExitOnIdle: true,
  });
  return admin;
}

/** Creates an empty schema with a random name (`fs_test_<hex>`) and returns its name. */
export async function createTestSchema(): Promise<string> {
  const schema = `fs_test_${randomBytes(6).toString('hex')}`;
  await adminPool().query(`CREATE SCHEMA ${schema}`);
  return schema;
}

/** Drops a schema made by `createTestSchema` and everything in it. */
export async function dropTestSchema(schema: string): Promise<void> {
  if (!/^fs_test_[0-9a-f]+$/.test(schema)) throw new Error(`Not a test schema: ${schema}`);
  await adminPool().query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

/** A migrated `PostgresStore` on a fresh schema, and the cleanup that drops the schema. */
export async function makeTestStore(
  options: Partial<PostgresStoreOptions> = {},
): Promise<{ store: PostgresStore; schema: string; cleanup(): Promise<void> }> {
  const schema = options.schema ?? (await createTestSchema());
  const store = new PostgresStore({
    connectionString: testDatabaseUrl(),
    poolSize: 4,
    ...options,
    schema,
  });
  await store.migrate();
  return {
    store,
    schema,
    cleanup: async () => {
      await store.close();
      await dropTestSchema(schema);
    },
  };
}
