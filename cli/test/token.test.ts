import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, rollgate, rollgateJson, tempDir } from './helpers.ts';

describe('rollgate token', () => {
  before(() => ensureBuilt());

  it('creates a token shown once, lists it without its secret, and revokes it', () => {
    using dir = tempDir();
    rollgateJson(dir.path, ['init']);
    const created = rollgateJson<{ token: string; record: { id: string; roles: Record<string, string> } }>(dir.path, [
      'token',
      'create',
      '--name',
      'alice',
      '--role',
      '*=viewer',
      '--role',
      'production=approver',
      '--expires',
      '90d',
    ]);
    assert.match(created.token, /^rgt_/);
    assert.deepEqual(created.record.roles, { '*': 'viewer', production: 'approver' });

    const listed = rollgate(dir.path, ['token', 'list']);
    assert.equal(listed.status, 0);
    assert.match(listed.stdout, /alice\s+person\s+\*=viewer,production=approver\s+active until 2027-02-23/);
    assert.ok(!listed.stdout.includes(created.token));
    assert.ok(!readFileSync(join(dir.path, '.rollgate', 'secrets', 'tokens.json'), 'utf8').includes(created.token));
    assert.match(readFileSync(join(dir.path, '.rollgate', '.gitignore'), 'utf8'), /^secrets\/$/m);

    const revoked = rollgate(dir.path, ['token', 'revoke', 'alice']);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.match(rollgate(dir.path, ['token', 'list']).stdout, /revoked 2026-11-25T12:00:00.000Z/);
  });

  it('refuses an assistant with approver rights and malformed roles, with a hint (exit 1)', () => {
    using dir = tempDir();
    rollgateJson(dir.path, ['init']);
    const assistant = rollgate(dir.path, [
      'token',
      'create',
      '--name',
      'cursor',
      '--kind',
      'assistant',
      '--role',
      'production=approver',
    ]);
    assert.equal(assistant.status, 1);
    assert.match(assistant.stderr, /assistant token cannot hold the approver role[\s\S]*approvals stay with people/);
    const malformed = rollgate(dir.path, ['token', 'create', '--name', 'x', '--role', 'production:editor']);
    assert.equal(malformed.status, 1);
    assert.match(malformed.stderr, /is not <environment>=<role>/);
    const unknownRole = rollgate(dir.path, ['token', 'create', '--name', 'x', '--role', 'production=owner']);
    assert.equal(unknownRole.status, 1);
    assert.match(unknownRole.stderr, /Roles are viewer, editor, approver, admin/);
  });
});
