export { FileStore, openFileStore, initStore, findStoreRoot, STORE_DIR_NAME } from './file-store.ts';
export type { FileStoreOptions } from './file-store.ts';
export { flagdOutputPath } from './flagd-outputs.ts';
export type { CompiledOutputState } from './flagd-outputs.ts';
export type { StoreRecovery } from './journal.ts';
export { writeFileAtomic } from './fs-util.ts';
export { parseStoreDocument, serializeStoreDocument } from './store-yaml.ts';
export type { StoreSnapshot, AuditEntryInput, CommitRequest, AuditQuery, FlagStore } from './types.ts';
