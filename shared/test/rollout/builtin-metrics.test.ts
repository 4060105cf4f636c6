import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenFeatureAPI, InMemoryProvider } from '@openfeature/server-sdk';
import type { Guardrail } from '../../src/flags/model.ts';
import { MetricsRecorder, createBuiltinMetricSource, createMetricsHook } from '../../src/rollout/builtin-metrics.ts';
import { histogramQuantile } from '../../src/rollout/metrics.ts';
import { T0 } from './fixtures.ts';

const errors: Guardrail = { name: 'errors', metric: 'error-rate', source: 'builtin', max: 0.1 };
const latency: Guardrail = { name: 'p95', metric: 'latency', source: 'builtin', percentile: 95, max: 500 };
const conversion: Guardrail = { name: 'conv', metric: 'business', source: 'builtin', counter: 'conversion', min: 0.01 };

function query(guardrail: Guardrail, start = T0, end = new Date(T0.getTime() + 3_600_000)) {
  return { flagKey: 'new-checkout', environment: 'production', guardrail, treatment: 'on', control: 'off', start, end };
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-metrics-'));
  try {
    await run(join(dir, 'metrics'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('built-in metrics (OpenFeature hook + JSONL segments)', () => {
  it('records evaluations through the real OpenFeature SDK with OpenTelemetry attribute names', () =>
    withDir(async (dir) => {
      let t = T0.getTime();
      const recorder = new MetricsRecorder({
        directory: dir,
        environment: 'production',
        now: () => new Date(t),
        writerId: 'app-1',
      });
      let tick = 0;
      // A named domain keeps this provider apart from any other in the process.
      const api = OpenFeatureAPI.getInstance();
      await api.setProviderAndWait(
        'rollout-hook-test',
        new InMemoryProvider({
          'new-checkout': {
            variants: { on: true, off: false },
            defaultVariant: 'off',
            disabled: false,
            contextEvaluator: (ctx) => (String(ctx.targetingKey).endsWith('7') ? 'on' : 'off'),
          },
        }),
      );
      const client = api.getClient('rollout-hook-test');
      client.addHooks(createMetricsHook(recorder, { elapsedMs: () => (tick += 2) }));
      for (let user = 0; user < 100; user++) {
        const details = await client.getBooleanDetails('new-checkout', false, { targetingKey: `user-${user}` });
        recorder.recordOutcome('new-checkout', details.variant ?? 'unknown', { error: user % 20 === 7, latencyMs: 40 });
      }
      await client.getStringDetails('missing-flag', 'x', { targetingKey: 'u' }); // evaluation error
      t += 5_000;
      await recorder.close();
      await api.clearProviders();

      const [file] = await readdir(dir);
      assert.equal(file, '2026010510-app-1.jsonl');
      const lines = (await readFile(join(dir, file), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const on = lines.find(
        (l) => l['feature_flag.key'] === 'new-checkout' && l['feature_flag.result.variant'] === 'on',
      );
      assert.equal(on?.evaluations, 10);
      assert.equal(on?.['deployment.environment.name'], 'production');
      assert.equal(on?.['feature_flag.provider.name'], 'in-memory');
      assert.equal(on?.evaluationLatencyMsSum, 20);
      const failed = lines.find((l) => l['feature_flag.key'] === 'missing-flag');
      assert.equal(failed?.['feature_flag.result.variant'], null);
      assert.equal(failed?.evaluationErrors, 1);

      const source = createBuiltinMetricSource({ directory: dir });
      const observed = await source.observe(query(errors));
      // Users ending in 7 get "on" (10 of 100); user % 20 === 7 fail: 7, 27, 47, 67, 87 → all "on".
      assert.deepEqual(observed, { treatment: { samples: 10, events: 5 }, control: { samples: 90, events: 0 } });
    }));

  it('sums concurrent writers, skips torn lines and filters by window, flag and environment', () =>
    withDir(async (dir) => {
      let t = T0.getTime();
      const clock = () => new Date(t);
      const a = new MetricsRecorder({ directory: dir, environment: 'production', now: clock, writerId: 'a' });
      const b = new MetricsRecorder({ directory: dir, environment: 'production', now: clock, writerId: 'b' });
      const staging = new MetricsRecorder({ directory: dir, environment: 'staging', now: clock, writerId: 's' });
      for (let i = 0; i < 100; i++) {
        a.recordOutcome('new-checkout', 'on', {
          error: i < 3,
          latencyMs: i < 90 ? 50 : 900,
          counters: { conversion: i % 10 === 0 ? 1 : 0 },
        });
        b.recordOutcome('new-checkout', 'off', { latencyMs: 50 });
        b.recordOutcome('other-flag', 'on', { error: true });
        staging.recordOutcome('new-checkout', 'on', { error: true });
      }
      await Promise.all([a.flush(), b.flush(), staging.flush()]);
      t += 20 * 60_000; // later data, outside the first window below
      a.recordOutcome('new-checkout', 'on', { error: true });
      await a.close();
      await appendFile(join(dir, '2026010510-a.jsonl'), '{"v":1,"t":"2026-01-05T10:0'); // a crashed writer's torn line

      const source = createBuiltinMetricSource({ directory: dir });
      const window = [T0, new Date(T0.getTime() + 10 * 60_000)] as const;
      assert.deepEqual(await source.observe(query(errors, ...window)), {
        treatment: { samples: 100, events: 3 },
        control: { samples: 100, events: 0 },
      });
      assert.deepEqual(await source.observe(query(errors)), {
        treatment: { samples: 101, events: 4 },
        control: { samples: 100, events: 0 },
      });
      const lat = await source.observe(query(latency, ...window));
      assert.equal(lat.treatment.samples, 100);
      assert.ok(lat.treatment.latency);
      // 90 at ≤ 50 ms, 10 in the (750, 1000] bucket: p95 interpolates to 875 ms.
      assert.equal(histogramQuantile(lat.treatment.latency, 0.95), 875);
      const conv = await source.observe(query(conversion, ...window));
      assert.deepEqual(conv.treatment, { samples: 100, events: 10 });
      // Appended data (after the torn line got its newline from the next batch) is picked up incrementally.
      t = T0.getTime() + 5 * 60_000;
      const late = new MetricsRecorder({ directory: dir, environment: 'production', now: clock, writerId: 'c' });
      for (let i = 0; i < 10; i++) late.recordOutcome('new-checkout', 'on', { error: true });
      await late.close();
      assert.deepEqual((await source.observe(query(errors, ...window))).treatment, { samples: 110, events: 13 });
      // Concurrent reads (one per guardrail) of newly appended bytes count them once.
      const more = new MetricsRecorder({ directory: dir, environment: 'production', now: clock, writerId: 'c' });
      more.recordOutcome('new-checkout', 'on', { error: false });
      await more.close();
      const [x, y] = await Promise.all([
        source.observe(query(errors, ...window)),
        source.observe(query(errors, ...window)),
      ]);
      assert.deepEqual(
        [x.treatment, y.treatment],
        [
          { samples: 111, events: 13 },
          { samples: 111, events: 13 },
        ],
      );
    }));

  it('reports per-slice counts for the attributes a sliced guardrail lists', () =>
    withDir(async (dir) => {
      const recorder = new MetricsRecorder({ directory: dir, environment: 'production', now: () => T0, writerId: 'a' });
      for (let i = 0; i < 100; i++) {
        const platform = i < 90 ? 'desktop' : 'mobile';
        recorder.recordOutcome('new-checkout', 'on', {
          error: platform === 'mobile' && i % 2 === 0,
          latencyMs: platform === 'mobile' ? 900 : 50,
          attributes: { platform, country: i % 4 === 0 ? 'DE' : 'US' },
        });
        recorder.recordOutcome('new-checkout', 'off', { attributes: { platform: 'desktop' } });
      }
      recorder.recordOutcome('new-checkout', 'on', {}); // no attributes: counted in the whole arm only
      await recorder.close();
      const source = createBuiltinMetricSource({ directory: dir });
      const sliced = { ...errors, slices: { platform: ['desktop', 'mobile', 'tablet'], country: ['DE'] } };
      const { treatment, control } = await source.observe(query(sliced));
      assert.deepEqual(treatment, {
        samples: 101,
        events: 5,
        slices: {
          platform: {
            desktop: { samples: 90, events: 0 },
            mobile: { samples: 10, events: 5 },
            tablet: { samples: 0, events: 0 },
          },
          country: { DE: { samples: 25, events: 2 } }, // errors at i = 92, 96
        },
      });
      assert.deepEqual(control.slices?.platform?.desktop, { samples: 100, events: 0 });
      const lat = await source.observe(query({ ...latency, slices: { platform: ['mobile'] } }));
      const mobile = lat.treatment.slices?.platform?.mobile?.latency;
      assert.ok(mobile);
      assert.equal(histogramQuantile(mobile, 0.5), 875);
    }));

  it('reports no data (not an error) before anything was written, and rejects an unreadable directory', async () => {
    const missing = createBuiltinMetricSource({ directory: join(tmpdir(), 'rollgate-does-not-exist', 'metrics') });
    assert.deepEqual(await missing.observe(query(errors)), {
      treatment: { samples: 0, events: 0 },
      control: { samples: 0, events: 0 },
    });
    await withDir(async (dir) => {
      const recorder = new MetricsRecorder({ directory: dir, environment: 'production', now: () => T0, writerId: 'x' });
      recorder.recordOutcome('f', 'on', {});
      await recorder.close();
      const notADirectory = createBuiltinMetricSource({ directory: join(dir, '2026010510-x.jsonl') });
      await assert.rejects(
        notADirectory.observe(query(errors)),
        (e: unknown) => (e as { code?: string }).code === 'STORE_IO',
      );
    });
  });
});
