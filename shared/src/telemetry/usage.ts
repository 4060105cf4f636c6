/**
 * Evaluation telemetry to Rollgate: a hook aggregating evaluations into counts per flag, variant, environment,
 * provider and SDK (with first/last seen), and a reporter posting them periodically to the Rollgate server
 * (`POST /v1/usage`, SDK key). Each batch has an id that stays the same across retries, so the server adds it
 * exactly once. Browser-safe.
 */
import * as z from 'zod';
import type { EvaluationDetails, FlagValue, HookContext } from '@openfeature/core';
import type { TelemetryHook } from './otel-hook.ts';
import { timerSleep } from '../http-retry.ts';

/** One aggregate: `count` evaluations of `flagKey` served `variant` between `firstSeen` and `lastSeen`. */
export const usageEntrySchema = z.strictObject({
  flagKey: z.string().min(1).max(200),
  variant: z.string().max(200),
  environment: z.string().min(1).max(100),
  provider: z.string().max(200),
  sdk: z.string().max(200),
  count: z.number().int().positive(),
  firstSeen: z.iso.datetime(),
  lastSeen: z.iso.datetime(),
});
export type UsageEntry = z.infer<typeof usageEntrySchema>;

/** What the reporter posts; `batchId` makes a retried post idempotent. */
export const usageBatchSchema = z.strictObject({
  batchId: z.string().regex(/^[A-Za-z0-9._-]{8,100}$/, 'batchId: 8–100 letters, digits, ".", "_" or "-"'),
  entries: z.array(usageEntrySchema).max(10_000),
});
export type UsageBatch = z.infer<typeof usageBatchSchema>;

/** Options of {@link createUsageHook}. */
export interface UsageHookOptions {
  /** The environment the app runs in (the SDK key's, when reporting to the server). */
  readonly environment: string;
  /** SDK name reported with the counts (default `openfeature-js`). */
  readonly sdk?: string;
  readonly now?: () => number;
}

/** The usage hook: aggregates in memory; {@link UsageHook.takeBatch} hands the counts over and starts afresh. */
export interface UsageHook extends TelemetryHook {
  takeBatch(): UsageBatch | undefined;
}

/** A hook counting evaluations (errors count under the variant `error`). O(1) per evaluation. */
export function createUsageHook(options: UsageHookOptions): UsageHook {
  const now = options.now ?? Date.now;
  const sdk = options.sdk ?? 'openfeature-js';
  let counts = new Map<string, { entry: Omit<UsageEntry, 'firstSeen' | 'lastSeen'>; first: number; last: number }>();
  let sequence = 0;
  const instance = `${now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  return {
    finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
      const variant = details.errorCode === undefined ? (details.variant ?? JSON.stringify(details.value)) : 'error';
      const provider = hookContext.providerMetadata.name;
      const key = `${hookContext.flagKey}\u0000${variant}\u0000${provider}`;
      const at = now();
      const current = counts.get(key);
      if (current) {
        current.entry.count++;
        current.last = at;
      } else {
        const entry = {
          flagKey: hookContext.flagKey,
          variant,
          environment: options.environment,
          provider,
          sdk,
          count: 1,
        };
        counts.set(key, { entry, first: at, last: at });
      }
    },
    takeBatch() {
      if (counts.size === 0) return undefined;
      const entries = [...counts.values()].map(({ entry, first, last }) => ({
        ...entry,
        firstSeen: new Date(first).toISOString(),
        lastSeen: new Date(last).toISOString(),
      }));
      counts = new Map();
      return { batchId: `${instance}-${(sequence++).toString(36)}`, entries };
    },
  };
}

/** Options of {@link UsageReporter}. */
export interface UsageReporterOptions {
  /** The Rollgate server's base URL, e.g. `https://flags.example.com`. */
  readonly url: string;
  readonly sdkKey: string;
  /** Between reports (default 60 s). */
  readonly intervalMs?: number;
  /** Batches kept for retry while the server is unreachable before the oldest is dropped (default 60). */
  readonly maxPending?: number;
  readonly fetch?: typeof fetch;
  /** Waits `ms` or until `signal` aborts (default: a timer). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Posts the hook's batches every `intervalMs`; a failed batch is retried as is (same id) on the next round, so
 * the server never counts it twice. Call {@link UsageReporter.flush} on shutdown.
 */
export class UsageReporter {
  private readonly pending: UsageBatch[] = [];
  private readonly stop = new AbortController();
  private dropped = 0;
  private readonly hook: UsageHook;
  private readonly options: UsageReporterOptions;

  constructor(hook: UsageHook, options: UsageReporterOptions) {
    this.hook = hook;
    this.options = options;
    void this.loop();
  }

  /** Sends what was counted so far and every pending batch; resolves when done or when the server refuses. */
  async flush(): Promise<void> {
    const batch = this.hook.takeBatch();
    if (batch) this.pending.push(batch);
    if (this.pending.length > (this.options.maxPending ?? 60)) {
      this.dropped += this.pending.length - (this.options.maxPending ?? 60);
      this.pending.splice(0, this.pending.length - (this.options.maxPending ?? 60));
    }
    while (this.pending.length > 0) {
      if (!(await this.post(this.pending[0]!))) return;
      this.pending.shift();
    }
  }

  /** Batches waiting for the server, and batches dropped because too many waited. */
  stats(): { pending: number; dropped: number } {
    return { pending: this.pending.length, dropped: this.dropped };
  }

  dispose(): void {
    this.stop.abort();
  }

  private async loop(): Promise<void> {
    const sleep = this.options.sleep ?? timerSleep;
    while (!this.stop.signal.aborted) {
      await sleep(this.options.intervalMs ?? 60_000, this.stop.signal);
      if (!this.stop.signal.aborted) await this.flush();
    }
  }

  /** True when the server took the batch (or already had it). */
  private async post(batch: UsageBatch): Promise<boolean> {
    try {
      const response = await (this.options.fetch ?? fetch)(`${this.options.url.replace(/\/$/, '')}/v1/usage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.sdkKey}` },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  }
}
