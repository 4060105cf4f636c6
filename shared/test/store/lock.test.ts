// The fenced commit lock (lock.ts) on its own: the fence refuses to let a holder publish once it has lost the lock
// (taken over, removed, or paused past half a lease), and a takeover says whose lock it replaced and why.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isLockAbandoned, withLock } from '../../src/store/lock.ts';
import { assertFlagError, makeTempDir, removeTempDir } from './helpers.ts';

const options = { leaseMs: 10_000, timeoutMs: 1_000 };

describe('store lock fencing', () => {
  let dir: string;
  let lockPath: string;
  beforeEach(async () => {
    dir = await makeTempDir();
    lockPath = join(dir, '.lock');
  });
  afterEach(() => removeTempDir(dir));

  const lost = (why: RegExp) =>
    assertFlagError('STORE_CONFLICT', (e) => {
      assert.equal(e.details.reason, 'lock-lost');
      assert.match(e.message, why);
    });

  it('passes while held, and refuses (STORE_CONFLICT lock-lost) once another writer took the lock over', async () => {
    await withLock(lockPath, options, async (lock) => {
      lock.assertHeldSync();
      const owner = JSON.parse(await readFile(lockPath, 'utf8')) as Record<string, unknown>;
      await writeFile(lockPath, JSON.stringify({ ...owner, pid: 1, token: 'successor' }));
      assert.throws(() => lock.assertHeldSync(), lost(/another writer took it over/));
    });
  });

  it('refuses once the lock file is gone', async () => {
    await withLock(lockPath, options, async (lock) => {
      await unlink(lockPath);
      assert.throws(() => lock.assertHeldSync(), lost(/the lock file is gone/));
    });
  });

  it('refuses after the process was paused longer than half a lease (no refresh could run)', async () => {
    await withLock(lockPath, { leaseMs: 400, timeoutMs: 1_000 }, (lock) => {
      lock.assertHeldSync();
      // A synchronous pause: the refresh timer cannot run, as in a GC pause or SIGSTOP.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
      assert.throws(() => lock.assertHeldSync(), lost(/paused longer than the lease allows/));
      return Promise.resolve();
    });
  });

  it('takes over the lock of a process of this host that is gone, and says so', async () => {
    const { pid } = spawnSync(process.execPath, ['-e', '']);
    await writeFile(lockPath, JSON.stringify({ pid, host: hostname(), token: 'dead', acquiredAt: 'then' }));
    assert.equal(await isLockAbandoned(lockPath, options.leaseMs), true);
    const replaced = await withLock(lockPath, { leaseMs: 60_000, timeoutMs: 1_000 }, (lock) =>
      Promise.resolve(lock.replaced),
    );
    assert.deepEqual(replaced, {
      owner: { pid, host: hostname(), token: 'dead', acquiredAt: 'then' },
      why: 'process-gone',
    });
    assert.equal(await isLockAbandoned(lockPath, options.leaseMs), false, 'released: no lock');
  });

  it('leaves a fresh lock of another host alone until its lease has run out', async () => {
    await writeFile(lockPath, JSON.stringify({ pid: 1, host: 'build-agent-7', token: 'theirs', acquiredAt: 'now' }));
    assert.equal(await isLockAbandoned(lockPath, options.leaseMs), false);
    const old = new Date(Date.now() - 20_000);
    await utimes(lockPath, old, old);
    assert.equal(await isLockAbandoned(lockPath, options.leaseMs), true);
    const replaced = await withLock(lockPath, options, (lock) => Promise.resolve(lock.replaced));
    assert.equal(replaced?.why, 'lease-expired');
    assert.equal(replaced.owner?.host, 'build-agent-7');
  });
});
