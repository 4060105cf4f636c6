export { PostgresStore, openPostgresStore, NOTIFY_CHANNEL } from './postgres-store.ts';
export type { PostgresStoreOptions } from './postgres-store.ts';
export { describeDatabaseUrl } from './connection.ts';
export { loadMigrations, runMigrations, MIGRATIONS_DIR } from './migrate.ts';
export type { Migration } from './migrate.ts';
export { importFileStore, exportToFileStore } from './transfer.ts';
export type { TransferContext, TransferResult } from './transfer.ts';
export { advisoryLockKey, createPostgresLeadership } from './leadership.ts';
