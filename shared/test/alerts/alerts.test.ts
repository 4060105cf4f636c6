import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { FlagError } from '../../src/errors.ts';
import { applyOperation, setFlagEnabled } from '../../src/flags/operations.ts';
import { proposeChange } from '../../src/flags/change-requests.ts';
import { RolloutController } from '../../src/rollout/controller.ts';
import type { MetricSource } from '../../src/rollout/metrics.ts';
import { startRollout } from '../../src/rollout/plan.ts';
import { AlertDispatcher } from '../../src/alerts/dispatcher.ts';
import type { DeliveryRecord } from '../../src/alerts/dispatcher.ts';
import { parseAlertsConfig, resolveAlertReceivers } from '../../src/alerts/config.ts';
import type { AlertReceiver } from '../../src/alerts/config.ts';
import type { AlertEvent } from '../../src/alerts/events.ts';
import { pagerDutyRequest, slackRequest, standardWebhookRequest } from '../../src/alerts/formats.ts';
import { AlertMonitor } from '../../src/alerts/monitor.ts';
import { MemoryStore } from '../rollout/memory-store.ts';
import { T0, createClock, documentWithFlag, errorRateGuardrail, trafficSource } from '../rollout/fixtures.ts';
import { startReceiver } from './receiver.ts';
import type { Receiver } from './receiver.ts';

// A Standard Webhooks secret: `whsec_` + base64 of the key bytes.
const SECRET = `whsec_${Buffer.from('rollgate-test-signing-key-32byte').toString('base64')}`;

const event: AlertEvent = {
  id: 'audit-7-rollout.rollback-new-checkout-production',
  kind: 'rollout.rolled-back',
  severity: 'critical',
  at: T0.toISOString(),
  flagKey: 'new-checkout',
  environment: 'production',
  actor: 'controller',
  summary: 'new-checkout in production rolled back to 0%: errors: BREACH',
  details: { revision: 7 },
  incident: { key: 'rollgate/rollout/production/new-checkout', action: 'trigger' },
};

const receivers: Receiver[] = [];
async function receiver(respond?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(respond);
  receivers.push(r);
  return r;
}
after(() => Promise.all(receivers.map((r) => r.close())));

function config(yaml: string, env: Record<string, string> = {}): AlertReceiver[] {
  return resolveAlertReceivers(parseAlertsConfig(yaml, '.rollgate/alerts.yaml'), env);
}

describe('alert formats', () => {
  it('signs generic webhooks so a Standard Webhooks verifier accepts them', () => {
    // The verifier checks the timestamp against its own clock, so sign now.
    const request = standardWebhookRequest('http://x/hook', SECRET, event, new Date());
    const verified = new Webhook(SECRET).verify(request.body, { ...request.headers }) as { type: string };
    assert.equal(verified.type, 'rollout.rolled-back');
    assert.equal(request.headers['webhook-id'], event.id);
    // A tampered body or another secret fails verification.
    assert.throws(() => new Webhook(SECRET).verify(request.body.replace('0%', '5%'), { ...request.headers }));
    const other = `whsec_${Buffer.from('another-key-another-key-32bytes!').toString('base64')}`;
    assert.throws(() => new Webhook(other).verify(request.body, { ...request.headers }));
  });

  it('triggers and resolves one PagerDuty incident by its dedup key; non-incident events page nobody', () => {
    const trigger = JSON.parse(pagerDutyRequest('http://pd', 'rk', event)?.body ?? '') as Record<string, unknown>;
    assert.deepEqual(
      { ...trigger, payload: undefined },
      {
        routing_key: 'rk',
        event_action: 'trigger',
        dedup_key: 'rollgate/rollout/production/new-checkout',
        payload: undefined,
      },
    );
    const payload = trigger.payload as Record<string, unknown>;
    assert.equal(payload.severity, 'critical');
    assert.equal(payload.source, 'rollgate');
    assert.equal(payload.summary, event.summary);
    const resolved = { ...event, incident: { key: event.incident?.key ?? '', action: 'resolve' as const } };
    assert.deepEqual(JSON.parse(pagerDutyRequest('http://pd', 'rk', resolved)?.body ?? ''), {
      routing_key: 'rk',
      event_action: 'resolve',
      dedup_key: 'rollgate/rollout/production/new-checkout',
    });
    const { incident: _none, ...info } = event;
    assert.equal(pagerDutyRequest('http://pd', 'rk', info), undefined);
    const forced = JSON.parse(pagerDutyRequest('http://pd', 'rk', info, true)?.body ?? '') as { dedup_key: string };
    assert.equal(forced.dedup_key, event.id);
  });

  it('sends Slack a text with a fallback and blocks', () => {
    const body = JSON.parse(slackRequest('http://slack', event).body) as { text: string; blocks: unknown[] };
    assert.match(body.text, /^:rotating_light: Rollgate: new-checkout in production rolled back/);
    assert.equal(body.blocks.length, 2);
  });
});

describe('alerts.yaml', () => {
  it('takes secrets from the environment only: a pasted secret is an error at its line', () => {
    const yaml = 'receivers:\n  - name: team\n    kind: slack\n    url: https://hooks.slack.com/services/T/B/x\n';
    assert.throws(
      () => parseAlertsConfig(yaml, '.rollgate/alerts.yaml'),
      (e: unknown) =>
        FlagError.is(e, 'PARSE_ERROR') &&
        /alerts\.yaml:4:.*a Slack webhook URL is a secret.*urlEnv/.test(e.message) &&
        /docs\/alerts\.md/.test(e.details.hint ?? ''),
    );
  });

  it('names the receiver and the variable when a secret is not set', () => {
    assert.throws(
      () => config('receivers:\n  - { name: oncall, kind: pagerduty, routingKeyEnv: PD_KEY }\n'),
      (e: unknown) => FlagError.is(e, 'INVALID_INPUT') && /"oncall".*PD_KEY/.test(e.message),
    );
  });

  it('refuses a webhook with both or neither of url and urlEnv', () => {
    assert.throws(
      () => parseAlertsConfig('receivers:\n  - { name: w, kind: webhook }\n', 'alerts.yaml'),
      (e: unknown) => FlagError.is(e, 'PARSE_ERROR') && /exactly one of url and urlEnv/.test(e.message),
    );
  });
});

describe('AlertDispatcher', () => {
  it('delivers each event to the receivers whose environment and event filters accept it', async () => {
    const slack = await receiver();
    const pd = await receiver(() => 202);
    const hook = await receiver();
    const dispatcher = new AlertDispatcher({
      receivers: config(
        [
          'receivers:',
          '  - { name: team, kind: slack, urlEnv: SLACK_URL, events: [kill-switch] }',
          `  - { name: oncall, kind: pagerduty, routingKeyEnv: PD_KEY, url: "${pd.url}/v2/enqueue", environments: [production] }`,
          `  - { name: sink, kind: webhook, url: "${hook.url}/rollgate", secretEnv: HOOK_SECRET }`,
        ].join('\n'),
        { SLACK_URL: `${slack.url}/services/x`, PD_KEY: 'routing-key', HOOK_SECRET: SECRET },
      ),
    });
    dispatcher.publish(event);
    dispatcher.publish({ ...event, id: 'kill', kind: 'kill-switch', environment: 'staging', incident: undefined });
    await dispatcher.flush();
    assert.deepEqual(
      slack.requests.map((r) => r.path),
      ['/services/x'],
    );
    assert.equal(pd.requests.length, 1, 'staging is not PagerDuty’s, and the kill switch opens no incident');
    assert.equal((JSON.parse(pd.requests[0]?.body ?? '') as { routing_key: string }).routing_key, 'routing-key');
    assert.equal(hook.requests.length, 2);
    for (const r of hook.requests) {
      assert.doesNotThrow(() => new Webhook(SECRET).verify(r.body, r.headers as Record<string, string>));
    }
    assert.deepEqual(dispatcher.stats(), { delivered: 4, failed: 0, dropped: 0, queued: 0 });
    dispatcher.dispose();
  });

  it('retries a failing receiver with growing delays and logs every attempt', async () => {
    const hook = await receiver((_r, i) => (i < 3 ? 500 : 200));
    const delays: number[] = [];
    const log: DeliveryRecord[] = [];
    const dispatcher = new AlertDispatcher({
      receivers: config(`receivers:\n  - { name: sink, kind: webhook, url: "${hook.url}" }\n`),
      random: () => 0.5, // jitter factor 0.75
      sleep: (ms) => {
        delays.push(ms);
        return Promise.resolve();
      },
    });
    dispatcher.onDidDeliver((r) => log.push(r));
    dispatcher.publish(event);
    await dispatcher.flush();
    assert.deepEqual(
      log.map((r) => `${r.attempt}:${r.outcome}:${r.status ?? ''}`),
      ['1:retrying:500', '2:retrying:500', '3:retrying:500', '4:delivered:200'],
    );
    assert.deepEqual(delays, [750, 1500, 3000]);
    // Every attempt carries the same webhook-id, so the receiver can de-duplicate.
    assert.equal(new Set(hook.requests.map((r) => r.headers['webhook-id'])).size, 1);
    dispatcher.dispose();
  });

  it('gives up on a 4xx at once, and after maxAttempts on a receiver that hangs, without holding up others', async () => {
    const hanging = await receiver(() => 'hang');
    const gone = await receiver(() => 404);
    const healthy = await receiver();
    const log: DeliveryRecord[] = [];
    const dispatcher = new AlertDispatcher({
      receivers: config(
        [
          'receivers:',
          `  - { name: hanging, kind: webhook, url: "${hanging.url}" }`,
          `  - { name: gone, kind: webhook, url: "${gone.url}" }`,
          `  - { name: healthy, kind: webhook, url: "${healthy.url}" }`,
        ].join('\n'),
      ),
      // Long enough for the 4xx receiver to answer on a loaded machine; the hanging one costs 6 timeouts.
      timeoutMs: 500,
      maxAttempts: 3,
      sleep: () => Promise.resolve(),
    });
    dispatcher.onDidDeliver((r) => log.push(r));
    dispatcher.publish(event);
    dispatcher.publish({ ...event, id: 'second' });
    await healthy.waitFor(2);
    assert.ok(
      !log.some((r) => r.receiver === 'hanging' && r.outcome === 'failed'),
      'the healthy receiver got both alerts while the hanging one was still being tried',
    );
    await dispatcher.flush();
    const outcomes = (name: string): string[] =>
      log.filter((r) => r.receiver === name).map((r) => `${r.eventId}:${r.attempt}:${r.outcome}`);
    assert.deepEqual(outcomes('gone'), [`${event.id}:1:failed`, 'second:1:failed']);
    assert.deepEqual(outcomes('hanging'), [
      `${event.id}:1:retrying`,
      `${event.id}:2:retrying`,
      `${event.id}:3:failed`,
      'second:1:retrying',
      'second:2:retrying',
      'second:3:failed',
    ]);
    assert.match(log.find((r) => r.receiver === 'hanging')?.error ?? '', /timeout|aborted/i);
    assert.deepEqual(dispatcher.stats(), { delivered: 2, failed: 4, dropped: 0, queued: 0 });
    dispatcher.dispose();
  });

  it('keeps a bounded queue: publish returns at once and drops the oldest alert when a receiver is stuck', async () => {
    const hanging = await receiver(() => 'hang');
    const dispatcher = new AlertDispatcher({
      receivers: config(`receivers:\n  - { name: stuck, kind: webhook, url: "${hanging.url}" }\n`),
      maxQueue: 100,
    });
    for (let i = 0; i < 1000; i++) dispatcher.publish({ ...event, id: `e${i}` });
    // One alert is in flight, 100 wait, the rest were dropped oldest-first.
    assert.deepEqual(dispatcher.stats(), { delivered: 0, failed: 0, dropped: 899, queued: 100 });
    dispatcher.dispose();
    assert.equal(dispatcher.stats().queued, 0);
    dispatcher.publish(event);
    assert.equal(dispatcher.stats().queued, 0, 'a disposed dispatcher takes nothing');
  });
});

describe('AlertMonitor', () => {
  const target = { flagKey: 'new-checkout', environment: 'production' };

  async function setup(errorRate: { treatment: number; control: number }, source?: MetricSource) {
    const store = new MemoryStore(documentWithFlag());
    const clock = createClock();
    let percentage = 0;
    store.onDidChange((s) => (percentage = s.document.flags[0]?.environments.production?.rollout?.percentage ?? 0));
    const traffic = trafficSource({ requestsPerMinute: 3000, percentage: () => percentage, errorRate });
    const controller = new RolloutController({ store, sources: { builtin: source ?? traffic }, now: clock.now });
    const published: AlertEvent[] = [];
    const monitor = await AlertMonitor.start({ store, publish: (e) => published.push(e), heldIntervals: 2 });
    return { store, clock, controller, monitor, published };
  }

  const plan = {
    variant: 'on',
    steps: [1, 10, 100],
    minStepDurationMinutes: 10,
    minSamplesPerStep: 200,
    guardrails: [errorRateGuardrail],
  };

  /** Ten simulated minutes of a faulty canary, ticking every minute; returns the decisions of every tick. */
  async function runFaultyCanary(alerts?: { dispatcher: AlertDispatcher }): Promise<string[]> {
    const { store, clock, controller, monitor, published } = await setup({ treatment: 0.12, control: 0.01 });
    await startRollout(store, { ...target, plan }, { actor: 'cli:alice', now: clock.now });
    const decisions: string[] = [];
    for (let minute = 1; minute <= 10; minute++) {
      clock.advanceMinutes(1);
      const results = await controller.tick();
      decisions.push(...results.map((r) => `${minute}:${r.evaluation.decision.decision}`));
      if (alerts) {
        monitor.observeTick(results);
        await monitor.settled();
        for (const e of published.splice(0)) alerts.dispatcher.publish(e);
      }
    }
    monitor.dispose();
    return decisions;
  }

  it('rolls back on time while the receiver fails for ten simulated minutes; deliveries are retried and logged', async () => {
    const hook = await receiver(() => 500);
    const log: DeliveryRecord[] = [];
    const dispatcher = new AlertDispatcher({
      receivers: config(`receivers:\n  - { name: sink, kind: webhook, url: "${hook.url}", secretEnv: S }\n`, {
        S: SECRET,
      }),
      maxAttempts: 4,
      sleep: () => Promise.resolve(),
    });
    dispatcher.onDidDeliver((r) => log.push(r));
    const withoutAlerts = await runFaultyCanary();
    const withFailingReceiver = await runFaultyCanary({ dispatcher });
    assert.ok(
      withoutAlerts.some((d) => d.endsWith(':rollback')),
      withoutAlerts.join(' '),
    );
    assert.deepEqual(withFailingReceiver, withoutAlerts, 'the same decisions at the same ticks');
    await dispatcher.flush();
    assert.deepEqual(
      log.filter((r) => r.kind === 'rollout.rolled-back').map((r) => `${r.attempt}:${r.outcome}:${r.status ?? ''}`),
      ['1:retrying:500', '2:retrying:500', '3:retrying:500', '4:failed:500'],
    );
    dispatcher.dispose();
  });

  it('announces the kill switch and a waiting change request, whoever made them', async () => {
    const { store, clock, monitor, published } = await setup({ treatment: 0.01, control: 0.01 });
    await applyOperation(store, setFlagEnabled('new-checkout', 'production', false), {
      actor: 'cli:bob',
      reason: 'checkout errors',
      now: clock.now,
    });
    const turnBackOn = proposeChange({
      action: 'flag.toggle',
      flagKey: 'new-checkout',
      environment: 'production',
      enabled: true,
    });
    await applyOperation(store, turnBackOn, { actor: 'mcp:cursor', reason: 'fixed in 1.4.2', now: clock.now });
    await monitor.settled();
    assert.deepEqual(
      published.map((e) => `${e.kind}:${e.actor}`),
      ['kill-switch:cli:bob', 'change-request.waiting:mcp:cursor'],
    );
    const kill = published.find((e) => e.kind === 'kill-switch');
    assert.match(kill?.summary ?? '', /new-checkout in production turned off by cli:bob: checkout errors/);
    monitor.dispose();
  });

  it('alerts once when a plan holds for heldIntervals checks and when its metric source goes down and comes back', async () => {
    let down = false;
    const { store, clock, controller, monitor, published } = await setup(
      { treatment: 0.01, control: 0.01 },
      {
        name: 'flaky',
        observe: () =>
          down
            ? Promise.reject(new Error('connection refused'))
            : Promise.resolve({ treatment: { samples: 10, events: 0 }, control: { samples: 990, events: 0 } }),
      },
    );
    await startRollout(store, { ...target, plan }, { actor: 'cli:alice', now: clock.now });
    const tick = async (): Promise<void> => {
      clock.advanceMinutes(1);
      monitor.observeTick(await controller.tick());
    };
    await tick();
    await tick();
    await tick();
    assert.deepEqual(
      published.map((e) => e.kind),
      ['rollout.held'],
      'held twice in a row → one alert, not one per tick',
    );
    down = true;
    await tick();
    await tick();
    down = false;
    await tick();
    const source = published.filter((e) => e.kind === 'metric-source.down');
    assert.deepEqual(
      source.map((e) => e.incident?.action),
      ['trigger', 'resolve'],
    );
    assert.equal(source[0]?.incident?.key, source[1]?.incident?.key);
    monitor.dispose();
  });
});
