// Child process of the fault-injection tests (fault-injection.test.ts): a real writer of the store in argv[3],
// driven by the mode in argv[2]. It prints "ready" once the store is open (the controller: once its plan runs), and "ack <revision>" after each change
// the store acknowledged (applyOperation resolved), so the parent knows which updates must survive.
//   hold <root>                        take the lock (inside update) and block forever: the parent kills it
//   write <root> <actor>               increment the shared counter until killed
//   stop <root> <actor> <count> <i,…>  make <count> increments; in those numbered <i,…>, stop itself (SIGSTOP)
//                                      while holding the lock, after reading its base, and print "stopped"
//   controller <root>                  run the rollout controller on ROLLOUT_FLAG until killed: healthy metrics, no
//                                      minimum duration, so every tick advances; a completed plan is started again
import { writeSync } from 'node:fs';
import { applyOperation, createFlag, setFlagEnabled, updateFlag } from '../../src/flags/operations.ts';
import type { Operation } from '../../src/flags/operations.ts';
import { RolloutController } from '../../src/rollout/controller.ts';
import type { MetricSource } from '../../src/rollout/metrics.ts';
import { startRollout } from '../../src/rollout/plan.ts';
import { openFileStore } from '../../src/store/file-store.ts';
import { ROLLOUT_FLAG, SHARED_FLAG } from './helpers.ts';

const [mode, root, actor = 'writer', countArg = '0', stopsArg = ''] = process.argv.slice(2);
if (root === undefined) throw new Error('usage: fault-writer.ts <hold|write|stop> <root> [actor count stops]');
const context = { actor, now: () => new Date('2026-11-01T12:00:00.000Z') };
const store = await openFileStore(root, { lockLeaseMs: Number(process.env.ROLLGATE_TEST_LEASE_MS ?? 10_000) });

/** stdout lines are written synchronously: the parent may SIGKILL or SIGSTOP this process right after one. */
function say(line: string): void {
  writeSync(1, `${line}\n`);
}

function increment(beforeCommit: () => void = () => {}): Operation {
  return (document, ctx) => {
    beforeCommit();
    const current = Number(document.flags.find((f) => f.key === SHARED_FLAG)?.metadata?.count ?? 0);
    return updateFlag(SHARED_FLAG, { metadata: { count: current + 1 } })(document, ctx);
  };
}

// The controller says it once its flag and plan are there (its setup is not what the kills are for).
if (mode !== 'controller') say('ready');
switch (mode ?? '') {
  case 'hold':
    await applyOperation(
      store,
      increment(() => {
        say('locked');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // blocks until killed
      }),
      context,
    );
    break;
  case 'write':
    for (;;) say(`ack ${(await applyOperation(store, increment(), context)).revision}`);
  case 'stop': {
    const stops = new Set(stopsArg.split(',').map(Number));
    for (let i = 0; i < Number(countArg); i++) {
      let stopped = false;
      const operation = increment(() => {
        // Only on the first run of the operation: a retry after losing the lock must go through.
        if (!stops.has(i) || stopped) return;
        stopped = true;
        say('stopped');
        process.kill(process.pid, 'SIGSTOP');
      });
      say(`ack ${(await applyOperation(store, operation, context)).revision}`);
    }
    break;
  }
  case 'controller': {
    const now = (): Date => new Date();
    const target = { flagKey: ROLLOUT_FLAG, environment: 'staging' };
    if (!(await store.read()).document.flags.some((f) => f.key === ROLLOUT_FLAG)) {
      await applyOperation(store, createFlag({ key: ROLLOUT_FLAG, name: 'Rollout', kind: 'release' }), context);
      await applyOperation(store, setFlagEnabled(ROLLOUT_FLAG, 'staging', true), context);
    }
    // Healthy, and split as the plan says (no sample-ratio mismatch).
    const healthy: MetricSource = {
      name: 'healthy',
      observe: async (query) => {
        const config = (await store.read()).document.flags.find((f) => f.key === query.flagKey)?.environments.staging;
        const percentage = config?.rollout?.percentage ?? 0;
        return {
          treatment: { samples: 1000 * percentage, events: 0 },
          control: { samples: 1000 * (100 - percentage), events: 0 },
        };
      },
    };
    const controller = new RolloutController({ store, sources: { builtin: healthy }, now, actor: 'controller' });
    let ready = false;
    for (;;) {
      const results = await controller.tick();
      if (results.length > 0) {
        if (!ready) say('ready');
        ready = true;
        continue;
      }
      const plan = { variant: 'on', steps: [1, 5, 25, 50, 100], minStepDurationMinutes: 0, minSamplesPerStep: 0 };
      const guardrails = [{ name: 'errors', metric: 'error-rate' as const, max: 0.5 }];
      await startRollout(store, { ...target, plan: { ...plan, guardrails } }, { actor: 'controller', now });
    }
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
store.dispose();
