/**
 * Leadership among processes sharing a file store: a lock file next to the commit lock (`.rollgate/.<name>.lock`),
 * with the same primitives (lock.ts) held for as long as this process leads. A leader on this host that dies is
 * replaced on the next try; one that hangs, or runs on another host (a shared volume), after the lock's lease.
 */
import { errorMessage } from '../errors.ts';
import { tryAcquireLock } from './lock.ts';
import type { HeldLock, LockOptions } from './lock.ts';
import type { StoreLeadership } from './types.ts';

/**
 * A leadership over the lock file `lockPath`. `tryLead` takes the lock when it is free or abandoned, and confirms a
 * held one with the lock's fence (still this holder's token, refreshed within half a lease). `onError` hears why a
 * try failed (an unwritable directory), which counts as not leading.
 */
export function createFileLeadership(
  lockPath: string,
  options: LockOptions,
  onError: (message: string) => void = () => {},
): StoreLeadership {
  let held: HeldLock | undefined;
  let disposed = false;
  // release() removes the lock file only while it is still ours (a successor's lock stays).
  const letGo = (): Promise<void> => {
    const lock = held;
    held = undefined;
    return lock?.release() ?? Promise.resolve();
  };
  return {
    async tryLead() {
      if (disposed) return false;
      if (held) {
        try {
          held.assertHeldSync();
          return true;
        } catch {
          // Lost (paused past the lease, or taken over): let go of our file, then compete like anyone else.
          await letGo();
        }
      }
      try {
        const lock = await tryAcquireLock(lockPath, options);
        if (disposed) {
          await lock?.release();
          return false;
        }
        held = lock;
      } catch (e) {
        onError(errorMessage(e));
      }
      return held !== undefined;
    },
    dispose() {
      disposed = true;
      void letGo();
    },
  };
}
