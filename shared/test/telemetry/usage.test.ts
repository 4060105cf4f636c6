import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { createUsageHook, type UsageBatch } from '../../src/telemetry/index.ts';
import { FileUsageStore, summarizeUsage, usageSignals } from '../../src/telemetry/usage-store.ts';
import { usageOnDay } from '../support/usage.ts';

const DAY = 86_400_000;
const entry = (day: string, variant: string, count: number, environment = 'production') =>
  usageOnDay('checkout', day, variant, count, { environment });

describe('usage', () => {
  it('the hook aggregates per flag and variant with first/last seen, and hands over each count once', async () => {
    let now = Date.parse('2026-12-06T10:00:00Z');
    const hook = createUsageHook({ environment: 'production', now: () => now });
    await OpenFeature.setProviderAndWait(
      'usage',
      new InMemoryProvider({ theme: { variants: { a: 'a', b: 'b' }, defaultVariant: 'b', disabled: false } }),
    );
    const client = OpenFeature.getClient('usage');
    client.addHooks(hook);
    for (let i = 0; i < 5; i++) {
      await client.getStringValue('theme', 'a');
      now += 1000;
    }
    await client.getStringValue('missing', 'a');
    const batch = hook.takeBatch();
    assert.deepEqual(
      batch?.entries.map((e) => [e.flagKey, e.variant, e.count, e.firstSeen, e.lastSeen, e.provider]),
      [
        ['theme', 'b', 5, '2026-12-06T10:00:00.000Z', '2026-12-06T10:00:04.000Z', 'in-memory'],
        ['missing', 'error', 1, '2026-12-06T10:00:05.000Z', '2026-12-06T10:00:05.000Z', 'in-memory'],
      ],
    );
    assert.equal(hook.takeBatch(), undefined);
  });

  it('the file store adds per day exactly once per batch id, atomically', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rollgate-usage-store-'));
    try {
      const store = new FileUsageStore(root);
      const batch: UsageBatch = {
        batchId: 'batch-0001',
        entries: [entry('2026-12-05', 'on', 3), entry('2026-12-06', 'on', 2), entry('2026-12-06', 'off', 1)],
      };
      assert.equal(await store.add(batch), true);
      assert.equal(await store.add(batch), false);
      await Promise.all([
        store.add({ batchId: 'batch-0002', entries: [entry('2026-12-06', 'on', 10)] }),
        store.add({ batchId: 'batch-0003', entries: [entry('2026-12-06', 'on', 20, 'staging')] }),
      ]);
      const days = await store.flagUsage('checkout');
      assert.deepEqual(
        days.map((d) => [d.environment, d.date, d.variants]),
        [
          ['production', '2026-12-05', { on: 3 }],
          ['production', '2026-12-06', { on: 12, off: 1 }],
          ['staging', '2026-12-06', { on: 20 }],
        ],
      );
      assert.deepEqual(
        summarizeUsage(days).map((s) => [s.environment, s.total, s.variants]),
        [
          ['production', 16, { on: 15, off: 1 }],
          ['staging', 20, { on: 20 }],
        ],
      );
      assert.deepEqual(await readdir(join(root, 'production')), ['2026-12-05.json', '2026-12-06.json']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('stale signals: not evaluated for N days; evaluated but always one variant; nothing without data', () => {
    const now = new Date('2027-01-09T12:00:00Z');
    const day = (offset: number, variants: Record<string, number>, environment = 'production') => {
      const date = new Date(now.getTime() - offset * DAY).toISOString().slice(0, 10);
      return {
        environment,
        date,
        variants,
        providers: ['rollgate'],
        sdks: ['test'],
        firstSeen: `${date}T00:00:00.000Z`,
        lastSeen: `${date}T12:00:00.000Z`,
      };
    };
    assert.deepEqual(
      usageSignals([day(40, { on: 5 }), day(34, { on: 1 })], now).map((s) => s.message),
      ['not evaluated in production for 34 days'],
    );
    const always = Array.from({ length: 40 }, (_, i) => day(i, { on: 10 }));
    assert.deepEqual(
      usageSignals(always, now).map((s) => s.message),
      ['evaluated but always `on` in production for 30 days'],
    );
    assert.deepEqual(usageSignals([...always, day(3, { off: 1 })], now), []);
    assert.deepEqual(usageSignals([day(40, { on: 1 }, 'staging')], now), []);
  });
});
