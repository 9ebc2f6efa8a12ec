export { PostgresStore } from './postgres-store.js';
export type { PostgresStoreOptions } from './postgres-options.js';
export { MIGRATIONS, runMigrations, type Migration } from './migrations.js';
export { WAKE_CHANNEL, type WakeListener } from './wake.js';
export {
  importIntoPostgres,
  inspectImportTarget,
  IMPORT_TABLES,
  type ImportBatch,
  type ImportTargetState,
  type ImportValue,
  type PostgresImportOptions,
} from './data-import.js';
