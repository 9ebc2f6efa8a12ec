export {
  SqliteStore,
  DATABASE_FILE,
  type SqliteStoreOptions,
  type OpenDataDirOptions,
} from './sqlite-store.js';
export { acquireDataDirLock, LOCK_FILE, type DataDirLock } from './data-dir-lock.js';
export { StoreCommitError, type CommitFailure } from './execution-commit.js';
export { MIGRATIONS, runMigrations, type Migration } from './migrations.js';
export { canonicalHash, canonicalJson } from './canonical-json.js';
