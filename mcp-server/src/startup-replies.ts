/**
 * The replies the stdio front door (stdio-front.ts) gives before the server proper is loaded, computed from the
 * server proper: esbuild.mjs runs {@link computeStartupReplies} at build time and bakes the result into the bundle
 * (issue 12), and test/startup.test.ts checks the built server's replies against a live server's.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { ServerCapabilities, Tool } from '@modelcontextprotocol/sdk/types.js';
import { LazyFileStore } from './lazy-store.ts';
import { createServer } from './server.ts';
import { listTools } from './tool-list.ts';
import type { WritePolicy } from './writes.ts';

/** What initialize and tools/list answer, for every policy. */
export interface StartupReplies {
  /** tools/list of a writable server, in order. */
  readonly tools: readonly Tool[];
  /** The names among {@link tools} that a read-only server leaves out. */
  readonly writeTools: readonly string[];
  readonly capabilities: ServerCapabilities;
  /** initialize echoes a supported version the client asks for, else answers the latest. */
  readonly supportedProtocolVersions: readonly string[];
  readonly latestProtocolVersion: string;
}

/**
 * Builds the server twice (writable, read-only) and reads off its replies; the capabilities are what a client
 * connected to it sees. Touches no store.
 */
export async function computeStartupReplies(): Promise<StartupReplies> {
  const of = (readOnly: boolean) => {
    const policy: WritePolicy = { readOnly, maxStep: 25 };
    // Never read: creating the server only subscribes to the store's changes.
    const store = new LazyFileStore(join(tmpdir(), 'rollgate-startup-replies'));
    const served = createServer({ store, workspaceRoot: store.root, policy, now: () => new Date(), log: () => {} });
    return { served, store, tools: listTools(served.server) };
  };
  const writable = of(false);
  const readOnly = of(true);
  const readOnlyNames = new Set(readOnly.tools.map((t) => t.name));
  const client = new Client({ name: 'rollgate-build', version: '0' });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await Promise.all([writable.served.server.connect(serverTransport), client.connect(clientTransport)]);
  const replies: StartupReplies = {
    tools: writable.tools,
    writeTools: writable.tools.map((t) => t.name).filter((name) => !readOnlyNames.has(name)),
    capabilities: client.getServerCapabilities() ?? {},
    supportedProtocolVersions: SUPPORTED_PROTOCOL_VERSIONS,
    latestProtocolVersion: LATEST_PROTOCOL_VERSION,
  };
  await client.close();
  for (const { served, store } of [writable, readOnly]) {
    await served.close();
    store.dispose();
  }
  return replies;
}
