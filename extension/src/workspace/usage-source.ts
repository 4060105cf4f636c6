/**
 * Where a workspace's hovers read usage counts: a `.rollgate/` store's own (its services, wherever they keep them),
 * or with `rollgate.server.url` the server's, whichever usage store the server runs (files or PostgreSQL).
 */
import { RemoteStore, fileStoreServices, type FileStore } from '@rollgate/shared/store';
import type { UsageReader } from '@rollgate/shared/telemetry/usage-store';

/** The usage counts of `store`, read-only. */
export function usageReaderOf(store: FileStore | RemoteStore): UsageReader {
  return store instanceof RemoteStore ? store.usage() : fileStoreServices(store).usage;
}
