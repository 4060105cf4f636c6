import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, callOk, connect, seededStore, textOf } from './helpers.ts';

interface WriteResult {
  status: string;
  changes: { path: string; before?: unknown; after?: unknown }[];
  environments: { environment: string; state: string }[];
  changeRequests?: { id: string; merged: boolean }[];
}

describe('write policy and request tools', () => {
  it('toggles several environments in one call; the kill switch in production needs only a reason', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const off = await callOk<WriteResult>(session.client, 'toggle-flag', {
      key: 'new-checkout',
      environments: ['staging', 'production'],
      enabled: false,
      reason: 'INC-9: checkout errors',
    });
    assert.equal(off.status, 'applied');
    assert.deepEqual(
      off.environments.map((e) => e.state),
      ['staging: disabled', 'production: disabled'],
    );
    const noEnvironment = await call(session.client, 'toggle-flag', { key: 'new-checkout', enabled: true });
    assert.equal(noEnvironment.isError, true);
    assert.match(textOf(noEnvironment), /No environment given.*list-environments/s);
  });

  it('set-rollout with enable: true also turns the flag on; lowering a production rollout applies at once', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    await callOk(session.client, 'toggle-flag', { key: 'new-checkout', environment: 'staging', enabled: false });
    const on = await callOk<WriteResult>(session.client, 'set-rollout', {
      key: 'new-checkout',
      environment: 'staging',
      percentage: 60,
      enable: true,
    });
    assert.deepEqual(
      on.environments.map((e) => e.state),
      ['staging: on → 60% get `on`'],
    );
    const lower = await callOk<WriteResult>(session.client, 'set-rollout', {
      key: 'new-checkout',
      environment: 'production',
      percentage: 5,
      reason: 'errors up at 10%',
    });
    assert.equal(lower.status, 'applied');
    assert.deepEqual(lower.changes, [{ path: '/environments/production/rollout/percentage', before: 10, after: 5 }]);
    const raise = await callOk<WriteResult>(session.client, 'set-rollout', {
      key: 'new-checkout',
      environment: 'production',
      percentage: 10,
      reason: 'fixed',
    });
    assert.equal(raise.status, 'pending-approval');
  });

  it('lists change requests across flags and withdraws only your own', async () => {
    await using fixture = await seededStore();
    await using mine = await connect(fixture.store, { actor: 'mcp:alice-assistant' });
    await using theirs = await connect(fixture.store, { actor: 'mcp:bob-assistant' });
    await callOk(mine.client, 'set-rollout', {
      key: 'new-checkout',
      environment: 'production',
      percentage: 20,
      reason: 'ramp',
    });
    await callOk(theirs.client, 'toggle-flag', {
      key: 'old-banner',
      environment: 'production',
      enabled: false,
      reason: 'hide it',
    });
    await callOk(theirs.client, 'set-targeting', {
      key: 'old-banner',
      environment: 'production',
      rules: [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }], serve: { variant: 'blue' } }],
      reason: 'blue for pro',
    });
    const listed = await callOk<{ requests: { id: string; flagKey: string; createdBy: string }[] }>(
      mine.client,
      'list-change-requests',
    );
    assert.deepEqual(
      listed.requests.map((r) => [r.id, r.flagKey, r.createdBy]),
      [
        ['cr-1', 'new-checkout', 'mcp:alice-assistant'],
        ['cr-2', 'old-banner', 'mcp:bob-assistant'],
      ],
    );
    const foreign = await call(mine.client, 'withdraw-change-request', { id: 'cr-2' });
    assert.equal(foreign.isError, true);
    assert.match(textOf(foreign), /filed by mcp:bob-assistant; only they can withdraw it.*rollgate reject cr-2/s);
    await callOk(mine.client, 'withdraw-change-request', { id: 'cr-1', reason: 'not needed' });
    const pending = await callOk<{ requests: { id: string }[] }>(mine.client, 'list-change-requests', {});
    assert.deepEqual(
      pending.requests.map((r) => r.id),
      ['cr-2'],
    );
    const withdrawn = await callOk<{ requests: { id: string }[] }>(mine.client, 'list-change-requests', {
      status: 'withdrawn',
    });
    assert.deepEqual(
      withdrawn.requests.map((r) => r.id),
      ['cr-1'],
    );
  });

  it('refuses oversized text and deeply nested contexts with a clear error', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const huge = await call(session.client, 'update-flag', {
      key: 'new-checkout',
      changes: { description: 'x'.repeat(5_000_000) },
    });
    assert.equal(huge.isError, true);
    assert.match(textOf(huge), /2,000 characters/);
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 50_000; i++) deep = { nested: deep };
    const nested = await call(session.client, 'evaluate-flag', {
      key: 'new-checkout',
      environment: 'production',
      context: { targetingKey: 'u1', deep },
    });
    assert.equal(nested.isError, true);
    assert.match(textOf(nested), /nested more than 8 levels deep/);
    assert.doesNotMatch(textOf(nested), /call stack/);
  });
});
