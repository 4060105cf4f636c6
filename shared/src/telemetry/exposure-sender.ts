/**
 * Sends exposures to an analytics tool without ever slowing an evaluation: `enqueue()` only appends to a bounded
 * queue (when full, the oldest waiting exposure is dropped and counted) and returns. One worker batches what
 * accumulated during `flushIntervalMs` (or a full batch at once), posts it with a per-attempt timeout and retries
 * network errors, timeouts, 408, 429 and 5xx with exponential backoff and jitter; other 4xx and exhausted retries
 * count the batch as failed. Browser-safe (fetch, no Node built-ins).
 */
import { postWithRetry, timerSleep, type HttpPost, type Sleep } from '../http-retry.ts';
import type { ExposureEvent } from './exposures.ts';

/** One HTTP request an adapter makes of a batch. */
export interface AdapterRequest extends HttpPost {
  /** Exposures it carries. */
  readonly count: number;
}

/** How one vendor receives exposures (see adapters.ts). */
export interface ExposureAdapter {
  readonly name: string;
  /** Largest batch worth sending in one go. */
  readonly maxBatchSize: number;
  requests(events: readonly ExposureEvent[]): AdapterRequest[];
}

/** Options of {@link ExposureSender}. */
export interface ExposureSenderOptions {
  /** HTTP client (default: global fetch). */
  readonly fetch?: typeof fetch;
  /** Waits `ms` or until `signal` aborts (default: a timer); tests pass a simulated clock's sleep. */
  readonly sleep?: Sleep;
  /** Jitter source in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /** Exposures waiting before the oldest is dropped (default 10,000). */
  readonly maxQueue?: number;
  /** How long exposures accumulate before a batch is sent (default 5 s). */
  readonly flushIntervalMs?: number;
  /** Batch size cap (default and upper bound: the adapter's). */
  readonly maxBatchSize?: number;
  /** Attempts per request (default 5). */
  readonly maxAttempts?: number;
  /** First retry delay (default 1 s), doubled per attempt up to `maxDelayMs` (default 30 s). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Per-attempt timeout (default 10 s). */
  readonly timeoutMs?: number;
}

/** Counters of a sender's life so far. */
export interface ExposureSenderStats {
  readonly sent: number;
  /** Exposures in batches given up on (4xx, or retries exhausted). */
  readonly failed: number;
  /** Exposures dropped because the queue was full. */
  readonly dropped: number;
  /** Failed attempts that were retried. */
  readonly retries: number;
  readonly queued: number;
}

/** Batches and delivers exposures to one adapter; see the module comment. */
export class ExposureSender {
  private readonly queue: ExposureEvent[] = [];
  private readonly stop = new AbortController();
  private wake = new AbortController();
  private running: Promise<void> | undefined;
  private flushing = false;
  private readonly counts = { sent: 0, failed: 0, dropped: 0, retries: 0 };
  private readonly fetch: typeof fetch;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly batchSize: number;

  private readonly adapter: ExposureAdapter;
  private readonly options: ExposureSenderOptions;

  constructor(adapter: ExposureAdapter, options: ExposureSenderOptions = {}) {
    this.adapter = adapter;
    this.options = options;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? timerSleep;
    this.random = options.random ?? Math.random;
    this.batchSize = Math.min(options.maxBatchSize ?? adapter.maxBatchSize, adapter.maxBatchSize);
  }

  /** Queues an exposure and returns at once; never throws. Pass it as `onExposure`. */
  readonly enqueue = (event: ExposureEvent): void => {
    if (this.stop.signal.aborted) return;
    if (this.queue.length >= (this.options.maxQueue ?? 10_000)) {
      this.queue.shift();
      this.counts.dropped++;
    }
    this.queue.push(event);
    if (this.queue.length >= this.batchSize) this.wake.abort();
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  };

  /** Sends everything queued now (no waiting for the interval); resolves when the queue is empty. */
  async flush(): Promise<void> {
    this.flushing = true;
    this.wake.abort();
    try {
      while (this.running) await this.running;
    } finally {
      this.flushing = false;
    }
  }

  stats(): ExposureSenderStats {
    return { ...this.counts, queued: this.queue.length };
  }

  /** Stops sending; waiting exposures are abandoned (call flush() first to deliver them). */
  dispose(): void {
    this.stop.abort();
    this.wake.abort();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stop.signal.aborted) {
      if (!this.flushing && this.queue.length < this.batchSize) {
        this.wake = new AbortController();
        await this.sleep(this.options.flushIntervalMs ?? 5000, this.wake.signal);
      }
      const batch = this.queue.splice(0, this.batchSize);
      for (const request of this.adapter.requests(batch)) await this.deliver(request);
    }
  }

  private async deliver(request: AdapterRequest): Promise<void> {
    const { options } = this;
    const result = await postWithRetry(
      request,
      {
        maxAttempts: options.maxAttempts ?? 5,
        baseDelayMs: options.baseDelayMs ?? 1000,
        maxDelayMs: options.maxDelayMs ?? 30_000,
        timeoutMs: options.timeoutMs ?? 10_000,
      },
      { fetch: this.fetch, sleep: this.sleep, random: this.random, stop: this.stop.signal, timeoutOnSleep: true },
      (failure) => {
        if (failure.retryInMs !== undefined) this.counts.retries++;
      },
    );
    if (result.outcome === 'delivered') this.counts.sent += request.count;
    else this.counts.failed += request.count;
  }
}
