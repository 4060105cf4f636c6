/**
 * Remote mode over HTTP (`/api/v1/*`): what the CLI and the MCP server call with ROLLGATE_URL set.
 * Every request carries an API token (`Authorization: Bearer rgt_…`, checked on each request, so a revoked token
 * is refused at once). Handlers are thin: the rules live in @rollgate/shared/auth (executeRemoteOperation).
 *
 * - `GET  /api/v1/snapshot[?after=<version>]`: the document, revision and version; with `after`, held open until
 *   the version differs (or {@link LONG_POLL_SECONDS} pass): the clients' change feed.
 * - `GET  /api/v1/audit?flagKey&environment&since&limit`: audit entries, newest last.
 * - `GET  /api/v1/whoami`: the token's identity (name, kind, roles).
 * - `GET  /api/v1/usage?flagKey=<key>[&flagKey=…]`: each flag's usage days (what apps sent to `POST /v1/usage`) in
 *   the environments the token may read, by key; the others are left out.
 * - `POST /api/v1/operations`: `{operation, reason?, baseRevision?, expectedVersion?}` → `{snapshot, request?, …}`.
 *
 * Failures answer `{error: {code, message, details}}` with the FlagError code, and a status per code.
 */
import type { IncomingMessage } from 'node:http';
import { can, executeRemoteOperation, type Identity, type TokenStore } from '@rollgate/shared/auth';
import { FlagError, type FlagErrorCode } from '@rollgate/shared/errors';
import * as z from 'zod';
import { flagKeySchema } from '@rollgate/shared/flags';
import type { Disposable } from '@rollgate/shared/lifecycle';
import {
  LONG_POLL_SECONDS,
  USAGE_KEYS_PER_REQUEST,
  type FlagStore,
  type RemoteUsageReply,
  type StoreSnapshot,
} from '@rollgate/shared/store';
import type { UsageReader } from '@rollgate/shared/telemetry/usage-store';
import { secretFromHeaders } from '../auth.ts';
import { HttpError, readJsonBody, type Reply } from '../http-util.ts';

/** The flag keys of `GET /api/v1/usage`: one to {@link USAGE_KEYS_PER_REQUEST}. */
const flagKeysSchema = z.array(flagKeySchema).min(1).max(USAGE_KEYS_PER_REQUEST);

export interface RemoteApiDeps {
  readonly store: FlagStore;
  readonly tokens: TokenStore;
  /** The counts `POST /v1/usage` adds to, read for `GET /api/v1/usage`. */
  readonly usage: UsageReader;
  readonly now: () => number;
  /** How long a `snapshot?after=` request waits for a change, in ms (default {@link LONG_POLL_SECONDS}). */
  readonly longPollMs?: number;
}

/** Answers one `/api/v1/<endpoint>` request; FlagErrors become error replies, anything else rejects (a 500). */
export type RemoteApi = (req: IncomingMessage, endpoint: string) => Promise<Reply>;

const STATUS: Readonly<Record<FlagErrorCode, number>> = {
  FLAG_NOT_FOUND: 404,
  PARSE_ERROR: 400,
  TYPE_MISMATCH: 400,
  INVALID_RULE: 400,
  INVALID_INPUT: 400,
  STORE_CONFLICT: 409,
  STORE_IO: 503,
  SCAN_FAILED: 500,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  APPROVAL_REQUIRED: 202,
  GENERAL: 500,
};

export function createRemoteApi(deps: RemoteApiDeps): RemoteApi {
  const now = (): Date => new Date(deps.now());
  const longPollMs = deps.longPollMs ?? LONG_POLL_SECONDS * 1000;

  async function identityOf(req: IncomingMessage): Promise<Identity> {
    const token = secretFromHeaders(req.headers.authorization, undefined);
    if (token === undefined) {
      throw new FlagError('UNAUTHENTICATED', 'This server needs an API token for remote mode.', {
        hint: 'Set ROLLGATE_TOKEN to your token (an admin creates it with rollgate token create on the server).',
      });
    }
    return deps.tokens.authenticate(token, now());
  }

  const endpoints: Readonly<
    Record<string, { method: string; handle: (req: IncomingMessage, url: URL, identity: Identity) => Promise<unknown> }>
  > = {
    snapshot: {
      method: 'GET',
      handle: async (req, url) =>
        wireSnapshot(await snapshotAfter(deps.store, req, url.searchParams.get('after'), longPollMs)),
    },
    audit: {
      method: 'GET',
      handle: async (_req, url) => {
        const limit = url.searchParams.get('limit');
        const entries = await deps.store.readAudit({
          ...optional('flagKey', url.searchParams.get('flagKey')),
          ...optional('environment', url.searchParams.get('environment')),
          ...optional('since', url.searchParams.get('since')),
          ...(limit === null ? {} : { limit: Number(limit) }),
        });
        return { entries };
      },
    },
    whoami: {
      method: 'GET',
      handle: (_req, _url, identity) => Promise.resolve({ identity }),
    },
    usage: {
      method: 'GET',
      handle: async (_req, url, identity): Promise<RemoteUsageReply> => {
        const flagKeys = flagKeysSchema.safeParse(url.searchParams.getAll('flagKey'));
        if (!flagKeys.success) {
          throw new FlagError(
            'INVALID_INPUT',
            `GET /api/v1/usage needs 1–${USAGE_KEYS_PER_REQUEST} flag keys: ?flagKey=<key>&flagKey=<key>….`,
            { hint: 'Ask for the flags by key, e.g. /api/v1/usage?flagKey=new-checkout.' },
          );
        }
        const usage = await deps.usage.usageOf(flagKeys.data);
        // Security: counts of environments the token may not read stay on the server.
        return {
          flags: Object.fromEntries(
            [...usage].map(([key, days]) => [key, days.filter((d) => can(identity, 'read', d.environment))]),
          ),
        };
      },
    },
    operations: {
      method: 'POST',
      handle: async (req, _url, identity) => {
        const body = await readJsonBody(req).catch((e: unknown) => {
          throw e instanceof HttpError ? new FlagError('INVALID_INPUT', e.message) : e;
        });
        const outcome = await executeRemoteOperation(deps.store, identity, body, now);
        return { ...outcome, snapshot: wireSnapshot(outcome.snapshot) };
      },
    },
  };

  return async (req, endpoint) => {
    const route = endpoints[endpoint];
    try {
      if (route === undefined) {
        throw new FlagError('FLAG_NOT_FOUND', `No endpoint /api/v1/${endpoint}.`, {
          hint: 'Remote mode uses snapshot, audit, whoami, usage and operations; see docs/server.md.',
        });
      }
      if (req.method !== route.method) {
        throw new FlagError('INVALID_INPUT', `Use ${route.method} for /api/v1/${endpoint}.`);
      }
      const identity = await identityOf(req);
      return { status: 200, body: await route.handle(req, new URL(req.url ?? '/', 'http://localhost'), identity) };
    } catch (e) {
      if (!FlagError.is(e)) throw e;
      return {
        status: STATUS[e.code],
        body: { error: { code: e.code, message: e.message, details: e.details } },
      };
    }
  };
}

/**
 * The current snapshot, or with `after`, the first one whose version differs from it, waiting up to `longPollMs` or
 * until the client goes away. It subscribes before it reads: a change committed between the read and a later
 * subscription fires to no one, and the client would hear of it only when the long poll times out.
 */
async function snapshotAfter(
  store: FlagStore,
  req: IncomingMessage,
  after: string | null,
  longPollMs: number,
): Promise<StoreSnapshot> {
  if (after === null) return store.read();
  const wait = waitForChange(store, req, after, longPollMs);
  try {
    const current = await store.read();
    if (current.version !== after) return current;
    await wait.changed;
    return await store.read();
  } finally {
    wait.dispose();
  }
}

/**
 * Resolves `changed` on the first change event whose version is not `after` (an event for the same version with a
 * higher revision is not news to a client that has that version), after `timeoutMs`, or when the client's connection
 * closes. `dispose` removes the subscription, the timer and the connection listener (keep-alive sockets carry many
 * requests: nothing may stay registered on them).
 */
function waitForChange(
  store: FlagStore,
  req: IncomingMessage,
  after: string,
  timeoutMs: number,
): Disposable & { readonly changed: Promise<void> } {
  let resolve: () => void = () => {};
  const changed = new Promise<void>((r) => (resolve = r));
  const timer = setTimeout(resolve, timeoutMs);
  const subscription = store.onDidChange((snapshot) => {
    if (snapshot.version !== after) resolve();
  });
  // A client that gives up (or a server closing its connections) ends the wait.
  const { socket } = req;
  socket.once('close', resolve);
  if (socket.destroyed) resolve();
  return {
    changed,
    dispose: () => {
      clearTimeout(timer);
      subscription.dispose();
      socket.off('close', resolve);
    },
  };
}

function wireSnapshot(snapshot: StoreSnapshot): StoreSnapshot {
  return { document: snapshot.document, revision: snapshot.revision, version: snapshot.version };
}

function optional<K extends string>(key: K, value: string | null): Partial<Record<K, string>> {
  return value === null ? {} : ({ [key]: value } as Record<K, string>);
}
