export { PostgresStore } from './postgres-store.js';
export type { PostgresStoreOptions } from './postgres-options.js';
export { MIGRATIONS, runMigrations, type Migration } from './migrations.js';
export { WAKE_CHANNEL, type WakeListener } from './wake.js';
