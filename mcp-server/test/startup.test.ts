/**
 * The stdio front door of the built server (issue 12) answers exactly as the server proper does: the same JSON-RPC
 * messages are sent to the built bundle over stdio and to the live server in-process (session.ts + createServer over
 * an in-memory transport, no front door), and every reply must be equal — initialize for each protocol version,
 * tools/list for each policy (the replies baked in at build time cannot drift from the zod schemas), messages the
 * front door hands over, and the tool calls after the hand-over.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { LATEST_PROTOCOL_VERSION, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { parseServerConfig } from '../src/config.ts';
import { createServer } from '../src/server.ts';
import { openSession } from '../src/session.ts';
import { SERVER_BIN, ensureBuilt, seededStore } from './helpers.ts';

type Reply = JSONRPCMessage & { id: string | number };

const initialize = (id: number, protocolVersion: string, params: Record<string, unknown> = {}): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'startup-test', version: '1' }, ...params },
});
const initialized: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/initialized' };
const request = (id: number, method: string, params?: Record<string, unknown>): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(params ? { params } : {}),
});

/** The replies (messages with an id) of the built server to `messages`, in order. */
async function builtReplies(args: string[], messages: readonly JSONRPCMessage[]): Promise<Reply[]> {
  const expected = messages.filter((m) => 'id' in m).length;
  const child = spawn(process.execPath, [SERVER_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const replies: Reply[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) early: ${stderr}`)));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const message = JSON.parse(buffer.slice(0, nl)) as JSONRPCMessage;
        buffer = buffer.slice(nl + 1);
        if ('id' in message) replies.push(message as Reply);
        if (replies.length === expected) resolve();
      }
    });
    child.stdin.write(messages.map((m) => `${JSON.stringify(m)}\n`).join(''));
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin.end();
  await exited;
  return replies;
}

/** The replies of the live server, configured by the same `args`, to `messages` over an in-memory transport. */
async function liveReplies(args: string[], root: string, messages: readonly JSONRPCMessage[]): Promise<Reply[]> {
  const parsed = parseServerConfig(args, {});
  assert.equal(parsed.kind, 'config');
  const session = await openSession(parsed.config, root, () => {});
  const { server, close } = createServer(session.deps);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const replies: Reply[] = [];
  const expected = messages.filter((m) => 'id' in m).length;
  try {
    await server.connect(serverSide);
    await new Promise<void>((resolve) => {
      clientSide.onmessage = (message) => {
        if ('id' in message) replies.push(message as Reply);
        if (replies.length === expected) resolve();
      };
      void clientSide.start().then(async () => {
        for (const message of messages) await clientSide.send(message);
      });
    });
  } finally {
    await close();
    session.dispose();
  }
  return replies;
}

const POLICIES: readonly string[][] = [
  [],
  ['--read-only', '--allowed-envs', 'development,staging', '--max-step', '10'],
];

const SEQUENCES: readonly { name: string; messages: JSONRPCMessage[] }[] = [
  {
    name: 'initialize, tools/list, then a tool call (hand-over)',
    messages: [
      initialize(1, LATEST_PROTOCOL_VERSION),
      initialized,
      request(2, 'tools/list'),
      request(3, 'tools/call', { name: 'list-environments', arguments: {} }),
      request(4, 'tools/list', {}),
    ],
  },
  {
    name: 'an older protocol version the SDK supports is echoed',
    messages: [initialize(1, '2024-11-05'), request(2, 'tools/list')],
  },
  {
    name: 'an unknown protocol version gets the latest',
    messages: [initialize(1, '1999-01-01'), initialized, request(2, 'tools/list')],
  },
  {
    name: 'ping hands over; tools/list is then answered by the server proper',
    messages: [initialize(1, LATEST_PROTOCOL_VERSION), initialized, request(2, 'ping'), request(3, 'tools/list')],
  },
  {
    name: 'an initialize the SDK refuses (no clientInfo) is handed over',
    messages: [initialize(1, LATEST_PROTOCOL_VERSION, { clientInfo: undefined }), request(2, 'tools/list')],
  },
];

describe('stdio front door of the built server', () => {
  before(() => ensureBuilt('mcp'));

  for (const args of POLICIES) {
    for (const { name, messages } of SEQUENCES) {
      it(`${name} [${args.join(' ') || 'default policy'}]: replies equal the live server's`, async () => {
        await using fixture = await seededStore();
        const built = await builtReplies(['--store', fixture.root, ...args], messages);
        const live = await liveReplies(['--store', fixture.root, ...args], fixture.root, messages);
        assert.deepEqual(built, live);
        assert.equal(built.length, messages.filter((m) => 'id' in m).length);
      });
    }
  }
});
