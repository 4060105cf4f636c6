/**
 * The store contract. The embedded file store (`.rollgate/`) and the PostgreSQL store (`store/postgres/`) implement it.
 * Stores are dumb and safe: they persist whole validated documents with optimistic concurrency and an
 * append-only audit log. What a change means lives in `flags/operations.ts`, written once for every store.
 */
import type { Event, Disposable } from '../lifecycle.ts';
import type { AuditEntry, StoreDocument } from '../flags/model.ts';
import type { ApplyOptions, ChangeContext, Operation } from '../flags/operations.ts';
import type { StoreRecovery } from './recovery.ts';

/** A consistent read of a store. */
export interface StoreSnapshot {
  readonly document: StoreDocument;
  /** Monotonic revision; every commit adds one. */
  readonly revision: number;
  /**
   * Opaque concurrency token of exactly this state (the file store uses a content hash, so hand edits count).
   * {@link FlagStore.commit} rejects with STORE_CONFLICT unless the base's version is still current (the file store),
   * or (the PostgreSQL store, per row) when a flag the commit changes, or the environment list, changed since.
   */
  readonly version: string;
}

/** An audit entry before the store stamps it with the revision it produced. */
export type AuditEntryInput = Omit<AuditEntry, 'revision'>;

export interface CommitRequest {
  /** The snapshot the change was computed from. */
  readonly base: StoreSnapshot;
  /** The complete next document; the store validates it and refuses invalid ones with PARSE_ERROR / INVALID_INPUT. */
  readonly document: StoreDocument;
  /** What changed and why; appended to the audit log atomically with the document (at least one entry). */
  readonly audit: readonly AuditEntryInput[];
}

export interface AuditQuery {
  readonly flagKey?: string;
  readonly environment?: string;
  /** Only entries at or after this ISO time. */
  readonly since?: string;
  /** Most recent N entries (after filtering); newest last. */
  readonly limit?: number;
}

/**
 * Exclusive leadership among the processes sharing a store: at most one of them leads at a time (the rollout
 * controller of `rollgate server` replicas). Dispose to let go, so another process can lead.
 */
export interface StoreLeadership extends Disposable {
  /**
   * True when this process leads now: acquires leadership when free, confirms it when held (false as soon as it was
   * lost, e.g. with the connection that held it). Never throws: a store it cannot reach means not leading.
   */
  tryLead(): Promise<boolean>;
}

/**
 * Persistence of flags, environments and audit log.
 * Errors: STORE_CONFLICT (base is stale), STORE_IO (file system / network), PARSE_ERROR (stored data unreadable:
 * details carry file, line and column; the stored data is never overwritten).
 */
export interface FlagStore extends Disposable {
  /** Human-readable location, e.g. `/repo/.rollgate` or `postgres://host/db`. */
  readonly location: string;
  read(): Promise<StoreSnapshot>;
  /** Atomically replaces the document if `base` is still current; returns the new snapshot. */
  commit(request: CommitRequest): Promise<StoreSnapshot>;
  readAudit(query?: AuditQuery): Promise<AuditEntry[]>;
  /**
   * Optional: reads the current snapshot and commits what `change` makes of it in one step, holding the store's
   * write lock (a transaction, a file lock) so no other writer can get in between: the change cannot conflict and a
   * busy store cannot starve a writer. `change` must be pure and quick; whatever it throws is rethrown and nothing is
   * written. `applyOperation` (flags/operations.ts) uses it when present. Errors as for {@link FlagStore.commit}, minus STORE_CONFLICT.
   */
  update?(change: (current: StoreSnapshot) => Omit<CommitRequest, 'base'>): Promise<StoreSnapshot>;
  /**
   * Optional: runs operations somewhere else instead of here (a Rollgate server, see remote-store.ts): the operation
   * travels as its descriptor and runs there as the authenticated identity (`context.actor` is not sent).
   * `applyOperation` forwards to it when present; `commit` and `update` are then refused. Errors: whatever the
   * operation throws, STORE_CONFLICT, STORE_IO, UNAUTHENTICATED, FORBIDDEN, APPROVAL_REQUIRED (filed as a request).
   */
  execute?(operation: Operation, context: ChangeContext, options: ApplyOptions): Promise<StoreSnapshot>;
  /**
   * Optional: a leadership named `name` among the processes sharing this store (file store: a lock file; PostgreSQL:
   * an advisory lock). Stores of one process (in memory) have none.
   */
  createLeadership?(name: string): StoreLeadership;
  /** Fires (within a second) when the store changed, whoever changed it: this process, another one, a hand edit. */
  readonly onDidChange: Event<StoreSnapshot>;
  /**
   * Optional: what the store repaired after a crash (a journaled commit completed or dropped, a dead writer's lock
   * taken over) since the last call, each reported once, for clients to show the user. The file store has it.
   */
  takeRecoveries?(): StoreRecovery[];
}
