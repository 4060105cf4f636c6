import { describe, it } from 'node:test';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOperation, createFlag, setFlagEnabled } from '../../src/flags/operations.ts';
import { initStore } from '../../src/store/file-store.ts';
import assert from 'node:assert/strict';
import type { StoreDocument } from '../../src/flags/model.ts';
import { RolloutController } from '../../src/rollout/controller.ts';
import type { MetricSource } from '../../src/rollout/metrics.ts';
import { getRolloutStatus, pauseRollout, resumeRollout, startRollout } from '../../src/rollout/plan.ts';
import type { RolloutPlanInput } from '../../src/rollout/plan.ts';
import { renderRolloutPage } from '../../src/rollout/page.ts';
import { MemoryStore } from './memory-store.ts';
import { createClock, documentWithFlag, errorRateGuardrail, trafficSource } from './fixtures.ts';

const target = { flagKey: 'new-checkout', environment: 'production' };
const plan: RolloutPlanInput = {
  variant: 'on',
  steps: [1, 10, 50, 100],
  minStepDurationMinutes: 10,
  minSamplesPerStep: 200,
  guardrails: [errorRateGuardrail],
};

async function servedPercentage(store: MemoryStore): Promise<number> {
  return (await store.read()).document.flags[0]?.environments.production?.rollout?.percentage ?? 0;
}

/** Edits the document directly, as another engineer's operation (e.g. setFlagEnabled) would. */
async function edit(store: MemoryStore, action: string, change: (doc: StoreDocument) => void, at: Date): Promise<void> {
  const base = await store.read();
  const document = structuredClone(base.document);
  change(document);
  await store.commit({
    base,
    document,
    audit: [
      {
        at: at.toISOString(),
        actor: 'cli:bob',
        action,
        flagKey: 'new-checkout',
        environment: 'production',
        changes: [],
      },
    ],
  });
}

async function setup(
  errorRate: { treatment: number; control: number },
  overrides: { plan?: Partial<RolloutPlanInput>; treatmentLoss?: number; rules?: boolean } = {},
) {
  const store = new MemoryStore(documentWithFlag({ rules: overrides.rules ?? false }));
  const clock = createClock();
  let percentage = 0;
  const source = trafficSource({
    requestsPerMinute: 3000,
    percentage: () => percentage,
    errorRate,
    ...(overrides.treatmentLoss === undefined ? {} : { treatmentLoss: overrides.treatmentLoss }),
  });
  store.onDidChange((s) => (percentage = s.document.flags[0]?.environments.production?.rollout?.percentage ?? 0));
  const controller = new RolloutController({ store, sources: { builtin: source }, now: clock.now });
  await startRollout(
    store,
    { ...target, plan: { ...plan, ...overrides.plan } },
    { actor: 'cli:alice', now: clock.now },
  );
  return { store, clock, controller, source };
}

describe('RolloutController', () => {
  it('walks a healthy release to 100%, holding each step for its minimum time', async () => {
    const { store, clock, controller, source } = await setup({ treatment: 0.01, control: 0.01 });
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      clock.advanceMinutes(5);
      const [result] = await controller.tick();
      if (result) seen.push(`${result.evaluation.decision.decision}@${result.evaluation.percentage}`);
    }
    const status = await getRolloutStatus(store, target);
    assert.equal(status.status, 'completed');
    assert.equal(await servedPercentage(store), 100);
    assert.deepEqual(seen, ['hold@1', 'advance@1', 'hold@10', 'advance@10', 'hold@50', 'complete@50']);
    // Each query asked for the current step's window only.
    assert.ok(source.queries.every((q) => q.treatment === 'on' && q.control === 'off' && q.start <= q.end));
    const actions = (await store.readAudit()).map((e) => e.action);
    assert.deepEqual(actions, [
      'rollout.start',
      'rollout.hold',
      'rollout.advance',
      'rollout.hold',
      'rollout.advance',
      'rollout.hold',
      'rollout.complete',
    ]);
    const advance = (await store.readAudit()).find((e) => e.action === 'rollout.advance');
    assert.equal(advance?.actor, 'controller');
    const guardrails = advance?.data?.guardrails as { verdict: string; treatment: { samples: number } }[];
    assert.equal(guardrails[0]?.verdict, 'pass');
    assert.equal(guardrails[0]?.treatment.samples, 300); // 3000/min · 10 min · 1%
  });

  it('rolls a faulty release back at the canary step and locks it until a human resumes', async () => {
    const { store, clock, controller } = await setup({ treatment: 0.12, control: 0.01 });
    clock.advanceMinutes(5);
    const [result] = await controller.tick();
    assert.equal(result?.evaluation.decision.decision, 'rollback');
    assert.deepEqual(result?.evaluation.decision.codes, ['breach:errors']);
    const status = await getRolloutStatus(store, target);
    assert.equal(status.status, 'rolled-back');
    assert.equal(status.percentage, 0);
    assert.match(status.reason ?? '', /errors: BREACH: treatment 12%/);
    const rollback = (await store.readAudit()).at(-1);
    assert.equal(rollback?.action, 'rollout.rollback');
    assert.deepEqual(
      rollback?.changes.find((c) => c.path.endsWith('/rollout/percentage')),
      {
        path: '/environments/production/rollout/percentage',
        before: 1,
        after: 0,
      },
    );
    clock.advanceMinutes(5);
    assert.deepEqual(await controller.tick(), [], 'a rolled-back plan is not touched again');
  });

  it('pauses instead when the plan says so', async () => {
    const { store, clock, controller } = await setup(
      { treatment: 0.12, control: 0.01 },
      { plan: { onBreach: 'pause' } },
    );
    clock.advanceMinutes(5);
    await controller.tick();
    const status = await getRolloutStatus(store, target);
    assert.equal(status.status, 'paused');
    assert.equal(status.percentage, 1);
  });

  it('locks the plan at 0% on the kill switch; resume needs the flag enabled again', async () => {
    const { store, clock, controller } = await setup({ treatment: 0.01, control: 0.01 });
    clock.advanceMinutes(15);
    await controller.tick(); // advance to 10%
    await edit(
      store,
      'flag.toggle',
      (doc) => {
        const env = doc.flags[0]?.environments.production;
        if (env) env.enabled = false;
      },
      clock.now(),
    );
    clock.advanceMinutes(1);
    const [result] = await controller.tick();
    assert.equal(result?.evaluation.decision.decision, 'lock');
    const locked = await getRolloutStatus(store, target);
    assert.equal(locked.status, 'locked');
    assert.equal(locked.percentage, 0);
    assert.match(locked.reason ?? '', /kill switch/);
    const context = { actor: 'cli:alice', now: clock.now };
    await assert.rejects(resumeRollout(store, target, context), /disabled/);
    await edit(
      store,
      'flag.toggle',
      (doc) => {
        const env = doc.flags[0]?.environments.production;
        if (env) env.enabled = true;
      },
      clock.now(),
    );
    clock.advanceMinutes(1);
    assert.deepEqual(await controller.tick(), [], 'a locked plan stays locked after re-enabling');
    const resumed = await resumeRollout(store, target, context);
    assert.equal(resumed.status, 'running');
    assert.equal(resumed.percentage, 10);
  });

  it('locks a paused plan too when the flag is disabled', async () => {
    const { store, clock, controller } = await setup({ treatment: 0.01, control: 0.01 });
    await pauseRollout(store, target, { actor: 'cli:alice', now: clock.now });
    clock.advanceMinutes(1);
    assert.deepEqual(await controller.tick(), [], 'a paused plan with the flag on is left alone');
    await edit(
      store,
      'flag.toggle',
      (doc) => {
        const env = doc.flags[0]?.environments.production;
        if (env) env.enabled = false;
      },
      clock.now(),
    );
    const [result] = await controller.tick();
    assert.equal(result?.evaluation.decision.decision, 'lock');
    assert.equal((await getRolloutStatus(store, target)).status, 'locked');
    assert.equal(await servedPercentage(store), 0);
  });

  it('holds (fail closed) when a source fails, and audits the hold once per distinct reason', async () => {
    const store = new MemoryStore(documentWithFlag());
    const clock = createClock();
    let failing = true;
    const flaky: MetricSource = {
      name: 'builtin',
      observe: () =>
        failing
          ? Promise.reject(new Error('ECONNREFUSED 127.0.0.1:9'))
          : Promise.resolve({ treatment: { samples: 1000, events: 10 }, control: { samples: 99000, events: 990 } }),
    };
    const controller = new RolloutController({ store, sources: { builtin: flaky }, now: clock.now });
    await startRollout(store, { ...target, plan }, { actor: 'cli:alice', now: clock.now });
    clock.advanceMinutes(30);
    const [first] = await controller.tick();
    assert.equal(first?.evaluation.decision.decision, 'hold');
    assert.deepEqual(first?.evaluation.decision.codes, ['source-error:errors']);
    assert.match(first?.evaluation.decision.reasons[0] ?? '', /fail closed.*ECONNREFUSED/);
    assert.equal(first?.committed, true);
    clock.advanceMinutes(1);
    const [second] = await controller.tick();
    assert.equal(second?.committed, false, 'same reasons: no new audit entry');
    const status = await getRolloutStatus(store, target);
    assert.equal(status.lastCheck?.decision, 'hold');
    assert.equal((await store.readAudit()).filter((e) => e.action === 'rollout.hold').length, 1);
    failing = false;
    clock.advanceMinutes(1);
    const [third] = await controller.tick();
    assert.equal(third?.evaluation.decision.decision, 'advance');
  });

  it('holds when the guardrail names a source the controller does not have', async () => {
    const store = new MemoryStore(documentWithFlag());
    const clock = createClock();
    const controller = new RolloutController({ store, sources: {}, now: clock.now });
    await startRollout(store, { ...target, plan }, { actor: 'cli:alice', now: clock.now });
    clock.advanceMinutes(60);
    const [result] = await controller.tick();
    assert.equal(result?.evaluation.decision.decision, 'hold');
    assert.match(result?.evaluation.decision.reasons.join(' ') ?? '', /no "builtin" metric source/);
    assert.equal(await servedPercentage(store), 1);
  });

  it('never advances on missing data', async () => {
    const { store, clock, controller } = await setup({ treatment: 0.01, control: 0.01 });
    const empty: MetricSource = {
      name: 'builtin',
      observe: () => Promise.resolve({ treatment: { samples: 0 }, control: { samples: 0 } }),
    };
    const starved = new RolloutController({ store, sources: { builtin: empty }, now: clock.now });
    clock.advanceMinutes(600);
    const [result] = await starved.tick();
    assert.equal(result?.evaluation.decision.decision, 'hold');
    assert.ok(result?.evaluation.decision.codes.includes('insufficient-data:errors'));
    controller.dispose();
  });

  it('pauses on a sample-ratio mismatch, and skips the check when targeting rules change the split', async () => {
    const lossy = await setup({ treatment: 0.01, control: 0.01 }, { treatmentLoss: 0.5 });
    lossy.clock.advanceMinutes(15);
    const [result] = await lossy.controller.tick();
    assert.equal(result?.evaluation.decision.decision, 'pause');
    assert.deepEqual(result?.evaluation.decision.codes, ['sample-ratio-mismatch']);
    assert.equal((await getRolloutStatus(lossy.store, target)).status, 'paused');

    const ruled = await setup({ treatment: 0.01, control: 0.01 }, { treatmentLoss: 0.5, rules: true });
    ruled.clock.advanceMinutes(15);
    const [skipped] = await ruled.controller.tick();
    assert.equal(skipped?.evaluation.sampleRatio, undefined);
  });

  it('pauses when the served percentage was changed outside the plan', async () => {
    const { store, clock, controller } = await setup({ treatment: 0.01, control: 0.01 });
    await edit(
      store,
      'flag.set-rollout',
      (doc) => {
        const env = doc.flags[0]?.environments.production;
        if (env) env.rollout = { variant: 'on', percentage: 40 };
      },
      clock.now(),
    );
    clock.advanceMinutes(15);
    const [result] = await controller.tick();
    assert.deepEqual(result?.evaluation.decision.codes, ['rollout-changed']);
    assert.equal((await getRolloutStatus(store, target)).status, 'paused');
    assert.equal(await servedPercentage(store), 40);
  });

  it('refuses a decision computed on a plan that changed meanwhile', async () => {
    const store = new MemoryStore(documentWithFlag());
    const clock = createClock();
    const racing: MetricSource = {
      name: 'builtin',
      observe: async () => {
        // A human pauses the plan while the controller is reading metrics.
        await edit(
          store,
          'rollout.pause',
          (doc) => {
            const p = doc.flags[0]?.environments.production?.plan;
            if (p) p.state.status = 'paused';
          },
          clock.now(),
        );
        return { treatment: { samples: 5000, events: 1000 }, control: { samples: 5000, events: 10 } };
      },
    };
    const controller = new RolloutController({ store, sources: { builtin: racing }, now: clock.now });
    await startRollout(store, { ...target, plan }, { actor: 'cli:alice', now: clock.now });
    clock.advanceMinutes(15);
    const [result] = await controller.tick();
    assert.equal(result?.evaluation.decision.decision, 'rollback');
    assert.equal(result?.committed, false);
    assert.match(result?.error ?? '', /changed while it was being checked/);
    assert.equal((await getRolloutStatus(store, target)).status, 'paused');
  });

  it('renders the rollout page with the timeline, the current step and the latest guardrail values', async () => {
    const { store, clock, controller } = await setup({ treatment: 0.12, control: 0.01 });
    clock.advanceMinutes(5);
    await controller.tick();
    const document = (await store.read()).document;
    const flag = document.flags[0];
    assert.ok(flag);
    const page = renderRolloutPage(flag, 'production', await store.readAudit(), controller.getLatestEvaluation(target));
    assert.match(page, /^# Rollout: new-checkout \(production\)/);
    assert.match(page, /Status: \*\*rolled-back\*\*/);
    assert.match(
      page,
      /\| errors \| error-rate \| builtin \| ≤ 2%, ≤ 50% worse than control \| 12% \(n=150\) \| 1.003% \(n=14850\) \| breach \|/,
    );
    assert.match(page, /\| controller \| rollout\.rollback \| 0% \|/);
    assert.match(page, /\| cli:alice \| rollout\.start \| 1% \|/);
  });

  it('works on the real FileStore: the rollback lands in .rollgate/audit.jsonl with its numbers', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rollgate-rollout-'));
    const clock = createClock();
    const store = await initStore(root);
    try {
      const context = { actor: 'cli:alice', now: clock.now, reason: 'test' };
      await applyOperation(store, createFlag({ key: 'new-checkout', name: 'New checkout', kind: 'release' }), context);
      await applyOperation(store, setFlagEnabled('new-checkout', 'production', true), context);
      await startRollout(store, { ...target, plan }, context);
      const source = trafficSource({
        requestsPerMinute: 3000,
        percentage: () => 1,
        errorRate: { treatment: 0.2, control: 0.01 },
      });
      const controller = new RolloutController({ store, sources: { builtin: source }, now: clock.now });
      clock.advanceMinutes(5);
      const [result] = await controller.tick();
      assert.equal(result?.committed, true);
      assert.equal((await getRolloutStatus(store, target)).status, 'rolled-back');
      const lines = (await readFile(join(store.location, 'audit.jsonl'), 'utf8')).trim().split('\n');
      const last = JSON.parse(lines.at(-1) ?? '{}') as {
        action?: string;
        actor?: string;
        data?: { guardrails?: { verdict: string }[] };
      };
      assert.equal(last.action, 'rollout.rollback');
      assert.equal(last.actor, 'controller');
      assert.equal(last.data?.guardrails?.[0]?.verdict, 'breach');
    } finally {
      store.dispose();
      await rm(root, { recursive: true, force: true });
    }
  });
});
