/**
 * Issue 12 through the built bundle over stdio, as an editor starts it: zero setup in an empty git repository, the
 * kill switch in production while a ramp-up waits for approval, the HTTP transport's Origin and token checks, and a
 * fixed-seed fuzz of 2,000 calls.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { decideChangeRequest } from '@rollgate/shared/flags';
import { openFileStore } from '@rollgate/shared/store';
import { createRandom } from '../../shared/src/random.ts';
import { NOW, SERVER_BIN, callOk, ensureBuilt, seededStore, textOf } from './helpers.ts';

async function stdioClient(cwd: string, args: string[] = []): Promise<Client> {
  const client = new Client({ name: 'issue-12', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [SERVER_BIN, ...args],
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      stderr: 'pipe',
    }),
  );
  return client;
}

describe('built server: issue 12', () => {
  before(() => ensureBuilt('mcp'));

  it('starts in an empty git repository; read tools say how to start; the first write creates .rollgate/ at the git root', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'rollgate-zero-'));
    mkdirSync(join(repo, '.git'));
    mkdirSync(join(repo, 'src', 'app'), { recursive: true });
    const client = await stdioClient(join(repo, 'src', 'app'));
    try {
      const listed = await client.callTool({ name: 'list-flags', arguments: {} });
      assert.match(textOf(listed as CallToolResult), /No Rollgate store yet.*create-flag/s);
      assert.equal(existsSync(join(repo, '.rollgate')), false, 'reading creates nothing');
      const created = await callOk<{ storeCreated?: string }>(client, 'create-flag', {
        key: 'first-flag',
        name: 'First flag',
        kind: 'release',
      });
      assert.equal(created.storeCreated, join(repo, '.rollgate'));
      const store = await openFileStore(repo);
      const { document } = await store.read();
      assert.deepEqual(
        document.flags.map((f) => f.key),
        ['first-flag'],
      );
      store.dispose();
    } finally {
      await client.close();
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('kill switch in production applies at once while a ramp-up is pending; the ramp-up still applies afterwards', async () => {
    await using fixture = await seededStore();
    const client = await stdioClient(fixture.root, ['--store', fixture.root, '--actor', 'mcp:cursor']);
    try {
      const ramp = await callOk<{ status: string; changeRequests: { id: string }[] }>(client, 'set-rollout', {
        key: 'new-checkout',
        environment: 'production',
        percentage: 30,
        reason: 'clean day at 10%',
      });
      assert.equal(ramp.status, 'pending-approval');
      const kill = await callOk<{ status: string; environments: { state: string }[] }>(client, 'toggle-flag', {
        key: 'new-checkout',
        environment: 'production',
        enabled: false,
        reason: 'INC-12: payment errors',
      });
      assert.deepEqual([kill.status, kill.environments[0]?.state], ['applied', 'production: disabled']);
      await decideChangeRequest(fixture.store, 'cr-1', 'approve', { actor: 'cli:alice', now: () => NOW });
      const production = (await fixture.store.read()).document.flags[0]?.environments.production;
      assert.deepEqual([production?.enabled, production?.rollout?.percentage], [false, 30]);
    } finally {
      await client.close();
    }
  });

  it('HTTP: a foreign Origin gets 403; with --token a request without it gets 401', async () => {
    await using fixture = await seededStore();
    const token = 'test-token-0123456789';
    const child = spawn(
      process.execPath,
      [SERVER_BIN, '--store', fixture.root, '--http', '--port', '0', '--token', token],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      let stderr = '';
      child.stderr.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (chunk: string) => {
          stderr += chunk;
          const match = /at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr);
          if (match?.[1]) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
      });
      assert.doesNotMatch(stderr, new RegExp(token), 'the token is never logged');
      const initialize = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'h', version: '1' } },
      });
      const post = (headers: Record<string, string>): Promise<Response> =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
          body: initialize,
        });
      const auth = { authorization: `Bearer ${token}` };
      assert.equal((await post({ ...auth, origin: 'https://evil.example' })).status, 403);
      assert.equal((await post({})).status, 401);
      assert.equal((await post({ authorization: 'Bearer wrong-token-000000000' })).status, 401);
      const ok = await post({ ...auth, origin: new URL(url).origin });
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('fuzz: 2,000 calls with a fixed seed — no crash, no hang, the store stays valid', async () => {
    await using fixture = await seededStore();
    const client = await stdioClient(fixture.root, ['--store', fixture.root]);
    const random = createRandom(12);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const keys = ['new-checkout', 'old-banner', 'fuzz-a', 'Bad Key', '', 'x'.repeat(300)];
    const environments = ['development', 'staging', 'production', 'prod', '', '../etc'];
    const junk = (): unknown =>
      pick([
        -1,
        1e9,
        'x'.repeat(Math.floor(random() * 5000)),
        null,
        [],
        { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } },
        true,
        '🚀',
      ]);
    const calls: (() => [string, Record<string, unknown>])[] = [
      () => ['list-flags', pick([{}, { kind: 'release' }, { environment: pick(environments) }])],
      () => ['get-flag', { key: pick(keys) }],
      () => [
        'evaluate-flag',
        { key: pick(keys), environment: pick(environments), context: { targetingKey: `u${random()}`, plan: junk() } },
      ],
      () => ['create-flag', { key: pick(keys), name: pick(['Fuzz', '', junk()]), kind: pick(['release', 'nope']) }],
      () => [
        'toggle-flag',
        {
          key: pick(keys),
          environment: pick(environments),
          enabled: random() < 0.5,
          reason: pick([undefined, 'fuzzing it']),
        },
      ],
      () => [
        'set-rollout',
        {
          key: pick(keys),
          environments: [pick(environments)],
          percentage: pick([0, 5, 50, 100, 101, -3, junk()]),
          reason: 'fuzz ramp',
          enable: random() < 0.3,
        },
      ],
      () => [
        'set-targeting',
        {
          key: pick(keys),
          environment: pick(environments),
          rules: pick([
            [],
            [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }], serve: { variant: 'on' } }],
            junk(),
          ]),
        },
      ],
      () => ['update-flag', { key: pick(keys), changes: pick([{ description: junk() }, { tags: ['a', 'b'] }, {}]) }],
      () => ['update-flag', { key: pick(keys), copy: { from: pick(environments), to: [pick(environments)] } }],
      () => [
        'manage-segment',
        {
          action: pick(['create', 'update', 'delete', 'explode']),
          key: pick(['beta', 'staff', 'Bad Key']),
          ...pick([{ included: ['u1', 'u2'] }, { addKeys: [junk()] }, { rules: junk() }, {}]),
        },
      ],
      () => [
        'set-targeting',
        {
          key: pick(keys),
          environment: pick(environments),
          rules: [{ conditions: [{ segment: pick(['beta', 'staff', 'nope']) }], serve: { variant: 'on' } }],
          reason: 'fuzz segment',
        },
      ],
      () => [
        'preview-change',
        {
          change: {
            action: pick(['flag.toggle', 'flag.set-rollout', 'flag.nope']),
            flagKey: pick(keys),
            environment: pick(environments),
            enabled: true,
            percentage: 20,
          },
        },
      ],
      () => ['list-change-requests', pick([{}, { status: 'all' }, { flagKey: pick(keys) }])],
      () => ['withdraw-change-request', { id: pick(['cr-1', 'cr-2', 'nope']) }],
      () => [
        'control-rollout',
        { key: pick(keys), environment: pick(environments), command: pick(['pause', 'rollback', 'explode']) },
      ],
    ];
    let crashes = 0;
    let hangs = 0;
    let toolErrors = 0;
    const failures: string[] = [];
    try {
      for (let batch = 0; batch < 500; batch++) {
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            const [name, args] = pick(calls)();
            try {
              const result = (await client.callTool({ name, arguments: args }, undefined, {
                timeout: 10_000,
              })) as CallToolResult;
              if (result.isError) {
                toolErrors++;
                const text = textOf(result);
                if (/Internal error|call stack|flags\[\d+\]/.test(text)) {
                  crashes++;
                  failures.push(`${name}: ${text.slice(0, 300)}`);
                }
              }
            } catch (e) {
              // Input validation errors are the SDK refusing bad arguments: expected. Anything else is not.
              if (e instanceof McpError && e.code === -32001) hangs++;
              else if (!(e instanceof McpError && e.code === -32602)) {
                crashes++;
                failures.push(`${name} threw: ${String(e).slice(0, 300)}`);
              }
            }
          }),
        );
      }
      assert.deepEqual({ crashes, hangs }, { crashes: 0, hangs: 0 }, failures.join('\n'));
      assert.ok(toolErrors > 100 && toolErrors < 2000, `a mix of accepted and refused calls (${toolErrors} refused)`);
      const { document } = await fixture.store.read();
      assert.ok(document.flags.length >= 2, 'the store still reads and validates');
      await callOk(client, 'list-flags');
    } finally {
      await client.close();
    }
  });
});
