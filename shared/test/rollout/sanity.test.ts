import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Guardrail } from '../../src/flags/model.ts';
import { RolloutController } from '../../src/rollout/controller.ts';
import type { MetricSource } from '../../src/rollout/metrics.ts';
import type { GuardrailObservation } from '../../src/rollout/metrics.ts';
import { getRolloutStatus, startRollout } from '../../src/rollout/plan.ts';
import { createBuiltinMetricSource } from '../../src/rollout/builtin-metrics.ts';
import { TickAlertTracker } from '../../src/alerts/events.ts';
import { MemoryStore } from './memory-store.ts';
import { createClock, documentWithFlag, errorRateGuardrail } from './fixtures.ts';

const target = { flagKey: 'new-checkout', environment: 'production' };
const latencyGuardrail: Guardrail = { name: 'p95', metric: 'latency', source: 'builtin', max: 300 };

/** Starts a plan whose one guardrail reads `source`, ticks once after 5 minutes, returns what happened. */
async function tickOnce(source: MetricSource, guardrail: Guardrail = errorRateGuardrail) {
  const store = new MemoryStore(documentWithFlag());
  const clock = createClock();
  const controller = new RolloutController({ store, sources: { builtin: source }, now: clock.now });
  await startRollout(
    store,
    { ...target, plan: { variant: 'on', steps: [1, 100], minSamplesPerStep: 10, guardrails: [guardrail] } },
    { actor: 'cli:alice', now: clock.now },
  );
  clock.advanceMinutes(5);
  const results = await controller.tick();
  return { store, results };
}

function fixed(observation: GuardrailObservation): MetricSource {
  return { name: 'fixed', observe: () => Promise.resolve(observation) };
}

const healthyControl = { samples: 100_000, events: 1000 };

describe('metric sanity', () => {
  const table: [string, GuardrailObservation, Guardrail, string, string][] = [
    [
      'errors = 10 × requests',
      { treatment: { samples: 1000, events: 10_000 }, control: healthyControl },
      errorRateGuardrail,
      'treatment.events',
      '10000',
    ],
    [
      '1e308 requests',
      { treatment: { samples: 1e308, events: 10 }, control: healthyControl },
      errorRateGuardrail,
      'treatment.samples',
      '1e+308',
    ],
    [
      'NaN errors',
      { treatment: { samples: 1000, events: Number.NaN }, control: healthyControl },
      errorRateGuardrail,
      'treatment.events',
      'NaN',
    ],
    [
      'negative control requests',
      { treatment: { samples: 1000, events: 10 }, control: { samples: -5, events: 0 } },
      errorRateGuardrail,
      'control.samples',
      '-5',
    ],
    [
      'infinite errors',
      { treatment: { samples: 1000, events: Infinity }, control: healthyControl },
      errorRateGuardrail,
      'treatment.events',
      'Infinity',
    ],
    [
      'a cumulative latency histogram that goes down',
      {
        treatment: { samples: 100, latency: { bounds: [100, 500, Infinity], counts: [90, 80, 100] } },
        control: { samples: 100, latency: { bounds: [100, 500, Infinity], counts: [90, 99, 100] } },
      },
      latencyGuardrail,
      'treatment.latency.counts[1]',
      '80',
    ],
  ];
  for (const [name, observation, guardrail, field, value] of table) {
    it(`${name} → hold (never rollback), with the value in the decision log and an alert`, async () => {
      const { store, results } = await tickOnce(fixed(observation), guardrail);
      const decision = results[0]?.evaluation.decision;
      assert.equal(decision?.decision, 'hold');
      assert.deepEqual(decision?.codes, [`invalid-metrics:${guardrail.name}`, 'min-duration']);
      assert.equal((await getRolloutStatus(store, target)).status, 'running');
      const hold = (await store.readAudit()).at(-1);
      assert.equal(hold?.action, 'rollout.hold');
      assert.ok(hold?.reason?.includes(`${field} = ${value}`), hold?.reason);
      const logged = (hold?.data?.guardrails as { invalidMetrics?: { field: string; value: string } }[])[0];
      assert.deepEqual(
        { field: logged?.invalidMetrics?.field, value: logged?.invalidMetrics?.value },
        { field, value },
      );
      const alerts = new TickAlertTracker(10).observe(results);
      assert.equal(alerts[0]?.kind, 'metric-source.down');
      assert.ok(alerts[0]?.summary.includes(`${field} = ${value}`), alerts[0]?.summary);
    });
  }

  it('catches impossible counts written by hand into a built-in metrics segment', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'rollgate-sanity-'));
    try {
      const record = (variant: string, outcomes: number, errors: number) =>
        JSON.stringify({
          v: 1,
          t: '2026-01-05T10:01:00.000Z',
          bucketSeconds: 10,
          'deployment.environment.name': 'production',
          'feature_flag.key': 'new-checkout',
          'feature_flag.result.variant': variant,
          evaluations: outcomes,
          evaluationErrors: 0,
          evaluationLatencyMsSum: 0,
          outcomes,
          errors,
          latencyBoundsMs: [],
          latencyCounts: [],
          counters: {},
        });
      await writeFile(
        join(directory, '2026010510-app.jsonl'),
        `${record('on', 100, 1000)}\n${record('off', 9900, 99)}\n`,
      );
      const { results } = await tickOnce(createBuiltinMetricSource({ directory }));
      assert.deepEqual(results[0]?.evaluation.decision.codes, ['invalid-metrics:errors', 'min-duration']);
      assert.match(
        results[0]?.evaluation.decision.reasons[0] ?? '',
        /treatment\.events = 1000 exceeds treatment\.samples \(100\)/,
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('lets possible numbers through (errors = requests is possible)', async () => {
    const { results } = await tickOnce(fixed({ treatment: { samples: 50, events: 50 }, control: healthyControl }));
    assert.equal(results[0]?.evaluation.decision.decision, 'rollback');
  });
});
