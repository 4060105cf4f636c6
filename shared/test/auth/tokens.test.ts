import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTokenStore } from '../../src/auth/file-token-store.ts';
import { authorize, can } from '../../src/auth/roles.ts';
import { FlagError } from '../../src/errors.ts';

const now = new Date('2026-12-06T10:00:00.000Z');
const later = (days: number): Date => new Date(now.getTime() + days * 86_400_000);

async function withStore(fn: (tokens: FileTokenStore, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-tokens-'));
  try {
    await fn(new FileTokenStore(dir), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function rejectsWith(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e) => FlagError.is(e) && e.code === code && pattern.test(e.message);
}

describe('FileTokenStore', () => {
  it('authenticates a token as its identity and keeps only its hash, in a directory only the owner enters', async () => {
    await withStore(async (tokens, dir) => {
      const { token, record } = await tokens.create(
        { name: 'alice', kind: 'person', roles: { '*': 'viewer', production: 'approver' }, createdBy: 'admin' },
        now,
      );
      assert.match(token, /^rgt_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
      const identity = await tokens.authenticate(token, now);
      assert.deepEqual(identity, { id: record.id, name: 'alice', kind: 'person', roles: record.roles });
      const file = await readFile(join(dir, 'secrets', 'tokens.json'), 'utf8');
      assert.ok(!file.includes(token.split('_')[2] ?? '!'), 'the secret is not stored');
      assert.equal((await stat(join(dir, 'secrets'))).mode & 0o777, 0o700);
      assert.ok(can(identity, 'approve', 'production'));
      assert.ok(!can(identity, 'write', 'staging'));
    });
  });

  it('refuses forged, expired and revoked tokens with 401-class errors, the revoked one at once', async () => {
    await withStore(async (tokens) => {
      const { token } = await tokens.create(
        { name: 'ci', kind: 'service', roles: { '*': 'editor' }, createdBy: 'admin' },
        now,
      );
      const forged = `${token.slice(0, -4)}AAAA`;
      await assert.rejects(tokens.authenticate(forged, now), rejectsWith('UNAUTHENTICATED', /not valid/));
      await assert.rejects(tokens.authenticate('Bearer nonsense', now), rejectsWith('UNAUTHENTICATED', /not valid/));

      const short = await tokens.create(
        { name: 'tmp', kind: 'person', roles: { staging: 'editor' }, createdBy: 'admin', expiresAt: later(1) },
        now,
      );
      await tokens.authenticate(short.token, now);
      await assert.rejects(tokens.authenticate(short.token, later(2)), rejectsWith('UNAUTHENTICATED', /expired/));

      await tokens.revoke('ci', now);
      await assert.rejects(tokens.authenticate(token, now), rejectsWith('UNAUTHENTICATED', /revoked/));
    });
  });

  it('never gives an assistant approver or admin rights, and names what is missing when it asks', async () => {
    await withStore(async (tokens) => {
      await assert.rejects(
        tokens.create(
          { name: 'cursor', kind: 'assistant', roles: { production: 'approver' }, createdBy: 'admin' },
          now,
        ),
        rejectsWith('INVALID_INPUT', /assistant token cannot hold the approver role/),
      );
      const { token } = await tokens.create(
        { name: 'cursor', kind: 'assistant', roles: { '*': 'editor' }, createdBy: 'admin' },
        now,
      );
      const assistant = await tokens.authenticate(token, now);
      assert.throws(
        () => authorize(assistant, 'approve', 'production'),
        (e: unknown) => FlagError.is(e, 'FORBIDDEN') && /ask a person/.test(String(e.details.hint)),
      );
    });
  });

  it('loses no token when two writers create at the same time', async () => {
    await withStore(async (_tokens, dir) => {
      const writers = Array.from({ length: 8 }, (_, i) =>
        new FileTokenStore(dir).create(
          { name: `svc-${i}`, kind: 'service', roles: { '*': 'viewer' }, createdBy: 'admin' },
          now,
        ),
      );
      const created = await Promise.all(writers);
      const names = (await new FileTokenStore(dir).list()).map((r) => r.name).sort();
      assert.deepEqual(names, created.map((c) => c.record.name).sort());
    });
  });

  it('refuses an unreadable tokens file without overwriting it', async () => {
    await withStore(async (tokens, dir) => {
      await tokens.create({ name: 'a', kind: 'person', roles: { '*': 'viewer' }, createdBy: 'admin' }, now);
      const file = join(dir, 'secrets', 'tokens.json');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(file, '{"version":1,"tokens":[{"id":"x"}]');
      await assert.rejects(
        tokens.create({ name: 'b', kind: 'person', roles: { '*': 'viewer' }, createdBy: 'admin' }, now),
        rejectsWith('PARSE_ERROR', /not valid JSON/),
      );
      assert.equal(await readFile(file, 'utf8'), '{"version":1,"tokens":[{"id":"x"}]');
    });
  });
});
