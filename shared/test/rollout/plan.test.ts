import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError } from '../../src/errors.ts';
import {
  advanceRollout,
  getRolloutStatus,
  pauseRollout,
  resumeRollout,
  rollbackRollout,
  startRollout,
} from '../../src/rollout/plan.ts';
import type { RolloutPlanInput } from '../../src/rollout/plan.ts';
import { MemoryStore } from './memory-store.ts';
import { T0, documentWithFlag, errorRateGuardrail } from './fixtures.ts';

const target = { flagKey: 'new-checkout', environment: 'production' };
const context = { actor: 'cli:alice', now: () => T0 };
const plan: RolloutPlanInput = { variant: 'on', steps: [1, 10, 50, 100], guardrails: [errorRateGuardrail] };

async function rejectsWith(promise: Promise<unknown>, code: string, hint: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(FlagError.is(e, code as never), `expected ${code}, got ${String(e)}`);
    assert.match(String(e.details.hint), hint);
    return true;
  });
}

describe('rollout plan operations', () => {
  it('start serves the first step and audits the change', async () => {
    const store = new MemoryStore(documentWithFlag());
    const report = await startRollout(store, { ...target, plan }, context);
    assert.equal(report.status, 'running');
    assert.equal(report.stepIndex, 0);
    assert.equal(report.percentage, 1);
    assert.equal(report.stepStartedAt, T0.toISOString());
    const snapshot = await store.read();
    assert.deepEqual(snapshot.document.flags[0]?.environments.production?.rollout, { variant: 'on', percentage: 1 });
    const [entry] = await store.readAudit();
    assert.equal(entry?.action, 'rollout.start');
    assert.equal(entry?.actor, 'cli:alice');
    assert.deepEqual(
      entry?.changes.find((c) => c.path === '/environments/production/rollout'),
      { path: '/environments/production/rollout', after: { variant: 'on', percentage: 1 } },
    );
    assert.ok(entry?.changes.some((c) => c.path.startsWith('/environments/production/plan')));
  });

  it('fills in the default guardrail when the plan names none', async () => {
    const store = new MemoryStore(documentWithFlag());
    const report = await startRollout(store, { ...target, plan: { variant: 'on' } }, context);
    assert.deepEqual(report.steps, [1, 5, 10, 25, 50, 100]);
    assert.deepEqual(
      report.plan.guardrails.map((g) => g.name),
      ['error-rate'],
    );
  });

  const invalid: [string, RolloutPlanInput, RegExp][] = [
    ['unknown variant', { variant: 'blue' }, /on, off/],
    ['default variant', { variant: 'off' }, /other than the default/],
    ['steps not increasing', { variant: 'on', steps: [10, 5] }, /increasing order/],
    [
      'guardrail without limit',
      { variant: 'on', guardrails: [{ name: 'e', metric: 'error-rate' }] },
      /max, min or maxRelativeDegradation/,
    ],
    [
      'prometheus without query',
      { variant: 'on', guardrails: [{ name: 'e', metric: 'error-rate', source: 'prometheus', max: 0.1 }] },
      /PromQL/,
    ],
    [
      'prometheus without denominator',
      { variant: 'on', guardrails: [{ name: 'e', metric: 'error-rate', source: 'prometheus', query: 'x', max: 0.1 }] },
      /denominatorQuery/,
    ],
    [
      'business without counter',
      { variant: 'on', guardrails: [{ name: 'c', metric: 'business', min: 0.1 }] },
      /counter/,
    ],
    [
      'proportion limit above 1',
      { variant: 'on', guardrails: [{ name: 'e', metric: 'error-rate', max: 5 }] },
      /between 0 and 1/,
    ],
    ['latency min', { variant: 'on', guardrails: [{ name: 'l', metric: 'latency', min: 5 }] }, /Remove "min"/],
    [
      'a minimum detectable effect within the relative limit',
      {
        variant: 'on',
        guardrails: [{ name: 'e', metric: 'error-rate', maxRelativeDegradation: 0.25, minDetectableEffect: 0.2 }],
      },
      /worse than what the relative limit allows/,
    ],
    [
      'a slice value listed twice',
      { variant: 'on', guardrails: [{ name: 'e', metric: 'error-rate', max: 0.1, slices: { os: ['ios', 'ios'] } }] },
      /each value/,
    ],
    ['schema violation', { variant: 'on', steps: [0] }, /plan format/],
  ];
  for (const [name, input, hint] of invalid) {
    it(`rejects a plan with ${name}`, async () => {
      const store = new MemoryStore(documentWithFlag());
      await rejectsWith(startRollout(store, { ...target, plan: input }, context), 'INVALID_INPUT', hint);
      assert.equal((await store.readAudit()).length, 0);
    });
  }

  it('refuses unknown flags, disabled flags and a second start', async () => {
    const store = new MemoryStore(documentWithFlag());
    await rejectsWith(
      startRollout(store, { ...target, flagKey: 'nope', plan }, context),
      'FLAG_NOT_FOUND',
      /rollgate list/,
    );
    await rejectsWith(
      startRollout(store, { ...target, environment: 'staging', plan }, context),
      'INVALID_INPUT',
      /Configure the flag/,
    );
    await startRollout(store, { ...target, plan }, context);
    await rejectsWith(startRollout(store, { ...target, plan }, context), 'INVALID_INPUT', /roll it back/);
    const disabled = new MemoryStore(documentWithFlag({ enabled: false }));
    await rejectsWith(startRollout(disabled, { ...target, plan }, context), 'INVALID_INPUT', /Enable the flag/);
  });

  it('pauses, resumes, advances by hand and completes onto 100%', async () => {
    const store = new MemoryStore(documentWithFlag());
    await startRollout(store, { ...target, plan }, context);
    assert.equal((await pauseRollout(store, target, context)).status, 'paused');
    await rejectsWith(pauseRollout(store, target, context), 'INVALID_INPUT', /running plan/);
    const later = { ...context, now: () => new Date(T0.getTime() + 60_000) };
    const resumed = await resumeRollout(store, target, later);
    assert.equal(resumed.status, 'running');
    assert.equal(resumed.stepStartedAt, later.now().toISOString());
    assert.equal((await advanceRollout(store, target, context)).percentage, 10);
    assert.equal((await advanceRollout(store, target, context)).percentage, 50);
    const done = await advanceRollout(store, target, context);
    assert.equal(done.status, 'completed');
    assert.equal(done.percentage, 100);
    await rejectsWith(advanceRollout(store, target, context), 'INVALID_INPUT', /Resume the plan/);
    const actions = (await store.readAudit()).map((e) => e.action);
    assert.deepEqual(actions, [
      'rollout.start',
      'rollout.pause',
      'rollout.resume',
      'rollout.advance',
      'rollout.advance',
      'rollout.complete',
    ]);
  });

  it('rolls back to 0% and restarts from the first step on resume', async () => {
    const store = new MemoryStore(documentWithFlag());
    await startRollout(store, { ...target, plan }, context);
    await advanceRollout(store, target, context);
    const rolledBack = await rollbackRollout(store, target, context);
    assert.equal(rolledBack.status, 'rolled-back');
    assert.equal(rolledBack.percentage, 0);
    await rejectsWith(rollbackRollout(store, target, context), 'INVALID_INPUT', /Nothing is being served/);
    const resumed = await resumeRollout(store, target, context);
    assert.equal(resumed.stepIndex, 0);
    assert.equal(resumed.percentage, 1);
  });

  it('reports status of a missing plan with a hint', async () => {
    const store = new MemoryStore(documentWithFlag());
    await rejectsWith(getRolloutStatus(store, target), 'INVALID_INPUT', /rollout start/);
  });
});
