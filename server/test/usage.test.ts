import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FileSdkKeyStore, initStore, type FileStore } from '@rollgate/shared/store';
import { FileUsageStore } from '@rollgate/shared/telemetry/usage-store';
import type { RollgateServer } from '../src/server.ts';
import { serveInProcess } from './helpers.ts';

const run = promisify(execFile);

describe('POST /v1/usage', () => {
  let dir: string;
  let store: FileStore;
  let server: RollgateServer;
  let usage: FileUsageStore;
  let secret: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rollgate-usage-'));
    store = await initStore(dir);
    const keys = new FileSdkKeyStore(store.location);
    secret = (await keys.create({ environment: 'production', now: new Date() })).secret;
    usage = new FileUsageStore(join(store.location, 'usage'));
    server = await serveInProcess(store, { keys, usage });
  });
  after(async () => {
    await server.close();
    store.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('usage counts from two app processes add up exactly', async () => {
    const app = (name: string, evaluations: number) =>
      run(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'usage-app.ts'), server.url, secret, String(evaluations), name],
        {
          timeout: 60_000,
        },
      );
    const outputs = await Promise.all([app('a', 1500), app('b', 900)]);
    const served: Record<string, number> = {};
    for (const { stdout } of outputs) {
      const result = JSON.parse(stdout) as { served: Record<string, number>; pending: number };
      assert.equal(result.pending, 0);
      for (const [v, n] of Object.entries(result.served)) served[v] = (served[v] ?? 0) + n;
    }
    const days = await usage.flagUsage('checkout');
    const stored: Record<string, number> = {};
    for (const d of days) for (const [v, n] of Object.entries(d.variants)) stored[v] = (stored[v] ?? 0) + n;
    assert.deepEqual(stored, served);
    assert.equal((stored.on ?? 0) + (stored.off ?? 0), 2400);
    assert.deepEqual(days[0]?.providers, ['rollgate']);
  });

  it('a retried batch is added once; other environments and missing keys are refused', async () => {
    const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${secret}` }) =>
      fetch(`${server.url}/v1/usage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const entry = {
      flagKey: 'retry-flag',
      variant: 'on',
      environment: 'production',
      provider: 'rollgate',
      sdk: 'test',
      count: 7,
      firstSeen: '2026-12-06T10:00:00.000Z',
      lastSeen: '2026-12-06T10:01:00.000Z',
    };
    const batch = { batchId: 'retry-batch-1', entries: [entry] };
    assert.deepEqual(await (await post(batch)).json(), { batchId: 'retry-batch-1', added: true });
    assert.deepEqual(await (await post(batch)).json(), { batchId: 'retry-batch-1', added: false });
    assert.deepEqual(
      (await usage.flagUsage('retry-flag')).map((d) => d.variants),
      [{ on: 7 }],
    );
    assert.equal((await post({ batchId: 'other-env-1', entries: [{ ...entry, environment: 'staging' }] })).status, 403);
    assert.equal((await post(batch, {})).status, 401);
    const invalid = await post({ batchId: 'x', entries: [] });
    assert.equal(invalid.status, 400);
    assert.match(JSON.stringify(await invalid.json()), /batchId/);
  });
});
