import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import * as z from 'zod';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { RollgateProvider } from '../../src/provider/index.ts';
import { compileEnvironment } from '../../src/flagd/index.ts';
import {
  ExposureSender,
  createExposureHook,
  ga4Adapter,
  mixpanelAdapter,
  segmentAdapter,
  type ExposureEvent,
} from '../../src/telemetry/index.ts';
import { booleanFlag, storeDocument } from '../flagd/documents.ts';
import { startReceiver, type ReceivedRequest } from '../alerts/receiver.ts';

/** A clock the test advances: `sleep` resolves when simulated time reaches its deadline or its signal aborts. */
class SimulatedClock {
  now = Date.parse('2026-12-06T12:00:00Z');
  private timers: { at: number; resolve: () => void }[] = [];
  readonly sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const timer = { at: this.now + ms, resolve };
      this.timers.push(timer);
      signal.addEventListener('abort', () => {
        this.timers = this.timers.filter((t) => t !== timer);
        resolve();
      });
    });
  /** Moves time forward in `stepMs` steps, letting real I/O settle between steps. */
  async advance(ms: number, stepMs = 100, between?: () => void): Promise<void> {
    for (const end = this.now + ms; this.now < end;) {
      this.now += stepMs;
      const due = this.timers.filter((t) => t.at <= this.now);
      this.timers = this.timers.filter((t) => t.at > this.now);
      for (const t of due) t.resolve();
      between?.();
      await delay(1);
    }
  }
}

const document = compileEnvironment(
  storeDocument([
    booleanFlag('checkout', {
      environments: {
        production: {
          enabled: true,
          defaultVariant: 'off',
          rules: [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }], serve: { variant: 'on' } }],
        },
      },
    }),
  ]),
  'production',
);

function exposure(i: number, userId = `user-${i}`): ExposureEvent {
  return {
    flagKey: 'checkout',
    variant: i % 2 ? 'on' : 'off',
    reason: 'TARGETING_MATCH',
    userId,
    providerName: 'rollgate',
    timestamp: Date.parse('2026-12-06T12:00:00Z') + i,
    id: `x-${i}`,
    environment: 'production',
  };
}

describe('exposure hook', () => {
  it('reports once per user, flag and variant within the window; a new variant or a later time reports again', async () => {
    let now = 0;
    const events: ExposureEvent[] = [];
    const hook = createExposureHook({ onExposure: (e) => events.push(e), dedupeWindowMs: 60_000, now: () => now });
    await OpenFeature.setProviderAndWait('exposures', new RollgateProvider({ source: { document } }));
    const client = OpenFeature.getClient('exposures');
    client.addHooks(hook);
    await client.getBooleanValue('checkout', false, { targetingKey: 'u1', plan: 'pro' });
    await client.getBooleanValue('checkout', false, { targetingKey: 'u1', plan: 'pro' });
    await client.getBooleanValue('checkout', false, { targetingKey: 'u1', plan: 'free' });
    await client.getBooleanValue('checkout', false, { targetingKey: 'u2', plan: 'pro' });
    await client.getBooleanValue('checkout', false, {}); // no user: nothing to attribute
    await client.getBooleanValue('missing', false, { targetingKey: 'u1' }); // error: not an exposure
    now = 60_000;
    await client.getBooleanValue('checkout', false, { targetingKey: 'u1', plan: 'pro' });
    assert.deepEqual(
      events.map((e) => `${e.userId}:${e.variant}:${e.reason}:${e.providerName}`),
      [
        'u1:on:TARGETING_MATCH:rollgate',
        'u1:off:DEFAULT:rollgate',
        'u2:on:TARGETING_MATCH:rollgate',
        'u1:on:TARGETING_MATCH:rollgate',
      ],
    );
    assert.equal(new Set(events.map((e) => e.id)).size, 4);
    assert.deepEqual(hook.stats(), { reported: 4, deduplicated: 1, sampledOut: 0, skipped: 2, callbackErrors: 0 });
  });

  it('samples users (stable per user), and a throwing callback never reaches the evaluation', async () => {
    await OpenFeature.setProviderAndWait(
      'exposures-memory',
      new InMemoryProvider({ theme: { variants: { a: 'a', b: 'b' }, defaultVariant: 'b', disabled: false } }),
    );
    const client = OpenFeature.getClient('exposures-memory');
    const seen = new Set<string>();
    const sampled = createExposureHook({ onExposure: (e) => seen.add(e.userId), sampleRate: 0.25, dedupeWindowMs: 0 });
    const throwing = createExposureHook({
      onExposure: () => {
        throw new Error('analytics is broken');
      },
    });
    client.addHooks(sampled, throwing);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2000; i++) {
        assert.equal(await client.getStringValue('theme', 'a', { targetingKey: `u${i}` }), 'b');
      }
    }
    assert.ok(seen.size > 400 && seen.size < 600, `${seen.size} of 2000 users sampled at 25%`);
    assert.equal(sampled.stats().reported, seen.size * 2); // the same users in both rounds
    assert.equal(throwing.stats().callbackErrors, 2000);
  });
});

// Vendor payload shapes, as each vendor documents them.
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)) && s.endsWith('Z'));
const segmentBody = z.strictObject({
  batch: z
    .array(
      z.strictObject({
        type: z.literal('track'),
        userId: z.string().min(1),
        event: z.literal('Experiment Viewed'),
        messageId: z.string().min(1),
        timestamp: isoDate,
        properties: z.looseObject({
          experiment_id: z.string(),
          experiment_name: z.string(),
          variation_id: z.string(),
          variation_name: z.string(),
        }),
      }),
    )
    .min(1),
  sentAt: isoDate,
});
const ga4Body = z.strictObject({
  client_id: z.string().min(1),
  user_id: z.string().min(1),
  events: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/),
        timestamp_micros: z.number().int(),
        params: z.record(z.string().max(40), z.string().max(100)),
      }),
    )
    .min(1)
    .max(25),
});
const mixpanelBody = z
  .array(
    z.strictObject({
      event: z.literal('$experiment_started'),
      properties: z.looseObject({
        token: z.string(),
        distinct_id: z.string().min(1),
        time: z.number().int(),
        $insert_id: z.string().regex(/^[A-Za-z0-9-]{1,36}$/),
        'Experiment name': z.string(),
        'Variant name': z.string(),
      }),
    }),
  )
  .min(1)
  .max(2000);

const basicAuth = (r: ReceivedRequest) =>
  Buffer.from(String(r.headers.authorization).replace(/^Basic /, ''), 'base64').toString();

describe('exposure adapters against a local receiver checking each vendor’s payload', () => {
  const cases = [
    {
      name: 'segment',
      adapter: (url: string) => segmentAdapter({ writeKey: 'wk', url: `${url}/v1/batch` }),
      check: (requests: ReceivedRequest[]) => {
        assert.deepEqual(
          requests.map((r) => r.path),
          ['/v1/batch'],
        );
        assert.equal(basicAuth(requests[0]!), 'wk:');
        return segmentBody.parse(JSON.parse(requests[0]!.body)).batch.length;
      },
    },
    {
      name: 'ga4',
      adapter: (url: string) => ga4Adapter({ measurementId: 'G-TEST', apiSecret: 's3cr3t', url: `${url}/mp/collect` }),
      check: (requests: ReceivedRequest[]) => {
        let count = 0;
        for (const r of requests) {
          assert.equal(r.path, '/mp/collect?measurement_id=G-TEST&api_secret=s3cr3t');
          const body = ga4Body.parse(JSON.parse(r.body));
          assert.equal(body.client_id, body.user_id);
          count += body.events.length;
        }
        // 60 events of 3 users: each user's 20 fit one request (one client_id per request).
        assert.equal(requests.length, 3);
        return count;
      },
    },
    {
      name: 'mixpanel track',
      adapter: (url: string) => mixpanelAdapter({ token: 'tok', baseUrl: url }),
      check: (requests: ReceivedRequest[]) => {
        assert.equal(requests[0]!.path, '/track');
        return mixpanelBody.parse(JSON.parse(requests[0]!.body)).length;
      },
    },
    {
      name: 'mixpanel import',
      adapter: (url: string) => mixpanelAdapter({ token: 'tok', baseUrl: url, endpoint: 'import' }),
      check: (requests: ReceivedRequest[]) => {
        assert.equal(requests[0]!.path, '/import?strict=1');
        assert.equal(basicAuth(requests[0]!), 'tok:');
        return mixpanelBody.parse(JSON.parse(requests[0]!.body)).length;
      },
    },
  ];
  for (const c of cases) {
    it(`${c.name}: a batch in the documented shape`, async () => {
      const receiver = await startReceiver();
      const sender = new ExposureSender(c.adapter(receiver.url));
      try {
        for (let i = 0; i < 60; i++) sender.enqueue(exposure(i, `user-${i % 3}`));
        await sender.flush();
        assert.equal(c.check(receiver.requests), 60);
        assert.deepEqual(sender.stats(), { sent: 60, failed: 0, dropped: 0, retries: 0, queued: 0 });
      } finally {
        sender.dispose();
        await receiver.close();
      }
    });
  }

  it('retries 5xx with exponential backoff, gives up on 4xx at once', async () => {
    const flaky = await startReceiver((_r, i) => (i < 2 ? 503 : 200));
    const rejecting = await startReceiver(() => 400);
    const delays: number[] = [];
    // Retry waits pass at once (and are recorded); the 10 s request timeout waits until the request settles.
    const sleep = (ms: number, signal: AbortSignal) => {
      if (ms === 10_000) return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      delays.push(ms);
      return Promise.resolve();
    };
    const first = new ExposureSender(segmentAdapter({ writeKey: 'k', url: flaky.url }), { sleep, random: () => 0.5 });
    const second = new ExposureSender(segmentAdapter({ writeKey: 'k', url: rejecting.url }), { sleep });
    try {
      first.enqueue(exposure(1));
      second.enqueue(exposure(2));
      await Promise.all([first.flush(), second.flush()]);
      assert.deepEqual(first.stats(), { sent: 1, failed: 0, dropped: 0, retries: 2, queued: 0 });
      assert.deepEqual(second.stats(), { sent: 0, failed: 1, dropped: 0, retries: 0, queued: 0 });
      // The flush interval is skipped by flush(); the two retry waits: 1 s and 2 s, times the 0.75 jitter.
      assert.deepEqual(
        delays.filter((d) => d !== 5000),
        [750, 1500],
      );
      assert.equal(flaky.requests.length, 3);
      assert.equal(rejecting.requests.length, 1);
    } finally {
      first.dispose();
      second.dispose();
      await Promise.all([flaky.close(), rejecting.close()]);
    }
  });

  for (const outage of ['hangs', 'is down'] as const) {
    it(`a receiver that ${outage} for a simulated minute: evaluations go on, nothing throws, the queue stays bounded`, async () => {
      const receiver = await startReceiver(() => 'hang');
      const url = receiver.url;
      if (outage === 'is down') await receiver.close();
      const clock = new SimulatedClock();
      const sender = new ExposureSender(mixpanelAdapter({ token: 't', baseUrl: url }), {
        sleep: clock.sleep,
        maxQueue: 200,
        maxBatchSize: 50,
        timeoutMs: 2000,
        maxAttempts: 3,
      });
      const hook = createExposureHook({ onExposure: sender.enqueue, now: () => clock.now, dedupeWindowMs: 0 });
      await OpenFeature.setProviderAndWait(`outage-${outage}`, new RollgateProvider({ source: { document } }));
      const client = OpenFeature.getClient(`outage-${outage}`);
      client.addHooks(hook);
      let evaluations = 0;
      const pending: Promise<boolean>[] = [];
      try {
        await clock.advance(60_000, 100, () => {
          for (let i = 0; i < 20; i++) {
            pending.push(client.getBooleanValue('checkout', false, { targetingKey: `u${evaluations++}`, plan: 'pro' }));
          }
        });
        const values = await Promise.all(pending);
        assert.equal(values.length, 12_000);
        assert.ok(values.every((v) => v));
        const stats = sender.stats();
        assert.ok(stats.queued <= 200, `queue bounded: ${stats.queued}`);
        assert.ok(stats.dropped > 10_000, `dropped and counted: ${stats.dropped}`);
        assert.ok(stats.failed > 0 && stats.retries > 0, JSON.stringify(stats));
        assert.equal(stats.sent, 0);
        assert.equal(hook.stats().callbackErrors, 0);
        // Every reported exposure is accounted for, but at most one batch in flight.
        const inFlight = hook.stats().reported - stats.sent - stats.failed - stats.dropped - stats.queued;
        assert.ok(inFlight >= 0 && inFlight <= 50, `in flight: ${inFlight}`);
      } finally {
        sender.dispose();
        if (outage === 'hangs') await receiver.close();
      }
    });
  }
});
