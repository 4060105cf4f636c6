/**
 * The built bundle (mcp-server/dist/server.mjs) as users start it: a real MCP Client over stdio, the CLI writing the
 * same store at the same time, and the Streamable HTTP transport on a loopback port; and the extension's copy
 * (extension/dist/mcp), whose code tools run a bundled ts-morph.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Flag } from '@rollgate/shared/flags';
import {
  CLI_BIN,
  EXTENSION_SERVER_BIN,
  NOW,
  ROOT,
  SERVER_BIN,
  callOk,
  ensureBuilt,
  seededStore,
  stdioClient,
  stdioServerClient,
} from './helpers.ts';

/** The official MCP Inspector (0.21.x: the last line with a CLI mode), a devDependency of this workspace. */
const INSPECTOR_BIN = join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector', 'cli', 'build', 'cli.js');

const run = promisify(execFile);

describe('built server', () => {
  before(() => {
    ensureBuilt('mcp');
    ensureBuilt('cli');
  });

  it('round trip over stdio: tools/list, create → set-rollout → toggle → get', async () => {
    await using fixture = await seededStore();
    const client = await stdioClient(fixture.root, ['--actor', 'mcp:stdio-test']);
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'set-rollout'));
      await callOk(client, 'create-flag', { key: 'search-v2', name: 'Search v2', kind: 'release' });
      await callOk(client, 'set-rollout', { key: 'search-v2', environment: 'staging', percentage: 40 });
      await callOk(client, 'toggle-flag', { key: 'search-v2', environment: 'staging', enabled: true });
      const { flag } = await callOk<{ flag: Flag }>(client, 'get-flag', { key: 'search-v2' });
      assert.equal(flag.environments.staging?.enabled, true);
      assert.deepEqual(flag.environments.staging?.rollout, { variant: 'on', percentage: 40 });
      const audit = await fixture.store.readAudit({ flagKey: 'search-v2' });
      assert.ok(audit.length >= 3 && audit.every((e) => e.actor === 'mcp:stdio-test'));
    } finally {
      await client.close();
    }
  });

  it('the extension’s copy (ts-morph bundled into ES modules) and the npm bundle answer the code tools alike', async () => {
    ensureBuilt('extension');
    await using fixture = await seededStore();
    mkdirSync(join(fixture.root, 'src'));
    writeFileSync(
      join(fixture.root, 'src', 'checkout.ts'),
      "import { OpenFeature } from '@openfeature/server-sdk';\nconst client = OpenFeature.getClient();\nexport const on = client.getBooleanValue('new-checkout', false);\n",
    );
    const found: unknown[] = [];
    for (const bin of [SERVER_BIN, EXTENSION_SERVER_BIN]) {
      const client = await stdioServerClient(['--store', fixture.root], {}, bin);
      try {
        found.push(await callOk(client, 'find-flag-references', { key: 'new-checkout' }));
      } finally {
        await client.close();
      }
    }
    assert.match(JSON.stringify(found[0]), /"file":"src\/checkout.ts","line":3/);
    assert.deepEqual(found[1], found[0]);
  });

  it('the MCP server and the CLI write the same store at the same time without losing a change', async () => {
    await using fixture = await seededStore();
    const client = await stdioClient(fixture.root);
    try {
      const percentages = [5, 10, 15, 20, 25, 30];
      const viaMcp = percentages.map((p) =>
        callOk(client, 'update-flag', { key: 'new-checkout', changes: { tags: ['checkout', `mcp-${p}`] } }),
      );
      const viaCli = percentages.map((p) =>
        run(
          process.execPath,
          [
            CLI_BIN,
            '--store',
            fixture.root,
            'set-rollout',
            'old-banner',
            `${p}`,
            '--env',
            'development',
            '--variant',
            'blue',
          ],
          {
            env: { ...process.env, ROLLGATE_NOW: NOW.toISOString(), USER: 'carol' },
          },
        ),
      );
      await Promise.all([...viaMcp, ...viaCli]);
      const audit = await fixture.store.readAudit();
      const byActor = (actor: string): number => audit.filter((e) => e.actor === actor).length;
      assert.equal(byActor('mcp:stdio-test'), percentages.length);
      assert.equal(byActor('cli:carol'), percentages.length);
      const revisions = audit.map((e) => e.revision);
      assert.equal(new Set(revisions).size, revisions.length, 'every commit got its own revision');
      const { document } = await fixture.store.read();
      const banner = document.flags.find((f) => f.key === 'old-banner');
      assert.ok(banner?.environments.development?.rollout, 'the CLI changes are in the store');
      assert.equal(document.flags.find((f) => f.key === 'new-checkout')?.tags.length, 2);
    } finally {
      await client.close();
    }
  });

  it('serves Streamable HTTP on a loopback port and stops on SIGTERM', async () => {
    await using fixture = await seededStore();
    const child = spawn(process.execPath, [SERVER_BIN, '--store', fixture.root, '--http', '--port', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
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
      const client = new Client({ name: 'http-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const { flag } = await callOk<{ flag: Flag }>(client, 'get-flag', { key: 'new-checkout' });
      assert.equal(flag.owner, 'team-payments');
      const toggled = await callOk<{ status: string }>(client, 'toggle-flag', {
        key: 'new-checkout',
        environment: 'staging',
        enabled: false,
      });
      assert.equal(toggled.status, 'applied');
      await client.close();
    } finally {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    }
  });

  it('passes the official MCP Inspector in CLI mode (tools/list, tools/call)', async () => {
    await using fixture = await seededStore();
    const inspect = async (...args: string[]): Promise<unknown> => {
      const { stdout } = await run(
        process.execPath,
        [INSPECTOR_BIN, '--cli', process.execPath, SERVER_BIN, '--store', fixture.root, ...args],
        { cwd: ROOT },
      );
      return JSON.parse(stdout) as unknown;
    };
    const listed = (await inspect('--method', 'tools/list')) as { tools: { name: string; outputSchema?: object }[] };
    assert.ok(listed.tools.length >= 15);
    assert.ok(listed.tools.every((t) => t.outputSchema !== undefined));
    const called = (await inspect(
      '--method',
      'tools/call',
      '--tool-name',
      'get-flag',
      '--tool-arg',
      'key=new-checkout',
    )) as {
      structuredContent: { flag: Flag };
    };
    assert.equal(called.structuredContent.flag.owner, 'team-payments');
  });

  it('exits 1 with usage on bad arguments, writing nothing to stdout', async () => {
    await assert.rejects(
      run(process.execPath, [SERVER_BIN, '--max-step', 'many']),
      (e: { code: number; stdout: string; stderr: string }) => {
        assert.equal(e.code, 1);
        assert.equal(e.stdout, '');
        assert.match(e.stderr, /--max-step.*Usage: rollgate-mcp/s);
        return true;
      },
    );
  });
});
