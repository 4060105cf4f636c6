/**
 * The server proper, loaded by main.ts only when needed (issue 12): the store, the MCP SDK, the tools and their zod
 * schemas. Opens the store the configuration names and serves it over a stdio stream pair or Streamable HTTP.
 */
import type { Readable, Writable } from 'node:stream';
import { join } from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { RemoteStore } from '@rollgate/shared/store';
import { FileUsageStore } from '@rollgate/shared/telemetry/usage-store';
import { policyOf, type ServerConfig } from './config.ts';
import { LazyFileStore } from './lazy-store.ts';
import { startHttpServer, type HttpEndpoint } from './http.ts';
import { createServer, type RollgateServer } from './server.ts';
import { describeFileStore } from './store-location.ts';
import type { ServerDeps } from './writes.ts';

/** The store of a running server and what every MCP session over it gets. */
export interface Session {
  readonly deps: ServerDeps;
  /** Where the flags are, for the log: a folder (and whether it exists yet), a database, or a Rollgate server. */
  describe(): Promise<string>;
  dispose(): void;
}

/**
 * Opens the store of `config`: a PostgreSQL database (connected and migrated now, so a bad URL or an unreachable
 * database fails the start), a Rollgate server (remote mode), or `root/.rollgate/` (created by the first write).
 * Errors: those of openPostgresStore (STORE_IO with a hint, INVALID_INPUT).
 */
export async function openSession(
  config: ServerConfig,
  root: string,
  log: (message: string) => void,
): Promise<Session> {
  const common = { workspaceRoot: root, policy: policyOf(config), now: () => new Date(), log };
  let deps: ServerDeps;
  let describe: () => Promise<string>;
  if (config.database !== undefined) {
    // The PostgreSQL client loads only when the server works on a database.
    const { openPostgresStore } = await import('@rollgate/shared/store/postgres');
    const store = await openPostgresStore(config.database);
    deps = { ...common, store, usage: store.services().usage };
    describe = () => Promise.resolve(`the PostgreSQL store at ${store.location}`);
  } else if (config.remote) {
    const store = new RemoteStore(config.remote);
    deps = { ...common, store, usage: store.usage() };
    describe = () => Promise.resolve(`the Rollgate server at ${store.location}`);
  } else {
    // Zero setup: without .rollgate/ the server starts on an empty store; the first write creates it in `root`.
    const store = new LazyFileStore(root);
    deps = { ...common, store, setup: store, usage: new FileUsageStore(join(store.location, 'usage')) };
    describe = async () => describeFileStore(store.location, await store.exists());
  }
  return { deps, describe, dispose: () => deps.store.dispose() };
}

/** Serves `session` over a stdio stream pair; `onClose` runs when the transport closes. */
export async function serveStdio(
  session: Session,
  input: Readable,
  output: Writable,
  onClose: () => void,
): Promise<RollgateServer> {
  const served = createServer(session.deps);
  served.server.server.onclose = onClose;
  await served.server.connect(new StdioServerTransport(input, output));
  return served;
}

/** Serves `session` over Streamable HTTP (see http.ts). */
export function serveHttp(session: Session, host: string, port: number, token?: string): Promise<HttpEndpoint> {
  return startHttpServer(session.deps, host, port, token);
}
