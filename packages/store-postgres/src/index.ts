export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { MIGRATIONS, runMigrations, type Migration } from './migrations.js';
export { WAKE_CHANNEL, type WakeListener } from './wake.js';
