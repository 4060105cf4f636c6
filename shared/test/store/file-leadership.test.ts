// Controller leadership on a file store: `.rollgate/.controller.lock`, the commit lock's primitives held for as long
// as a process leads. A leader killed with SIGKILL is replaced at once (its pid is gone).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { initStore, openFileStore } from '../../src/store/file-store.ts';
import { eventually, makeTempDir, removeTempDir, startLeaderProcess } from './helpers.ts';

describe('file store controller leadership', () => {
  it('one process leads; another leads once it lets go; the lock file stays out of git', async () => {
    const root = await makeTempDir();
    const a = await initStore(root);
    const b = await openFileStore(root);
    const leadA = a.createLeadership('controller');
    const leadB = b.createLeadership('controller');
    try {
      assert.equal(await leadA.tryLead(), true);
      assert.equal(await leadB.tryLead(), false);
      assert.equal(await leadA.tryLead(), true, 'a holder confirms its lead');
      assert.match(await readFile(join(a.location, '.gitignore'), 'utf8'), /^\.\*\.lock$/m);
      leadA.dispose();
      assert.equal(await eventually(() => leadB.tryLead()), true);
      assert.equal(await leadA.tryLead(), false, 'a disposed leadership never leads again');

      // A leader whose lock file was taken over (removed by hand, then won by another) notices and stands by.
      const leadC = a.createLeadership('controller');
      await rm(join(a.location, '.controller.lock'));
      assert.equal(await leadC.tryLead(), true);
      assert.equal(await leadB.tryLead(), false, 'the fence sees another token');
      leadC.dispose();
    } finally {
      leadA.dispose();
      leadB.dispose();
      a.dispose();
      b.dispose();
      await removeTempDir(root);
    }
  });

  it('a leader killed with SIGKILL is replaced on the next try', async () => {
    const root = await makeTempDir();
    const store = await initStore(root);
    const leadership = store.createLeadership('controller');
    const child = await startLeaderProcess(
      join(import.meta.dirname, '../../src/store/file-store.ts'),
      'openFileStore',
      root,
    );
    try {
      assert.equal(child.leads, true, 'the child leads');
      assert.equal(await leadership.tryLead(), false, 'while it lives, this process stands by');
      await child.kill();
      assert.equal(await leadership.tryLead(), true, 'its pid is gone: taken over at once, no lease to wait out');
    } finally {
      await child.kill();
      leadership.dispose();
      store.dispose();
      await removeTempDir(root);
    }
  });
});
