/**
 * Segments and copying a configuration through the MCP tools: in memory for the policy cases, and over stdio on the
 * built server with the compiled flagd file evaluated by the stock flagd provider.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FlagdProvider } from '@openfeature/flagd-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import type { Flag } from '@rollgate/shared/flags';
import type { WriteResult } from '../src/writes.ts';
import { call, callOk, connect, ensureBuilt, seededStore, stdioClient, textOf } from './helpers.ts';

const INTERNAL = {
  action: 'create',
  key: 'internal-users',
  included: ['alice'],
  rules: [{ conditions: [{ attribute: 'email', operator: 'ends_with', value: '@acme.com' }] }],
};

describe('segment tools (in-memory client, real file store)', () => {
  it('create → use in a rule → list shows the usage → delete refused while used', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const { client } = session;
    const created = await callOk<{ status: string; segment: { key: string } }>(client, 'manage-segment', INTERNAL);
    assert.equal(created.status, 'applied');
    await callOk(client, 'set-targeting', {
      key: 'new-checkout',
      environment: 'staging',
      rules: [{ conditions: [{ segment: 'internal-users' }], serve: { variant: 'on' } }],
    });
    const listed = await callOk<{ segments: { key: string; usedBy: string[] }[] }>(client, 'list-segments');
    assert.deepEqual(
      listed.segments.map((s) => [s.key, s.usedBy]),
      [['internal-users', ['new-checkout (staging)']]],
    );

    const refused = await call(client, 'manage-segment', { action: 'delete', key: 'internal-users' });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /used by new-checkout \(staging\)/);

    const typo = await call(client, 'set-targeting', {
      key: 'new-checkout',
      environment: 'staging',
      rules: [{ conditions: [{ segment: 'internal-user' }], serve: { variant: 'on' } }],
    });
    assert.equal(typo.isError, true);
    assert.match(textOf(typo), /unknown segment "internal-user"; Did you mean "internal-users"\?/);
    assert.doesNotMatch(textOf(typo), /flags\[\d/);

    const audit = await fixture.store.readAudit();
    assert.ok(audit.some((e) => e.action === 'segment.create' && e.changes[0]?.path === '/segments/internal-users'));
  });

  it('refuses to change who is in a segment that a flag uses while on in production', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store, { actor: 'mcp:test' });
    const { client } = session;
    await callOk(client, 'manage-segment', INTERNAL);
    // Production is protected: the rule goes through a change request, approved by a human.
    const proposed = await callOk<WriteResult>(client, 'set-targeting', {
      key: 'new-checkout',
      environment: 'production',
      rules: [{ conditions: [{ segment: 'internal-users' }], serve: { variant: 'on' } }],
      reason: 'dogfood first',
    });
    assert.equal(proposed.status, 'pending-approval');
    const { decideChangeRequest } = await import('@rollgate/shared/flags');
    await decideChangeRequest(fixture.store, proposed.changeRequests?.[0]?.id ?? '', 'approve', {
      actor: 'cli:bob',
      now: () => new Date(),
    });
    const refused = await call(client, 'manage-segment', { action: 'update', key: 'internal-users', addKeys: ['eve'] });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /decides who gets new-checkout \(production\).*rollgate segment update/s);
    // A name is not membership: it may change.
    const renamed = await callOk<{ status: string }>(client, 'manage-segment', {
      action: 'update',
      key: 'internal-users',
      name: 'Staff',
    });
    assert.equal(renamed.status, 'applied');
  });

  it('copies staging to development at once, and to production only as a change request', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const { client } = session;
    const dev = await callOk<WriteResult>(client, 'update-flag', {
      key: 'new-checkout',
      copy: { from: 'staging', to: ['development'] },
    });
    assert.equal(dev.status, 'applied');
    const preview = await callOk<{ environments: { environment: string }[] }>(client, 'preview-change', {
      change: { action: 'flag.copy', flagKey: 'new-checkout', from: 'staging', environment: 'production' },
      sampleSize: 1000,
    });
    assert.deepEqual(
      preview.environments.map((e) => e.environment),
      ['production'],
    );
    const prod = await callOk<WriteResult>(client, 'update-flag', {
      key: 'new-checkout',
      copy: { from: 'staging', to: ['production'] },
      reason: 'staging looked good for a week',
    });
    assert.equal(prod.status, 'pending-approval');
    const { flag } = await callOk<{ flag: Flag }>(client, 'get-flag', { key: 'new-checkout' });
    assert.deepEqual(flag.environments.development, flag.environments.staging);
    assert.equal(flag.environments.production?.rollout?.percentage, 10, 'production waits for approval');
    const audit = await fixture.store.readAudit({ flagKey: 'new-checkout' });
    assert.ok(
      audit.some((e) => e.action === 'flag.copy' && e.environment === 'development' && e.data?.from === 'staging'),
    );
    const both = await call(client, 'update-flag', { key: 'new-checkout' });
    assert.equal(both.isError, true);
    assert.match(textOf(both), /Pass either changes or copy/);
  });
});

describe('a staged-audience rollout through the MCP tools', () => {
  it('start-rollout with audience steps → control-rollout advance → evaluate-flag per audience', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const { client } = session;
    await callOk(client, 'manage-segment', INTERNAL);
    await callOk(client, 'manage-segment', { action: 'create', key: 'beta', included: ['bea'] });
    await callOk(client, 'start-rollout', {
      key: 'new-checkout',
      environment: 'staging',
      plan: { variant: 'on', steps: [{ segment: 'internal-users' }, { segments: ['beta'], percentage: 5 }, 50, 100] },
    });
    const variantOf = async (targetingKey: string): Promise<string> =>
      (
        await callOk<{ variant: string }>(client, 'evaluate-flag', {
          key: 'new-checkout',
          environment: 'staging',
          context: { targetingKey },
        })
      ).variant;
    const seen: string[] = [];
    for (let step = 0; step < 3; step++) {
      const status = await callOk<{ stepIndex: number; percentage: number; segments: string[] }>(
        client,
        'rollout-status',
        { key: 'new-checkout', environment: 'staging' },
      );
      seen.push(
        `${status.stepIndex}:${[...status.segments, `${status.percentage}%`].join('+')}:` +
          `alice=${await variantOf('alice')},bea=${await variantOf('bea')}`,
      );
      await callOk(client, 'control-rollout', { key: 'new-checkout', environment: 'staging', command: 'advance' });
    }
    assert.deepEqual(seen, [
      '0:internal-users+0%:alice=on,bea=off',
      '1:internal-users+beta+5%:alice=on,bea=on',
      '2:internal-users+beta+50%:alice=on,bea=on',
    ]);
  });
});

describe('segments over stdio on the built server, evaluated by the stock flagd provider', () => {
  before(() => ensureBuilt('mcp'));
  after(() => OpenFeature.close());

  it('round trip: manage-segment → set-targeting with enable → flagd file with $evaluators', async () => {
    await using fixture = await seededStore();
    const client = await stdioClient(fixture.root);
    try {
      await callOk(client, 'manage-segment', INTERNAL);
      await callOk(client, 'set-targeting', {
        key: 'old-banner',
        environment: 'staging',
        rules: [{ conditions: [{ segment: 'internal-users' }], serve: { variant: 'blue' } }],
        enable: true,
      });
      const listed = await callOk<{ segments: { included: { keys: string[] } }[] }>(client, 'list-segments', {
        key: 'internal-users',
      });
      assert.deepEqual(listed.segments[0]?.included.keys, ['alice']);
    } finally {
      await client.close();
    }
    const path = join(fixture.root, '.rollgate', 'flagd', 'staging.flagd.json');
    await OpenFeature.setProviderAndWait(
      'stdio-segments',
      new FlagdProvider({ resolverType: 'in-process', offlineFlagSourcePath: path }),
    );
    const of = OpenFeature.getClient('stdio-segments');
    const values = [];
    const contexts: Record<string, string>[] = [
      { targetingKey: 'alice' },
      { targetingKey: 'x', email: 'x@acme.com' },
      { targetingKey: 'y' },
    ];
    for (const context of contexts) {
      const details = await of.getStringDetails('old-banner', 'code-default', context);
      values.push(`${details.value}:${details.reason}`);
    }
    // old-banner had no config in staging: enable created one serving the flag's default variant (green).
    assert.deepEqual(values, ['blue:TARGETING_MATCH', 'blue:TARGETING_MATCH', 'green:DEFAULT']);
  });
});
