/**
 * Entry point of `rollgate-mcp`: argv/env → config, open the store, serve over stdio (default) or Streamable
 * HTTP, close cleanly on SIGINT/SIGTERM. stdout carries only the protocol; everything else goes to stderr.
 * Start-up stays light (issue 12): over stdio the front door (stdio-front.ts) answers initialize and tools/list, and
 * the server proper (session.ts: store, MCP SDK, tools; bundled apart as session.mjs) loads with the first other
 * request — at start already with --database or ROLLGATE_URL, whose store is opened (and checked) first.
 */
import type { Readable, Writable } from 'node:stream';
import { errorMessage } from '@rollgate/shared/errors';
import { USAGE, parseServerConfig, policyOf } from './config.ts';
import { describeError } from './error-text.ts';
import type { RollgateServer } from './server.ts';
import type { Session } from './session.ts';
import type { StartupReplies } from './startup-replies.ts';
import { serveFrontDoor } from './stdio-front.ts';
import { defaultStoreRoot, describeFileStore, fileStoreAt, storeRootOf } from './store-location.ts';

/** The JSON of {@link StartupReplies}, defined by esbuild.mjs; undefined when running from source. */
declare const ROLLGATE_STARTUP_REPLIES: string | undefined;

function log(message: string): void {
  process.stderr.write(`rollgate-mcp: ${message}\n`);
}

function failed(e: unknown): never {
  log(`failed to start: ${describeError(e)}`);
  process.exit(1);
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
  const policy = policyOf(config);
  // Remote mode and PostgreSQL: the code tools still scan `root`.
  const root = config.store !== undefined ? storeRootOf(config.store) : await defaultStoreRoot(process.cwd());
  let opening: Promise<Session> | undefined;
  const session = (): Promise<Session> =>
    (opening ??= import('./session.ts').then(({ openSession }) => openSession(config, root, log)));

  let closing = false;
  let stop: () => Promise<void>;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    stop()
      .catch((e: unknown) => log(`error while closing: ${errorMessage(e)}`))
      .then(() => opening?.then((s) => s.dispose()))
      .catch(() => {})
      .finally(() => process.exit(process.exitCode ?? 0));
  };

  if (config.transport.kind === 'http') {
    const { host, port, token } = config.transport;
    const [opened, { serveHttp }] = await Promise.all([session(), import('./session.ts')]);
    const endpoint = await serveHttp(opened, host, port, token);
    stop = endpoint.close;
    log(
      `serving ${await opened.describe()} at ${endpoint.url}${token ? ' (bearer token required)' : ''}${config.readOnly ? ' (read-only)' : ''}`,
    );
  } else {
    // A database or a Rollgate server is opened now, so a bad URL or an unreachable database fails the start; a file
    // store is only looked at (the first write creates it).
    const described =
      config.database !== undefined || config.remote
        ? await (await session()).describe()
        : await fileStoreAt(root).then((s) => describeFileStore(s.location, s.exists));
    let served: Promise<RollgateServer> | undefined;
    const serve = (input: Readable, output: Writable): void => {
      served = Promise.all([session(), import('./session.ts')]).then(([opened, { serveStdio }]) =>
        serveStdio(opened, input, output, shutdown),
      );
      served.catch(failed);
    };
    stop = async () => {
      await (await served)?.close();
    };
    const replies =
      typeof ROLLGATE_STARTUP_REPLIES === 'string'
        ? (JSON.parse(ROLLGATE_STARTUP_REPLIES) as StartupReplies)
        : undefined;
    if (replies) serveFrontDoor({ replies, policy, input: process.stdin, output: process.stdout, handOver: serve });
    else serve(process.stdin, process.stdout);
    // The client closing stdin ends the session.
    process.stdin.once('end', shutdown);
    log(`serving ${described} over stdio${config.readOnly ? ' (read-only)' : ''}`);
  }
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch(failed);
