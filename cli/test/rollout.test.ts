// `rollgate rollout …` and `rollgate controller` on the built CLI, in temp stores, with metrics written by the
// built-in recorder (as an app would) and the clock moved through ROLLGATE_NOW.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { MetricsRecorder } from '@rollgate/shared/rollout';
import type { RolloutStatusReport, TickResult } from '@rollgate/shared/rollout';
import { BIN, at, ensureBuilt, rollgate, rollgateJson, storeWithRunningRollout, tempDir } from './helpers.ts';

/** What an app instrumented with the recorder writes: `requests` per variant over minutes 1–9 after NOW. */
async function writeMetrics(dir: string, errorRate: { on: number; off: number }): Promise<void> {
  let t = Date.parse(at(1));
  const recorder = new MetricsRecorder({
    directory: join(dir, '.rollgate', 'metrics'),
    environment: 'staging',
    now: () => new Date(t),
    writerId: 'test-app',
  });
  for (let i = 0; i < 5000; i++) {
    t += 100;
    const variant = i % 10 === 0 ? 'on' : 'off';
    recorder.recordOutcome('new-checkout', variant, { error: (i % 1000) / 1000 < errorRate[variant] });
  }
  await recorder.close();
}

describe('rollgate rollout / controller', () => {
  before(() => ensureBuilt());

  it('starts, advances on healthy metrics, and shows status and the page', async () => {
    using temp = tempDir();
    const started = storeWithRunningRollout(temp.path);
    assert.equal(started.status, 'running');
    assert.equal(started.percentage, 10);
    await writeMetrics(temp.path, { on: 0.01, off: 0.01 });
    const ticks = rollgate(temp.path, ['--json', 'controller', '--once'], { ROLLGATE_NOW: at(10) });
    assert.equal(ticks.status, 0, ticks.stderr);
    const [tick] = JSON.parse(ticks.stdout) as TickResult[];
    assert.equal(tick?.evaluation.decision.decision, 'advance', JSON.stringify(tick?.evaluation.decision.reasons));
    const status = rollgateJson<RolloutStatusReport>(temp.path, [
      'rollout',
      'status',
      'new-checkout',
      '--env',
      'staging',
    ]);
    assert.equal(status.percentage, 50);
    assert.equal(status.lastCheck?.decision, 'advance');
    const page = rollgate(temp.path, ['rollout', 'page', 'new-checkout', '--env', 'staging']);
    assert.match(page.stdout, /\| controller \| rollout\.advance \| 50% \|/);
    assert.match(page.stdout, /\| cli:tester \| rollout\.start \| 10% \|/);
  });

  it('rolls back on a broken variant, then a human resumes from the first step', async () => {
    using temp = tempDir();
    storeWithRunningRollout(temp.path);
    await writeMetrics(temp.path, { on: 0.2, off: 0.01 });
    const text = rollgate(temp.path, ['controller', '--once'], { ROLLGATE_NOW: at(10) });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /new-checkout\/staging {2}rollback at 10%/);
    assert.match(text.stdout, /errors: BREACH/);
    const status = rollgateJson<RolloutStatusReport>(temp.path, [
      'rollout',
      'status',
      'new-checkout',
      '--env',
      'staging',
    ]);
    assert.equal(status.status, 'rolled-back');
    assert.equal(status.percentage, 0);
    const resumed = rollgateJson<RolloutStatusReport>(temp.path, [
      'rollout',
      'resume',
      'new-checkout',
      '--env',
      'staging',
    ]);
    assert.equal(resumed.status, 'running');
    assert.equal(resumed.percentage, 10);
    assert.equal(
      rollgateJson<RolloutStatusReport>(temp.path, ['rollout', 'pause', 'new-checkout', '--env', 'staging']).status,
      'paused',
    );
    assert.equal(
      rollgateJson<RolloutStatusReport>(temp.path, ['rollout', 'advance', 'new-checkout', '--env', 'staging'])
        .percentage,
      50,
    );
    assert.equal(
      rollgateJson<RolloutStatusReport>(temp.path, ['rollout', 'rollback', 'new-checkout', '--env', 'staging'])
        .percentage,
      0,
    );
  });

  it('reports bad input with an exit code and a hint', () => {
    using temp = tempDir();
    rollgateJson(temp.path, ['init']);
    rollgateJson(temp.path, ['create', 'new-checkout']);
    const cases: [string[], number, RegExp][] = [
      [['rollout', 'start', 'nope', '--env', 'staging'], 2, /rollgate list/],
      [['rollout', 'start', 'new-checkout', '--env', 'staging'], 1, /Enable the flag/],
      [['rollout', 'start', 'new-checkout', '--env', 'production'], 1, /--reason/],
      [['rollout', 'start', 'new-checkout', '--env', 'staging', '--guardrail', '{oops'], 1, /--guardrail '/],
      [['rollout', 'start', 'new-checkout', '--env', 'staging', '--min-duration', 'soon'], 1, /--min-duration 30/],
      [['rollout', 'status', 'new-checkout', '--env', 'staging'], 1, /rollout start/],
      [['controller', '--interval', '0'], 1, /--interval 60/],
      [['controller', '--prometheus-url', 'localhost:9090'], 1, /http:\/\/127\.0\.0\.1:9090/],
    ];
    for (const [args, code, hint] of cases) {
      const result = rollgate(temp.path, args);
      assert.equal(result.status, code, `rollgate ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, hint, args.join(' '));
    }
    // Approval gates: a human must be able to approve, so only protected environments take them.
    rollgateJson(temp.path, ['toggle', 'new-checkout', 'on', '--env', 'staging']);
    const start = ['rollout', 'start', 'new-checkout', '--env', 'staging', '--steps', '10,50,100'];
    const gated = rollgate(temp.path, [...start, '--approve-before', '50']);
    assert.equal(gated.status, 1, gated.stderr);
    assert.match(gated.stderr, /need a protected environment; "staging" is not protected/);
    const bad = rollgate(temp.path, [...start, '--approve-before', 'soon']);
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stderr, /--approve-before 50/);
  });

  it('runs long-lived, locks on the kill switch without waiting for the interval, and stops cleanly on SIGINT', async () => {
    using temp = tempDir();
    storeWithRunningRollout(temp.path);
    const child = spawn(process.execPath, [BIN, 'controller', '--interval', '3600'], {
      cwd: temp.path,
      env: { ...process.env, ROLLGATE_NOW: at(10) },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    /** Resolves when `text` appears in the output (false after 30 s). */
    const seen = (text: string): Promise<boolean> =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), 30_000);
        const check = (): void => {
          if (output.includes(text)) {
            clearTimeout(timer);
            resolve(true);
          }
        };
        child.stdout.on('data', check);
        check();
      });
    try {
      assert.ok(await seen('hold at 10%'), `no first tick within 30 s: ${output}`);
      assert.equal(rollgate(temp.path, ['toggle', 'new-checkout', 'off', '--env', 'staging']).status, 0);
      assert.ok(await seen('lock at 10%'), `kill switch not locked within 30 s: ${output}`);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.match(output, /waiting for data/);
  });

  it('long-running controllers on one store: one acts, the other stands by and takes over when it stops', async () => {
    using temp = tempDir();
    storeWithRunningRollout(temp.path);
    const start = (): { child: ReturnType<typeof spawn>; seen: (text: string) => Promise<boolean> } => {
      const child = spawn(process.execPath, [BIN, 'controller', '--interval', '0.1'], {
        cwd: temp.path,
        env: { ...process.env, ROLLGATE_NOW: at(1) },
      });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      /** Resolves when `text` appears in the output (false after 30 s). */
      const seen = (text: string): Promise<boolean> =>
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve(false), 30_000);
          const check = (): void => {
            if (output.includes(text)) {
              clearTimeout(timer);
              resolve(true);
            }
          };
          child.stdout?.on('data', check);
          check();
        });
      return { child, seen };
    };
    const first = start();
    let second: ReturnType<typeof start> | undefined;
    try {
      assert.ok(await first.seen('hold at 10%'), 'the first controller checks the rollout');
      second = start();
      assert.ok(await second.seen('standing by: another process'), 'the second one stands by');
      const exited = new Promise((resolve) => first.child.once('exit', resolve));
      first.child.kill('SIGINT');
      await exited;
      assert.ok(await second.seen('taking over'), 'the second one takes over');
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGINT');
    }
  });
});
