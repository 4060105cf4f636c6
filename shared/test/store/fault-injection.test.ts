// Fault injection against the file store with real child processes (fault-writer.ts): dead lock holders, a writer
// stopped (SIGSTOP) past the lease while another commits, and random kill -9 of concurrent writers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import type { AuditEntry, Flag, JsonValue } from '../../src/flags/model.ts';
import { applyOperation, createFlag, updateFlag } from '../../src/flags/operations.ts';
import type { Operation } from '../../src/flags/operations.ts';
import { initStore, openFileStore } from '../../src/store/file-store.ts';
import type { FileStoreOptions } from '../../src/store/file-store.ts';
import { SHARED_FLAG, assertFlagError, context, makeTempDir, removeTempDir } from './helpers.ts';

const WRITER = join(import.meta.dirname, 'fault-writer.ts');

interface Child {
  readonly process: ChildProcess;
  /** Resolves with the first line equal to `line`. */
  line(line: string): Promise<void>;
  /** Revisions this child was told were committed. */
  readonly acked: number[];
  readonly exited: Promise<number | null>;
}

function startWriter(args: string[], { command = [WRITER], env = {} } = {}): Child {
  const child = spawn(process.execPath, [...(command[0] === WRITER ? ['--import', 'tsx'] : []), ...command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const acked: number[] = [];
  const waiting = new Map<string, () => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
    waiting.get(line)?.();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    process: child,
    acked,
    exited,
    line: (line) =>
      new Promise<void>((resolve, reject) => {
        waiting.set(line, resolve);
        void exited.then((code) => reject(new Error(`writer exited (${code}) before "${line}":\n${stderr}`)));
      }),
  };
}

const increment: Operation = (document, ctx) => {
  const current = Number(document.flags.find((f) => f.key === SHARED_FLAG)?.metadata?.count ?? 0);
  return updateFlag(SHARED_FLAG, { metadata: { count: current + 1 } })(document, ctx);
};

/** A store with the shared counter flag at revision 1. */
async function setUp(root: string): Promise<void> {
  const store = await initStore(root);
  await applyOperation(store, createFlag({ key: SHARED_FLAG, name: 'Shared', kind: 'operational' }), context());
  store.dispose();
}

/**
 * Opens the store (which repairs it) and checks it is consistent: no journal left, flags.yaml parses, the audit
 * revisions are 1..R each once, the counter equals the number of increments audited and every value the audit log
 * says it set is the value in flags.yaml unless a later entry changed it (no state without its entry, no entry
 * without its state, whoever wrote: writers or the rollout controller), every acknowledged revision is in the log
 * under its writer, and the flagd outputs match flags.yaml. Returns the revision and whether the open repaired a
 * journal.
 */
async function assertConsistent(
  root: string,
  acked: ReadonlyMap<string, readonly number[]>,
): Promise<{ revision: number; recovered: boolean }> {
  const store = await openFileStore(root);
  try {
    const recovered = store.takeRecoveries().some((r) => r.action !== 'lock-recovered');
    assert.equal(existsSync(join(root, '.rollgate', 'journal.json')), false, 'journal left after open');
    const { document, revision } = await store.read();
    const audit = await store.readAudit();
    assert.deepEqual(
      audit.map((e) => e.revision),
      Array.from({ length: revision }, (_, i) => i + 1),
      'audit revisions are contiguous and issued once',
    );
    const count = Number(document.flags.find((f) => f.key === SHARED_FLAG)?.metadata?.count ?? 0);
    const increments = audit.filter((e) => e.flagKey === SHARED_FLAG && e.action === 'flag.update').length;
    assert.equal(count, increments, 'every state of the counter has its audit entry');
    assertAuditExplainsFlags(document.flags, audit);
    for (const [actor, revisions] of acked) {
      for (const r of revisions) assert.equal(audit[r - 1]?.actor, actor, `acknowledged revision ${r} of ${actor}`);
    }
    const outputs = await store.checkCompiledOutputs();
    assert.deepEqual(
      outputs.filter((o) => o.state !== 'fresh'),
      [],
      'flagd outputs match flags.yaml',
    );
    return { revision, recovered };
  } finally {
    store.dispose();
  }
}

/**
 * Replays the `changes` of every flag's audit entries in order onto an empty value and compares each path they
 * touched with the flag in the document: a commit that landed without its audit entry (or an entry without its
 * commit) leaves some path different.
 */
function assertAuditExplainsFlags(flags: readonly Flag[], audit: readonly AuditEntry[]): void {
  const replayed = new Map<string, { value: JsonValue | undefined; paths: Set<string> }>();
  for (const entry of audit) {
    if (entry.flagKey === undefined) continue;
    const flag = replayed.get(entry.flagKey) ?? { value: undefined, paths: new Set<string>() };
    for (const change of entry.changes) {
      flag.value = setPointer(flag.value, change.path, change.after);
      flag.paths.add(change.path);
    }
    replayed.set(entry.flagKey, flag);
  }
  for (const [key, { value, paths }] of replayed) {
    const current = flags.find((f) => f.key === key) as JsonValue | undefined;
    for (const path of paths) {
      assert.deepEqual(getPointer(current, path), getPointer(value, path), `${key}${path}: flags.yaml vs audit log`);
    }
  }
}

function pointerTokens(path: string): string[] {
  return path === ''
    ? []
    : path
        .slice(1)
        .split('/')
        .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function getPointer(value: JsonValue | undefined, path: string): JsonValue | undefined {
  let node = value;
  for (const token of pointerTokens(path)) {
    node = typeof node === 'object' && node !== null && !Array.isArray(node) ? node[token] : undefined;
  }
  return node;
}

/** `root` with the value at `path` set to `value` (removed when undefined); a copy where it changes. */
function setPointer(root: JsonValue | undefined, path: string, value: JsonValue | undefined): JsonValue | undefined {
  return setAt(root, pointerTokens(path), value);
}

function setAt(
  root: JsonValue | undefined,
  tokens: readonly string[],
  value: JsonValue | undefined,
): JsonValue | undefined {
  const [token, ...rest] = tokens;
  if (token === undefined) return value === undefined ? undefined : structuredClone(value);
  const object = typeof root === 'object' && root !== null && !Array.isArray(root) ? { ...root } : {};
  const child = setAt(object[token], rest, value);
  if (child === undefined) delete object[token];
  else object[token] = child;
  return object;
}

async function readAuditOf(root: string): Promise<AuditEntry[]> {
  const store = await openFileStore(root);
  try {
    return await store.readAudit();
  } finally {
    store.dispose();
  }
}

describe('FileStore lock recovery', () => {
  let root: string;
  before(async () => {
    root = await makeTempDir({ inMemory: true });
    await setUp(root);
  });
  after(() => removeTempDir(root));

  it('takes over the lock of a killed holder at once, without waiting for the lease', async (t) => {
    const holder = startWriter(['hold', root, 'holder']);
    await holder.line('locked');
    holder.process.kill('SIGKILL');
    await holder.exited;
    const started = performance.now();
    // A lease far longer than the wait, and the 1 s as the lock timeout: only the dead-process check can
    // let this commit through. The open already takes the lock over, and says so.
    const store = await openFileStore(root, { lockLeaseMs: 60_000, lockTimeoutMs: 1_000 });
    assert.deepEqual(
      store.takeRecoveries().map((r) => r.action),
      ['lock-recovered'],
    );
    const { revision } = await applyOperation(store, increment, context());
    t.diagnostic(`lock of a killed holder recovered in ${(performance.now() - started).toFixed(0)} ms`);
    store.dispose();
    assert.deepEqual(await assertConsistent(root, new Map([['test:alice', [revision]]])), {
      revision,
      recovered: false,
    });
  });

  const lockFile = (): string => join(root, '.rollgate', '.lock');
  const writeLock = (owner: Record<string, unknown>): Promise<void> =>
    writeFile(lockFile(), JSON.stringify({ token: 'theirs', acquiredAt: new Date().toISOString(), ...owner }));
  const patient: FileStoreOptions = { lockLeaseMs: 60_000, lockTimeoutMs: 300 };

  it(
    'takes over a lock whose pid now belongs to a process that started later (pid reuse)',
    { skip: !existsSync('/proc/self/stat') },
    async () => {
      await writeLock({ pid: process.pid, host: hostname(), start: 'an-earlier-boot:42' });
      const store = await openFileStore(root, patient);
      await applyOperation(store, increment, context());
      store.dispose();
    },
  );

  it('respects the lock of another host for the lease, then takes it over', async () => {
    await writeLock({ pid: 1, host: 'build-agent-7' });
    const store = await openFileStore(root, patient);
    await assert.rejects(
      applyOperation(store, increment, context()),
      assertFlagError('STORE_IO', (e) => assert.match(e.message, /held by process 1 on build-agent-7/)),
    );
    store.dispose();
    const short = await openFileStore(root, { lockLeaseMs: 100 });
    await applyOperation(short, increment, context());
    short.dispose();
  });

  it('takes over an abandoned lock directory of an older Rollgate after the lease', async () => {
    await mkdir(lockFile());
    const old = new Date(Date.now() - 60_000);
    await utimes(lockFile(), old, old);
    const store = await openFileStore(root, { lockLeaseMs: 10_000, lockTimeoutMs: 300 });
    await applyOperation(store, increment, context());
    store.dispose();
  });
});

describe('FileStore fencing', () => {
  it('a writer stopped past the lease while another commits loses nothing and issues no revision twice', async (t) => {
    const root = await makeTempDir({ inMemory: true });
    const LEASE_MS = 300;
    const PARENT_WRITES = 3;
    try {
      await setUp(root);
      const store = await openFileStore(root, { lockLeaseMs: LEASE_MS });
      const parentAcks: number[] = [];
      // Stops itself (SIGSTOP) while holding the lock, in increments #1 and #3, after reading its base.
      const child = startWriter(['stop', root, 'stopped-writer', '5', '1,3'], {
        env: { ROLLGATE_TEST_LEASE_MS: String(LEASE_MS) },
      });
      let stops = 0;
      for (;;) {
        const next = await Promise.race([child.line('stopped').then(() => 'stopped'), child.exited.then(() => 'exit')]);
        if (next === 'exit') break;
        stops++;
        // The child holds the lock but no longer refreshes it: these wait out the lease, then take it over.
        for (let i = 0; i < PARENT_WRITES; i++) {
          parentAcks.push((await applyOperation(store, increment, context())).revision);
        }
        child.process.kill('SIGCONT');
      }
      assert.equal(await child.exited, 0);
      assert.equal(stops, 2);
      store.dispose();
      const { revision } = await assertConsistent(
        root,
        new Map([
          ['stopped-writer', child.acked],
          ['test:alice', parentAcks],
        ]),
      );
      assert.equal(child.acked.length, 5);
      assert.equal(revision, 1 + 5 + 2 * PARENT_WRITES);
      t.diagnostic(`acknowledged ${child.acked.length + parentAcks.length} updates, ${revision - 1} in the store`);
    } finally {
      await removeTempDir(root);
    }
  });
});

describe('FileStore crash consistency', () => {
  // Each kill costs a Node start-up (~0.25 s of CPU), so the suite runs a short series; the 200 (and more)
  // run with ROLLGATE_FAULT_KILLS=200, same seed.
  const KILLS = Number(process.env.ROLLGATE_FAULT_KILLS ?? 32);
  const PARALLEL = 4;
  const SEED = 14;
  let bundleDir: string;
  before(async () => {
    // Bundled once so each of the many short-lived writers starts in a fraction of the tsx start-up time.
    bundleDir = await makeTempDir();
    await build({
      entryPoints: [WRITER],
      outfile: join(bundleDir, 'fault-writer.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      minify: true,
      logLevel: 'warning',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
  });
  after(() => removeTempDir(bundleDir));

  it(`${KILLS} kill -9 of concurrent writers and the rollout controller at random points: every next open is consistent`, async (t) => {
    const root = await makeTempDir({ inMemory: true });
    let random = SEED;
    // mulberry32: a fixed seed gives the same kill delays every run.
    const next = (): number => {
      random = (random + 0x6d2b79f5) | 0;
      let x = Math.imul(random ^ (random >>> 15), 1 | random);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
    const acked = new Map<string, number[]>();
    let repaired = 0;
    try {
      await setUp(root);
      for (let killed = 0; killed < KILLS; killed += PARALLEL) {
        // One of each batch is the rollout controller, advancing (and restarting) a plan on every tick.
        const writers = Array.from({ length: PARALLEL }, (_, i) => {
          const actor = i === 0 ? `controller-${killed}` : `writer-${killed + i}`;
          const args = i === 0 ? ['controller', root, actor] : ['write', root, actor];
          return { actor, child: startWriter(args, { command: [join(bundleDir, 'fault-writer.mjs')] }) };
        });
        await Promise.all(writers.map(({ child }) => child.line('ready')));
        await Promise.all(
          writers.map(async ({ child }) => {
            await new Promise((resolve) => setTimeout(resolve, next() * 40));
            child.process.kill('SIGKILL');
            await child.exited;
          }),
        );
        for (const { actor, child } of writers) acked.set(actor, child.acked);
        if ((await assertConsistent(root, acked)).recovered) repaired++;
      }
      const { revision } = await assertConsistent(root, acked);
      const acks = [...acked.values()].reduce((n, a) => n + a.length, 0);
      const decisions = (await readAuditOf(root)).filter((e) => e.actor === 'controller').length;
      t.diagnostic(
        `${KILLS} kills, ${revision - 1} commits (${acks} acknowledged, ${decisions} by the controller), ${repaired} opens repaired a journal`,
      );
      assert.ok(decisions > 0, 'the controller committed decisions between the kills');
    } finally {
      await removeTempDir(root);
    }
  });
});
