/** `rollgate segment …` and `rollgate copy` on the built CLI, against a real file store. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry, EnvironmentConfig, Segment } from '@rollgate/shared/flags';
import { ensureBuilt, rollgate, rollgateJson, tempDir } from './helpers.ts';

function store(dir: string): void {
  rollgateJson(dir, ['init']);
  rollgateJson(dir, ['create', 'new-checkout']);
}

describe('rollgate segment and copy', () => {
  before(() => ensureBuilt());

  it('create → use in a rule → get/list show the usage → delete refused, then allowed', () => {
    using temp = tempDir();
    const dir = temp.path;
    store(dir);
    const created = rollgateJson<{ segment: Segment }>(dir, [
      'segment',
      'create',
      'internal-users',
      '--name',
      'Staff',
      '--include',
      'alice,bob',
      '--rule',
      'email ends-with @acme.com and country in DE,FR',
    ]);
    assert.deepEqual(created.segment.rules, [
      {
        conditions: [
          { attribute: 'email', operator: 'ends_with', value: '@acme.com' },
          { attribute: 'country', operator: 'in', value: ['DE', 'FR'] },
        ],
      },
    ]);
    rollgateJson(dir, [
      'set-rule',
      'new-checkout',
      '--env',
      'staging',
      '--when',
      'segment internal-users',
      '--serve',
      'on',
    ]);
    const got = rollgate(dir, ['segment', 'get', 'internal-users']);
    assert.equal(got.status, 0);
    assert.match(got.stdout, /used by new-checkout \(staging\)/);
    assert.match(got.stdout, /rule 1: email ends-with @acme.com and country in DE,FR/);
    const flagd = JSON.parse(readFileSync(join(dir, '.rollgate', 'flagd', 'staging.flagd.json'), 'utf8')) as {
      $evaluators: Record<string, unknown>;
    };
    assert.ok(flagd.$evaluators['internal-users'], 'the segment is compiled to $evaluators');

    const updated = rollgateJson<{ segment: Segment }>(dir, [
      'segment',
      'update',
      'internal-users',
      '--add-key',
      'carol',
      '--remove-key',
      'alice',
    ]);
    assert.deepEqual(updated.segment.included, ['bob', 'carol']);

    const refused = rollgate(dir, ['segment', 'delete', 'internal-users']);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /used by new-checkout \(staging\)/);
    const typo = rollgate(dir, [
      'set-rule',
      'new-checkout',
      '--env',
      'staging',
      '--when',
      'segment internal-user',
      '--serve',
      'on',
    ]);
    assert.notEqual(typo.status, 0);
    assert.match(typo.stderr, /Did you mean "internal-users"/);

    rollgateJson(dir, ['set-rule', 'new-checkout', '--env', 'staging', '--clear']);
    rollgateJson(dir, ['segment', 'delete', 'internal-users']);
    assert.deepEqual(rollgateJson<{ segments: Segment[] }>(dir, ['segment', 'list']).segments, []);
    const audit = rollgateJson<{ entries: AuditEntry[] }>(dir, ['audit']).entries.map((e) => e.action);
    for (const action of ['segment.create', 'segment.update', 'segment.delete']) {
      assert.ok(audit.includes(action), action);
    }
  });

  it('copies staging to production in one audited change; production needs --reason', () => {
    using temp = tempDir();
    const dir = temp.path;
    store(dir);
    rollgateJson(dir, ['toggle', 'new-checkout', 'on', '--env', 'staging']);
    rollgateJson(dir, ['set-rollout', 'new-checkout', '30', '--env', 'staging']);
    const noReason = rollgate(dir, ['copy', 'new-checkout', '--from', 'staging', '--to', 'production']);
    assert.notEqual(noReason.status, 0);
    assert.match(noReason.stderr, /protected.*--reason/s);
    const copied = rollgateJson<{ config: EnvironmentConfig }>(dir, [
      '--reason',
      'staging clean for a week',
      'copy',
      'new-checkout',
      '--from',
      'staging',
      '--to',
      'production',
    ]);
    assert.deepEqual(copied.config, {
      enabled: true,
      defaultVariant: 'off',
      rules: [],
      rollout: { variant: 'on', percentage: 30 },
    });
    const entries = rollgateJson<{ entries: AuditEntry[] }>(dir, ['audit']).entries;
    const copy = entries.find((e) => e.action === 'flag.copy');
    assert.equal(copy?.environment, 'production');
    assert.equal(copy?.data?.from, 'staging');
    assert.equal(copy?.reason, 'staging clean for a week');
  });
});
