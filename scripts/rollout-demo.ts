// `npm run demo:rollout`: a simulated day of progressive delivery, in seconds.
// A test app serves two flags through the real OpenFeature SDK (Rollgate provider over the compiled flagd
// document) with the Rollgate metrics hook; synthetic users hit it every simulated minute. The rollout controller
// (real FileStore in a temp dir, built-in metric source) ticks every simulated minute:
//   - new-checkout is healthy and walks 1% → 5% → 10% → 25% → 50% → 100%;
//   - fast-search fails 6% of its requests on the new variant and is rolled back at the 1% canary.
// Exits non-zero if either outcome does not happen.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenFeature } from '@openfeature/server-sdk';
import { applyOperation, createFlag, setFlagEnabled } from '../shared/src/flags/operations.ts';
import type { RolloutPlanInput } from '../shared/src/rollout/plan.ts';
import { getRolloutStatus, startRollout } from '../shared/src/rollout/plan.ts';
import { RolloutController } from '../shared/src/rollout/controller.ts';
import type { TickResult } from '../shared/src/rollout/controller.ts';
import {
  MetricsRecorder,
  createBuiltinMetricSource,
  createMetricsHook,
} from '../shared/src/rollout/builtin-metrics.ts';
import { renderRolloutPage } from '../shared/src/rollout/page.ts';
import { formatStep } from '../shared/src/rollout/audience-steps.ts';
import { createRandom } from '../shared/src/rollout/stats.ts';
import { compileEnvironment } from '../shared/src/flagd/compile.ts';
import { RollgateProvider } from '../shared/src/provider/rollgate-provider.ts';
import { initStore } from '../shared/src/store/file-store.ts';

const ENV = 'production';
const START = new Date('2026-01-05T09:00:00.000Z');
const REQUESTS_PER_MINUTE = 2000;
const MAX_MINUTES = 240;
const BASE_ERROR_RATE = 0.005;
const FAULTY_ERROR_RATE = 0.06;

const plan = (variant: string): RolloutPlanInput => ({
  variant,
  minStepDurationMinutes: 10,
  minSamplesPerStep: 400,
  guardrails: [
    { name: 'errors', metric: 'error-rate', source: 'builtin', max: 0.02, maxRelativeDegradation: 0.25 },
    { name: 'p95 latency', metric: 'latency', source: 'builtin', percentile: 95, maxRelativeDegradation: 0.2 },
  ],
});

let now = START.getTime();
const clock = (): Date => new Date(now);
const random = createRandom(20260105);
const stamp = (at: string): string => {
  const minutes = Math.round((Date.parse(at) - START.getTime()) / 60_000);
  return `+${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
};

function latency(): number {
  // Roughly log-normal around 80 ms with a tail.
  const u = Math.max(random(), 1e-12);
  return 80 * Math.exp(0.35 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random()));
}

function describe(result: TickResult): string {
  const { evaluation } = result;
  const d = evaluation.decision;
  const head = `${stamp(evaluation.at)}  ${result.flagKey.padEnd(13)} ${String(evaluation.percentage).padStart(3)}%  ${d.decision.toUpperCase()}`;
  const why =
    d.decision === 'advance' || d.decision === 'complete' ? evaluation.checks.map((c) => c.message) : d.reasons;
  return [head, ...why.map((r) => `        ${r}`)].join('\n');
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'rollgate-rollout-demo-'));
  const store = await initStore(root);
  const recorder = new MetricsRecorder({
    directory: join(store.location, 'metrics'),
    environment: ENV,
    now: clock,
    writerId: 'demo-app',
  });
  try {
    const context = { actor: 'cli:demo', now: clock, reason: 'rollout demo' };
    for (const key of ['new-checkout', 'fast-search']) {
      await applyOperation(store, createFlag({ key, name: key, kind: 'release' }), context);
      await applyOperation(store, setFlagEnabled(key, ENV, true), context);
      await startRollout(store, { flagKey: key, environment: ENV, plan: plan('on') }, context);
    }

    // The app: real OpenFeature SDK, Rollgate provider over the compiled flagd document, metrics hook.
    const provider = new RollgateProvider({
      source: { document: compileEnvironment((await store.read()).document, ENV) },
      now: clock,
    });
    await OpenFeature.setProviderAndWait(provider);
    const client = OpenFeature.getClient('demo-app');
    client.addHooks(createMetricsHook(recorder));
    store.onDidChange((snapshot) => provider.setDocument(compileEnvironment(snapshot.document, ENV)));

    const controller = new RolloutController({
      store,
      sources: { builtin: createBuiltinMetricSource({ directory: join(store.location, 'metrics') }) },
      now: clock,
    });
    console.log(
      `Rollout demo: ${REQUESTS_PER_MINUTE} requests/simulated minute, controller tick every minute, store ${store.location}\n`,
    );
    console.log(
      `${stamp(START.toISOString())}  both flags start at 1% (steps 1, 5, 10, 25, 50, 100 %; ≥ 10 min and ≥ 400 samples per step)`,
    );
    for (let minute = 1; minute <= MAX_MINUTES; minute++) {
      for (let i = 0; i < REQUESTS_PER_MINUTE; i++) {
        now += 60_000 / REQUESTS_PER_MINUTE;
        const user = { targetingKey: `user-${Math.floor(random() * 1_000_000)}` };
        const checkout = await client.getBooleanDetails('new-checkout', false, user);
        recorder.recordOutcome('new-checkout', checkout.variant ?? 'off', {
          error: random() < BASE_ERROR_RATE,
          latencyMs: latency(),
        });
        const search = await client.getBooleanDetails('fast-search', false, user);
        const rate = search.value ? FAULTY_ERROR_RATE : BASE_ERROR_RATE;
        recorder.recordOutcome('fast-search', search.variant ?? 'off', {
          error: random() < rate,
          latencyMs: latency(),
        });
      }
      await recorder.flush();
      // Store changes reach the provider through onDidChange (the file watcher, in a real app).
      for (const result of await controller.tick()) {
        if (result.committed && result.evaluation.decision.decision !== 'hold') console.log(describe(result));
      }
      const statuses = await Promise.all(
        ['new-checkout', 'fast-search'].map((k) => getRolloutStatus(store, { flagKey: k, environment: ENV })),
      );
      if (statuses.every((s) => s.status !== 'running')) break;
    }

    const healthy = await getRolloutStatus(store, { flagKey: 'new-checkout', environment: ENV });
    const faulty = await getRolloutStatus(store, { flagKey: 'fast-search', environment: ENV });
    console.log(
      `\nnew-checkout: ${healthy.status} at ${healthy.percentage}%   fast-search: ${faulty.status} at ${faulty.percentage}% (stopped at step ${formatStep(faulty.plan.steps[faulty.stepIndex] ?? 0)})\n`,
    );
    const document = (await store.read()).document;
    const flag = document.flags.find((f) => f.key === 'fast-search');
    if (flag) {
      console.log(
        renderRolloutPage(
          flag,
          ENV,
          await store.readAudit({ flagKey: 'fast-search' }),
          controller.getLatestEvaluation({ flagKey: 'fast-search', environment: ENV }),
        ),
      );
    }
    await OpenFeature.close();
    const ok =
      healthy.status === 'completed' &&
      healthy.percentage === 100 &&
      faulty.status === 'rolled-back' &&
      faulty.stepIndex === 0;
    if (!ok) {
      console.error('Demo FAILED: expected new-checkout completed at 100% and fast-search rolled back at the canary.');
      process.exitCode = 1;
    }
  } finally {
    await recorder.close();
    store.dispose();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
