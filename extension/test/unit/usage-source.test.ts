// Where hovers read usage: a `.rollgate/` store's counts through its services, the server's in remote mode.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlagError } from '@rollgate/shared/errors';
import { RemoteStore, fileStoreServices, initStore } from '@rollgate/shared/store';
import { usageReaderOf } from '../../src/workspace/usage-source.ts';

const entry = {
  flagKey: 'new-checkout',
  variant: 'on',
  environment: 'production',
  provider: 'flagd',
  sdk: 'openfeature-js',
  count: 42,
  firstSeen: '2026-11-20T10:00:00.000Z',
  lastSeen: '2026-11-20T11:00:00.000Z',
};

describe('usageReaderOf', () => {
  it('reads what the server of a .rollgate/ store added through its services', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollgate-usage-source-'));
    const store = await initStore(dir);
    try {
      await fileStoreServices(store).usage.add({ batchId: 'batch-0001', entries: [entry] });
      const days = await usageReaderOf(store).flagUsage('new-checkout');
      assert.deepEqual(
        days.map((d) => [d.environment, d.date, d.variants]),
        [['production', '2026-11-20', { on: 42 }]],
      );
    } finally {
      store.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('asks the Rollgate server in remote mode (here one that is down), never local files', async () => {
    const store = new RemoteStore({ url: 'http://127.0.0.1:9', token: 'rgt_test' });
    try {
      await assert.rejects(
        usageReaderOf(store).flagUsage('new-checkout'),
        (e: unknown) =>
          FlagError.is(e, 'STORE_IO') && /Cannot reach the Rollgate server at http:\/\/127\.0\.0\.1:9/.test(e.message),
      );
    } finally {
      store.dispose();
    }
  });
});
