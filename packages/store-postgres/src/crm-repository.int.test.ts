import { describe } from 'vitest';
import { crmStoreContract } from '@flowstate/crm/testing';
import { makeTestStore, pgTestEnv } from './testing/pg-test-env.js';

describe.skipIf(!pgTestEnv().available)('PostgreSQL', () => {
  crmStoreContract('PostgreSQL', async () => {
    const { store, cleanup } = await makeTestStore();
    return { store: store.crm, cleanup };
  });
});
