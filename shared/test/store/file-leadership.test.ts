// Controller leadership on a file store: `.rollgate/.controller.lock`, the commit lock's primitives held for as long
// as a process leads. A leader killed with SIGKILL is replaced at once (its pid is gone).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { initStore, openFileStore } from '../../src/store/file-store.ts';
import { makeTempDir, removeTempDir } from './helpers.ts';

/** Polls `probe` until it resolves true (false after 10 s). */
async function eventually(probe: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

/** A process that takes the leadership of the store at `root`, prints whether it leads, and stays. */
const LEADER_SCRIPT = `
import { openFileStore } from ${JSON.stringify(join(import.meta.dirname, '../../src/store/file-store.ts'))};
const store = await openFileStore(process.argv[1]);
console.log(String(await store.createLeadership('controller').tryLead()));
setInterval(() => {}, 60_000);
`;

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
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', LEADER_SCRIPT, root], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', () => reject(new Error(`the leader exited early:\n${stderr}`)));
      });
      assert.equal(first, 'true', 'the child leads');
      assert.equal(await leadership.tryLead(), false, 'while it lives, this process stands by');
      child.kill('SIGKILL');
      await exited;
      assert.equal(await leadership.tryLead(), true, 'its pid is gone: taken over at once, no lease to wait out');
    } finally {
      child.kill('SIGKILL');
      leadership.dispose();
      store.dispose();
      await removeTempDir(root);
    }
  });
});
