import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { submitChangeRequest } from '@rollgate/shared/flags';
import { openFileStore } from '@rollgate/shared/store';
import { ensureBuilt, rollgate, rollgateJson, tempDir } from './helpers.ts';

describe('four-eyes approvals from the CLI', () => {
  before(() => ensureBuilt());

  it('refuses the requester and unlisted approvers (exit 5), needs two approvers, and keeps the policy through writes', async () => {
    using dir = tempDir();
    rollgateJson(dir.path, ['init']);
    rollgateJson(dir.path, ['create', 'new-checkout', '--type', 'boolean']);
    rollgateJson(dir.path, ['--reason', 'canary', 'set-rollout', 'new-checkout', '5', '--env', 'production']);
    const flagsFile = join(dir.path, '.rollgate', 'flags.yaml');
    const yaml = readFileSync(flagsFile, 'utf8').replace(
      /( {2}- key: production\n {4}protected: true\n)/,
      '$1    approval:\n      required: 2\n      approvers: [cli:bob, group:sre]\n',
    );
    writeFileSync(flagsFile, yaml.replace(/^flags:/m, 'groups:\n  sre: [cli:carol, cli:dave]\nflags:'));

    const store = await openFileStore(dir.path);
    try {
      await submitChangeRequest(
        store,
        { action: 'flag.set-rollout', flagKey: 'new-checkout', environment: 'production', percentage: 50 },
        { actor: 'mcp:eval', reason: 'looks healthy', now: () => new Date('2026-11-25T12:00:00Z') },
      );
    } finally {
      store.dispose();
    }

    const own = rollgate(dir.path, ['--actor', 'mcp:eval', 'approve', 'cr-1']);
    assert.equal(own.status, 5, own.stderr);
    assert.match(own.stderr, /mcp:eval requested cr-1 and cannot approve it/);
    const unlisted = rollgate(dir.path, ['--actor', 'cli:mallory', 'approve', 'cr-1']);
    assert.equal(unlisted.status, 5);
    assert.match(unlisted.stderr, /Approvers of production: cli:bob, group:sre/);

    const first = rollgate(dir.path, ['--actor', 'cli:bob', 'approve', 'cr-1']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /1 approval\(s\) so far; it waits for another approver/);
    const second = rollgate(dir.path, ['--actor', 'cli:carol', 'approve', 'cr-1']);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /Applied cr-1/);
    const after = readFileSync(flagsFile, 'utf8');
    assert.match(after, /percentage: 50/);
    assert.match(after, /groups:\n {2}sre:/, 'the groups survive a rewrite');
    assert.match(after, /approval:\n {6}required: 2/);
  });
});
