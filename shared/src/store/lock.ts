/**
 * The commit lock of the file store, `.rollgate/.lock` (and, held for as long as a process leads, the rollout
 * controller's `.rollgate/.controller.lock`, file-leadership.ts): a small JSON file naming its holder (pid, host,
 * process start identity, a random token), created atomically with `link()` so it is never seen half-written.
 *
 * - A holder on this host whose process is gone (no such pid, a zombie, or a pid reused by a process that started
 *   at another time) is taken over at once.
 * - Any other holder keeps the lock while it refreshes the file's mtime (every quarter of the lease); one that
 *   stops refreshing for a whole lease (another host, or a process here that is stopped or hung) is taken over.
 * - Fencing: {@link StoreLock.assertHeldSync} checks, right before each write that publishes a commit, that the
 *   lock file still carries this holder's token and that this holder refreshed it within half a lease, so a writer
 *   that was paused past the lease (SIGSTOP, a GC pause, a laptop asleep) cannot publish over its successor.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { FlagError } from '../errors.ts';
import { ioError } from './fs-util.ts';

/** Default lease: a holder that has not refreshed the lock for this long may be taken over, in ms. */
export const DEFAULT_LOCK_LEASE_MS = 10_000;

/** Lock tuning (the store passes {@link FileStoreOptions} through). */
export interface LockOptions {
  /** See {@link DEFAULT_LOCK_LEASE_MS}. */
  readonly leaseMs: number;
  /** How long to wait for the lock before STORE_IO, in ms. */
  readonly timeoutMs: number;
}

/** What the lock file says about its holder. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** Boot id + start time of the process (Linux `/proc`), to tell a reused pid from the holder; absent elsewhere. */
  readonly start?: string;
  /** Random per acquisition: the fencing token. */
  readonly token: string;
  readonly acquiredAt: string;
}

/** A lock this acquisition took over from a holder that had abandoned it. */
export interface ReplacedLock {
  /** The holder named in the lock file; undefined when it was unreadable (or a directory of an older Rollgate). */
  readonly owner: LockOwner | undefined;
  /** `process-gone`: its process here had ended; `lease-expired`: it had not refreshed the lock for a whole lease. */
  readonly why: 'process-gone' | 'lease-expired';
}

/** A held lock. */
export interface StoreLock {
  readonly token: string;
  /** The abandoned lock taken over to get this one (a crashed or hung writer), if any. */
  readonly replaced: ReplacedLock | undefined;
  /**
   * Throws STORE_CONFLICT (details.reason `lock-lost`) unless this holder still owns the lock and refreshed it
   * within half a lease. Synchronous on purpose: the caller publishes right after it, with no event-loop turn in
   * between in which the process could lose the lock unnoticed.
   */
  assertHeldSync(): void;
}

/**
 * Runs `fn` holding `lockPath`: serialized within this process first (no polling), then across processes.
 * Errors: STORE_IO when the lock cannot be had within `options.timeoutMs` (details name the holder).
 */
export function withLock<T>(lockPath: string, options: LockOptions, fn: (lock: StoreLock) => Promise<T>): Promise<T> {
  return serialized(lockPath, async () => {
    const held = await acquire(lockPath, options);
    try {
      return await fn(held);
    } finally {
      await held.release();
    }
  });
}

/** A lock this process holds until it calls `release()`. */
export interface HeldLock extends StoreLock {
  release(): Promise<void>;
}

function newOwner(): LockOwner {
  return {
    pid: process.pid,
    host: hostname(),
    start: startIdentity(process.pid),
    token: randomBytes(16).toString('hex'),
    acquiredAt: new Date().toISOString(),
  };
}

/** One attempt: the lock when it was free (or abandoned and taken over), else who holds it. */
async function attempt(
  lockPath: string,
  owner: LockOwner,
  options: LockOptions,
): Promise<{ readonly lock: HeldLock } | { readonly holder: Holder }> {
  let replaced: ReplacedLock | undefined;
  for (;;) {
    const attemptedAt = performance.now();
    const ino = await createExclusive(lockPath, `${JSON.stringify(owner)}\n`);
    if (ino !== undefined) return { lock: hold(lockPath, owner, ino, attemptedAt, options, replaced) };
    const holder = await inspect(lockPath);
    if (holder === undefined) continue; // released in between: try again at once
    const why = abandonment(holder, options.leaseMs);
    if (!why) return { holder };
    await removeLock(lockPath, holder.ino);
    replaced = { owner: holder.owner, why };
  }
}

/**
 * Takes `lockPath` if it is free or abandoned, without waiting; undefined when a live holder has it. The caller
 * keeps it (refreshed in the background) until `release()`. Errors: STORE_IO.
 */
export async function tryAcquireLock(lockPath: string, options: LockOptions): Promise<HeldLock | undefined> {
  const result = await attempt(lockPath, newOwner(), options);
  return 'lock' in result ? result.lock : undefined;
}

async function acquire(lockPath: string, options: LockOptions): Promise<HeldLock> {
  const owner = newOwner();
  const deadline = performance.now() + options.timeoutMs;
  let delay = 1;
  for (;;) {
    const result = await attempt(lockPath, owner, options);
    if ('lock' in result) return result.lock;
    const { holder } = result;
    if (performance.now() > deadline) {
      const who = holder.owner ? ` by process ${holder.owner.pid} on ${holder.owner.host}` : '';
      throw new FlagError('STORE_IO', `Timed out waiting for the store lock ${lockPath} (held${who}).`, {
        file: lockPath,
        holder: holder.owner,
        hint: `Another process is committing; retry. If that process is hung, stop it; a lock it no longer refreshes is taken over after ${options.leaseMs / 1000} s.`,
      });
    }
    // Short randomized polls so a waiter gets in soon after a release without spinning.
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 1.5, 15);
  }
}

function hold(
  lockPath: string,
  owner: LockOwner,
  ino: number,
  acquiredAt: number,
  options: LockOptions,
  replaced: ReplacedLock | undefined,
): HeldLock {
  let refreshedAt = acquiredAt;
  let released = false;
  const refresh = async (): Promise<void> => {
    const startedAt = performance.now();
    const now = new Date();
    // Touching a lock that was taken over only makes its new holder look fresher; fencing reads the token anyway.
    await utimes(lockPath, now, now).then(
      () => {
        if (!released) refreshedAt = startedAt;
      },
      () => {},
    );
  };
  const timer = setInterval(() => void refresh(), Math.max(1, Math.floor(options.leaseMs / 4)));
  timer.unref();
  return {
    token: owner.token,
    replaced,
    assertHeldSync() {
      const lost = (why: string): FlagError =>
        new FlagError('STORE_CONFLICT', `Lost the store lock ${lockPath}: ${why}.`, {
          file: lockPath,
          reason: 'lock-lost',
          hint: 'Nothing was written; read the store again and re-apply the change (applyOperation does this).',
        });
      if (performance.now() - refreshedAt > options.leaseMs / 2) {
        throw lost('this process was paused longer than the lease allows');
      }
      let text: string;
      try {
        text = readFileSync(lockPath, 'utf8');
      } catch {
        throw lost('the lock file is gone');
      }
      if (parseOwner(text)?.token !== owner.token) throw lost('another writer took it over');
    },
    async release() {
      released = true;
      clearInterval(timer);
      // Remove only our own lock: after a takeover the file belongs to the next holder.
      await removeLock(lockPath, ino).catch(() => {});
    },
  };
}

/**
 * Creates `lockPath` with `content` unless it exists: write a temp file, then `link` it (atomic, never partial).
 * Returns the lock's inode, or undefined when the lock exists.
 */
async function createExclusive(lockPath: string, content: string): Promise<number | undefined> {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, content, { flag: 'wx', mode: 0o644 });
    const { ino } = await stat(tmp);
    await link(tmp, lockPath);
    return ino;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'EEXIST') return undefined;
    throw ioError(e, 'lock', lockPath);
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

interface Holder {
  readonly owner: LockOwner | undefined;
  readonly mtimeMs: number;
  readonly ino: number;
}

/** The current lock file, or undefined when there is none. A directory is a lock of an older Rollgate. */
async function inspect(lockPath: string): Promise<Holder | undefined> {
  try {
    const s = await stat(lockPath);
    const text = s.isDirectory() ? '' : await readFile(lockPath, 'utf8');
    return { owner: parseOwner(text), mtimeMs: s.mtimeMs, ino: s.ino };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT') return undefined;
    throw ioError(e, 'read', lockPath);
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner> | null;
    if (typeof value?.pid !== 'number' || typeof value.host !== 'string' || typeof value.token !== 'string') {
      return undefined;
    }
    return value as LockOwner;
  } catch {
    return undefined;
  }
}

/**
 * Whether `lockPath` holds a lock that the next writer will take over (its process here is gone, or its lease ran
 * out): a crashed writer left it. False when there is no lock or a live one. Errors: STORE_IO.
 */
export async function isLockAbandoned(lockPath: string, leaseMs: number): Promise<boolean> {
  const holder = await inspect(lockPath);
  return holder !== undefined && abandonment(holder, leaseMs) !== undefined;
}

function abandonment(holder: Holder, leaseMs: number): ReplacedLock['why'] | undefined {
  const { owner } = holder;
  if (owner?.host === hostname() && !isRunning(owner)) return 'process-gone';
  // Another host, an unreadable lock, or a live process here that stopped refreshing: the lease decides.
  return Date.now() - holder.mtimeMs > leaseMs ? 'lease-expired' : undefined;
}

/** Whether the process that wrote `owner` (on this host) still runs: the pid exists, is no zombie, is not reused. */
function isRunning(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as { code?: unknown }).code === 'EPERM';
  }
  const stat = procStat(owner.pid);
  if (stat === undefined) return true; // no /proc: trust the pid
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return owner.start === undefined || owner.start === `${bootId}:${stat.startTime}`;
}

/** Boot id + start time (clock ticks since boot) of `pid`, from /proc; undefined where /proc is not available. */
function startIdentity(pid: number): string | undefined {
  const stat = procStat(pid);
  return stat && `${bootId}:${stat.startTime}`;
}

const bootId = readProc('/proc/sys/kernel/random/boot_id')?.trim() ?? '';

function procStat(pid: number): { state: string; startTime: string } | undefined {
  const text = readProc(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19]; // field 22 of proc(5), counting from field 3 here
  return state === undefined || startTime === undefined ? undefined : { state, startTime };
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Removes the lock with inode `ino` (an abandoned one, or our own) without removing another that replaced it
 * meanwhile: move it aside, check the inode, and put it back when it is not the one meant (fencing covers a holder
 * displaced in that instant).
 */
async function removeLock(lockPath: string, ino: number): Promise<void> {
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale.tmp`;
  try {
    await rename(lockPath, aside);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return;
    throw ioError(e, 'remove the abandoned lock', lockPath);
  }
  const moved = await stat(aside);
  if (moved.ino !== ino && moved.isFile()) await link(aside, lockPath).catch(() => {});
  await rm(aside, { recursive: true, force: true });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** In-process queue per lock path, so commits of one process wait for each other without polling the lock. */
const queues = new Map<string, Promise<void>>();

async function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  let done = (): void => {};
  const mine = new Promise<void>((r) => (done = r));
  const tail = previous.then(() => mine);
  queues.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}
