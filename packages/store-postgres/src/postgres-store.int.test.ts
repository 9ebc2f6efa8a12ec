import { describe } from 'vitest';
import { storeContract } from '@flowstate/engine/testing';
import { makeTestStore, pgTestEnv } from './testing/pg-test-env.js';

const pg = pgTestEnv();

describe.skipIf(!pg.available)('PostgresStore', () => {
  storeContract('PostgresStore', () => makeTestStore());
});
