// THE concurrency test: three processes write to one store at the same time through applyOperation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { applyOperation, createFlag } from '../../src/flags/operations.ts';
import { initStore, openFileStore } from '../../src/store/file-store.ts';
import { parseStoreDocument } from '../../src/store/store-yaml.ts';
import { CREATES_PER_WORKER, SHARED_FLAG, context, makeTempDir, removeTempDir } from './helpers.ts';

const WORKERS = 3;
const WRITES_PER_WORKER = 300;

function startWorker(root: string, worker: number): { child: ChildProcess; ready: Promise<void>; done: Promise<void> } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'concurrent-writer.ts'),
      root,
      String(worker),
      String(WRITES_PER_WORKER),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => line === 'ready' && resolve());
    child.on('exit', () => reject(new Error(`worker ${worker} exited before it was ready:\n${stderr}`)));
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`worker ${worker} failed (exit ${code}):\n${stderr}`)),
    );
  });
  return { child, ready, done };
}

describe('FileStore under concurrent writers', () => {
  it(`${WORKERS} processes × ${WRITES_PER_WORKER} writes: every change lands, revisions are consecutive`, async () => {
    const root = await makeTempDir({ inMemory: true });
    const workers: ReturnType<typeof startWorker>[] = [];
    try {
      const setup = await initStore(root);
      await applyOperation(setup, createFlag({ key: SHARED_FLAG, name: 'Shared', kind: 'operational' }), context());
      setup.dispose();

      for (let w = 0; w < WORKERS; w++) workers.push(startWorker(root, w));
      await Promise.all(workers.map((w) => w.ready));
      // Released together, so their writes interleave.
      for (const w of workers) w.child.stdin?.end('go\n');
      await Promise.all(workers.map((w) => w.done));

      const store = await openFileStore(root);
      const { document, revision } = await store.read();
      const total = WORKERS * WRITES_PER_WORKER;
      // No lost update: every increment of the shared counter is there.
      const shared = document.flags.find((f) => f.key === SHARED_FLAG);
      assert.equal(shared?.metadata?.count, WORKERS * (WRITES_PER_WORKER - CREATES_PER_WORKER));
      for (let w = 0; w < WORKERS; w++) {
        for (let i = 0; i < CREATES_PER_WORKER; i++) {
          assert.ok(
            document.flags.some((f) => f.key === `w${w}-${i}`),
            `flag w${w}-${i} exists`,
          );
        }
      }
      assert.equal(document.flags.length, 1 + WORKERS * CREATES_PER_WORKER);

      const audit = await store.readAudit();
      assert.equal(audit.length, 1 + total);
      assert.deepEqual(
        audit.map((e) => e.revision),
        Array.from({ length: 1 + total }, (_, i) => i + 1),
      );
      assert.equal(revision, 1 + total);
      for (let w = 0; w < WORKERS; w++) {
        assert.equal(audit.filter((e) => e.actor === `worker:${w}`).length, WRITES_PER_WORKER);
      }
      // The file on disk parses on its own, independently of the store's cache.
      const text = await readFile(join(root, '.rollgate', 'flags.yaml'), 'utf8');
      assert.equal(parseStoreDocument(text, 'flags.yaml').flags.length, document.flags.length);
      store.dispose();
    } finally {
      for (const w of workers) w.child.kill();
      await removeTempDir(root);
    }
  });
});
