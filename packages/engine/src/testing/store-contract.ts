import { describe, expect, test } from 'vitest';
import type { Store } from '../store.js';
import { authCases } from './contract-auth.js';
import { claimCases } from './contract-claims.js';
import { commitCases } from './contract-commit.js';
import { credentialAndAuditCases } from './contract-credentials-audit.js';
import { leasePropertyCases } from './contract-lease-property.js';
import { queryCases } from './contract-queries.js';
import { waitAndPayloadCases } from './contract-waits-payloads.js';
import { versionCases } from './contract-versions.js';
import { workflowCases } from './contract-workflows.js';
import { scheduleCases } from './contract-schedules.js';
import { idempotencyCases } from './contract-idempotency.js';
import { waitListingCases } from './contract-wait-listing.js';
import { notificationCases } from './contract-notifications.js';

/** Makes a fresh, migrated, empty store and the function that disposes of it. */
export type StoreFactory = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

/** Registers one contract test that runs `body` against a fresh store. */
export type ContractTest = (name: string, body: (store: Store) => Promise<void>) => void;

/** What each group of contract cases receives. */
export interface ContractContext {
  it: ContractTest;
  makeStore: StoreFactory;
  /** Runs of each fast-check property. */
  propertyRuns: number;
}

/** Options of `storeContract`. */
export interface StoreContractOptions {
  /** Test name → reason it does not apply to this adapter. Every name must exist. */
  skip?: Record<string, string>;
  /** Runs of each fast-check property (default 30; each run uses a fresh store). */
  propertyRuns?: number;
}

/**
 * The behaviour every `Store` adapter must have, as a Vitest suite. Call it from an
 * adapter's integration test with a factory that makes a fresh, migrated store per test.
 *
 * @example
 * storeContract('sqlite', async () => {
 *   const dir = mkdtempSync(join(tmpdir(), 'flowstate-'));
 *   const store = new SqliteStore({ filename: join(dir, 'db.sqlite') });
 *   await store.migrate();
 *   return { store, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true }); } };
 * });
 */
export function storeContract(
  name: string,
  makeStore: StoreFactory,
  options: StoreContractOptions = {},
): void {
  const skip = options.skip ?? {};
  const registered = new Set<string>();
  const it: ContractTest = (testName, body) => {
    if (registered.has(testName))
      throw new Error(`Duplicate store contract test name: ${testName}`);
    registered.add(testName);
    const reason = skip[testName];
    if (reason !== undefined) {
      test.skip(`${testName} (skipped: ${reason})`, () => undefined);
      return;
    }
    test(testName, async () => {
      const { store, cleanup } = await makeStore();
      try {
        await body(store);
      } finally {
        await cleanup();
      }
    });
  };
  const context: ContractContext = { it, makeStore, propertyRuns: options.propertyRuns ?? 30 };

  describe(`Store contract: ${name}`, () => {
    workflowCases(context);
    commitCases(context);
    waitAndPayloadCases(context);
    claimCases(context);
    queryCases(context);
    leasePropertyCases(context);
    versionCases(context);
    scheduleCases(context);
    idempotencyCases(context);
    waitListingCases(context);
    authCases(context);
    credentialAndAuditCases(context);
    notificationCases(context);
    test('the skip list names only existing tests', () => {
      expect(Object.keys(skip).filter((key) => !registered.has(key))).toEqual([]);
    });
  });
}
