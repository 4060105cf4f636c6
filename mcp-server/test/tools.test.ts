import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Flag } from '@rollgate/shared/flags';
import { call, callOk, connect, seededStore, textOf } from './helpers.ts';

const READ_TOOLS = [
  'detect-stale-flags',
  'evaluate-flag',
  'find-flag-references',
  'generate-snippet',
  'get-audit-log',
  'get-flag',
  'list-change-requests',
  'list-environments',
  'list-flags',
  'list-segments',
  'preview-change',
  'rollout-status',
];
const WRITE_TOOLS = [
  'archive-flag',
  'cleanup-flag',
  'control-rollout',
  'create-flag',
  'manage-segment',
  'set-rollout',
  'set-targeting',
  'start-rollout',
  'toggle-flag',
  'update-flag',
  'withdraw-change-request',
];

interface WriteResult {
  status: string;
  revision: number;
  changes: { path: string; before?: unknown; after?: unknown }[];
  environments: { environment: string; state: string }[];
}

describe('MCP tools (in-memory client, real file store)', () => {
  it('lists every tool with input and output schemas and honest annotations', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const { tools } = await session.client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), [...READ_TOOLS, ...WRITE_TOOLS].sort());
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.equal(tool.outputSchema?.type, 'object', tool.name);
      assert.ok((tool.description ?? '').length > 60, `${tool.name} needs a description that says when to use it`);
      // Hints equal to MCP's defaults (readOnly false, destructive true, idempotent false) are left out.
      assert.equal(tool.annotations?.readOnlyHint ?? false, READ_TOOLS.includes(tool.name), tool.name);
      assert.equal(tool.annotations?.openWorldHint, false, tool.name);
    }
    const byName = new Map(tools.map((t) => [t.name, t]));
    assert.equal(byName.get('archive-flag')?.annotations?.destructiveHint ?? true, true);
    assert.equal(byName.get('create-flag')?.annotations?.destructiveHint, false);
    assert.equal(byName.get('toggle-flag')?.annotations?.idempotentHint, true);
    assert.deepEqual(byName.get('set-rollout')?.inputSchema.required?.sort(), ['key', 'percentage']);
  });

  it('create → set-rollout → toggle → get round trip', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const { client } = session;
    const created = await callOk<WriteResult>(client, 'create-flag', {
      key: 'dark-mode',
      name: 'Dark mode',
      kind: 'release',
      reason: 'customers keep asking',
    });
    assert.equal(created.status, 'applied');
    assert.deepEqual(
      created.changes.map((c) => c.path),
      [''],
      'the whole flag is one added value',
    );
    assert.deepEqual(
      created.environments.map((e) => e.state),
      ['development: disabled', 'staging: disabled', 'production: disabled'],
    );

    const rollout = await callOk<WriteResult>(client, 'set-rollout', {
      key: 'dark-mode',
      environment: 'development',
      percentage: 30,
      reason: 'try it on a third of the team',
    });
    assert.equal(rollout.status, 'applied');
    assert.deepEqual(rollout.changes, [
      { path: '/environments/development/rollout', after: { variant: 'on', percentage: 30 } },
    ]);
    const rolloutText = textOf(
      await call(client, 'set-rollout', { key: 'dark-mode', environment: 'development', percentage: 30 }),
    );
    assert.match(rolloutText, /development: disabled.*nobody gets a variant.*toggle-flag.*enable: true/s);

    const toggled = await callOk<WriteResult>(client, 'toggle-flag', {
      key: 'dark-mode',
      environment: 'development',
      enabled: true,
    });
    assert.equal(toggled.status, 'applied');
    assert.deepEqual(toggled.environments, [
      { environment: 'development', protected: false, state: 'development: on → 30% get `on`' },
    ]);
    const again = await callOk<WriteResult>(client, 'toggle-flag', {
      key: 'dark-mode',
      environment: 'development',
      enabled: true,
    });
    assert.equal(again.status, 'unchanged');
    assert.equal(again.revision, toggled.revision);

    const got = await callOk<{ flag: Flag }>(client, 'get-flag', { key: 'dark-mode' });
    assert.equal(got.flag.environments.development?.enabled, true);
    assert.deepEqual(got.flag.environments.development?.rollout, { variant: 'on', percentage: 30 });
    assert.deepEqual(Object.keys(got.flag.variants).sort(), ['off', 'on']);

    const audit = await callOk<{ entries: { actor: string; action: string; reason?: string }[] }>(
      client,
      'get-audit-log',
      { flagKey: 'dark-mode' },
    );
    assert.ok(audit.entries.length >= 3);
    assert.ok(audit.entries.every((e) => e.actor === 'mcp:test-client'));
    assert.ok(audit.entries.some((e) => e.reason === 'try it on a third of the team'));
  });

  it('rejects bad input with a tool error that says how to fix it, and writes nothing', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const before = await fixture.store.read();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['set-rollout', { key: 'new-checkout', environment: 'development', percentage: 150 }, /0–100/],
      ['get-flag', { key: 'New Checkout' }, /Did you mean "new-checkout"/],
      ['get-flag', { key: 'new-chekout' }, /Did you mean "new-checkout"/],
      [
        'toggle-flag',
        { key: 'new-checkout', environment: 'prod', enabled: false },
        /Declared environments: development, staging, production/,
      ],
      [
        'set-targeting',
        { key: 'new-checkout', environment: 'development', rules: [{ conditions: [], serve: { variant: 'on' } }] },
        /conditions/,
      ],
      ['set-rollout', { key: 'new-checkout', environment: 'development', percentage: 20, variant: 'maybe' }, /maybe/],
      ['update-flag', { key: 'new-checkout', changes: { colour: 'red' } }, /colour/],
    ];
    for (const [tool, args, message] of cases) {
      const result = await call(session.client, tool, args);
      assert.equal(result.isError, true, `${tool} ${JSON.stringify(args)} should fail`);
      assert.match(textOf(result), message, `${tool}: ${textOf(result)}`);
    }
    assert.equal((await fixture.store.read()).version, before.version);
  });

  it('a store file broken by hand is a tool error naming the place, not a crash', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const file = join(fixture.root, '.rollgate', 'flags.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('kind: release', 'kind: [release'));
    const result = await call(session.client, 'get-flag', { key: 'new-checkout' });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /flags\.yaml/);
    const write = await call(session.client, 'toggle-flag', {
      key: 'new-checkout',
      environment: 'development',
      enabled: false,
    });
    assert.equal(write.isError, true);
    assert.match(readFileSync(file, 'utf8'), /kind: \[release/, 'the broken file is left for the human to fix');
  });

  it('update-flag changes only the fields named', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const result = await callOk<WriteResult>(session.client, 'update-flag', {
      key: 'new-checkout',
      changes: { description: 'Checkout v2 with saved cards.' },
    });
    assert.equal(result.status, 'applied');
    assert.deepEqual(result.changes, [
      { path: '/description', before: 'The redesigned checkout flow.', after: 'Checkout v2 with saved cards.' },
    ]);
    const flag = (await fixture.store.read()).document.flags.find((f) => f.key === 'new-checkout');
    assert.equal(flag?.description, 'Checkout v2 with saved cards.');
    assert.equal(flag?.owner, 'team-payments');
    assert.deepEqual(flag?.tags, ['checkout']);
    assert.deepEqual(flag?.environments.production?.rollout, { variant: 'on', percentage: 10 });
  });

  it('read-only mode offers no write tools and reports every environment as not writable', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store, { readOnly: true });
    const { tools } = await session.client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), READ_TOOLS);
    const attempt = await call(session.client, 'toggle-flag', {
      key: 'new-checkout',
      environment: 'development',
      enabled: false,
    });
    assert.equal(attempt.isError, true);
    const envs = await callOk<{ environments: { writable: boolean }[] }>(session.client, 'list-environments');
    assert.ok(envs.environments.every((e) => !e.writable));
  });

  it('allowed environments limit writes', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store, { allowedEnvironments: ['development'] });
    const before = await fixture.store.read();
    const refused = await call(session.client, 'toggle-flag', {
      key: 'new-checkout',
      environment: 'staging',
      enabled: false,
    });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /may not write to "staging".*Writable environments: development/s);
    // archive touches every configured environment, so it is refused too.
    assert.equal((await call(session.client, 'archive-flag', { key: 'new-checkout', reason: 'done' })).isError, true);
    assert.equal((await fixture.store.read()).version, before.version);
    const allowed = await callOk<WriteResult>(session.client, 'toggle-flag', {
      key: 'new-checkout',
      environment: 'development',
      enabled: false,
    });
    assert.equal(allowed.status, 'applied');
  });

  it('list-flags filters by environment, kind, tag and staleness', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const keys = async (args: Record<string, unknown>): Promise<string[]> =>
      (await callOk<{ flags: { key: string }[] }>(session.client, 'list-flags', args)).flags.map((f) => f.key);
    assert.deepEqual(await keys({}), ['new-checkout', 'old-banner']);
    assert.deepEqual(await keys({ environment: 'development' }), ['new-checkout']);
    assert.deepEqual(await keys({ kind: 'experiment' }), ['old-banner']);
    assert.deepEqual(await keys({ tag: 'checkout' }), ['new-checkout']);
    // old-banner was created 2026-06-01; experiments are expected to live 40 days.
    assert.deepEqual(await keys({ stale: true }), ['old-banner']);
    const stale = await callOk<{ flags: { staleReasons?: string[] }[] }>(session.client, 'list-flags', { stale: true });
    assert.match(stale.flags[0]?.staleReasons?.join(' ') ?? '', /experiment/i);
    assert.deepEqual(await keys({ stale: false }), ['new-checkout']);
  });

  it('evaluate-flag answers with the real engine on the compiled environment', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const dev = await callOk<{ variant: string; value: unknown }>(session.client, 'evaluate-flag', {
      key: 'new-checkout',
      environment: 'development',
      context: { targetingKey: 'user-1' },
    });
    assert.deepEqual([dev.variant, dev.value], ['on', true]);
    await callOk(session.client, 'toggle-flag', { key: 'new-checkout', environment: 'development', enabled: false });
    const off = await callOk<{ reason: string }>(session.client, 'evaluate-flag', {
      key: 'new-checkout',
      environment: 'development',
      context: { targetingKey: 'user-1' },
    });
    assert.equal(off.reason, 'DISABLED');
  });

  it('preview-change measures the share of users whose variant changes, and writes nothing', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const before = await fixture.store.read();
    const preview = await callOk<{
      needsApproval: boolean;
      environments: {
        environment: string;
        changedUsers: number;
        changedShare: number;
        sampledUsers: number;
        transitions: { from: string; to: string; users: number }[];
        diff: { path: string; before: unknown; after: unknown }[];
      }[];
    }>(session.client, 'preview-change', {
      change: {
        action: 'flag.set-rollout',
        flagKey: 'new-checkout',
        environment: 'production',
        percentage: 25,
      },
    });
    assert.equal(preview.needsApproval, true);
    const [production] = preview.environments;
    assert.equal(production?.environment, 'production');
    assert.deepEqual(production?.diff, [{ path: '/config/rollout/percentage', before: 10, after: 25 }]);
    assert.equal(production?.sampledUsers, 10_000);
    // Raising 10% → 25% moves about 15% of users, all from off to on (sticky bucketing never moves anyone back).
    assert.ok(Math.abs((production?.changedShare ?? 0) - 0.15) < 0.015, String(production?.changedShare));
    assert.deepEqual(
      production?.transitions.map((t) => [t.from, t.to]),
      [['off', 'on']],
    );
    assert.equal((await fixture.store.read()).version, before.version);
  });

  it('generate-snippet writes provider setup pointing at the compiled flag file, per language', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    for (const language of ['typescript', 'react', 'python', 'go', 'java', 'dotnet']) {
      const snippet = await callOk<{ code: string; install: string; flagdFilePath: string }>(
        session.client,
        'generate-snippet',
        { key: 'new-checkout', language },
      );
      assert.equal(snippet.flagdFilePath, '.rollgate/flagd/production.flagd.json');
      assert.match(snippet.code, /new-checkout/, language);
      assert.ok(snippet.install.length > 0, language);
    }
    const staging = await callOk<{ code: string }>(session.client, 'generate-snippet', {
      key: 'new-checkout',
      language: 'typescript',
      environment: 'staging',
    });
    assert.match(staging.code, /staging\.flagd\.json/);
    const cobol = await call(session.client, 'generate-snippet', { key: 'new-checkout', language: 'cobol' });
    assert.equal(cobol.isError, true);
    assert.match(textOf(cobol), /typescript/);
  });

  it('start-rollout → rollout-status → control-rollout, with the rollout page as a resource', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const { client } = session;
    const started = await callOk<WriteResult>(client, 'start-rollout', {
      key: 'new-checkout',
      environment: 'staging',
      plan: { variant: 'on', steps: [10, 50, 100] },
      reason: 'guarded ramp in staging',
    });
    assert.equal(started.status, 'applied');
    const status = await callOk<{ status: string; percentage: number; steps: number[]; page: string }>(
      client,
      'rollout-status',
      { key: 'new-checkout', environment: 'staging' },
    );
    assert.deepEqual([status.status, status.percentage, status.steps], ['running', 10, [10, 50, 100]]);
    assert.match(status.page, /# Rollout: new-checkout \(staging\)/);
    const paused = await callOk<WriteResult>(client, 'control-rollout', {
      key: 'new-checkout',
      environment: 'staging',
      command: 'pause',
      reason: 'looking at a latency blip',
    });
    assert.equal(paused.status, 'applied');
    assert.ok(paused.changes.some((c) => c.path === '/environments/staging/plan/state/status' && c.after === 'paused'));
    const { resources } = await client.listResources();
    assert.ok(resources.some((r) => r.uri === 'rollgate://flags/new-checkout/rollout/staging'));
    const page = await client.readResource({ uri: 'rollgate://flags/new-checkout/rollout/staging' });
    const text = page.contents[0] && 'text' in page.contents[0] ? page.contents[0].text : '';
    assert.match(text, /paused/i);
    const production = await callOk<WriteResult>(client, 'start-rollout', {
      key: 'new-checkout',
      environment: 'production',
      plan: { variant: 'on', steps: [20, 40, 100] },
      reason: 'guarded ramp in production',
    });
    assert.equal(production.status, 'pending-approval');
  });

  it('serves flags as resources and offers the prompts', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const { resources } = await session.client.listResources();
    assert.deepEqual(
      resources.map((r) => r.uri),
      ['rollgate://flags/new-checkout', 'rollgate://flags/old-banner'],
      'flags, and no rollout pages while no flag has a plan',
    );
    const read = await session.client.readResource({ uri: 'rollgate://flags/new-checkout' });
    const content = read.contents[0];
    const stored = JSON.parse(content && 'text' in content ? content.text : '{}') as Flag;
    assert.equal(stored.owner, 'team-payments');
    const { prompts } = await session.client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name).sort(), ['cleanup-stale-flags', 'plan-rollout']);
    const plan = await session.client.getPrompt({ name: 'plan-rollout', arguments: { flagKey: 'new-checkout' } });
    const message = plan.messages[0]?.content;
    assert.match(
      message?.type === 'text' ? message.text : '',
      /"new-checkout" in production.*at most 25 points.*start-rollout/s,
    );
  });
});
