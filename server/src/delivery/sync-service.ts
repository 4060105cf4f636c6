/**
 * flagd's sync protocol (`flagd.sync.v1.FlagSyncService`, vendored sync.proto): stock OpenFeature flagd providers in
 * in-process mode and flagd daemons with a grpc source connect unchanged. The selector (the `flagd-selector` header or
 * the deprecated request field) names the environment, or is an SDK key (which names it): stock providers can set a
 * selector but no custom header. `Authorization: Bearer` / `x-api-key` metadata work for clients that can send them.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { errorMessage } from '@rollgate/shared/errors';
import type { Disposable } from '@rollgate/shared/lifecycle';
import { isSdkKey, secretFromHeaders, type AccessControl, type AccessResult } from '../auth.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { Distributor, EnvironmentState } from './distributor.ts';

// Beside this file in the source tree, and copied beside the bundle by esbuild.mjs.
const PROTO_PATH = fileURLToPath(new URL('./sync.proto', import.meta.url));

interface SyncRequest {
  provider_id: string;
  selector: string;
}
interface SyncResponse {
  flag_configuration: string;
}
interface StructValue {
  stringValue?: string;
  numberValue?: number;
}

export interface SyncServiceDeps {
  readonly distributor: Distributor;
  readonly access: AccessControl;
  readonly metrics: ServerMetrics;
  /** True when clients must present a certificate signed by the configured CA: such a client may name any environment. */
  readonly clientCertificates: boolean;
  readonly log: (message: string) => void;
  readonly now: () => number;
  /**
   * How often open streams have their access checked again, in ms (default 1000): a stream whose SDK key was revoked
   * (or that has no key once keys are required) is ended with UNAUTHENTICATED.
   */
  readonly accessRecheckMs?: number;
}

/** What a caller presented: an SDK key (header or selector) and the environment it named. */
interface Credentials {
  readonly secret: string | undefined;
  readonly requested: string | undefined;
}

const STATUS_OF = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED,
};

function serviceError(code: grpc.status, details: string): Partial<grpc.StatusObject> {
  return { code, details };
}

function header(metadata: grpc.Metadata, name: string): string | undefined {
  const value = metadata.get(name)[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Adds FlagSyncService to `server`. Every stream of an environment is written the same pre-encoded message when the
 * distributor reports a change (one protobuf encode per change, not per client); a new stream gets the full current
 * state first. Dispose to end every open stream with UNAVAILABLE (clients reconnect).
 */
export function registerSyncService(server: grpc.Server, deps: SyncServiceDeps): Disposable {
  const definition = protoLoader.loadSync(PROTO_PATH, { keepCase: true, defaults: true });
  const service = (
    grpc.loadPackageDefinition(definition) as unknown as {
      flagd: { sync: { v1: { FlagSyncService: grpc.ServiceClientConstructor } } };
    }
  ).flagd.sync.v1.FlagSyncService.service;
  const syncMethod = service.SyncFlags as grpc.MethodDefinition<SyncRequest, SyncResponse>;
  const encode = syncMethod.responseSerialize;
  // Accepts a message encoded once per change as well as a plain object.
  const syncFlags = {
    ...syncMethod,
    responseSerialize: (v: SyncResponse | Buffer) => (Buffer.isBuffer(v) ? v : encode(v)),
  };

  type SyncCall = grpc.ServerWritableStream<SyncRequest, SyncResponse>;
  /** Open streams by environment, with the credentials each was granted with. */
  const streams = new Map<string, Map<SyncCall, Credentials>>();
  const { distributor, metrics } = deps;

  const count = (endpoint: string, code: grpc.status): void => {
    metrics.requests.inc({ endpoint, status: grpc.status[code] });
  };

  function credentialsOf(metadata: grpc.Metadata, selector: string | undefined): Credentials {
    const fromHeader = secretFromHeaders(header(metadata, 'authorization'), header(metadata, 'x-api-key'));
    return {
      secret: fromHeader ?? (selector !== undefined && isSdkKey(selector) ? selector : undefined),
      requested: selector !== undefined && !isSdkKey(selector) ? selector : undefined,
    };
  }

  async function authorize({ secret, requested }: Credentials): Promise<AccessResult> {
    if (secret === undefined && deps.clientCertificates) {
      // Security: grpc-js has already rejected any client without a certificate signed by the configured CA.
      return requested === undefined
        ? { ok: false, status: 400, message: 'Name the environment in the selector.' }
        : { ok: true, environment: requested };
    }
    return deps.access.check(secret, requested, 'set the selector to the environment key');
  }

  /** The state to serve for a granted environment, or the gRPC error to end the call with. */
  function stateOf(environment: string): { state?: EnvironmentState; error?: Partial<grpc.StatusObject> } {
    const state = distributor.get(environment);
    if (state !== undefined) return { state };
    if (distributor.readiness().ready) {
      return {
        error: serviceError(
          grpc.status.NOT_FOUND,
          `Unknown environment "${environment}". Use one of: ${distributor.environments().join(', ')}.`,
        ),
      };
    }
    return {};
  }

  function selectorOf(call: { metadata: grpc.Metadata; request: { selector: string } }): string | undefined {
    const value = header(call.metadata, 'flagd-selector') ?? call.request.selector;
    return value === '' ? undefined : value.trim();
  }

  async function handleSync(call: SyncCall): Promise<void> {
    const credentials = credentialsOf(call.metadata, selectorOf(call));
    const access = await authorize(credentials);
    if (!access.ok) {
      count('sync_flags', STATUS_OF[access.status]);
      call.emit('error', serviceError(STATUS_OF[access.status], access.message));
      return;
    }
    const { environment } = access;
    const { state, error } = stateOf(environment);
    if (error !== undefined) {
      count('sync_flags', error.code ?? grpc.status.UNKNOWN);
      call.emit('error', error);
      return;
    }
    count('sync_flags', grpc.status.OK);
    // Full current state first; while the store has not loaded yet, the stream waits for the first state.
    if (state !== undefined) call.write(encode({ flag_configuration: state.compactJson }) as unknown as SyncResponse);
    let set = streams.get(environment);
    if (set === undefined) streams.set(environment, (set = new Map<SyncCall, Credentials>()));
    set.set(call, credentials);
    metrics.syncStreams.inc({ environment });
    const remove = (): void => {
      if (set.delete(call)) metrics.syncStreams.dec({ environment });
    };
    call.on('cancelled', remove);
    call.on('close', remove);
    call.on('error', remove);
  }

  const changes = distributor.onDidChangeEnvironment((state) => {
    const set = streams.get(state.environment);
    if (set === undefined || set.size === 0) return;
    const message = encode({ flag_configuration: state.compactJson }) as unknown as SyncResponse;
    // Observed once grpc-js has written the message out, not when it was queued: the metric shows the real send time.
    const sent = (): void => metrics.propagationDelay.observe((deps.now() - state.detectedAt) / 1000);
    for (const call of set.keys()) call.write(message, sent);
  });

  const unary =
    <Req extends { selector?: string }, Res>(endpoint: string, answer: (state: EnvironmentState) => Res) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>): void => {
      const selector = header(call.metadata, 'flagd-selector') ?? (call.request.selector || undefined);
      authorize(credentialsOf(call.metadata, selector))
        .then((access) => {
          if (!access.ok) {
            count(endpoint, STATUS_OF[access.status]);
            callback(serviceError(STATUS_OF[access.status], access.message));
            return;
          }
          const { state, error } = stateOf(access.environment);
          if (state === undefined) {
            const failure = error ?? serviceError(grpc.status.UNAVAILABLE, 'Flags are not loaded yet; retry shortly.');
            count(endpoint, failure.code ?? grpc.status.UNKNOWN);
            callback(failure);
            return;
          }
          count(endpoint, grpc.status.OK);
          callback(null, answer(state));
        })
        .catch((e: unknown) => {
          deps.log(`${endpoint} failed: ${errorMessage(e)}`);
          count(endpoint, grpc.status.INTERNAL);
          callback(serviceError(grpc.status.INTERNAL, 'Internal error; see the server log.'));
        });
    };

  server.addService(
    { ...service, SyncFlags: syncFlags },
    {
      SyncFlags: (call: grpc.ServerWritableStream<SyncRequest, SyncResponse>) => {
        handleSync(call).catch((e: unknown) => {
          deps.log(`sync stream failed: ${errorMessage(e)}`);
          count('sync_flags', grpc.status.INTERNAL);
          call.emit('error', serviceError(grpc.status.INTERNAL, 'Internal error; see the server log.'));
        });
      },
      FetchAllFlags: unary<{ selector: string }, SyncResponse>('fetch_all_flags', (state) => ({
        flag_configuration: state.compactJson,
      })),
      GetMetadata: unary<{ selector?: string }, { metadata: { fields: Record<string, StructValue> } }>(
        'get_metadata',
        (state) => ({
          metadata: {
            fields: { environment: { stringValue: state.environment }, revision: { numberValue: state.revision } },
          },
        }),
      ),
    },
  );

  // Security: access is granted when a stream opens; a key revoked later must not keep it open.
  // While the keys cannot be read (store down), streams stay open with the last good flags; logged once per outage.
  let rechecking = false;
  let failing = false;
  const recheck = setInterval(() => {
    if (rechecking) return;
    rechecking = true;
    recheckAccess()
      .then(() => (failing = false))
      .catch((e: unknown) => {
        if (!failing) deps.log(`checking the access of open streams failed: ${errorMessage(e)}`);
        failing = true;
      })
      .finally(() => (rechecking = false));
  }, deps.accessRecheckMs ?? 1000);
  recheck.unref();

  async function recheckAccess(): Promise<void> {
    for (const [environment, set] of streams) {
      for (const [call, credentials] of set) {
        const access = await authorize(credentials);
        if (access.ok && access.environment === environment) continue;
        const reason = access.ok ? 'The SDK key now names another environment.' : access.message;
        count('sync_flags', grpc.status.UNAUTHENTICATED);
        call.emit('error', serviceError(grpc.status.UNAUTHENTICATED, reason));
        if (set.delete(call)) metrics.syncStreams.dec({ environment });
      }
    }
  }

  return {
    dispose() {
      clearInterval(recheck);
      changes.dispose();
      // An error status, not a clean end: flagd providers reconnect (to this replica restarted, or another) only on errors.
      const closing = serviceError(grpc.status.UNAVAILABLE, 'The server is shutting down; reconnect.');
      for (const set of streams.values()) for (const call of set.keys()) call.emit('error', closing);
      streams.clear();
    },
  };
}
