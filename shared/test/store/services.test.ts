// The side stores of both stores (StoreServices): SDK keys and usage counts behave the same in `.rollgate/` files and
// in PostgreSQL (a throwaway cluster); in PostgreSQL two instances (two pools, like two server replicas) share them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { UsageBatch } from '../../src/telemetry/usage.ts';
import { initStore } from '../../src/store/file-store.ts';
import { fileStoreServices, type StoreServices } from '../../src/store/services.ts';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { usePostgres } from '../support/postgres.ts';
import { usageOnDay } from '../support/usage.ts';
import { assertFlagError, FIXED_NOW, makeTempDir, removeTempDir } from './helpers.ts';

const cluster = usePostgres();

interface Opened {
  /** Two handles on the same services (two processes / replicas for PostgreSQL). */
  readonly a: StoreServices;
  readonly b: StoreServices;
  readonly cleanup: () => Promise<void>;
}

const kinds: Record<string, () => Promise<Opened>> = {
  files: async () => {
    const dir = await makeTempDir();
    const store = await initStore(dir);
    const a = fileStoreServices(store, { recheckMs: 0 });
    return {
      a,
      // One process owns the usage folder (FileUsageStore serializes its writers in memory): share its instance.
      b: { ...fileStoreServices(store, { recheckMs: 0 }), usage: a.usage },
      cleanup: async () => {
        store.dispose();
        await removeTempDir(dir);
      },
    };
  },
  PostgreSQL: async () => {
    const url = await cluster().createDatabase();
    const [one, two] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    return {
      a: one.services({ recheckMs: 0 }),
      b: two.services({ recheckMs: 0 }),
      cleanup: () => {
        one.dispose();
        two.dispose();
        return Promise.resolve();
      },
    };
  },
};

const entry = (day: string, variant: string, count: number, environment = 'production') =>
  usageOnDay('checkout', day, variant, count, { environment });

for (const [kind, open] of Object.entries(kinds)) {
  describe(`StoreServices (${kind})`, () => {
    it('SDK keys: created once (secret shown once), listed, verified, revoked everywhere', async () => {
      const { a, b, cleanup } = await open();
      try {
        assert.equal(await a.keys.hasActiveKeys(), false);
        const created = await a.keys.create({ environment: 'staging', label: 'ci', now: FIXED_NOW });
        const other = await a.keys.create({ environment: 'production', now: FIXED_NOW });
        assert.match(created.secret, /^rgsdk_[\w-]{43}$/);
        assert.deepEqual(await b.keys.verify(created.secret), created.key);
        assert.equal(await b.keys.hasActiveKeys(), true);
        assert.equal(await b.keys.verify(`${created.secret}x`), undefined);
        assert.equal(await b.keys.verify('not-a-key'), undefined);
        assert.deepEqual(await b.keys.list('staging'), [created.key]);
        assert.equal(JSON.stringify(await b.keys.list()).includes(created.secret), false);

        const revoked = await b.keys.revoke(created.key.id, new Date('2026-11-02T00:00:00Z'));
        assert.equal(revoked.revokedAt, '2026-11-02T00:00:00.000Z');
        // Idempotent: the first revocation time stays.
        assert.deepEqual(await a.keys.revoke(created.key.id, new Date('2026-11-03T00:00:00Z')), revoked);
        assert.equal(await a.keys.verify(created.secret), undefined);
        assert.deepEqual(await a.keys.verify(other.secret), other.key);
        await assert.rejects(a.keys.revoke('0123456789ab', FIXED_NOW), assertFlagError('FLAG_NOT_FOUND'));
        await assert.rejects(
          a.keys.create({ environment: 'Bad Env', now: FIXED_NOW }),
          assertFlagError('INVALID_INPUT'),
        );
      } finally {
        await cleanup();
      }
    });

    it('usage: counts per environment and day, each batch id once, concurrent writers add up', async () => {
      const { a, b, cleanup } = await open();
      try {
        const batch: UsageBatch = {
          batchId: 'batch-0001',
          entries: [entry('2026-12-05', 'on', 3), entry('2026-12-06', 'on', 2), entry('2026-12-06', 'off', 1)],
        };
        assert.equal(await a.usage.add(batch), true);
        assert.equal(await b.usage.add(batch), false);
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 === 0 ? a : b).usage.add({ batchId: `batch-1${i}00`, entries: [entry('2026-12-06', 'on', 10)] }),
          ),
        );
        await b.usage.add({ batchId: 'batch-0003', entries: [entry('2026-12-06', 'on', 20, 'staging')] });
        const days = await a.usage.flagUsage('checkout');
        assert.deepEqual(
          days.map((d) => [d.environment, d.date, d.variants, d.providers, d.firstSeen]),
          [
            ['production', '2026-12-05', { on: 3 }, ['rollgate'], '2026-12-05T08:00:00.000Z'],
            ['production', '2026-12-06', { on: 102, off: 1 }, ['rollgate'], '2026-12-06T08:00:00.000Z'],
            ['staging', '2026-12-06', { on: 20 }, ['rollgate'], '2026-12-06T08:00:00.000Z'],
          ],
        );
        assert.deepEqual(await a.usage.flagUsage('nope'), []);

        // Several flags at once (stale detection): each flag's days as flagUsage gives them, in one read.
        await a.usage.add({
          batchId: 'batch-0004',
          entries: [{ ...entry('2026-12-04', 'blue', 7), flagKey: 'banner' }],
        });
        const many = await b.usage.usageOf(['banner', 'checkout', 'nope']);
        assert.deepEqual([...many.keys()], ['banner', 'checkout', 'nope']);
        assert.deepEqual(many.get('checkout'), await a.usage.flagUsage('checkout'));
        assert.deepEqual(
          many.get('banner')?.map((d) => [d.environment, d.date, d.variants]),
          [['production', '2026-12-04', { blue: 7 }]],
        );
        assert.deepEqual(many.get('nope'), []);
      } finally {
        await cleanup();
      }
    });
  });
}
