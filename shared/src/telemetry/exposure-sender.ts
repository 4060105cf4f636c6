/**
 * Sends exposures to an analytics tool without ever slowing an evaluation: `enqueue()` only appends to a bounded
 * queue (when full, the oldest waiting exposure is dropped and counted) and returns. One worker batches what
 * accumulated during `flushIntervalMs` (or a full batch at once), posts it with a per-attempt timeout and retries
 * network errors, timeouts, 408, 429 and 5xx with exponential backoff and jitter; other 4xx and exhausted retries
 * count the batch as failed. Browser-safe (fetch, no Node built-ins).
 */
import type { ExposureEvent } from './exposures.ts';

/** One HTTP request an adapter makes of a batch. */
export interface AdapterRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
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
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
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

/** Waits `ms` on a timer, or until `signal` aborts. */
export function timerSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

const retryable = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** Batches and delivers exposures to one adapter; see the module comment. */
export class ExposureSender {
  private readonly queue: ExposureEvent[] = [];
  private readonly stop = new AbortController();
  private wake = new AbortController();
  private running: Promise<void> | undefined;
  private flushing = false;
  private readonly counts = { sent: 0, failed: 0, dropped: 0, retries: 0 };
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
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
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const status = await this.post(request);
      if (status !== undefined && status < 300) {
        this.counts.sent += request.count;
        return;
      }
      if (attempt >= maxAttempts || (status !== undefined && !retryable(status)) || this.stop.signal.aborted) {
        this.counts.failed += request.count;
        return;
      }
      this.counts.retries++;
      const exponential = Math.min(
        (this.options.baseDelayMs ?? 1000) * 2 ** (attempt - 1),
        this.options.maxDelayMs ?? 30_000,
      );
      await this.sleep(Math.round(exponential * (0.5 + this.random() / 2)), this.stop.signal);
    }
  }

  /** The response status, or undefined for a network error or timeout. */
  private async post(request: AdapterRequest): Promise<number | undefined> {
    const abort = new AbortController();
    const timer = new AbortController();
    void this.sleep(this.options.timeoutMs ?? 10_000, timer.signal).then(() => abort.abort());
    try {
      const response = await this.fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: abort.signal,
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return undefined;
    } finally {
      timer.abort();
    }
  }
}
