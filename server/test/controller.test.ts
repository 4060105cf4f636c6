// The rollout controller and alerts inside the real server (server/src/controller.ts): a rollout plan on a flag,
// built-in metrics written by an app's MetricsRecorder into a directory, and a local HTTP receiver standing in for
// Slack and a signed webhook. A simulated clock drives the controller; the test waits for its ticks, not for time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signStandardWebhook } from '@rollgate/shared/alerts';
import { applyOperation, approveChangeRequest, type AuditEntry } from '@rollgate/shared/flags';
import { startRollout, type RolloutPlanInput } from '@rollgate/shared/rollout';
import type { ReceivedRequest } from '../../shared/test/alerts/receiver.ts';
import { CANARY_PLAN, SECRET, servedPercentage, startCanaryWorld, target } from './canary.ts';
import { startFixture, until } from './helpers.ts';

/** A server on a file store running a canary of `new-checkout` in production. */
async function setup(errorRate: { treatment: number; control: number }, plan: Partial<RolloutPlanInput> = {}) {
  const world = await startCanaryWorld(errorRate);
  const fixture = await startFixture({ server: { controller: world.controllerDeps('alerts') } });
  const now = (): Date => world.now();
  await startRollout(fixture.store, { ...target, plan: { ...CANARY_PLAN, ...plan } }, { actor: 'cli:alice', now });
  return {
    fixture,
    now,
    receiver: world.receiver,
    logDir: join(world.dir, 'alerts'),
    fiveMinutes: () => world.fiveMinutes(fixture.store),
    decisions: async (): Promise<AuditEntry[]> =>
      (await fixture.store.readAudit({ flagKey: target.flagKey })).filter((e) => e.action.startsWith('rollout.')),
    async [Symbol.asyncDispose]() {
      await fixture[Symbol.asyncDispose]();
      await world[Symbol.asyncDispose]();
    },
  };
}

/** The rollout's steps so far, `<actor> <action>`, holds left out. */
async function steps(canary: { decisions(): Promise<AuditEntry[]> }): Promise<string[]> {
  return (await canary.decisions()).filter((e) => e.action !== 'rollout.hold').map((e) => `${e.actor} ${e.action}`);
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
    assert.deepEqual(await steps(canary), [
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

  it('holds at an approval gate, tells the approvers, and advances once a human approves', async () => {
    await using canary = await setup({ treatment: 0.01, control: 0.01 }, { approveBefore: [50] });
    const waiting = (): boolean =>
      canary.receiver.requests.some((r) => r.path === '/hook' && r.body.includes('"change-request.waiting"'));
    for (let i = 0; i < 8 && !waiting(); i++) await canary.fiveMinutes();
    await until('the waiting change request alert', waiting);
    assert.equal(await servedPercentage(canary.fixture.store), 25, 'held before the gated step');
    await canary.fiveMinutes();
    assert.equal(await servedPercentage(canary.fixture.store), 25, 'still held: the controller cannot approve');

    const request = (await canary.fixture.store.read()).document.changeRequests?.find((r) => r.status === 'pending');
    assert.equal(request?.createdBy, 'controller');
    await applyOperation(canary.fixture.store, approveChangeRequest(request?.id ?? ''), {
      actor: 'cli:bob',
      now: canary.now,
    });
    for (let i = 0; i < 6 && (await servedPercentage(canary.fixture.store)) < 100; i++) await canary.fiveMinutes();
    assert.deepEqual(await steps(canary), [
      'cli:alice rollout.start',
      'controller rollout.advance',
      'cli:bob rollout.advance',
      'controller rollout.complete',
    ]);
  });
});
