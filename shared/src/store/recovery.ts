/**
 * What the file store repaired after a crash, for the user: a commit a crashed (or paused) writer left in the
 * journal (journal.ts), and a lock it left behind (lock.ts). Clients show each report once (see
 * `FileStore.takeRecoveries` and docs/store.md).
 */
import type { ReplacedLock } from './lock.ts';

/** One repair the store made after a crash. */
export interface StoreRecovery {
  /**
   * `rolled-forward`: a journaled commit was completed; `rolled-back`: it was dropped (flags.yaml had changed since,
   * or the journal was unreadable); `lock-recovered`: the lock of a writer that died or hung was taken over.
   */
  readonly action: 'rolled-forward' | 'rolled-back' | 'lock-recovered';
  /** Revision of the journaled commit (absent for a lock, or an unreadable journal). */
  readonly revision?: number;
  /** One or two sentences for the user: what happened, what was repaired, whether anything is left to do. */
  readonly message: string;
}

/** The report of taking over `replaced` (`lockPath` is the lock file, `leaseMs` the lease). Never throws. */
export function lockRecovery(replaced: ReplacedLock, lockPath: string, leaseMs: number): StoreRecovery {
  const holder = replaced.owner
    ? `process ${replaced.owner.pid} on ${replaced.owner.host} (since ${replaced.owner.acquiredAt})`
    : 'an unknown holder (unreadable lock file)';
  const message =
    replaced.why === 'process-gone'
      ? `Recovered the store lock ${lockPath} left by ${holder}, which ended without releasing it (crash or kill).`
      : `Took over the store lock ${lockPath} from ${holder}, which had not refreshed it for over ${leaseMs / 1000} s (stopped, hung, or on another host); if it resumes, its write is refused and retried.`;
  return { action: 'lock-recovered', message };
}
