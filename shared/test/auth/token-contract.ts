// The TokenStore contract: one suite every token store runs (tokens.test.ts for the file store, postgres-tokens.test.ts
// for PostgreSQL). Store-specific behaviour (file permissions, an unreadable file) stays in each store's own file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, can } from '../../src/auth/roles.ts';
import type { TokenInput, TokenStore } from '../../src/auth/tokens.ts';
import { FlagError } from '../../src/errors.ts';

export const NOW = new Date('2026-12-06T10:00:00.000Z');
export const later = (days: number): Date => new Date(NOW.getTime() + days * 86_400_000);

/** A fresh, empty token store of one kind. */
export interface TokenStoreFixture {
  readonly tokens: TokenStore;
  /** Another instance on the same tokens (another process or server replica would see the same). */
  readonly open: () => Promise<TokenStore>;
  /** Everything the store keeps, as text (the file, the table's rows): what a leak of the store would reveal. */
  readonly stored: () => Promise<string>;
  /** Removes the store's data and closes its connections. */
  readonly cleanup: () => Promise<void>;
}

export function rejectsWith(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e) => FlagError.is(e) && e.code === code && pattern.test(e.message);
}

const input = (name: string, more: Partial<TokenInput> = {}): TokenInput => ({
  name,
  kind: 'person',
  roles: { '*': 'viewer' },
  createdBy: 'admin',
  ...more,
});

/** Registers the contract suite for the token store `name` made by `fresh`. */
export function tokenStoreContract(name: string, fresh: () => Promise<TokenStoreFixture>): void {
  async function withStore(fn: (fixture: TokenStoreFixture) => Promise<void>): Promise<void> {
    const fixture = await fresh();
    try {
      await fn(fixture);
    } finally {
      await fixture.cleanup();
    }
  }

  describe(`${name}: TokenStore contract`, () => {
    it('authenticates a token as its identity, on every instance, and keeps only its hash', async () => {
      await withStore(async ({ tokens, open, stored }) => {
        const { token, record } = await tokens.create(
          input('alice', { roles: { '*': 'viewer', production: 'approver' }, expiresAt: later(90) }),
          NOW,
        );
        assert.match(token, /^rgt_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
        assert.equal(token.split('_')[1], record.id);
        const identity = await (await open()).authenticate(token, NOW);
        assert.deepEqual(identity, { id: record.id, name: 'alice', kind: 'person', roles: record.roles });
        assert.ok(can(identity, 'approve', 'production'));
        assert.ok(!can(identity, 'write', 'staging'));
        assert.deepEqual(await (await open()).list(), [record]);
        assert.equal(record.expiresAt, later(90).toISOString());

        const kept = await stored();
        assert.ok(kept.includes(record.hash), 'the hash is stored');
        assert.ok(!kept.includes(token.slice(17)), 'the secret is not stored');
        assert.ok(!JSON.stringify(await tokens.list()).includes(token.slice(17)), 'nor listed');
      });
    });

    it('refuses forged, malformed, expired and revoked tokens; a revocation holds at once on every instance', async () => {
      await withStore(async ({ tokens, open }) => {
        const { token } = await tokens.create(input('ci', { kind: 'service', roles: { '*': 'editor' } }), NOW);
        const replica = await open();
        await replica.authenticate(token, NOW);
        const forged = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
        await assert.rejects(
          replica.authenticate(forged, NOW),
          rejectsWith('UNAUTHENTICATED', /^The token is not valid\.$/),
        );
        const unknownId = `rgt_${'0'.repeat(12)}_${token.slice(-43)}`;
        await assert.rejects(replica.authenticate(unknownId, NOW), rejectsWith('UNAUTHENTICATED', /not valid/));
        await assert.rejects(replica.authenticate('Bearer nonsense', NOW), rejectsWith('UNAUTHENTICATED', /not valid/));
        await assert.rejects(replica.authenticate('', NOW), rejectsWith('UNAUTHENTICATED', /not valid/));

        const short = await tokens.create(input('tmp', { roles: { staging: 'editor' }, expiresAt: later(1) }), NOW);
        await replica.authenticate(short.token, NOW);
        await assert.rejects(
          replica.authenticate(short.token, later(2)),
          rejectsWith('UNAUTHENTICATED', /^The token "tmp" expired at 2026-12-07T10:00:00.000Z\.$/),
        );
        await assert.rejects(
          tokens.create(input('old', { expiresAt: later(-1) }), NOW),
          rejectsWith('INVALID_INPUT', /in the past/),
        );

        await tokens.revoke('ci', NOW);
        await assert.rejects(replica.authenticate(token, NOW), rejectsWith('UNAUTHENTICATED', /"ci" was revoked at/));
      });
    });

    it('revokes by id or by unique active name, idempotently; refuses an unknown or ambiguous one', async () => {
      await withStore(async ({ tokens, open }) => {
        const first = await tokens.create(input('bob'), NOW);
        const second = await tokens.create(input('bob'), NOW);
        await assert.rejects(tokens.revoke('bob', NOW), (e: unknown) => {
          return (
            rejectsWith('INVALID_INPUT', /2 active tokens are named "bob"/)(e) &&
            String((e as FlagError).details.hint).includes(first.record.id)
          );
        });
        await assert.rejects(tokens.revoke('nobody', NOW), rejectsWith('FLAG_NOT_FOUND', /No token "nobody"/));

        const revoked = await (await open()).revoke(first.record.id, later(1));
        assert.deepEqual(revoked, { ...first.record, revokedAt: later(1).toISOString() });
        // Idempotent: the first revocation time stays.
        assert.deepEqual(await tokens.revoke(first.record.id, later(2)), revoked);
        // One active "bob" is left: the name designates it now.
        assert.equal((await tokens.revoke('bob', later(3))).id, second.record.id);
        await assert.rejects(tokens.revoke('bob', NOW), rejectsWith('FLAG_NOT_FOUND', /No token "bob"/));
        assert.deepEqual(
          (await (await open()).list()).map((r) => [r.id, r.revokedAt]).sort(),
          [
            [first.record.id, later(1).toISOString()],
            [second.record.id, later(3).toISOString()],
          ].sort(),
        );
      });
    });

    it('never gives an assistant approver or admin rights, and names what is missing when it asks', async () => {
      await withStore(async ({ tokens }) => {
        await assert.rejects(
          tokens.create(input('cursor', { kind: 'assistant', roles: { production: 'approver' } }), NOW),
          rejectsWith('INVALID_INPUT', /assistant token cannot hold the approver role/),
        );
        await assert.rejects(tokens.create(input('   '), NOW), rejectsWith('INVALID_INPUT', /Invalid token: name/));
        assert.deepEqual(await tokens.list(), []);
        const { token } = await tokens.create(input('cursor', { kind: 'assistant', roles: { '*': 'editor' } }), NOW);
        const assistant = await tokens.authenticate(token, NOW);
        assert.throws(
          () => authorize(assistant, 'approve', 'production'),
          (e: unknown) => FlagError.is(e, 'FORBIDDEN') && /ask a person/.test(String(e.details.hint)),
        );
      });
    });

    it('loses no token when writers on several instances create at the same time', async () => {
      await withStore(async ({ tokens, open }) => {
        const created = await Promise.all(
          Array.from({ length: 8 }, async (_, i) => (await open()).create(input(`svc-${i}`, { kind: 'service' }), NOW)),
        );
        const listed = await tokens.list();
        assert.deepEqual(listed.map((r) => r.name).sort(), created.map((c) => c.record.name).sort());
        for (const { token, record } of created) assert.equal((await tokens.authenticate(token, NOW)).id, record.id);
      });
    });
  });
}
