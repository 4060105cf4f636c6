// The rollout controller and alerts inside the real server (server/src/controller.ts): a rollout plan on a flag,
// built-in metrics written by an app's MetricsRecorder into a directory, and a local HTTP receiver standing in for
// Slack and a signed webhook. A simulated clock drives the controller; the test waits for its ticks, not for time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signStandardWebhook } from '@rollgate/shared/alerts';
import type { AuditEntry, Guardrail } from '@rollgate/shared/flags';
import { MetricsRecorder, createBuiltinMetricSource, startRollout } from '@rollgate/shared/rollout';
import type { FlagStore } from '@rollgate/shared/store';
import { startReceiver, type ReceivedRequest } from '../../shared/test/alerts/receiver.ts';
import type { ControllerDeps } from '../src/controller.ts';
import { NOW, startFixture, until } from './helpers.ts';

const SECRET = 'whsec_c2VydmVyLXRlc3Qtc2lnbmluZy1zZWNyZXQ=';
const target = { flagKey: 'new-checkout', environment: 'production' };
const errors: Guardrail = { name: 'errors', metric: 'error-rate', source: 'builtin', max: 0.02 };

async function servedPercentage(store: FlagStore): Promise<number> {
  const { document } = await store.read();
  return document.flags.find((f) => f.key === target.flagKey)?.environments.production?.rollout?.percentage ?? 0;
}

/** What a canary looks like to the controller: a server, an app writing metrics, receivers, a simulated clock. */
async function setup(errorRate: { treatment: number; control: number }) {
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
  const logDir = join(dir, 'alerts');
  const controller: ControllerDeps = {
    sources: { builtin: createBuiltinMetricSource({ directory: metricsDir }) },
    intervalMs: 10,
    alerts: { file: alertsFile, logDir },
    env: { SLACK_WEBHOOK_URL: `${receiver.url}/slack`, HOOK_URL: `${receiver.url}/hook`, HOOK_SECRET: SECRET },
    // The controller reads the clock once per tick: counting reads tells the test a tick happened.
    now: () => {
      ticks++;
      return new Date(t);
    },
  };
  const logs: string[] = [];
  const fixture = await startFixture({ server: { controller, log: (m) => logs.push(m) } });
  const recorder = new MetricsRecorder({ directory: metricsDir, environment: 'production', now: () => new Date(t) });
  await startRollout(
    fixture.store,
    {
      ...target,
      plan: {
        variant: 'on',
        steps: [5, 25, 50, 100],
        minStepDurationMinutes: 10,
        minSamplesPerStep: 200,
        guardrails: [errors],
      },
    },
    { actor: 'cli:alice', now: () => new Date(t) },
  );

  /** Five minutes of traffic (20,000 requests split by the served percentage), then the clock moves on. */
  async function fiveMinutes(): Promise<void> {
    const share = (await servedPercentage(fixture.store)) / 100;
    const arms = [
      { variant: 'on', count: Math.round(20_000 * share), rate: errorRate.treatment },
      { variant: 'off', count: Math.round(20_000 * (1 - share)), rate: errorRate.control },
    ];
    for (const arm of arms) {
      const failing = Math.round(arm.count * arm.rate);
      for (let i = 0; i < arm.count; i++) {
        recorder.recordOutcome(target.flagKey, arm.variant, { error: i < failing, latencyMs: 20 });
      }
    }
    await recorder.flush();
    t += 5 * 60_000;
    // Two clock reads after the move: at least one whole tick ran at the new time.
    const seen = ticks;
    await until('a controller tick', () => ticks >= seen + 2);
  }

  const decisions = async (): Promise<AuditEntry[]> =>
    (await fixture.store.readAudit({ flagKey: target.flagKey })).filter((e) => e.action.startsWith('rollout.'));

  return {
    fixture,
    receiver,
    logs,
    logDir,
    fiveMinutes,
    decisions,
    async [Symbol.asyncDispose]() {
      await fixture[Symbol.asyncDispose]();
      await receiver.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function alertsOf(requests: readonly ReceivedRequest[], path: string): ReceivedRequest[] {
  return requests.filter((r) => r.path === path);
}

describe('rollgate server: rollout controller and alerts', () => {
  it('rolls back a canary that breaches its guardrail and tells Slack and the signed webhook', async () => {
    await using canary = await setup({ treatment: 0.25, control: 0.01 });
    for (let i = 0; i < 6 && !(await canary.decisions()).some((e) => e.action === 'rollout.rollback'); i++) {
      await canary.fiveMinutes();
    }
    const actions = (await canary.decisions()).map((e) => `${e.actor} ${e.action}`);
    assert.equal(actions[0], 'cli:alice rollout.start');
    assert.equal(actions.at(-1), 'controller rollout.rollback', actions.join(', '));
    assert.ok(!actions.includes('controller rollout.advance'), 'a breaching canary never advances');
    assert.equal(await servedPercentage(canary.fixture.store), 0);

    await until('the rollback alerts', () =>
      canary.receiver.requests.some((r) => r.path === '/hook' && r.body.includes('"rollout.rolled-back"')),
    );
    await until('the Slack message', () =>
      alertsOf(canary.receiver.requests, '/slack').some((r) => /rolled back/i.test(r.body)),
    );
    const hook = alertsOf(canary.receiver.requests, '/hook').find((r) => r.body.includes('"rollout.rolled-back"'));
    assert.ok(hook);
    const id = String(hook.headers['webhook-id']);
    const timestamp = Number(hook.headers['webhook-timestamp']);
    assert.equal(hook.headers['webhook-signature'], signStandardWebhook(SECRET, id, timestamp, hook.body));

    // Security: the receivers' secrets come from the environment and are written nowhere.
    const written = [
      await readFile(join(canary.fixture.store.location, 'audit.jsonl'), 'utf8'),
      await readFile(join(canary.logDir, 'deliveries.jsonl'), 'utf8'),
      await readFile(join(canary.fixture.store.location, 'flags.yaml'), 'utf8'),
    ].join('\n');
    assert.ok(!written.includes(SECRET) && !written.includes(canary.receiver.url), 'no secret in any file');
  });

  it('advances a healthy rollout step by step to 100 % and announces each step', async () => {
    await using canary = await setup({ treatment: 0.01, control: 0.01 });
    for (let i = 0; i < 12 && !(await canary.decisions()).some((e) => e.action === 'rollout.complete'); i++) {
      await canary.fiveMinutes();
    }
    const steps = (await canary.decisions())
      .filter((e) => e.action !== 'rollout.hold')
      .map((e) => `${e.actor} ${e.action}`);
    assert.deepEqual(steps, [
      'cli:alice rollout.start',
      'controller rollout.advance',
      'controller rollout.advance',
      'controller rollout.complete',
    ]);
    assert.equal(await servedPercentage(canary.fixture.store), 100);
    await until('the completion alert', () =>
      canary.receiver.requests.some((r) => r.path === '/hook' && r.body.includes('"rollout.completed"')),
    );
    const kinds = alertsOf(canary.receiver.requests, '/hook').map((r) => (JSON.parse(r.body) as { type: string }).type);
    assert.deepEqual(
      kinds.filter((k) => k !== 'rollout.held'),
      ['rollout.advanced', 'rollout.advanced', 'rollout.completed'],
    );
  });
});
