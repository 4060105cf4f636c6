/**
 * What a change means, written once for every store and every caller (CLI, MCP server, extension, rollout
 * controller). An operation is a pure function from a document to the next document plus its audit entries;
 * {@link applyOperation} runs it against a store with optimistic concurrency.
 */
import type { StoreDocument } from './model.ts';
import type { AuditEntryInput, FlagStore, StoreSnapshot } from '../store/types.ts';
import { FlagError } from '../errors.ts';

/** Who is changing what, and why. */
export interface ChangeContext {
  /** `cli:alice`, `mcp:cursor`, `vscode:bob`, `controller`. */
  readonly actor: string;
  readonly reason?: string;
  /** Injected clock (tests pass a fixed one). */
  readonly now: () => Date;
}

/** The outcome of an operation: the next document and what to write to the audit log. */
export interface OperationResult {
  readonly document: StoreDocument;
  readonly audit: AuditEntryInput[];
}

/**
 * A change to a store document. Must not mutate its input. Throws FlagError (FLAG_NOT_FOUND, INVALID_INPUT,
 * TYPE_MISMATCH, INVALID_RULE) with a hint when the change cannot apply.
 */
export type Operation = (document: StoreDocument, context: ChangeContext) => OperationResult;

export interface ApplyOptions {
  /**
   * Version of the snapshot the caller showed the user. When given, a store that moved on since is a
   * STORE_CONFLICT (the caller decided on stale data). When absent, the operation is re-applied to the fresh
   * document on conflict, which is safe because operations are semantic ("set rollout to 25%"), not blind writes.
   */
  readonly expectedVersion?: string;
  /** Attempts before giving up with STORE_CONFLICT when `expectedVersion` is absent (default 50). */
  readonly maxAttempts?: number;
}

/**
 * Reads the store, applies `operation`, commits. Retries on concurrent commits unless `expectedVersion` is set.
 * Errors: whatever the operation throws, STORE_CONFLICT, STORE_IO, PARSE_ERROR.
 */
export async function applyOperation(
  store: FlagStore,
  operation: Operation,
  context: ChangeContext,
  options: ApplyOptions = {},
): Promise<StoreSnapshot> {
  const maxAttempts = options.expectedVersion === undefined ? (options.maxAttempts ?? 50) : 1;
  for (let attempt = 1; ; attempt++) {
    const base = await store.read();
    if (options.expectedVersion !== undefined && base.version !== options.expectedVersion) {
      throw new FlagError('STORE_CONFLICT', `The store at ${store.location} changed since it was read.`, {
        hint: 'Reload the flags and make the change again.',
      });
    }
    const { document, audit } = operation(base.document, context);
    try {
      return await store.commit({ base, document, audit });
    } catch (e) {
      if (!FlagError.is(e, 'STORE_CONFLICT') || attempt >= maxAttempts) throw e;
    }
  }
}
