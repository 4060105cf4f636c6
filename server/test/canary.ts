// Test support for the server's rollout controller: what surrounds a canary. An alerts.yaml whose Slack and signed
// webhook receivers are one local HTTP receiver (secrets in the environment the controller gets), a metrics directory
// an app's MetricsRecorder writes to, and a simulated clock whose reads by the controller are counted, so a test
// waits for the controller's ticks, never for time. Controllers in server processes read the wall clock instead: their
// traffic is recorded at the wall clock ({@link CanaryWorld.trafficNow}).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Guardrail } from '@rollgate/shared/flags';
import { MetricsRecorder, createBuiltinMetricSource, type RolloutPlanInput } from '@rollgate/shared/rollout';
import type { FlagStore } from '@rollgate/shared/store';
import { startReceiver, type Receiver } from '../../shared/test/alerts/receiver.ts';
import type { ControllerDeps } from '../src/controller.ts';
import { NOW, until } from './helpers.ts';

export const SECRET = 'whsec_c2VydmVyLXRlc3Qtc2lnbmluZy1zZWNyZXQ=';
export const target = { flagKey: 'new-checkout', environment: 'production' };
const errors: Guardrail = { name: 'errors', metric: 'error-rate', source: 'builtin', max: 0.02 };
export const CANARY_PLAN: RolloutPlanInput = {
  variant: 'on',
  steps: [5, 25, 50, 100],
  minStepDurationMinutes: 10,
  minSamplesPerStep: 200,
  guardrails: [errors],
};

export async function servedPercentage(store: FlagStore): Promise<number> {
  const { document } = await store.read();
  return document.flags.find((f) => f.key === target.flagKey)?.environments.production?.rollout?.percentage ?? 0;
}

/** Metric buckets of the wall-clock recorder, in seconds: short, so a step's traffic is countable right after it. */
const LIVE_BUCKET_SECONDS = 0.1;

export interface CanaryWorld {
  readonly dir: string;
  readonly receiver: Receiver;
  /** Where the apps' recorders write (a controller's built-in metric source reads it). */
  readonly metricsDir: string;
  /** The alert receivers (Slack and a signed webhook, both the receiver) and the environment holding their secrets. */
  readonly alertsFile: string;
  readonly alertsEnv: Readonly<Record<string, string>>;
  /** The simulated time, for operations the test makes. */
  now(): Date;
  /** Controller deps for one server (its own delivery log under `dir/<name>`), reading the simulated clock. */
  controllerDeps(name: string): ControllerDeps;
  /**
   * Five minutes of traffic (20,000 requests split by what `store` serves, failing at the arm's error rate), then
   * the clock moves on and the call returns once a controller ticked at the new time.
   */
  fiveMinutes(store: FlagStore): Promise<void>;
  /**
   * The same 20,000 requests at the wall clock, for controllers that read it (server processes): recorded once the
   * current step's start lies before the bucket they land in (a controller counts the buckets that start within the
   * step), flushed when this returns.
   */
  trafficNow(store: FlagStore): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startCanaryWorld(errorRate: { treatment: number; control: number }): Promise<CanaryWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-server-controller-'));
  const receiver = await startReceiver();
  const alertsFile = join(dir, 'alerts.yaml');
  await writeFile(
    alertsFile,
    [
      'receivers:',
      '  - { name: team, kind: slack, urlEnv: SLACK_WEBHOOK_URL }',
      '  - { name: sink, kind: webhook, urlEnv: HOOK_URL, secretEnv: HOOK_SECRET }',
      '',
    ].join('\n'),
  );
  let t = new Date(NOW).getTime();
  let ticks = 0;
  const metricsDir = join(dir, 'metrics');
  const recorder = new MetricsRecorder({ directory: metricsDir, environment: 'production', now: () => new Date(t) });
  const live = new MetricsRecorder({
    directory: metricsDir,
    environment: 'production',
    now: () => new Date(),
    bucketSeconds: LIVE_BUCKET_SECONDS,
  });
  const alertsEnv = {
    SLACK_WEBHOOK_URL: `${receiver.url}/slack`,
    HOOK_URL: `${receiver.url}/hook`,
    HOOK_SECRET: SECRET,
  };
  /** 20,000 requests split by what `store` serves, failing at each arm's error rate, recorded into `into`. */
  const traffic = async (into: MetricsRecorder, store: FlagStore): Promise<void> => {
    const share = (await servedPercentage(store)) / 100;
    const arms = [
      { variant: 'on', count: Math.round(20_000 * share), rate: errorRate.treatment },
      { variant: 'off', count: Math.round(20_000 * (1 - share)), rate: errorRate.control },
    ];
    for (const arm of arms) {
      const failing = Math.round(arm.count * arm.rate);
      for (let i = 0; i < arm.count; i++) {
        into.recordOutcome(target.flagKey, arm.variant, { error: i < failing, latencyMs: 20 });
      }
    }
    await into.flush();
  };
  return {
    dir,
    receiver,
    metricsDir,
    alertsFile,
    alertsEnv,
    now: () => new Date(t),
    controllerDeps: (name) => ({
      sources: { builtin: createBuiltinMetricSource({ directory: metricsDir }) },
      intervalMs: 10,
      alerts: { file: alertsFile, logDir: join(dir, name) },
      env: alertsEnv,
      // The controller reads the clock once per tick: counting reads tells the test a tick happened.
      now: () => {
        ticks++;
        return new Date(t);
      },
    }),
    async fiveMinutes(store) {
      await traffic(recorder, store);
      t += 5 * 60_000;
      // Two clock reads after the move: at least one whole tick ran at the new time.
      const seen = ticks;
      await until('a controller tick', () => ticks >= seen + 2);
    },
    async trafficNow(store) {
      const { document } = await store.read();
      const plan = document.flags.find((f) => f.key === target.flagKey)?.environments.production?.plan;
      if (plan?.state.stepStartedAt === undefined) throw new Error(`no step is running: ${JSON.stringify(plan)}`);
      const countedFrom = Date.parse(plan.state.stepStartedAt) + LIVE_BUCKET_SECONDS * 1000;
      await until('the step to be one metrics bucket old', () => Date.now() >= countedFrom);
      await traffic(live, store);
    },
    async [Symbol.asyncDispose]() {
      await receiver.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
