/**
 * Connects a store and the rollout controller to an alert dispatcher: every committed audit entry (from any
 * process: the kill switch from a terminal, a rollback by the controller, a change request from an assistant) and
 * every controller tick is turned into alerts (events.ts) and published. Runs inside the process that runs the
 * controller (`rollgate controller`, the server).
 */
import type { Disposable } from '../lifecycle.ts';
import type { AuditEntry } from '../flags/model.ts';
import type { FlagStore, StoreSnapshot } from '../store/types.ts';
import type { TickResult } from '../rollout/controller.ts';
import { alertsFromAuditEntry, TickAlertTracker } from './events.ts';
import type { AlertEvent } from './events.ts';

export interface AlertMonitorOptions {
  readonly store: FlagStore;
  /** Where alerts go; must not block (AlertDispatcher.publish only enqueues). */
  readonly publish: (event: AlertEvent) => void;
  /** Consecutive holds before `rollout.held` (alerts.yaml `heldIntervals`). */
  readonly heldIntervals: number;
  /** Reports a failure to read the audit log (the monitor retries on the next change). */
  readonly onError?: (error: unknown) => void;
}

/** Audit entries with a revision above `after`, oldest first, reading back as far as needed. */
async function auditSince(store: FlagStore, after: number, upTo: number): Promise<AuditEntry[]> {
  // A commit writes at least one entry, so `upTo - after` revisions need at least that many entries.
  for (let limit = Math.max(16, 2 * (upTo - after)); ; limit *= 2) {
    const entries = await store.readAudit({ limit });
    const first = entries[0];
    if (entries.length < limit || (first !== undefined && first.revision <= after)) {
      return entries.filter((e) => e.revision > after);
    }
  }
}

/** See the module comment. Start with {@link AlertMonitor.start}; dispose to stop watching the store. */
export class AlertMonitor implements Disposable {
  private readonly options: AlertMonitorOptions;
  private readonly tracker: TickAlertTracker;
  private readonly subscription: Disposable;
  private announced: number;
  private catchingUp: Promise<void> = Promise.resolve();

  private constructor(options: AlertMonitorOptions, revision: number) {
    this.options = options;
    this.announced = revision;
    this.tracker = new TickAlertTracker(options.heldIntervals);
    this.subscription = options.store.onDidChange((snapshot) => this.onStoreChange(snapshot));
  }

  /**
   * Watches `store` from its current revision on (what was committed before is history, not news).
   * Errors: STORE_IO / PARSE_ERROR when the store cannot be read.
   */
  static async start(options: AlertMonitorOptions): Promise<AlertMonitor> {
    const snapshot = await options.store.read();
    return new AlertMonitor(options, snapshot.revision);
  }

  /** Publishes the alerts of one controller tick (long holds, failing metric sources). */
  observeTick(results: readonly TickResult[]): void {
    for (const event of this.tracker.observe(results)) this.options.publish(event);
  }

  /** Resolves when every store change seen so far has been announced. */
  settled(): Promise<void> {
    return this.catchingUp;
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private onStoreChange(snapshot: StoreSnapshot): void {
    this.catchingUp = this.catchingUp.then(async () => {
      if (snapshot.revision <= this.announced) return;
      try {
        const entries = await auditSince(this.options.store, this.announced, snapshot.revision);
        for (const entry of entries) {
          for (const event of alertsFromAuditEntry(entry)) this.options.publish(event);
          this.announced = Math.max(this.announced, entry.revision);
        }
      } catch (e) {
        this.options.onError?.(e);
      }
    });
  }
}
