// Child process of concurrency.test.ts: opens the store in argv[2], says "ready", waits for "go" on stdin, then
// makes argv[4] changes as worker argv[3]: the first CREATES flags of its own, the rest increment the shared
// counter (a read-modify-write that loses updates unless conflicts are detected and the operation re-applied).
import { createInterface } from 'node:readline';
import { applyOperation, createFlag, updateFlag } from '../../src/flags/operations.ts';
import type { Operation } from '../../src/flags/operations.ts';
import { openFileStore } from '../../src/store/file-store.ts';
import { CREATES_PER_WORKER, SHARED_FLAG } from './helpers.ts';

const [root, worker, countArg] = process.argv.slice(2);
if (root === undefined || worker === undefined || countArg === undefined) {
  throw new Error('usage: concurrent-writer.ts <root> <worker> <count>');
}
const count = Number(countArg);
const context = { actor: `worker:${worker}`, now: () => new Date('2026-11-01T12:00:00.000Z') };

const increment: Operation = (document, ctx) => {
  const current = Number(document.flags.find((f) => f.key === SHARED_FLAG)?.metadata?.count ?? 0);
  return updateFlag(SHARED_FLAG, { metadata: { count: current + 1 } })(document, ctx);
};

const store = await openFileStore(root);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;
lines.close();

for (let i = 0; i < count; i++) {
  const operation =
    i < CREATES_PER_WORKER
      ? createFlag({ key: `w${worker}-${i}`, name: `Worker ${worker} #${i}`, kind: 'release' })
      : increment;
  await applyOperation(store, operation, context);
}
store.dispose();
