/**
 * The side stores of a flag store: SDK keys, usage counts and API tokens. They live where the flags live (`.rollgate/` files, or
 * tables of the same PostgreSQL database), so the server and the CLI open one store and get its services, and never
 * ask which kind of store it is.
 */
import { join } from 'node:path';
import { FileTokenStore } from '../auth/file-token-store.ts';
import type { TokenStore } from '../auth/tokens.ts';
import { FileUsageStore, type UsageStore } from '../telemetry/usage-store.ts';
import type { FileStore } from './file-store.ts';
import { FileSdkKeyStore, type SdkKeyStoreOptions, type SdkKeyStore } from './sdk-keys.ts';

/** What lives beside the flags of one store. Disposing the store ends them (they share its files or connections). */
export interface StoreServices {
  readonly keys: SdkKeyStore;
  readonly usage: UsageStore;
  /** API tokens of remote mode (`rollgate token`, the server's `/api/v1`). */
  readonly tokens: TokenStore;
}

/** The services of a file store: `.rollgate/sdk-keys.json`, `.rollgate/usage/` and `.rollgate/secrets/tokens.json`. */
export function fileStoreServices(store: FileStore, keyOptions: SdkKeyStoreOptions = {}): StoreServices {
  return {
    keys: new FileSdkKeyStore(store.location, keyOptions),
    usage: new FileUsageStore(join(store.location, 'usage')),
    tokens: new FileTokenStore(store.location),
  };
}
