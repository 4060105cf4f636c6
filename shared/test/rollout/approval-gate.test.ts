// Approval gates on plan steps (`approveBefore`): the controller holds at the gate and files a change request; the
// ordinary change-request flow (four eyes) lets the plan advance; a breach still rolls back while it waits.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alertsFromAuditEntry } from '../../src/alerts/events.ts';
import { approveChangeRequest, rejectChangeRequest } from '../../src/flags/change-requests.ts';
import { applyOperation } from '../../src/flags/operations.ts';
import { RolloutController } from '../../src/rollout/controller.ts';
import { startRollout } from '../../src/rollout/plan.ts';
import type { RolloutPlanInput } from '../../src/rollout/plan.ts';
import { MemoryStore } from './memory-store.ts';
import { createClock, documentWithFlag, errorRateGuardrail, trafficSource } from './fixtures.ts';

const target = { flagKey: 'new-checkout', environment: 'production' };
const plan: RolloutPlanInput = {
  variant: 'on',
  steps: [1, 10, 50, 100],
  minStepDurationMinutes: 10,
  minSamplesPerStep: 200,
  guardrails: [errorRateGuardrail],
  approveBefore: [50],
};

async function setup() {
  const store = new MemoryStore(documentWithFlag());
  const clock = createClock();
  let percentage = 0;
  const errorRate = { treatment: 0.01, control: 0.01 };
  store.onDidChange((s) => (percentage = s.document.flags[0]?.environments.production?.rollout?.percentage ?? 0));
  const source = trafficSource({ requestsPerMinute: 3000, percentage: () => percentage, errorRate });
  const controller = new RolloutController({ store, sources: { builtin: source }, now: clock.now });
  await startRollout(store, { ...target, plan }, { actor: 'cli:alice', now: clock.now });
  /** Five simulated minutes, then a tick. */
  const step = async () => {
    clock.advanceMinutes(5);
    return controller.tick();
  };
  const trail = async () =>
    (await store.readAudit()).map((e) => `${e.actor} ${e.action}${e.action === 'rollout.hold' ? ` ${e.reason}` : ''}`);
  return { store, clock, errorRate, step, trail, percentage: () => percentage };
}

describe('approval gates on plan steps', () => {
  it('holds at the gate and files one change request; its approval by someone else advances the plan', async () => {
    const { store, clock, step, trail, percentage } = await setup();
    for (let i = 0; i < 8; i++) await step();
    assert.equal(percentage(), 10, 'held before the gated step');
    const { changeRequests } = (await store.read()).document;
    assert.equal(changeRequests?.length, 1, 'filed once, however many ticks wait');
    const request = changeRequests?.[0];
    assert.deepEqual(
      { id: request?.id, by: request?.createdBy, status: request?.status, change: request?.change },
      {
        id: 'cr-1',
        by: 'controller',
        status: 'pending',
        change: { action: 'rollout.control', flagKey: 'new-checkout', environment: 'production', command: 'advance' },
      },
    );
    assert.match(request?.reason ?? '', /every guardrail passed at 10%; approve to advance to 50%/);
    const filed = (await store.readAudit()).find((e) => e.action === 'change-request.create');
    assert.ok(filed);
    assert.deepEqual(
      alertsFromAuditEntry(filed).map((a) => a.kind),
      ['change-request.waiting'],
    );

    // Four eyes: the controller that asked cannot approve its own request.
    await assert.rejects(
      applyOperation(store, approveChangeRequest('cr-1'), { actor: 'controller', now: clock.now }),
      (e: Error & { code?: string }) => e.code === 'FORBIDDEN',
    );
    await applyOperation(store, approveChangeRequest('cr-1'), { actor: 'cli:bob', now: clock.now });
    assert.equal(percentage(), 50);
    for (let i = 0; i < 3; i++) await step();
    assert.equal(percentage(), 100);

    assert.deepEqual(
      (await trail()).filter((line) => !line.includes('rollout.hold')),
      [
        'cli:alice rollout.start',
        'controller rollout.advance',
        'controller change-request.create',
        'cli:bob rollout.advance',
        'cli:bob change-request.approve',
        'controller rollout.complete',
      ],
    );
    const waiting = (await trail()).filter((line) => line.includes('needs a human approval'));
    assert.equal(waiting.length, 1, 'the hold at the gate is written once');
  });

  it('a breach while the request waits still rolls back; the stale request is then refused', async () => {
    const { store, clock, errorRate, step, percentage } = await setup();
    for (let i = 0; i < 8; i++) await step();
    assert.equal((await store.read()).document.changeRequests?.[0]?.status, 'pending');
    errorRate.treatment = 0.2;
    for (let i = 0; i < 3 && percentage() > 0; i++) await step();
    assert.equal(percentage(), 0, 'rolled back');
    await assert.rejects(
      applyOperation(store, approveChangeRequest('cr-1'), { actor: 'cli:bob', now: clock.now }),
      /rolled-back|no longer applies/,
    );
    assert.equal(percentage(), 0);
  });

  it('a rejected request keeps the plan holding at its step, without filing again', async () => {
    const { store, clock, step, percentage } = await setup();
    for (let i = 0; i < 8; i++) await step();
    await applyOperation(store, rejectChangeRequest('cr-1'), {
      actor: 'cli:bob',
      now: clock.now,
      reason: 'not on a Friday',
    });
    for (let i = 0; i < 4; i++) await step();
    assert.equal(percentage(), 10);
    assert.deepEqual(
      (await store.read()).document.changeRequests?.map((r) => `${r.id} ${r.status}`),
      ['cr-1 rejected'],
    );
  });

  it('refuses gates outside a protected environment and gates that are not later steps', async () => {
    const document = documentWithFlag();
    const staging = { enabled: true, defaultVariant: 'off', rules: [] };
    const flag = document.flags[0];
    assert.ok(flag);
    flag.environments.staging = staging;
    const store = new MemoryStore(document);
    const context = { actor: 'cli:alice', now: createClock().now };
    await assert.rejects(
      startRollout(store, { flagKey: 'new-checkout', environment: 'staging', plan }, context),
      /need a protected environment; "staging" is not protected/,
    );
    await assert.rejects(
      startRollout(store, { ...target, plan: { ...plan, approveBefore: [1] } }, context),
      /approveBefore 1% is not a later step of the plan/,
    );
    await assert.rejects(
      startRollout(store, { ...target, plan: { ...plan, approveBefore: [30] } }, context),
      /approveBefore 30% is not a later step/,
    );
  });
});
