export {
  SqliteStore,
  DATABASE_FILE,
  type SqliteStoreOptions,
  type OpenDataDirOptions,
} from './sqlite-store.js';
export { acquireDataDirLock, LOCK_FILE, type DataDirLock } from './data-dir-lock.js';
/** Re-exported from the engine, where it now lives (both stores throw it). */
export { StoreCommitError, type CommitFailure } from '@flowstate/engine';
export { MIGRATIONS, runMigrations, type Migration } from './migrations.js';
export { canonicalHash, canonicalJson } from './canonical-json.js';
export { SqliteExport, type PortableCounts, type ExportNotes } from './data-export.js';
export {
  PORTABLE_TABLES,
  type PortableBatch,
  type PortableRow,
  type PortableTable,
  type PortableValue,
} from './portable-rows.js';
