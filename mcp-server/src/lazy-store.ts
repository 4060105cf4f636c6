/**
 * Zero setup: a store that may not exist yet. Until `.rollgate/` exists, reads see an empty store (the default
 * environments, no flags) and the first write creates `.rollgate/` in the chosen root, then goes through the real
 * file store. The server can therefore start in any repository, and "create a flag" works the first time.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { FlagError } from '@rollgate/shared/errors';
import { createEmptyDocument, type AuditEntry } from '@rollgate/shared/flags';
import { Emitter, type Disposable } from '@rollgate/shared/lifecycle';
import {
  STORE_DIR_NAME,
  initStore,
  openFileStore,
  type AuditQuery,
  type CommitRequest,
  type FileStoreOptions,
  type FlagStore,
  type StoreRecovery,
  type StoreSnapshot,
} from '@rollgate/shared/store';

/** Version token of the empty store that does not exist yet. */
const ABSENT_VERSION = 'absent';

/** A {@link FlagStore} over `root/.rollgate` that is created by the first write. */
export class LazyFileStore implements FlagStore {
  readonly location: string;
  private readonly _onDidChange = new Emitter<StoreSnapshot>();
  readonly onDidChange = this._onDidChange.event;
  private backing: FlagStore | undefined;
  private opening: Promise<FlagStore | undefined> | undefined;
  private forwarding: Disposable | undefined;

  readonly root: string;
  private readonly options: FileStoreOptions | undefined;

  constructor(root: string, options?: FileStoreOptions) {
    this.root = root;
    this.options = options;
    this.location = join(root, STORE_DIR_NAME);
  }

  /** True once `.rollgate/` exists (created by this server or by anyone else). */
  async exists(): Promise<boolean> {
    return (await this.current()) !== undefined;
  }

  async read(): Promise<StoreSnapshot> {
    const store = await this.current();
    return store ? store.read() : { document: createEmptyDocument(), revision: 0, version: ABSENT_VERSION };
  }

  async readAudit(query?: AuditQuery): Promise<AuditEntry[]> {
    const store = await this.current();
    return store ? store.readAudit(query) : [];
  }

  async commit(request: CommitRequest): Promise<StoreSnapshot> {
    const store = await this.created();
    if (request.base.version !== ABSENT_VERSION) return store.commit(request);
    // The change was computed on the empty store: it still applies if the store just created is that empty store.
    const base = await store.read();
    if (!isDeepStrictEqual(base.document, createEmptyDocument())) {
      throw new FlagError('STORE_CONFLICT', `${this.location} was created by someone else meanwhile.`, {
        hint: 'Read the flags again and retry.',
      });
    }
    return store.commit({ ...request, base });
  }

  async update(change: (current: StoreSnapshot) => Omit<CommitRequest, 'base'>): Promise<StoreSnapshot> {
    const store = await this.created();
    if (store.update) return store.update(change);
    const base = await store.read();
    return store.commit({ ...change(base), base });
  }

  /** The crash repairs of the real store since the last call (none before `.rollgate/` exists). */
  takeRecoveries(): StoreRecovery[] {
    return this.backing?.takeRecoveries?.() ?? [];
  }

  dispose(): void {
    this.forwarding?.dispose();
    this.backing?.dispose();
    this._onDidChange.dispose();
  }

  /** The real store when `.rollgate/` exists, else undefined (checked again on every call until it exists). */
  private async current(): Promise<FlagStore | undefined> {
    if (this.backing) return this.backing;
    this.opening ??= (async () => {
      const found = await stat(this.location).then(
        (s) => s.isDirectory(),
        () => false,
      );
      return found ? this.adopt(await openFileStore(this.root, this.options)) : undefined;
    })().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async created(): Promise<FlagStore> {
    const existing = await this.current();
    if (existing) return existing;
    try {
      return this.adopt(await initStore(this.root, this.options));
    } catch (e) {
      // Someone else created it between the check and the write: use theirs.
      if (FlagError.is(e, 'INVALID_INPUT')) return this.adopt(await openFileStore(this.root, this.options));
      throw e;
    }
  }

  private adopt(store: FlagStore): FlagStore {
    if (this.backing) {
      store.dispose();
      return this.backing;
    }
    this.backing = store;
    this.forwarding = store.onDidChange((snapshot) => this._onDidChange.fire(snapshot));
    return store;
  }
}
