/**
 * Delivers alerts without ever slowing what raised them: `publish()` only enqueues (bounded, per receiver) and
 * returns; one worker per receiver sends in order (a trigger before its resolve), with a timeout per attempt and
 * retries with exponential backoff and jitter on network errors, timeouts, 408, 429 and 5xx. Every attempt lands in
 * the delivery log (`onDidDeliver`). A receiver that hangs or fails delays only its own queue; when that queue is
 * full, the oldest waiting alert is dropped and counted.
 */
import { Emitter } from '../lifecycle.ts';
import type { Disposable, Event } from '../lifecycle.ts';
import { errorMessage } from '../errors.ts';
import { postWithRetry, timerSleep, type Sleep } from '../http-retry.ts';
import type { AlertReceiver } from './config.ts';
import type { AlertEvent } from './events.ts';

/** One line of the delivery log. */
export interface DeliveryRecord {
  readonly at: string;
  readonly receiver: string;
  readonly eventId: string;
  readonly kind: AlertEvent['kind'];
  /** 1-based attempt number. */
  readonly attempt: number;
  /** `retrying`: this attempt failed and another is scheduled; `failed`: given up; `dropped`: queue overflow. */
  readonly outcome: 'delivered' | 'retrying' | 'failed' | 'dropped';
  readonly status?: number;
  readonly error?: string;
  /** Delay before the next attempt, for `retrying`. */
  readonly retryInMs?: number;
}

export interface AlertDispatcherOptions {
  readonly receivers: readonly AlertReceiver[];
  readonly now?: () => Date;
  /** HTTP client (default: global fetch). */
  readonly fetch?: typeof fetch;
  /** Waits `ms` or until `signal` aborts (default: a timer). Simulations pass a simulated clock's sleep. */
  readonly sleep?: Sleep;
  /** Jitter source in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /** Alerts waiting per receiver before the oldest is dropped (default 1,000). */
  readonly maxQueue?: number;
  /** Attempts per alert (default 8: about 4 minutes of retrying with the default delays). */
  readonly maxAttempts?: number;
  /** First retry delay (default 1 s), doubled per attempt up to `maxDelayMs` (default 60 s). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Per-attempt timeout (default 10 s): a hanging receiver is an error, never a stuck queue. */
  readonly timeoutMs?: number;
}

/** Counters of a dispatcher's life so far. */
export interface DispatcherStats {
  readonly delivered: number;
  readonly failed: number;
  readonly dropped: number;
  readonly queued: number;
}

interface Lane {
  readonly receiver: AlertReceiver;
  readonly queue: AlertEvent[];
  running: Promise<void> | undefined;
}

/** Sends alerts to receivers; see the module comment. Dispose to stop (waiting alerts are abandoned). */
export class AlertDispatcher implements Disposable {
  private readonly _onDidDeliver = new Emitter<DeliveryRecord>();
  /** Every attempt's outcome, for the delivery log. */
  readonly onDidDeliver: Event<DeliveryRecord> = this._onDidDeliver.event;

  private readonly lanes: Lane[];
  private readonly stop = new AbortController();
  private readonly now: () => Date;
  private readonly fetch: typeof fetch;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly maxQueue: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private delivered = 0;
  private failed = 0;
  private dropped = 0;

  constructor(options: AlertDispatcherOptions) {
    this.lanes = options.receivers.map((receiver) => ({ receiver, queue: [], running: undefined }));
    this.now = options.now ?? (() => new Date());
    this.fetch = options.fetch ?? fetch;
    this.sleep = options.sleep ?? timerSleep;
    this.random = options.random ?? Math.random;
    this.maxQueue = options.maxQueue ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Queues `event` for every receiver that accepts it and returns at once. Never throws. */
  publish(event: AlertEvent): void {
    if (this.stop.signal.aborted) return;
    for (const lane of this.lanes) {
      let wanted: boolean;
      try {
        wanted = lane.receiver.accepts(event);
      } catch {
        wanted = false;
      }
      if (!wanted) continue;
      if (lane.queue.length >= this.maxQueue) {
        const oldest = lane.queue.shift();
        if (oldest) this.record(lane, oldest, 1, { outcome: 'dropped', error: 'queue full' });
      }
      lane.queue.push(event);
      lane.running ??= this.drain(lane).finally(() => {
        lane.running = undefined;
      });
    }
  }

  /** Resolves when every queue is empty (all alerts delivered, failed or dropped), or on dispose. */
  async flush(): Promise<void> {
    for (;;) {
      const running = this.lanes.map((l) => l.running).filter((r) => r !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  stats(): DispatcherStats {
    return {
      delivered: this.delivered,
      failed: this.failed,
      dropped: this.dropped,
      queued: this.lanes.reduce((sum, l) => sum + l.queue.length, 0),
    };
  }

  dispose(): void {
    this.stop.abort();
    for (const lane of this.lanes) lane.queue.length = 0;
    this._onDidDeliver.dispose();
  }

  private async drain(lane: Lane): Promise<void> {
    for (let event = lane.queue.shift(); event; event = lane.queue.shift()) {
      await this.deliver(lane, event);
      if (this.stop.signal.aborted) return;
    }
  }

  private async deliver(lane: Lane, event: AlertEvent): Promise<void> {
    let request;
    try {
      request = lane.receiver.request(event, this.now());
    } catch (e) {
      this.failed++;
      this.record(lane, event, 1, { outcome: 'failed', error: errorMessage(e) });
      return;
    }
    if (!request) return;
    const result = await postWithRetry(
      request,
      {
        maxAttempts: this.maxAttempts,
        baseDelayMs: this.baseDelayMs,
        maxDelayMs: this.maxDelayMs,
        timeoutMs: this.timeoutMs,
      },
      { fetch: this.fetch, sleep: this.sleep, random: this.random, stop: this.stop.signal },
      ({ attempt, status, error, retryInMs }) => {
        if (retryInMs === undefined) return;
        this.record(lane, event, attempt, { outcome: 'retrying', status, error, retryInMs });
      },
    );
    if (result.outcome === 'delivered') {
      this.delivered++;
      this.record(lane, event, result.attempt, { outcome: 'delivered', status: result.status });
    } else if (result.outcome === 'failed') {
      this.failed++;
      this.record(lane, event, result.attempt, { outcome: 'failed', status: result.status, error: result.error });
    }
  }

  private record(
    lane: Lane,
    event: AlertEvent,
    attempt: number,
    outcome: Pick<DeliveryRecord, 'outcome' | 'status' | 'error' | 'retryInMs'>,
  ): void {
    if (outcome.outcome === 'dropped') this.dropped++;
    this._onDidDeliver.fire({
      at: this.now().toISOString(),
      receiver: lane.receiver.name,
      eventId: event.id,
      kind: event.kind,
      attempt,
      ...outcome,
    });
  }
}
