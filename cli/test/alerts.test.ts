// `rollgate controller` with alert receivers: a rollback and a kill switch reach a local webhook receiver, signed
// per Standard Webhooks; the secret comes from the environment and never lands in the store or the audit log.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { MetricsRecorder } from '@rollgate/shared/rollout';
import {
  BIN,
  at,
  ensureBuilt,
  rollgate,
  rollgateAsync,
  rollgateJson,
  storeWithRunningRollout,
  tempDir,
} from './helpers.ts';
import { startReceiver } from '../../shared/test/alerts/receiver.ts';
import type { Receiver } from '../../shared/test/alerts/receiver.ts';

const SECRET = `whsec_${Buffer.from('cli-alerts-test-signing-key-0001').toString('base64')}`;

describe('rollgate controller alerts', () => {
  let hook: Receiver;
  before(async () => {
    ensureBuilt();
    hook = await startReceiver();
  });
  after(() => hook.close());

  it('announces a rollback and a kill switch to a signed webhook', async () => {
    using temp = tempDir();
    storeWithRunningRollout(temp.path);
    writeFileSync(
      join(temp.path, '.rollgate', 'alerts.yaml'),
      `receivers:\n  - name: sink\n    kind: webhook\n    url: ${hook.url}/rollgate\n    secretEnv: ROLLGATE_TEST_WEBHOOK_SECRET\n`,
    );
    let t = Date.parse(at(1));
    const recorder = new MetricsRecorder({
      directory: join(temp.path, '.rollgate', 'metrics'),
      environment: 'staging',
      now: () => new Date(t),
      writerId: 'test-app',
    });
    for (let i = 0; i < 5000; i++) {
      t += 100;
      const variant = i % 10 === 0 ? 'on' : 'off';
      recorder.recordOutcome('new-checkout', variant, { error: variant === 'on' && i % 5 === 0 });
    }
    await recorder.close();

    const run = await rollgateAsync(temp.path, ['controller', '--once'], {
      ROLLGATE_NOW: at(10),
      ROLLGATE_TEST_WEBHOOK_SECRET: SECRET,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /alerts: sink \(webhook\)/);
    assert.equal(hook.requests.length, 1, run.stdout);
    const rollback = new Webhook(SECRET).verify(
      hook.requests[0]?.body ?? '',
      hook.requests[0]?.headers as Record<string, string>,
    ) as { type: string; data: { summary: string; flagKey: string } };
    assert.equal(rollback.type, 'rollout.rolled-back');
    assert.match(rollback.data.summary, /new-checkout in staging rolled back to 0%/);

    // A missing secret is refused before anything runs, naming the variable.
    const missing = rollgate(temp.path, ['controller', '--once'], { ROLLGATE_NOW: at(11) });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /ROLLGATE_TEST_WEBHOOK_SECRET/);

    const delivered = readFileSync(join(temp.path, '.rollgate', 'alerts', 'deliveries.jsonl'), 'utf8');
    assert.match(delivered, /"outcome":"delivered"/);
    for (const file of ['flags.yaml', 'audit.jsonl', 'alerts.yaml']) {
      assert.ok(!readFileSync(join(temp.path, '.rollgate', file), 'utf8').includes(SECRET), `no secret in ${file}`);
    }
    assert.match(readFileSync(join(temp.path, '.rollgate', '.gitignore'), 'utf8'), /^alerts\/$/m);

    // A running controller announces a kill switch made from another terminal.
    const controller = spawn(process.execPath, [BIN, 'controller', '--interval', '3600'], {
      cwd: temp.path,
      env: { ...process.env, ROLLGATE_TEST_WEBHOOK_SECRET: SECRET, USER: 'tester' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => controller.on('close', resolve));
    await new Promise<void>((resolve) => {
      let out = '';
      controller.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        if (out.includes('rollout controller on')) resolve();
      });
    });
    rollgateJson(temp.path, ['toggle', 'new-checkout', 'off', '--env', 'staging', '--reason', 'checkout errors']);
    await hook.waitFor(2);
    controller.kill('SIGTERM');
    await exited;
    const kill = new Webhook(SECRET).verify(
      hook.requests[1]?.body ?? '',
      hook.requests[1]?.headers as Record<string, string>,
    ) as { type: string; data: { summary: string } };
    assert.equal(kill.type, 'kill-switch');
    assert.match(kill.data.summary, /new-checkout in staging turned off by cli:tester: checkout errors/);
  });
});
