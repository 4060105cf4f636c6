/**
 * Remote mode: a {@link FlagStore} backed by a Rollgate server's `/api/v1` (server/src/api/remote-api.ts) instead of
 * `.rollgate/`. Reads return the server's snapshot; writes send the operation's descriptor (flags/descriptor.ts), the
 * reason and the revision this client last saw, and the server runs the operation as the token's identity (one
 * validation, one audit entry, the approval policy). Errors come back with their FlagError code, so callers (and the
 * CLI's exit codes) cannot tell a remote failure from a local one. The server's usage counts are read through
 * {@link RemoteStore.usage}.
 */
import * as z from 'zod';
import { FlagError, FlagErrorCode, errorMessage } from '../errors.ts';
import { auditEntrySchema, changeRequestSchema, storeDocumentSchema, type AuditEntry } from '../flags/model.ts';
import { descriptionOf } from '../flags/descriptor.ts';
import type { ApplyOptions, ChangeContext, Operation } from '../flags/operations.ts';
import { Emitter, toDisposable, type Event } from '../lifecycle.ts';
import { flagUsageDaySchema, oneFlagUsage, type FlagUsageDay, type UsageReader } from '../telemetry/usage-store.ts';
import type { AuditQuery, CommitRequest, FlagStore, StoreSnapshot } from './types.ts';

/** Path prefix of the server's remote-mode API. */
export const REMOTE_API_PREFIX = '/api/v1';
/** How long the server holds a `GET snapshot?after=<version>` open when nothing changed, in seconds. */
export const LONG_POLL_SECONDS = 25;

/** A snapshot on the wire. */
export const remoteSnapshotSchema = z.object({
  document: storeDocumentSchema,
  revision: z.number().int().min(0),
  version: z.string(),
});

/** How many flags one `GET /api/v1/usage` asks for (query strings stay far below proxies' URL limits). */
export const USAGE_KEYS_PER_REQUEST = 50;

/** The answer to `POST /api/v1/operations`. */
export const remoteOperationReplySchema = z.object({
  snapshot: remoteSnapshotSchema,
  /** The change request the operation created, merged into or decided. */
  request: changeRequestSchema.optional(),
  merged: z.boolean().optional(),
  /** The change raises exposure in a protected environment: `request` holds it, nothing was applied. */
  pending: z.boolean().optional(),
});
export type RemoteOperationReply = z.input<typeof remoteOperationReplySchema>;

/** The answer to `GET /api/v1/usage?flagKey=<key>`: the days of the environments the token may read. */
export const remoteUsageReplySchema = z.object({ flags: z.record(z.string(), z.array(flagUsageDaySchema)) });
export type RemoteUsageReply = z.input<typeof remoteUsageReplySchema>;

/** Error answers of every endpoint. */
export const remoteErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

export interface RemoteStoreOptions {
  /** Base URL of the server, e.g. `https://flags.example.com`. */
  readonly url: string;
  /** An API token (`rollgate token create`); sent as `Authorization: Bearer`. */
  readonly token: string;
  /** Wait after a failed long poll before the next one, in ms (default 1000). */
  readonly retryMs?: number;
  /**
   * Longest wait for one long poll's answer, in ms (default {@link LONG_POLL_SECONDS} + 5 s); a poll that takes
   * longer is given up and sent again.
   */
  readonly pollTimeoutMs?: number;
}

/**
 * {@link FlagStore} over a Rollgate server. `commit` and `update` are refused (a client never writes whole
 * documents); {@link RemoteStore.execute} runs operations on the server. `onDidChange` long-polls the server while
 * anyone listens. Errors: UNAUTHENTICATED, FORBIDDEN, APPROVAL_REQUIRED, STORE_IO (server unreachable or answering
 * nonsense), and whatever the server's run of the operation threw.
 */
export class RemoteStore implements FlagStore {
  readonly location: string;
  private readonly base: URL;
  private readonly token: string;
  private readonly retryMs: number;
  private readonly pollTimeoutMs: number;
  private readonly _onDidChange = new Emitter<StoreSnapshot>();
  private listeners = 0;
  private polling: AbortController | undefined;
  private disposed = false;
  /** The last snapshot this client saw: its revision is the base sent with operations, its version the feed's start. */
  private seen: StoreSnapshot | undefined;

  constructor(options: RemoteStoreOptions) {
    this.base = parseServerUrl(options.url);
    this.location = this.base.href.replace(/\/$/, '');
    this.token = options.token;
    this.retryMs = options.retryMs ?? 1000;
    this.pollTimeoutMs = options.pollTimeoutMs ?? (LONG_POLL_SECONDS + 5) * 1000;
  }

  readonly onDidChange: Event<StoreSnapshot> = (listener) => {
    const subscription = this._onDidChange.event(listener);
    if (++this.listeners === 1) this.startPolling();
    return toDisposable(() => {
      subscription.dispose();
      if (--this.listeners === 0) this.stopPolling();
    });
  };

  async read(): Promise<StoreSnapshot> {
    return this.remember(await this.call('GET', 'snapshot', remoteSnapshotSchema));
  }

  async readAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) params.set(name, String(value));
    }
    const reply = await this.call(
      'GET',
      `audit?${params.toString()}`,
      z.object({ entries: z.array(auditEntrySchema) }),
    );
    return reply.entries;
  }

  /**
   * The server's usage counts (whichever usage store it runs), read-only: apps add counts with an SDK key
   * (`POST /v1/usage`). Environments the token may not read are left out. Errors: those of {@link read}.
   */
  usage(): UsageReader {
    const reader: UsageReader = {
      flagUsage: (flagKey) => oneFlagUsage(reader, flagKey),
      usageOf: async (flagKeys) => {
        const result = new Map<string, FlagUsageDay[]>();
        // A bounded query string per request (`?flagKey=a&flagKey=b…`), one request after another.
        for (let i = 0; i < flagKeys.length; i += USAGE_KEYS_PER_REQUEST) {
          const batch = flagKeys.slice(i, i + USAGE_KEYS_PER_REQUEST);
          const query = new URLSearchParams(batch.map((k): [string, string] => ['flagKey', k]));
          const { flags } = await this.call('GET', `usage?${query.toString()}`, remoteUsageReplySchema);
          for (const key of batch) result.set(key, flags[key] ?? []);
        }
        return result;
      },
    };
    return reader;
  }

  commit(_request: CommitRequest): Promise<StoreSnapshot> {
    return Promise.reject(localWriteRefused(this.location));
  }

  async execute(operation: Operation, context: ChangeContext, options: ApplyOptions): Promise<StoreSnapshot> {
    const description = descriptionOf(operation);
    if (description !== undefined && 'derive' in description) {
      return this.execute(description.derive((await this.read()).document), context, options);
    }
    if (description === undefined) {
      throw new FlagError('INVALID_INPUT', `This change cannot be sent to the Rollgate server at ${this.location}.`, {
        hint: 'Make it in a checkout of the store (unset ROLLGATE_URL) and commit it, or use a command the server supports.',
      });
    }
    const reply = await this.call('POST', 'operations', remoteOperationReplySchema, {
      operation: description.descriptor,
      ...(context.reason === undefined ? {} : { reason: context.reason }),
      ...(this.seen === undefined ? {} : { baseRevision: this.seen.revision }),
      ...(options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion }),
    });
    const snapshot = this.remember(reply.snapshot);
    const { request } = reply;
    if (reply.pending && request) {
      throw new FlagError(
        'APPROVAL_REQUIRED',
        `${request.environments.join(', ')} ${request.environments.length > 1 ? 'are' : 'is'} protected: the change to "${request.flagKey}" waits for approval as change request ${request.id}.`,
        {
          flagKey: request.flagKey,
          requestId: request.id,
          hint: `An approver applies it with \`rollgate approve ${request.id}\`; see it with \`rollgate requests\`.`,
        },
      );
    }
    if (request) description.receive?.(request, reply.merged ?? false);
    return snapshot;
  }

  dispose(): void {
    this.disposed = true;
    this.stopPolling();
    this._onDidChange.dispose();
  }

  private remember(snapshot: StoreSnapshot): StoreSnapshot {
    this.seen = snapshot;
    return snapshot;
  }

  private startPolling(): void {
    if (this.disposed || this.polling) return;
    const controller = new AbortController();
    this.polling = controller;
    const loop = async (): Promise<void> => {
      // Versions, not revisions: a hand edit of the server's store changes the version only.
      let version = this.seen?.version;
      while (!controller.signal.aborted) {
        try {
          const path = version === undefined ? 'snapshot' : `snapshot?after=${encodeURIComponent(version)}`;
          // Bounded: a request the server never answers (a connection lost without a reset) must not stop the feed.
          const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this.pollTimeoutMs)]);
          const snapshot = await this.call('GET', path, remoteSnapshotSchema, undefined, signal);
          const news = version !== undefined && snapshot.version !== version;
          version = snapshot.version;
          if (news) this._onDidChange.fire(snapshot);
        } catch {
          // Whatever failed (server down or restarting, a refused token, an answer this client cannot read): try
          // again shortly; the loop ends only with the last listener, and listeners hear of the next change.
          await new Promise((resolve) => setTimeout(resolve, this.retryMs).unref());
        }
      }
    };
    void loop();
  }

  private stopPolling(): void {
    this.polling?.abort();
    this.polling = undefined;
  }

  /** Calls `path` under the API prefix and parses the JSON answer with `schema`; error answers become FlagErrors. */
  private async call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    schema: S,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<z.output<S>> {
    const url = new URL(`${REMOTE_API_PREFIX.slice(1)}/${path}`, this.base);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          // Security: the token goes in a header only, never into URLs, logs or the store.
          Authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (e) {
      throw new FlagError('STORE_IO', `Cannot reach the Rollgate server at ${this.location}: ${causeOf(e)}.`, {
        hint: 'Check ROLLGATE_URL and that the server runs (`rollgate server`).',
      });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) throw errorFromReply(response.status, json, this.location);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new FlagError('STORE_IO', `The server at ${this.location} sent an answer this client cannot read.`, {
        hint: 'Use a CLI / MCP server of the same Rollgate version as the server.',
      });
    }
    return parsed.data;
  }
}

/** The FlagError an error answer stands for (same code, message and details as on the server). */
function errorFromReply(status: number, json: unknown, location: string): FlagError {
  const parsed = remoteErrorSchema.safeParse(json);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    const known = Object.values<string>(FlagErrorCode).includes(code) ? (code as FlagErrorCode) : 'GENERAL';
    return new FlagError(known, message, details ?? {});
  }
  return new FlagError('STORE_IO', `The server at ${location} answered HTTP ${status}.`, {
    hint:
      status === 404 ? 'Is ROLLGATE_URL the base URL of a Rollgate server (without a path)?' : 'See the server log.',
  });
}

function localWriteRefused(location: string): FlagError {
  return new FlagError('INVALID_INPUT', `${location} is a Rollgate server: documents are not written from here.`, {
    hint: 'Send operations (applyOperation forwards them to the server).',
  });
}

/** Validates ROLLGATE_URL. Errors: INVALID_INPUT. */
function parseServerUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FlagError('INVALID_INPUT', `ROLLGATE_URL "${url}" is not a URL.`, {
      hint: 'Set it to the server’s base URL, e.g. https://flags.example.com or http://127.0.0.1:8016.',
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FlagError('INVALID_INPUT', `ROLLGATE_URL "${url}" is not an http(s) URL.`, {
      hint: 'Set it to the server’s base URL, e.g. https://flags.example.com.',
    });
  }
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  return parsed;
}

function causeOf(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  return errorMessage(cause ?? e);
}
