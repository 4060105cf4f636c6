/**
 * The composition root of `rollgate server`: one distributor over any FlagStore, the gRPC sync listener, the HTTP
 * listener (OFREP, flagd JSON, health, metrics) and the rollout controller with its alerts (controller.ts). main.ts
 * turns argv/env into {@link ServerDeps}; tests call {@link createServer} directly with a real store.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Disposable } from '@rollgate/shared/lifecycle';
import { disposeAll } from '@rollgate/shared/lifecycle';
import type { FlagStore, SdkKeyStore } from '@rollgate/shared/store';
import type { UsageStore } from '@rollgate/shared/telemetry/usage-store';
import type { TokenStore } from '@rollgate/shared/auth';
import { createAccessControl } from './auth.ts';
import { startController, type ControllerDeps } from './controller.ts';
import { Distributor } from './delivery/distributor.ts';
import { registerSyncService } from './delivery/sync-service.ts';
import { createHttpHandler } from './http.ts';
import { createRemoteApi } from './api/remote-api.ts';
import { createMetrics } from './metrics.ts';

/** PEM material for TLS on both listeners; `ca` also requires client certificates signed by it. */
export interface TlsConfig {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
}

export interface ServerDeps {
  readonly store: FlagStore;
  readonly keys: SdkKeyStore;
  readonly host: string;
  /** HTTP port (OFREP, flagd JSON, health, metrics); 0 picks a free one. */
  readonly port: number;
  /** gRPC flagd sync port; 0 picks a free one. */
  readonly syncPort: number;
  /** True when `host` is a loopback address: only then may the server run without SDK keys. */
  readonly loopback: boolean;
  readonly tls?: TlsConfig;
  readonly log: (message: string) => void;
  /** How often the store is read back (health probe, missed-event safety net), in ms. Default 5000. */
  readonly probeIntervalMs?: number;
  readonly now?: () => number;
  /** Evaluation counts posted by apps (`POST /v1/usage`). */
  readonly usage: UsageStore;
  /** API tokens of remote mode (`/api/v1/*`); absent: remote mode is off. */
  readonly tokens?: TokenStore;
  /** How long remote mode's change feed (`GET /api/v1/snapshot?after=`) waits for a change, in ms. Default 25 s. */
  readonly longPollMs?: number;
  /** The rollout controller and alerts (controller.ts); absent with `--no-controller`. */
  readonly controller?: ControllerDeps;
}

export interface RollgateServer {
  /** Base URL of the HTTP listener, e.g. `http://127.0.0.1:8016`. */
  readonly url: string;
  /** `host:port` of the gRPC sync listener. */
  readonly syncAddress: string;
  readonly syncPort: number;
  readonly port: number;
  /** Ends sync streams, stops both listeners and the distributor. The store is the caller's to dispose. */
  close(): Promise<void>;
}

/** Starts the distributor and both listeners. Errors: a listener that cannot bind (EADDRINUSE, EACCES) rejects. */
export async function createServer(deps: ServerDeps): Promise<RollgateServer> {
  const now = deps.now ?? Date.now;
  const disposables: Disposable[] = [];
  const distributor = new Distributor(deps.store, {
    log: deps.log,
    probeIntervalMs: deps.probeIntervalMs ?? 5000,
    now,
  });
  disposables.push(distributor);
  const metrics = createMetrics(() => distributor.readiness().ready);
  const access = createAccessControl(deps.keys, deps.loopback);

  const grpcServer = new grpc.Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 10_000 });
  disposables.push(
    registerSyncService(grpcServer, {
      distributor,
      access,
      metrics,
      clientCertificates: deps.tls?.ca !== undefined,
      log: deps.log,
      now,
    }),
  );

  const api =
    deps.tokens &&
    createRemoteApi({ store: deps.store, tokens: deps.tokens, usage: deps.usage, now, longPollMs: deps.longPollMs });
  const handler = createHttpHandler({
    distributor,
    access,
    metrics,
    log: deps.log,
    usage: deps.usage,
    ...(api && { api }),
  });
  const http: HttpServer =
    deps.tls === undefined
      ? createHttpServer(handler)
      : createHttpsServer(
          {
            cert: deps.tls.cert,
            key: deps.tls.key,
            ...(deps.tls.ca === undefined ? {} : { ca: deps.tls.ca, requestCert: true, rejectUnauthorized: true }),
          },
          handler,
        );

  try {
    await distributor.start();
    const credentials =
      deps.tls === undefined
        ? grpc.ServerCredentials.createInsecure()
        : grpc.ServerCredentials.createSsl(
            deps.tls.ca ?? null,
            [{ private_key: deps.tls.key, cert_chain: deps.tls.cert }],
            deps.tls.ca !== undefined,
          );
    const syncPort = await new Promise<number>((resolve, reject) => {
      grpcServer.bindAsync(`${hostForGrpc(deps.host)}:${deps.syncPort}`, credentials, (error, port) =>
        error ? reject(error) : resolve(port),
      );
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(deps.port, deps.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    const controller = deps.controller && (await startController(deps.store, deps.controller, deps.log));
    const port = (http.address() as AddressInfo).port;
    const scheme = deps.tls === undefined ? 'http' : 'https';
    const urlHost = deps.host.includes(':') ? `[${deps.host}]` : deps.host;
    return {
      url: `${scheme}://${urlHost}:${port}`,
      syncAddress: `${urlHost}:${syncPort}`,
      syncPort,
      port,
      async close() {
        await controller?.close();
        disposeAll(disposables);
        await Promise.all([
          new Promise<void>((resolve) => {
            http.close(() => resolve());
            http.closeAllConnections();
          }),
          new Promise<void>((resolve) => {
            const force = setTimeout(() => grpcServer.forceShutdown(), 2000);
            grpcServer.tryShutdown(() => {
              clearTimeout(force);
              resolve();
            });
          }),
        ]);
      },
    };
  } catch (e) {
    disposeAll(disposables);
    grpcServer.forceShutdown();
    http.close();
    throw e;
  }
}

/** grpc-js wants IPv6 literals in brackets. */
function hostForGrpc(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
