/**
 * One HTTP POST delivered with retries, as every outbound sender needs it (alerts, exposures): a timeout per attempt,
 * retries on network errors, timeouts, 408, 429 and 5xx with exponential backoff and jitter, and a stop signal that
 * ends waiting and in-flight attempts. Browser-safe (fetch and AbortSignal only).
 */

/** Waits `ms` or until `signal` aborts. Simulations pass a simulated clock's sleep instead of {@link timerSleep}. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

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

/** Whether an HTTP status is worth retrying (the receiver may recover); other 4xx mean the request is wrong. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** A request ready to send. */
export interface HttpPost {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** How hard to try. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  /** First retry delay, doubled per attempt up to `maxDelayMs`; each delay is jittered to 50–100 %. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per attempt: a hanging receiver is a failed attempt, never a stuck sender. */
  readonly timeoutMs: number;
}

/** What the sender runs on. */
export interface RetryIo {
  readonly fetch: typeof fetch;
  readonly sleep: Sleep;
  /** Jitter source in [0, 1). */
  readonly random: () => number;
  /** Aborting it ends the wait between attempts and the attempt in flight. */
  readonly stop: AbortSignal;
  /**
   * When `true`, the per-attempt timeout runs on `sleep` (a simulated clock drives it); otherwise on a real timer.
   */
  readonly timeoutOnSleep?: boolean;
}

/** One failed attempt. */
export interface FailedAttempt {
  /** 1-based. */
  readonly attempt: number;
  /** Absent for a network error or timeout. */
  readonly status?: number;
  readonly error: string;
  /** Delay before the next attempt; absent when this was the last one. */
  readonly retryInMs?: number;
}

/** How a delivery ended: `stopped` when the stop signal ended it before success. */
export type DeliveryOutcome =
  | { readonly outcome: 'delivered'; readonly attempt: number; readonly status: number }
  | {
      readonly outcome: 'failed' | 'stopped';
      readonly attempt: number;
      readonly status?: number;
      readonly error: string;
    };

/** Posts `request` until it is accepted, the policy gives up, or `io.stop` aborts; reports each failed attempt. */
export async function postWithRetry(
  request: HttpPost,
  policy: RetryPolicy,
  io: RetryIo,
  onFailedAttempt?: (failure: FailedAttempt) => void,
): Promise<DeliveryOutcome> {
  for (let attempt = 1; ; attempt++) {
    const result = await attemptOnce(request, policy.timeoutMs, io);
    if (result.status !== undefined && result.status < 300) {
      return { outcome: 'delivered', attempt, status: result.status };
    }
    const error = result.error ?? `HTTP ${String(result.status)}`;
    const failure = { attempt, ...(result.status === undefined ? {} : { status: result.status }), error };
    if (io.stop.aborted) return { outcome: 'stopped', ...failure };
    if (attempt >= policy.maxAttempts || (result.status !== undefined && !isRetryableStatus(result.status))) {
      onFailedAttempt?.(failure);
      return { outcome: 'failed', ...failure };
    }
    const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    const retryInMs = Math.round(exponential * (0.5 + io.random() / 2));
    onFailedAttempt?.({ ...failure, retryInMs });
    await io.sleep(retryInMs, io.stop);
    if (io.stop.aborted) return { outcome: 'stopped', ...failure };
  }
}

async function attemptOnce(
  request: HttpPost,
  timeoutMs: number,
  io: RetryIo,
): Promise<{ status?: number; error?: string }> {
  const timedOut = new AbortController();
  const cancelTimer = new AbortController();
  if (io.timeoutOnSleep === true) {
    void io.sleep(timeoutMs, cancelTimer.signal).then(() => {
      if (!cancelTimer.signal.aborted) timedOut.abort(new Error(`timed out after ${timeoutMs} ms`));
    });
  }
  const signal = AbortSignal.any([
    io.stop,
    io.timeoutOnSleep === true ? timedOut.signal : AbortSignal.timeout(timeoutMs),
  ]);
  try {
    const response = await io.fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal,
    });
    await response.arrayBuffer();
    return { status: response.status };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  } finally {
    cancelTimer.abort();
  }
}
