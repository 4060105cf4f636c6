/**
 * Remote mode end to end: the real server (with API tokens) and the BUILT CLI and MCP server pointed at it with
 * ROLLGATE_URL / ROLLGATE_TOKEN. The same commands as in file mode give the same output; roles, four eyes and the
 * audit identity are enforced on the server, for flags, segments and environments.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { FileTokenStore, type RoleGrants, type IdentityKind } from '@rollgate/shared/auth';
import { applyOperation, updateEnvironment, type AuditEntry } from '@rollgate/shared/flags';
import { RemoteStore, type StoreSnapshot } from '@rollgate/shared/store';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { assertFlagError } from '../../shared/test/store/helpers.ts';
import { usageEntry } from '../../shared/test/support/usage.ts';
import {
  NOW,
  ROOT,
  cleanCli as cli,
  post,
  reportUsage,
  startFixture,
  until,
  type Finished,
  type Fixture,
} from './helpers.ts';

const MCP_BIN = join(ROOT, 'mcp-server', 'dist', 'server.mjs');

/** A real MCP client over stdio on the built MCP server in remote mode (`env`: ROLLGATE_URL and ROLLGATE_TOKEN). */
async function remoteMcp(env: Record<string, string>): Promise<Client> {
  const mcp = new Client({ name: 'remote-test', version: '1.0.0' });
  await mcp.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [MCP_BIN],
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stderr: 'pipe',
    }),
  );
  return mcp;
}

async function token(
  fixture: Fixture,
  name: string,
  roles: RoleGrants,
  kind: IdentityKind = 'person',
): Promise<string> {
  const created = await new FileTokenStore(fixture.store.location).create(
    { name, kind, roles, createdBy: 'test' },
    new Date(NOW),
  );
  return created.token;
}

/** What apps in staging and production sent: new-checkout in both, banner-color 46 days ago. */
const APP_USAGE = [
  usageEntry('new-checkout', 'staging', 'on', 5, '2026-11-24T09:00:00.000Z'),
  usageEntry('new-checkout', 'production', 'on', 300, '2026-11-24T10:00:00.000Z'),
  usageEntry('new-checkout', 'production', 'off', 900, '2026-11-25T08:00:00.000Z'),
  usageEntry('banner-color', 'production', 'green', 40, '2026-10-10T10:00:00.000Z'),
];

describe('remote mode (built CLI and MCP server against the server)', () => {
  let fixture: Fixture;
  let local: Fixture;
  let tokens: Record<'alice' | 'bob' | 'viewer' | 'assistant' | 'stagingViewer', string>;
  const remote = (who: keyof typeof tokens): Record<string, string> => ({
    ROLLGATE_URL: fixture.server.url,
    ROLLGATE_TOKEN: tokens[who],
  });

  before(async () => {
    ensureBuilt('cli');
    ensureBuilt('mcp');
    // The store behind the server; the tokens file lives beside it, as `rollgate token create` writes it.
    fixture = await startFixture({
      server: (store) => ({ tokens: new FileTokenStore(store.location), now: () => Date.parse(NOW) }),
    });
    // A second store with the same seed, for file-mode reference output.
    local = await startFixture();
    tokens = {
      alice: await token(fixture, 'alice', { '*': 'editor', production: 'approver' }),
      bob: await token(fixture, 'bob', { '*': 'approver' }),
      viewer: await token(fixture, 'vic', { '*': 'viewer' }),
      assistant: await token(fixture, 'cursor-alice', { '*': 'editor' }, 'assistant'),
      stagingViewer: await token(fixture, 'sam', { staging: 'viewer' }),
    };
  });
  after(async () => {
    await fixture[Symbol.asyncDispose]();
    await local[Symbol.asyncDispose]();
  });

  it('create, toggle, set-rollout, set-rule, list and get print what they print in file mode', async () => {
    const steps = [
      ['create', 'checkout-v2', '--name', 'Checkout v2', '--owner', 'payments'],
      ['toggle', 'checkout-v2', 'on', '--env', 'staging'],
      ['set-rollout', 'checkout-v2', '25', '--env', 'staging'],
      ['set-rule', 'checkout-v2', '--env', 'staging', '--when', 'plan in pro,team', '--serve', 'on'],
      ['set-rule', 'checkout-v2', '--env', 'staging', '--when', 'country == DE', '--serve', 'off', '--at', '1'],
      ['list'],
      ['get', 'checkout-v2'],
      ['--json', 'get', 'checkout-v2'],
    ];
    for (const args of steps) {
      const fileMode = await cli(['--store', local.root, ...args], {}, local.root);
      const remoteMode = await cli(args, remote('alice'), ROOT);
      assert.equal(fileMode.status, 0, fileMode.stderr);
      assert.deepEqual(remoteMode, fileMode, `rollgate ${args.join(' ')}`);
    }
  });

  it('refuses a viewer’s change (exit 5), --actor, a revoked token, and local-only commands', async () => {
    const viewer = await cli(['toggle', 'new-checkout', 'off', '--env', 'staging'], remote('viewer'), ROOT);
    assert.equal(viewer.status, 5);
    assert.match(viewer.stderr, /vic may not write in staging: that needs the editor role/);

    const actor = await cli(['--actor', 'mallory', 'list'], remote('alice'), ROOT);
    assert.equal(actor.status, 1);
    assert.match(actor.stderr, /--actor cannot be used with ROLLGATE_URL/);

    const compile = await cli(['compile'], remote('alice'), ROOT);
    assert.equal(compile.status, 1);
    assert.match(compile.stderr, /`rollgate compile` works on a local \.rollgate\//);

    const down = await cli(['list'], { ROLLGATE_URL: 'http://127.0.0.1:9', ROLLGATE_TOKEN: tokens.alice }, ROOT);
    assert.equal(down.status, 4);
    assert.match(down.stderr, /Cannot reach the Rollgate server at http:\/\/127\.0\.0\.1:9/);

    const noToken = await cli(['list'], { ROLLGATE_URL: fixture.server.url, ROLLGATE_TOKEN: 'rgt_forged' }, ROOT);
    assert.equal(noToken.status, 5);
    assert.match(noToken.stderr, /The token is not valid/);

    const whoami = await fetch(`${fixture.server.url}/api/v1/whoami`, {
      headers: { Authorization: `Bearer ${tokens.viewer}` },
    });
    assert.equal(whoami.status, 200);
    assert.deepEqual(((await whoami.json()) as { identity: { name: string } }).identity.name, 'vic');
    const anonymous = await fetch(`${fixture.server.url}/api/v1/snapshot`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');

    await new FileTokenStore(fixture.store.location).revoke('vic', new Date(NOW));
    const revoked = await cli(['list'], remote('viewer'), ROOT);
    assert.equal(revoked.status, 5);
    assert.match(revoked.stderr, /"vic" was revoked/);
  });

  it('files a protected raise as a change request, refuses self-approval, applies on another approver', async () => {
    const raise = await cli(
      ['set-rollout', 'new-checkout', '10', '--env', 'production', '--reason', 'ramp up'],
      remote('alice'),
      ROOT,
    );
    assert.equal(raise.status, 6, raise.stderr);
    const id = /change request (cr-\d+)/.exec(raise.stderr)?.[1];
    assert.ok(id, raise.stderr);
    assert.equal((await fixture.store.read()).document.flags[0]?.environments.production?.rollout, undefined);

    const own = await cli(['approve', id], remote('alice'), ROOT);
    assert.equal(own.status, 5);
    assert.match(own.stderr, new RegExp(`alice requested ${id} and cannot approve it`));

    const approved = await cli(['approve', id], remote('bob'), ROOT);
    assert.equal(approved.status, 0, approved.stderr);
    assert.match(approved.stdout, new RegExp(`Applied ${id} \\(new-checkout in production\\)`));
    const production = (await fixture.store.read()).document.flags.find((f) => f.key === 'new-checkout')?.environments
      .production;
    assert.deepEqual(production?.rollout, { variant: 'on', percentage: 10 });

    // A reduction (kill switch) by an editor applies at once.
    const kill = await cli(
      ['toggle', 'new-checkout', 'off', '--env', 'production', '--reason', 'INC-1'],
      remote('alice'),
      ROOT,
    );
    assert.equal(kill.status, 0, kill.stderr);

    const audit = await cli(['--json', 'audit', '--flag', 'new-checkout', '--env', 'production'], remote('bob'), ROOT);
    const entries = (JSON.parse(audit.stdout) as { entries: AuditEntry[] }).entries;
    assert.deepEqual(
      entries.map((e) => [e.action, e.actor]),
      [
        ['change-request.create', 'alice'],
        ['flag.set-rollout', 'bob'],
        ['change-request.approve', 'bob'],
        ['flag.toggle', 'alice'],
      ],
    );
    assert.ok(!audit.stdout.includes('rgt_'), 'no token in the audit log');
  });

  it('tells a RemoteStore’s listeners of changes (the long-polled change feed)', async () => {
    const store = new RemoteStore({ url: fixture.server.url, token: tokens.bob });
    try {
      const before = await store.read();
      const enabled = (s: StoreSnapshot): boolean | undefined =>
        s.document.flags.find((f) => f.key === 'banner-color')?.environments.development?.enabled;
      assert.notEqual(enabled(before), true);
      const events: StoreSnapshot[] = [];
      store.onDidChange((s) => events.push(s));
      const toggled = await cli(['toggle', 'banner-color', 'on', '--env', 'development'], remote('alice'), ROOT);
      assert.equal(toggled.status, 0, toggled.stderr);
      // Within one long poll at most; `version` is the feed's token (`revision` may lag a commit for an instant).
      await until('a change event showing the toggle', () => events.some((s) => enabled(s) === true), 30_000).catch(
        (e: unknown) => {
          const seen = events.map((s) => `${s.version.slice(0, 8)}@${s.revision}:${String(enabled(s))}`);
          throw new Error(`${String(e)}; events: [${seen.join(', ')}], before ${before.version.slice(0, 8)}`);
        },
      );
      assert.ok(
        events.every((s) => s.version !== before.version),
        'every event is a new version',
      );
    } finally {
      store.dispose();
    }
  });

  it('reads the usage apps reported: usage and stale print what they print in file mode, per token', async () => {
    await reportUsage(fixture.server.url, fixture.keys, APP_USAGE);

    for (const args of [
      ['usage', 'new-checkout'],
      ['--json', 'usage', 'new-checkout'],
      ['stale', fixture.root],
    ]) {
      const fileMode = await cli(['--store', fixture.root, ...args], {}, fixture.root);
      const remoteMode = await cli(args, remote('alice'), ROOT);
      assert.equal(fileMode.status, 0, fileMode.stderr);
      assert.deepEqual(remoteMode, fileMode, `rollgate ${args.join(' ')}`);
    }
    const usage = await cli(['usage', 'new-checkout'], remote('alice'), ROOT);
    assert.match(usage.stdout, /^staging: 5 evaluations \(on 5\)/m);
    assert.match(usage.stdout, /^production: 1200 evaluations \(on 300, off 900\)/m);
    const stale = await cli(['stale', fixture.root], remote('alice'), ROOT);
    assert.match(
      stale.stdout,
      /^banner-color\n(?: {2}.*\n)* {2}NOT_EVALUATED: not evaluated in production for 46 days$/m,
    );

    // A viewer of staging only gets staging's counts; production's stay on the server.
    const staging = await cli(['--json', 'usage', 'new-checkout'], remote('stagingViewer'), ROOT);
    assert.equal(staging.status, 0, staging.stderr);
    const { environments } = JSON.parse(staging.stdout) as { environments: { environment: string; total: number }[] };
    assert.deepEqual(
      environments.map((e) => [e.environment, e.total]),
      [['staging', 5]],
    );
    const hidden = await fetch(`${fixture.server.url}/api/v1/usage?flagKey=banner-color`, {
      headers: { Authorization: `Bearer ${tokens.stagingViewer}` },
    });
    assert.deepEqual(await hidden.json(), { flags: { 'banner-color': [] } });
    const noKey = await fetch(`${fixture.server.url}/api/v1/usage`, {
      headers: { Authorization: `Bearer ${tokens.alice}` },
    });
    assert.equal(noKey.status, 400);
    assert.match(JSON.stringify(await noKey.json()), /needs 1–50 flag keys: \?flagKey=<key>/);

    const keys = await cli(['keys', 'list'], remote('alice'), ROOT);
    assert.equal(keys.status, 1);
    assert.match(keys.stderr, /`rollgate keys list` manages the secrets of the server’s store/);
  });

  it('serves the MCP server’s read and write tools as the assistant token', async () => {
    const mcp = await remoteMcp(remote('assistant'));
    try {
      // get-flag shows the server's usage counts (reported by the test before).
      const got = await mcp.callTool({ name: 'get-flag', arguments: { key: 'new-checkout' } });
      assert.notEqual(got.isError, true, JSON.stringify(got.content));
      const fileUsage = await cli(['--store', fixture.root, '--json', 'usage', 'new-checkout'], {}, fixture.root);
      const { environments } = JSON.parse(fileUsage.stdout) as { environments: unknown[] };
      assert.equal(environments.length, 2);
      assert.deepEqual(
        (got.structuredContent as { usage: { environments: unknown[] } }).usage.environments,
        environments,
      );

      const listed = await mcp.callTool({ name: 'list-flags', arguments: {} });
      assert.notEqual(listed.isError, true, JSON.stringify(listed.content));
      assert.match(JSON.stringify(listed.structuredContent), /banner-color/);

      const toggled = await mcp.callTool({
        name: 'toggle-flag',
        arguments: { key: 'banner-color', environment: 'staging', enabled: true },
      });
      assert.notEqual(toggled.isError, true, JSON.stringify(toggled.content));
      assert.equal((toggled.structuredContent as { status: string }).status, 'applied');
      assert.equal(
        (await fixture.store.read()).document.flags.find((f) => f.key === 'banner-color')?.environments.staging
          ?.enabled,
        true,
      );

      const proposed = await mcp.callTool({
        name: 'set-rollout',
        arguments: {
          key: 'banner-color',
          environment: 'production',
          percentage: 20,
          variant: 'blue',
          reason: 'try it',
        },
      });
      assert.notEqual(proposed.isError, true, JSON.stringify(proposed.content));
      const result = proposed.structuredContent as { status: string; changeRequests: { id: string }[] };
      assert.equal(result.status, 'pending-approval');
      const request = (await fixture.store.read()).document.changeRequests?.find(
        (r) => r.id === result.changeRequests[0]?.id,
      );
      assert.equal(request?.createdBy, 'cursor-alice');

      const audit = await fixture.store.readAudit({ flagKey: 'banner-color' });
      assert.deepEqual(
        audit.slice(-2).map((e) => [e.action, e.actor]),
        [
          ['flag.toggle', 'cursor-alice'],
          ['change-request.create', 'cursor-alice'],
        ],
      );
    } finally {
      await mcp.close();
    }
  });
  it('segments: create and update through the server, viewer refused, protected membership needs an admin', async () => {
    const viewer = await token(fixture, 'val', { '*': 'viewer' });
    const admin = await token(fixture, 'ada', { '*': 'admin' });
    const as = (secret: string): Record<string, string> => ({
      ROLLGATE_URL: fixture.server.url,
      ROLLGATE_TOKEN: secret,
    });
    const run = async (args: string[], env: Record<string, string>, status = 0): Promise<Finished> => {
      const result = await cli(args, env, ROOT);
      assert.equal(result.status, status, `rollgate ${args.join(' ')}: ${result.stderr}`);
      return result;
    };
    await run(['segment', 'create', 'beta-testers', '--include', 'u1'], remote('alice'));
    await run(
      ['set-rule', 'new-checkout', '--env', 'development', '--when', 'segment beta-testers', '--serve', 'off'],
      remote('alice'),
    );
    // As an app of development would ask (with its SDK key: the server requires one once any exists).
    const { secret } = await fixture.keys.create({ environment: 'development', now: new Date(NOW) });
    const served = async (user: string): Promise<unknown> => {
      const reply = await post(
        `${fixture.server.url}/ofrep/v1/evaluate/flags/new-checkout`,
        { context: { targetingKey: user } },
        { Authorization: `Bearer ${secret}` },
      );
      return (reply.json as { value?: unknown }).value;
    };
    await until('the server serves the segment rule', async () => (await served('u1')) === false);
    assert.equal(await served('u2'), true);

    const refused = await run(['segment', 'update', 'beta-testers', '--add-key', 'u2'], as(viewer), 5);
    assert.match(refused.stderr, /val may not write in development: that needs the editor role/);
    await run(['segment', 'update', 'beta-testers', '--add-key', 'u2'], remote('alice'));
    await until('the server serves the new member the rule', async () => (await served('u2')) === false);
    const got = await run(['--json', 'segment', 'get', 'beta-testers'], as(viewer));
    assert.deepEqual((JSON.parse(got.stdout) as { included: string[] }).included, ['u1', 'u2']);

    // Used by a flag that is on in production (a rule added through approval): who is in it is an admin's call.
    const pending = await run(
      [
        '--reason',
        'beta',
        'set-rule',
        'banner-color',
        '--env',
        'production',
        '--when',
        'segment beta-testers',
        '--serve',
        'blue',
      ],
      remote('alice'),
      6,
    );
    const id = /change request (cr-\d+)/.exec(pending.stderr)?.[1];
    assert.ok(id, pending.stderr);
    await run(['approve', id], remote('bob'));
    const protectedChange = ['--reason', 'add u3', 'segment', 'update', 'beta-testers', '--add-key', 'u3'];
    const editor = await run(protectedChange, remote('alice'), 5);
    assert.match(editor.stderr, /Segment "beta-testers" decides who gets banner-color \(production\)/);
    assert.match(editor.stderr, /needs the admin role in the protected environment production/);
    await run(protectedChange, as(admin));
    // Its name is not who is in it: an editor may change that.
    await run(['--reason', 'naming', 'segment', 'update', 'beta-testers', '--name', 'Beta'], remote('alice'));

    const segment = (await fixture.store.read()).document.segments?.find((g) => g.key === 'beta-testers');
    assert.deepEqual([segment?.name, segment?.included], ['Beta', ['u1', 'u2', 'u3']]);
    const audit = (await fixture.store.readAudit()).filter((e) => e.action.startsWith('segment.'));
    assert.deepEqual(
      audit.map((e) => [e.action, e.actor, e.reason]),
      [
        ['segment.create', 'alice', undefined],
        ['segment.update', 'alice', undefined],
        ['segment.update', 'ada', 'add u3'],
        ['segment.update', 'alice', 'naming'],
      ],
    );
  });

  it('the MCP server’s manage-segment works against the server as the assistant token', async () => {
    const mcp = await remoteMcp(remote('assistant'));
    try {
      const created = await mcp.callTool({
        name: 'manage-segment',
        arguments: { action: 'create', key: 'from-assistant', included: ['a1'] },
      });
      assert.notEqual(created.isError, true, JSON.stringify(created.content));
      const updated = await mcp.callTool({
        name: 'manage-segment',
        arguments: { action: 'update', key: 'from-assistant', addKeys: ['a2'] },
      });
      assert.notEqual(updated.isError, true, JSON.stringify(updated.content));
      const segment = (await fixture.store.read()).document.segments?.find((g) => g.key === 'from-assistant');
      assert.deepEqual(segment?.included, ['a1', 'a2']);
      const audit = (await fixture.store.readAudit()).filter((e) => e.changes[0]?.path.startsWith('/segments/from-'));
      assert.deepEqual(
        audit.map((e) => [e.action, e.actor]),
        [
          ['segment.create', 'cursor-alice'],
          ['segment.update', 'cursor-alice'],
        ],
      );
    } finally {
      await mcp.close();
    }
  });

  it('environment edits travel as operations and need the admin role', async () => {
    const context = { actor: 'ignored', now: () => new Date(NOW) };
    const editor = new RemoteStore({ url: fixture.server.url, token: tokens.alice });
    const admin = new RemoteStore({ url: fixture.server.url, token: await token(fixture, 'adam', { '*': 'admin' }) });
    try {
      await assert.rejects(
        applyOperation(editor, updateEnvironment('staging', { name: 'Staging' }), context),
        assertFlagError('FORBIDDEN', (e) => assert.match(e.message, /alice may not admin in staging/)),
      );
      await applyOperation(admin, updateEnvironment('staging', { name: 'Staging' }), context);
      const { document } = await fixture.store.read();
      assert.equal(document.environments.find((e) => e.key === 'staging')?.name, 'Staging');
      const [last] = (await fixture.store.readAudit()).slice(-1);
      assert.deepEqual([last?.action, last?.actor], ['environment.update', 'adam']);
    } finally {
      editor.dispose();
      admin.dispose();
    }
  });
});
