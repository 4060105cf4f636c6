export { FileStore, openFileStore, initStore, findStoreRoot } from './file-store.ts';
export { STORE_DIR_NAME } from './store-dir.ts';
export type { FileStoreOptions } from './file-store.ts';
export { flagdOutputPath } from './flagd-outputs.ts';
export type { CompiledOutputState } from './flagd-outputs.ts';
export type { StoreRecovery } from './recovery.ts';
export { writeFileAtomic } from './fs-util.ts';
export { parseStoreDocument, serializeStoreDocument } from './store-yaml.ts';
export type { StoreSnapshot, AuditEntryInput, CommitRequest, AuditQuery, FlagStore, StoreLeadership } from './types.ts';
export { FileSdkKeyStore, SDK_KEY_PREFIX, generateSdkKey, hashSdkKey } from './sdk-keys.ts';
export type { SdkKey, SdkKeyStore, CreatedSdkKey, SdkKeyStoreOptions } from './sdk-keys.ts';
export {
  RemoteStore,
  REMOTE_API_PREFIX,
  LONG_POLL_SECONDS,
  USAGE_KEYS_PER_REQUEST,
  remoteSnapshotSchema,
  remoteOperationReplySchema,
  remoteErrorSchema,
  remoteUsageReplySchema,
} from './remote-store.ts';
export type { RemoteStoreOptions, RemoteOperationReply, RemoteUsageReply } from './remote-store.ts';
export { fileStoreServices } from './services.ts';
export type { StoreServices } from './services.ts';
