/**
 * Entry point of `rollgate server` (bundled as rollgate-server.mjs, started by the CLI): argv/env → config, open the
 * store and its services (SDK keys, usage counts, API tokens), refuse to serve a non-loopback address without keys,
 * start the listeners, close cleanly on SIGINT/SIGTERM. Logs go to stderr.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { FlagError, errorMessage } from '@rollgate/shared/errors';
import {
  STORE_DIR_NAME,
  fileStoreServices,
  findStoreRoot,
  openFileStore,
  type FlagStore,
  type StoreServices,
} from '@rollgate/shared/store';
import { openPostgresStore } from '@rollgate/shared/store/postgres';
import { USAGE, isLoopbackHost, parseServerConfig, type ServerConfig } from './config.ts';
import { controllerDepsOf } from './controller.ts';
import { createServer, type TlsConfig } from './server.ts';

function log(message: string): void {
  process.stderr.write(`rollgate server: ${message}\n`);
}

/** A startup failure with what to do about it. */
class StartError extends Error {}

async function main(): Promise<void> {
  const parsed = parseServerConfig(process.argv.slice(2), process.env);
  if (parsed.kind === 'help') {
    process.stderr.write(USAGE);
    return;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`rollgate server: ${parsed.message}\n\n${USAGE}`);
    process.exitCode = 1;
    return;
  }
  const { config } = parsed;
  const { store, services } = await openStore(config);
  for (const recovery of store.takeRecoveries?.() ?? []) log(`repaired the store after a crash: ${recovery.message}`);
  const { keys } = services;
  const loopback = isLoopbackHost(config.host);
  // Security: flags (and their targeting lists) are readable by anyone who can reach an open server.
  if (!loopback && !(await keys.hasActiveKeys())) {
    store.dispose();
    throw new StartError(
      `refusing to listen on ${config.host} without SDK keys: anyone who can reach it could read every flag. ` +
        'Create one per environment with `rollgate keys create --env <env>` (with the same --store or --database), ' +
        'or bind to 127.0.0.1.',
    );
  }
  const server = await createServer({
    store,
    keys,
    host: config.host,
    port: config.port,
    syncPort: config.syncPort,
    loopback,
    usage: services.usage,
    tokens: services.tokens,
    ...(config.tlsCert === undefined ? {} : { tls: await readTls(config) }),
    controller: controllerDepsOf(config, store, process.env, process.cwd()),
    log,
  }).catch((e: unknown) => {
    store.dispose();
    throw e;
  });
  log(`serving ${store.location}: OFREP and flagd JSON at ${server.url}, flagd sync at ${server.syncAddress}`);
  if (loopback && !(await keys.hasActiveKeys())) {
    log('no SDK keys: open to this machine only; the environment comes from the request.');
  }

  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    server
      .close()
      .catch((e: unknown) => log(`error while closing: ${errorMessage(e)}`))
      .finally(() => {
        store.dispose();
        process.exit(process.exitCode ?? 0);
      });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // Started by `rollgate server` (over an IPC channel): stop with it, also when it is killed by SIGKILL, so no
  // orphaned server keeps the ports.
  if (process.connected) process.once('disconnect', shutdown);
}

async function readTls(config: ServerConfig): Promise<TlsConfig> {
  const read = async (file: string, option: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (e) {
      throw new StartError(`cannot read ${option} ${file}: ${errorMessage(e)}`);
    }
  };
  return {
    cert: await read(config.tlsCert ?? '', '--tls-cert'),
    key: await read(config.tlsKey ?? '', '--tls-key'),
    ...(config.tlsCa === undefined ? {} : { ca: await read(config.tlsCa, '--tls-ca') }),
  };
}

/**
 * The PostgreSQL store of --database / $DATABASE_URL (its SDK keys, usage counts and API tokens in the same
 * database), or the file store of --store / $ROLLGATE_STORE / the nearest `.rollgate/` (those in `.rollgate/`).
 */
async function openStore(config: ServerConfig): Promise<{ store: FlagStore; services: StoreServices }> {
  if (config.database !== undefined) {
    const store = await openPostgresStore(config.database);
    return { store, services: store.services() };
  }
  const root = config.store !== undefined ? storeRootOf(config.store) : await findStoreRoot(process.cwd());
  if (root === undefined) {
    throw new StartError(
      'no .rollgate/ store found above the working directory. Pass --store <dir> or run `rollgate init`.',
    );
  }
  const store = await openFileStore(root);
  return { store, services: fileStoreServices(store) };
}

/** `--store` names the directory holding `.rollgate/`, or `.rollgate/` itself (as the CLI accepts). */
function storeRootOf(path: string): string {
  const absolute = resolve(path);
  return basename(absolute) === STORE_DIR_NAME ? dirname(absolute) : absolute;
}

main().catch((e: unknown) => {
  const hint = FlagError.is(e) ? e.details.hint : undefined;
  log(
    e instanceof StartError
      ? e.message
      : `failed to start: ${errorMessage(e)}${hint === undefined ? '' : ` (${hint})`}`,
  );
  process.exit(1);
});
