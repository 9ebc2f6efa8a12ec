import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crmStoreContract } from '@flowstate/crm/testing';
import { SqliteStore } from './sqlite-store.js';

crmStoreContract('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flowstate-crm-'));
  const store = await SqliteStore.open(dir, { synchronous: 'NORMAL' });
  return {
    store: store.crm,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
