export { FileStore, openFileStore, initStore, findStoreRoot, flagdOutputPath, STORE_DIR_NAME } from './file-store.ts';
export type { FileStoreOptions, CompiledOutputState } from './file-store.ts';
export { writeFileAtomic } from './fs-util.ts';
export { parseStoreDocument, serializeStoreDocument } from './store-yaml.ts';
export type { StoreSnapshot, AuditEntryInput, CommitRequest, AuditQuery, FlagStore } from './types.ts';
export { FileSdkKeyStore, SDK_KEY_PREFIX, generateSdkKey, hashSdkKey } from './sdk-keys.ts';
export type { SdkKey, SdkKeyStore, CreatedSdkKey, FileSdkKeyStoreOptions } from './sdk-keys.ts';
