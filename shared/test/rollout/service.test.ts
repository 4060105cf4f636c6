import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runControllerService, type ControllerLeadership } from '../../src/rollout/service.ts';
import { startRollout } from '../../src/rollout/plan.ts';
import type { TickResult } from '../../src/rollout/controller.ts';
import { MemoryStore } from './memory-store.ts';
import { createClock, documentWithFlag, errorRateGuardrail, trafficSource } from './fixtures.ts';

const target = { flagKey: 'new-checkout', environment: 'production' };

/** One baton among processes, as an advisory lock is: the first to ask holds it until it lets go. */
function createBaton(): { leadership(name: string): ControllerLeadership; holder(): string | undefined } {
  let holder: string | undefined;
  return {
    holder: () => holder,
    leadership: (name) => ({
      tryLead: () => {
        holder ??= name;
        return Promise.resolve(holder === name);
      },
      dispose: () => {
        if (holder === name) holder = undefined;
      },
    }),
  };
}

function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 5);
    };
    check();
  });
}

describe('runControllerService', () => {
  it('lets only the leader act; another process takes over when it leaves, without skipping or repeating a step', async () => {
    const store = new MemoryStore(documentWithFlag());
    const clock = createClock();
    let percentage = 0;
    store.onDidChange((s) => (percentage = s.document.flags[0]?.environments.production?.rollout?.percentage ?? 0));
    const source = trafficSource({
      requestsPerMinute: 3000,
      percentage: () => percentage,
      errorRate: { treatment: 0.01, control: 0.01 },
    });
    await startRollout(
      store,
      {
        ...target,
        plan: {
          variant: 'on',
          steps: [1, 10, 50, 100],
          minStepDurationMinutes: 10,
          minSamplesPerStep: 200,
          guardrails: [errorRateGuardrail],
        },
      },
      { actor: 'cli:alice', now: clock.now },
    );
    const baton = createBaton();
    const ticks = { a: 0, b: 0 };
    const leading: string[] = [];
    const start = (name: 'a' | 'b', signal: AbortSignal, leadership: ControllerLeadership): Promise<TickResult[]> =>
      runControllerService({
        store,
        sources: { builtin: source },
        now: clock.now,
        intervalMs: 10,
        signal,
        actor: `controller-${name}`,
        leadership,
        onTick: () => ticks[name]++,
        onLeadershipChange: (leads) => leads && leading.push(name),
      });

    const stopA = new AbortController();
    const leadershipA = baton.leadership('a');
    const runA = start('a', stopA.signal, leadershipA);
    await until(() => ticks.a > 0, 'the first leader to tick');
    const stopB = new AbortController();
    const runB = start('b', stopB.signal, baton.leadership('b'));

    // Two steps under a, then a dies (its lock goes with it) and b carries on.
    for (let i = 0; i < 4; i++) {
      clock.advanceMinutes(5);
      const seen = ticks.a;
      await until(() => ticks.a > seen, 'a tick of the leader');
    }
    stopA.abort();
    await runA;
    leadershipA.dispose();
    for (let i = 0; i < 4; i++) {
      clock.advanceMinutes(5);
      const seen = ticks.b;
      await until(() => ticks.b > seen, 'a tick of the new leader');
    }
    stopB.abort();
    await runB;

    assert.deepEqual(leading, ['a', 'b']);
    const decisions = (await store.readAudit())
      .filter((e) => e.action !== 'rollout.start')
      .map((e) => `${e.actor} ${e.action}`);
    assert.deepEqual(decisions, [
      'controller-a rollout.hold',
      'controller-a rollout.advance',
      'controller-a rollout.hold',
      'controller-a rollout.advance',
      'controller-b rollout.hold',
      'controller-b rollout.complete',
    ]);
  });

  it('reports a failing tick and keeps running; with once, the failure rejects', async () => {
    const store = new MemoryStore(documentWithFlag());
    let reads = 0;
    const read = store.read.bind(store);
    store.read = () => (++reads === 1 ? Promise.reject(new Error('disk gone')) : read());
    const errors: string[] = [];
    const stop = new AbortController();
    const run = runControllerService({
      store,
      sources: {},
      now: () => new Date(),
      intervalMs: 5,
      signal: stop.signal,
      onTickError: (e) => errors.push(String(e)),
      onTick: () => stop.abort(),
    });
    assert.deepEqual(await run, []);
    assert.deepEqual(errors, ['Error: disk gone']);

    reads = 0;
    await assert.rejects(
      runControllerService({
        store,
        sources: {},
        now: () => new Date(),
        intervalMs: 5,
        once: true,
        signal: stop.signal,
      }),
      /disk gone/,
    );
  });
});
