/**
 * The built bundles as users run them: `rollgate server` (the CLI spawning cli/dist/rollgate-server.mjs), changes
 * through the built CLI and through the real MCP server over stdio reaching flagd in-process and OFREP clients,
 * and the startup refusals.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { OpenFeature } from '@openfeature/server-sdk';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { ROOT, cli, flagdClient, ofrepClient, startCliServer, startFixture, until } from './helpers.ts';

const MCP_BIN = join(ROOT, 'mcp-server', 'dist', 'server.mjs');

describe('built server', () => {
  before(() => {
    ensureBuilt('cli');
    ensureBuilt('server');
    ensureBuilt('mcp');
  });
  after(() => OpenFeature.close());

  it('changes through the CLI and through the MCP server reach flagd in-process and OFREP clients', async () => {
    // The fixture only provides a seeded store; the server under test is the one the CLI starts.
    await using fixture = await startFixture();
    const server = await startCliServer(['--store', fixture.root]);
    const mcp = new Client({ name: 'server-test', version: '1.0.0' });
    try {
      const flagd = await flagdClient(server.syncPort, 'development');
      const ofrep = await ofrepClient(server.url);
      const context = { targetingKey: 'user-7', environment: 'development' };
      assert.equal(await flagd.getBooleanValue('new-checkout', false, context), true);
      assert.equal(await ofrep.getBooleanValue('new-checkout', false, context), true);

      const toggled = await cli(fixture.root, ['toggle', 'new-checkout', 'off', '--env', 'development']);
      assert.equal(toggled.status, 0, toggled.stderr);
      await until('clients see the CLI change', async () => {
        const [a, b] = await Promise.all([
          flagd.getBooleanDetails('new-checkout', true, context),
          ofrep.getBooleanDetails('new-checkout', true, context),
        ]);
        return a.reason === 'DISABLED' && b.reason !== 'TARGETING_MATCH' && b.reason !== 'STATIC';
      });

      await mcp.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [MCP_BIN, '--store', fixture.root, '--actor', 'mcp:server-test'],
          env: { PATH: process.env.PATH ?? '' },
          stderr: 'pipe',
        }),
      );
      const result = await mcp.callTool({
        name: 'toggle-flag',
        arguments: { key: 'new-checkout', environment: 'development', enabled: true },
      });
      assert.notEqual(result.isError, true, JSON.stringify(result.content));
      await until('clients see the MCP change', async () => {
        const [a, b] = await Promise.all([
          flagd.getBooleanValue('new-checkout', false, context),
          ofrep.getBooleanValue('new-checkout', false, context),
        ]);
        return a && b;
      });
    } finally {
      await mcp.close();
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
  });

  it('refuses a non-loopback address without SDK keys, and starts once a key exists', async () => {
    await using fixture = await startFixture();
    const refused = await cli(fixture.root, ['server', '--host', '0.0.0.0', '--port', '0', '--sync-port', '0']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /refusing to listen on 0\.0\.0\.0 without SDK keys.*rollgate keys create --env/);

    const created = await cli(fixture.root, ['--json', 'keys', 'create', '--env', 'staging', '--label', 'ci']);
    assert.equal(created.status, 0, created.stderr);
    const { secret } = JSON.parse(created.stdout) as { secret: string };
    assert.match(secret, /^rgsdk_/);
    const listed = await cli(fixture.root, ['keys', 'list']);
    assert.doesNotMatch(listed.stdout, new RegExp(secret));
    assert.match(listed.stdout, /staging .*active +ci/);

    const server = await startCliServer(['--store', fixture.root], ['--host', '0.0.0.0']);
    try {
      const url = server.url.replace('0.0.0.0', '127.0.0.1');
      const open = await fetch(`${url}/flagd/staging.flagd.json`);
      assert.equal(open.status, 401);
      const keyed = await fetch(`${url}/flagd/staging.flagd.json`, { headers: { Authorization: `Bearer ${secret}` } });
      assert.equal(keyed.status, 200);
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
  });

  it('an unusable --database is a clear startup error; bad options are usage errors', async () => {
    await using fixture = await startFixture();
    const pg = await cli(fixture.root, ['--database', 'mysql://localhost/rollgate', 'server'], { store: false });
    assert.equal(pg.status, 1);
    assert.match(pg.stderr, /Not a PostgreSQL connection URL \(scheme mysql:\).*postgres:\/\/user:password@localhost/);
    const both = await cli(fixture.root, ['--database', 'postgres://localhost/rollgate', 'server']);
    assert.equal(both.status, 1, both.stderr);
    assert.match(both.stderr, /Both --store and --database/);
    const bad = await cli(fixture.root, ['server', '--port', 'eighty']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--port: .*number/);
    // The controller's options reach the server, which checks them (the CLI used to refuse them as unknown).
    const interval = await cli(fixture.root, ['server', '--no-controller', '--controller-interval', '0']);
    assert.equal(interval.status, 1);
    assert.match(interval.stderr, /rollgate server: --controller-interval: .*>0/);
  });
});
