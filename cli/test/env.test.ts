/** `rollgate env list|add|update` on the built CLI against a real file store: environments and their approval policy. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry, Environment } from '@rollgate/shared/flags';
import { ensureBuilt, rollgate, rollgateJson, tempDir } from './helpers.ts';

const environments = (dir: string): Environment[] =>
  rollgateJson<{ environments: Environment[] }>(dir, ['env', 'list']).environments;

describe('rollgate env', () => {
  before(() => ensureBuilt());

  it('lists, adds and updates environments; the policy of a protected one changes only with a reason', () => {
    using temp = tempDir();
    const dir = temp.path;
    rollgateJson(dir, ['init']);
    const listed = rollgate(dir, ['env', 'list']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /^production: protected; 1 approval\(s\) by anyone but the requester$/m);
    assert.match(listed.stdout, /^staging: not protected$/m);

    rollgateJson(dir, ['env', 'add', 'qa', '--name', 'QA']);
    assert.deepEqual(environments(dir).at(-1), { key: 'qa', name: 'QA', protected: false });

    const unexplained = rollgate(dir, ['env', 'update', 'production', '--approvals', '2', '--approvers', 'alice,bob']);
    assert.notEqual(unexplained.status, 0);
    assert.match(unexplained.stderr, /reason/i);
    assert.equal(environments(dir).find((e) => e.key === 'production')?.approval, undefined, 'nothing applied');

    const reason = ['--reason', 'two reviewers for production'];
    rollgateJson(dir, [...reason, 'env', 'update', 'production', '--approvals', '2', '--approvers', 'alice,bob']);
    assert.deepEqual(environments(dir).find((e) => e.key === 'production')?.approval, {
      required: 2,
      approvers: ['alice', 'bob'],
    });
    assert.match(readFileSync(join(dir, '.rollgate', 'flags.yaml'), 'utf8'), /approvers:\s+- alice\s+- bob/);
    // --approvals alone keeps the approvers.
    rollgateJson(dir, [...reason, 'env', 'update', 'production', '--approvals', '1']);
    assert.deepEqual(environments(dir).find((e) => e.key === 'production')?.approval, {
      required: 1,
      approvers: ['alice', 'bob'],
    });

    const unknownGroup = rollgate(dir, [...reason, 'env', 'update', 'production', '--approvers', 'group:sre']);
    assert.notEqual(unknownGroup.status, 0);
    assert.match(unknownGroup.stderr, /sre/);
    rollgateJson(dir, ['env', 'group', 'sre', '--members', 'bob, carol,bob']);
    rollgateJson(dir, [...reason, 'env', 'update', 'production', '--approvers', 'group:sre']);
    const withGroup = rollgate(dir, ['env', 'list']);
    assert.match(withGroup.stdout, /^production: protected; 1 approval\(s\) by group:sre$/m);
    assert.match(withGroup.stdout, /^group:sre: bob, carol$/m);
    // The group decides who approves production now: changing it needs a reason, removing it is refused while named.
    assert.match(rollgate(dir, ['env', 'group', 'sre', '--members', 'mallory']).stderr, /reason/i);
    assert.match(rollgate(dir, [...reason, 'env', 'group', 'sre', '--remove']).stderr, /sre/);

    rollgateJson(dir, [...reason, 'env', 'update', 'production', '--no-approval-policy', '--no-protected']);
    assert.deepEqual(environments(dir).find((e) => e.key === 'production'), { key: 'production', protected: false });
    rollgateJson(dir, ['env', 'group', 'sre', '--remove']);
    assert.doesNotMatch(readFileSync(join(dir, '.rollgate', 'flags.yaml'), 'utf8'), /sre/);
    const audit = rollgateJson<{ entries: AuditEntry[] }>(dir, ['audit']).entries;
    assert.deepEqual(
      audit.filter((e) => e.action === 'group.set').map((e) => e.changes[0]?.after ?? null),
      [['bob', 'carol'], null],
    );
    const updates = audit.filter((e) => e.action === 'environment.update');
    assert.equal(updates.length, 4);
    assert.ok(updates.every((e) => e.reason === 'two reviewers for production'));
  });

  it('says what is wrong: an unknown environment, nothing to change, conflicting options, a bad count', () => {
    using temp = tempDir();
    const dir = temp.path;
    rollgateJson(dir, ['init']);
    const unknown = rollgate(dir, ['env', 'update', 'prod', '--name', 'Prod']);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /production/, 'names the declared environments');
    const nothing = rollgate(dir, ['env', 'update', 'staging']);
    assert.match(nothing.stderr, /Nothing to change/);
    const both = rollgate(dir, ['env', 'update', 'staging', '--no-approval-policy', '--approvals', '2']);
    assert.match(both.stderr, /cannot be combined/);
    const count = rollgate(dir, ['env', 'update', 'staging', '--approvals', 'nine']);
    assert.match(count.stderr, /--approvals must be a whole number from 1 to 5/);
    const duplicate = rollgate(dir, ['env', 'add', 'staging']);
    assert.match(duplicate.stderr, /already exists/);
  });
});
