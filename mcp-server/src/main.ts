/**
 * Entry point of `rollgate-mcp`: argv/env → config, open the store, serve over stdio (default) or Streamable
 * HTTP, close cleanly on SIGINT/SIGTERM. stdout carries only the protocol; everything else goes to stderr.
 */
// First import: config.ts pulls in zod, so the bundle initializes zod before the MCP SDK's modules use it (the lazily
// imported scanner makes esbuild wrap zod in a deferred initializer).
import { USAGE, parseServerConfig } from './config.ts';
import { basename, dirname, join, resolve } from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { errorMessage } from '@rollgate/shared/errors';
import { RemoteStore, STORE_DIR_NAME, type FlagStore } from '@rollgate/shared/store';
import { FileUsageStore } from '@rollgate/shared/telemetry/usage-store';
import { startHttpServer } from './http.ts';
import { LazyFileStore, defaultStoreRoot } from './lazy-store.ts';
import { createServer } from './server.ts';
import type { ServerDeps } from './writes.ts';

function log(message: string): void {
  process.stderr.write(`rollgate-mcp: ${message}\n`);
}

async function main(): Promise<void> {
  const parsed = parseServerConfig(process.argv.slice(2), process.env);
  if (parsed.kind === 'help') {
    process.stderr.write(USAGE);
    return;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`rollgate-mcp: ${parsed.message}\n\n${USAGE}`);
    process.exitCode = 1;
    return;
  }
  const { config } = parsed;
  const root = config.store !== undefined ? storeRootOf(config.store) : await defaultStoreRoot(process.cwd());
  // Zero setup: without .rollgate/ the server starts on an empty store; the first write creates it in `root`.
  // Remote mode: the store is the Rollgate server's (the code tools still scan `root`).
  const store = config.remote ? new RemoteStore(config.remote) : new LazyFileStore(root);
  const deps: ServerDeps = {
    store,
    ...(store instanceof LazyFileStore
      ? { setup: store, usage: new FileUsageStore(join(store.location, 'usage')) }
      : { usage: store.usage() }),
    workspaceRoot: root,
    policy: {
      readOnly: config.readOnly,
      allowedEnvironments: config.allowedEnvironments,
      maxStep: config.maxStep,
      actor: config.actor,
    },
    now: () => new Date(),
    log,
  };

  let closing = false;
  let stop: () => Promise<void>;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    stop()
      .catch((e: unknown) => log(`error while closing: ${errorMessage(e)}`))
      .finally(() => {
        store.dispose();
        process.exit(process.exitCode ?? 0);
      });
  };

  if (config.transport.kind === 'http') {
    const { host, port, token } = config.transport;
    const endpoint = await startHttpServer(deps, host, port, token);
    stop = endpoint.close;
    log(
      `serving ${await describeStore(store)} at ${endpoint.url}${token ? ' (bearer token required)' : ''}${config.readOnly ? ' (read-only)' : ''}`,
    );
  } else {
    const { server, close } = createServer(deps);
    stop = close;
    server.server.onclose = shutdown;
    await server.connect(new StdioServerTransport());
    // The client closing stdin ends the session.
    process.stdin.once('end', shutdown);
    log(`serving ${await describeStore(store)} over stdio${config.readOnly ? ' (read-only)' : ''}`);
  }
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

async function describeStore(store: FlagStore): Promise<string> {
  if (!(store instanceof LazyFileStore)) return `the Rollgate server at ${store.location}`;
  return (await store.exists()) ? store.location : `${store.location} (not created yet: the first write creates it)`;
}

/** `--store` names the directory holding `.rollgate/`, or `.rollgate/` itself (as the CLI accepts). */
function storeRootOf(path: string): string {
  const absolute = resolve(path);
  return basename(absolute) === STORE_DIR_NAME ? dirname(absolute) : absolute;
}

main().catch((e: unknown) => {
  log(`failed to start: ${errorMessage(e)}`);
  process.exit(1);
});
