// Test helpers for store tests: temp repositories and a fixed clock.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FlagError } from '../../src/errors.ts';
import type { ChangeContext } from '../../src/flags/operations.ts';
import type { Disposable, Event } from '../../src/lifecycle.ts';

/**
 * A fresh directory under the OS temp dir (or, with `inMemory`, under /dev/shm when it exists: for tests about
 * interleaving rather than durability, where waiting for fsync on a shared disk would only make them slow);
 * remove it with {@link removeTempDir}.
 */
export async function makeTempDir({ inMemory = false } = {}): Promise<string> {
  const base = inMemory && (await stat('/dev/shm').catch(() => undefined))?.isDirectory() ? '/dev/shm' : tmpdir();
  return mkdtemp(join(base, 'rollgate-store-test-'));
}

export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

export const FIXED_NOW = new Date('2026-11-01T12:00:00.000Z');

export function context(actor = 'test:alice', reason?: string): ChangeContext {
  return { actor, now: () => FIXED_NOW, ...(reason === undefined ? {} : { reason }) };
}

/**
 * The first event of `event` matching `predicate`. The timeout only turns a hang into a failure; no assertion
 * depends on timing.
 */
export function nextEvent<T>(event: Event<T>, predicate: (e: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let subscription: Disposable | undefined = undefined;
    const timer = setTimeout(() => {
      subscription?.dispose();
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    subscription = event((e) => {
      if (!predicate(e)) return;
      clearTimeout(timer);
      subscription?.dispose();
      resolve(e);
    });
  });
}

/** The flag every concurrent writer increments (metadata.count), see concurrent-writer.ts. */
export const SHARED_FLAG = 'shared-counter';
/** The flag the rollout controller of the fault-injection tests rolls out over and over (fault-writer.ts). */
export const ROLLOUT_FLAG = 'rolled-out';
/** How many of its changes a concurrent writer spends creating flags of its own. */
export const CREATES_PER_WORKER = 5;

/** An `assert.rejects` validator: a FlagError with `code` and a hint, then whatever `check` asserts. */
export function assertFlagError(code: string, check?: (e: FlagError) => void): (e: unknown) => boolean {
  return (e) => {
    assert.ok(FlagError.is(e), `expected a FlagError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(typeof e.details.hint === 'string' && e.details.hint.length > 0, 'a hint');
    check?.(e);
    return true;
  };
}

/** Polls `probe` until it resolves true (false after 10 s). */
export async function eventually(probe: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

/** A process holding a store's `controller` leadership, started by {@link startLeaderProcess}. */
export interface LeaderProcess {
  /** Whether it took the leadership. */
  readonly leads: boolean;
  /** SIGKILL, and waits until it is gone. */
  kill(): Promise<void>;
}

/**
 * A child process that opens a store with `open` (an export of the module at `modulePath`, called with `location`),
 * tries to lead `controller`, says whether it leads, and stays until killed.
 */
export async function startLeaderProcess(modulePath: string, open: string, location: string): Promise<LeaderProcess> {
  const script = `
import { ${open} } from ${JSON.stringify(modulePath)};
const store = await ${open}(process.argv[1]);
console.log(String(await store.createLeadership('controller').tryLead()));
setInterval(() => {}, 60_000);
`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, location], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', () => reject(new Error(`the leader exited early:\n${stderr}`)));
    });
    return { leads: first === 'true', kill };
  } catch (e) {
    await kill();
    throw e;
  }
}
