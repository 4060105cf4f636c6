/**
 * Test fixtures: a real file store in a temp directory seeded with known flags, and a real MCP Client connected to
 * the server in-memory (InMemoryTransport) or to the built bundle over stdio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { storeDocumentSchema, type StoreDocument } from '@rollgate/shared/flags';
import { initStore, type FileStore, type FlagStore } from '@rollgate/shared/store';
import { FileUsageStore } from '@rollgate/shared/telemetry/usage-store';
import { createServer } from '../src/server.ts';
import type { ServerDeps, WritePolicy } from '../src/writes.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const SERVER_BIN = join(ROOT, 'mcp-server', 'dist', 'server.mjs');
export const CLI_BIN = join(ROOT, 'cli', 'dist', 'rollgate.mjs');
/** The extension's copy of the MCP server, registered with the editor: ts-morph is bundled in (no node_modules). */
export const EXTENSION_SERVER_BIN = join(ROOT, 'extension', 'dist', 'mcp', 'server.mjs');
export const NOW = new Date('2026-11-25T12:00:00.000Z');

/** The seeded flags: a boolean release flag at 10% in production, and an old experiment. */
export function seedDocument(): StoreDocument {
  return storeDocumentSchema.parse({
    version: 1,
    environments: [{ key: 'development' }, { key: 'staging' }, { key: 'production', protected: true }],
    flags: [
      {
        key: 'new-checkout',
        name: 'New checkout',
        description: 'The redesigned checkout flow.',
        kind: 'release',
        owner: 'team-payments',
        tags: ['checkout'],
        createdAt: '2026-11-01T00:00:00Z',
        type: 'boolean',
        variants: { on: true, off: false },
        environments: {
          development: { enabled: true, defaultVariant: 'on' },
          staging: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 50 } },
          production: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 10 } },
        },
      },
      {
        key: 'old-banner',
        name: 'Old banner experiment',
        kind: 'experiment',
        createdAt: '2026-06-01T00:00:00Z',
        type: 'string',
        variants: { blue: 'blue', green: 'green' },
        environments: { production: { enabled: true, defaultVariant: 'green' } },
      },
    ],
  });
}

/** A temp directory with `.rollgate/` holding {@link seedDocument}; dispose removes it. */
export async function seededStore(): Promise<{
  root: string;
  store: FileStore;
  [Symbol.asyncDispose](): Promise<void>;
}> {
  const root = mkdtempSync(join(tmpdir(), 'rollgate-mcp-'));
  const store = await initStore(root, { pollIntervalMs: 50, debounceMs: 10 });
  const base = await store.read();
  await store.commit({
    base,
    document: seedDocument(),
    audit: [{ at: NOW.toISOString(), actor: 'test:seed', action: 'test.seed', changes: [] }],
  });
  return {
    root,
    store,
    [Symbol.asyncDispose]: () => {
      store.dispose();
      rmSync(root, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** A real Client connected in-memory to a fresh server over `store`. */
export async function connect(
  store: FlagStore,
  policy: Partial<WritePolicy> = {},
  clientOptions: ClientOptions = {},
): Promise<{ client: Client; deps: ServerDeps; [Symbol.asyncDispose](): Promise<void> }> {
  const deps: ServerDeps = {
    store,
    workspaceRoot: dirname(store.location),
    usage: new FileUsageStore(join(store.location, 'usage')),
    policy: { readOnly: false, maxStep: 25, ...policy },
    now: () => NOW,
    log: () => {},
  };
  const { server, close } = createServer(deps);
  const client = new Client({ name: 'test-client', version: '1.0.0' }, clientOptions);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    client,
    deps,
    [Symbol.asyncDispose]: async () => {
      await client.close();
      await close();
    },
  };
}

/** A real Client connected over stdio to the built server (SERVER_BIN) on the store at `root`. */
export async function stdioClient(root: string, args: string[] = []): Promise<Client> {
  return stdioServerClient(['--store', root, ...args]);
}

/**
 * A real Client connected over stdio to the built server `bin` (default SERVER_BIN) started with `args` and `env`
 * (and PATH).
 */
export async function stdioServerClient(
  args: string[],
  env: Record<string, string> = {},
  bin = SERVER_BIN,
): Promise<Client> {
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [bin, ...args],
      env: { PATH: process.env.PATH ?? '', ...env },
      stderr: 'pipe',
    }),
  );
  return client;
}

/** Calls a tool and returns its result (tool errors included, never thrown). */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The structuredContent of a successful call; fails the test with the error text otherwise. */
export async function callOk<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const result = await call(client, name, args);
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  return result.structuredContent as T;
}

/** The text content of a result. */
export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

export { ensureBuilt } from '../../scripts/ensure-built.ts';
