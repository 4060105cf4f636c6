// `rollgate demo` (what `npm run demo` runs) on the built CLI: its numbers must tell a consistent story.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry } from '@rollgate/shared/flags';
import { ensureBuilt, rollgate, rollgateJson, tempDir } from './helpers.ts';

interface DemoJson {
  store: string;
  users: number;
  steps: { percentage: number; on: number; previousOn: number; keptFromPrevious: number }[];
  kill: { on: number; codeDefault: number };
  sticky: boolean;
  audit: AuditEntry[];
}

describe('rollgate demo', () => {
  before(() => ensureBuilt());

  it('rolls out 1% → 5% → 25% → 100% to 100k users with sticky buckets, then kills the flag', () => {
    using cwd = tempDir();
    const demo = rollgateJson<DemoJson>(cwd.path, ['demo']);
    assert.equal(demo.users, 100_000);
    assert.deepEqual(
      demo.steps.map((s) => s.percentage),
      [1, 5, 25, 100],
    );
    let previousOn = 0;
    for (const step of demo.steps) {
      // Each step holds roughly its share of users (hash buckets are uniform), never fewer than before.
      const expected = (demo.users * step.percentage) / 100;
      assert.ok(Math.abs(step.on - expected) <= expected * 0.1 + 50, `${step.percentage}%: ${step.on} users on`);
      assert.ok(step.on >= previousOn, `${step.percentage}%: count never drops`);
      assert.equal(step.previousOn, previousOn);
      assert.equal(step.keptFromPrevious, step.previousOn, `${step.percentage}%: everyone who was in stays in`);
      previousOn = step.on;
    }
    assert.equal(demo.steps.at(-1)?.on, demo.users);
    assert.equal(demo.sticky, true);
    assert.deepEqual(demo.kill, { on: 0, codeDefault: demo.users });
    assert.deepEqual(
      demo.audit.map((e) => [e.action, e.environment]),
      [
        ['flag.create', undefined],
        ['flag.toggle', 'production'],
        ['flag.set-rollout', 'production'],
        ['flag.set-rollout', 'production'],
        ['flag.set-rollout', 'production'],
        ['flag.set-rollout', 'production'],
        ['flag.toggle', 'production'],
      ],
    );
    assert.ok(
      demo.audit.every((e) => (e.reason ?? '').length > 0),
      'production is protected: every change has a reason',
    );
    assert.equal(existsSync(demo.store), false, 'the temporary store is removed');
  });

  it('keeps the store with --dir and prints a readable story', () => {
    using dir = tempDir();
    const result = rollgate(dir.path, ['demo', '--dir', 'here', '--users', '2000']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /rolling out a release to 2,000 simulated users/);
    assert.match(result.stdout, /25%\s+[\d,]+\s+[\d,]+ of [\d,]+ ✔/);
    assert.match(result.stdout, /0 users on; 2,000 of 2,000 get the code default \(false\) with reason DISABLED/);
    assert.match(result.stdout, /flag\.toggle\s+production\s+demo: kill switch/);
    const flagd = JSON.parse(
      readFileSync(join(dir.path, 'here', '.rollgate', 'flagd', 'production.flagd.json'), 'utf8'),
    ) as {
      flags: Record<string, { state: string }>;
    };
    assert.equal(flagd.flags['new-checkout']?.state, 'DISABLED');
  });

  it('rejects a bad --users with exit 1', () => {
    using dir = tempDir();
    const result = rollgate(dir.path, ['demo', '--users', 'lots']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /hint: Give a whole number/);
  });
});
