/**
 * Exposures: "user U was served variant V of flag F". An OpenFeature hook turns successful evaluations into
 * {@link ExposureEvent}s for an `onExposure(event)` callback, at most once per user, flag and variant within a
 * de-duplication window, and for a sampled share of users. The callback runs synchronously inside the evaluation,
 * so it must be cheap (the adapters' `enqueue` is); whatever it throws is swallowed and counted, never surfaced.
 */
import type { EvaluationDetails, FlagValue, HookContext } from '@openfeature/core';
import type { TelemetryHook } from './otel-hook.ts';

/** One exposure, vendor-neutral; the adapters map it to each analytics tool's event. */
export interface ExposureEvent {
  readonly flagKey: string;
  /** The served variant; the stringified value when the provider reports none. */
  readonly variant: string;
  /** The evaluation reason (`TARGETING_MATCH`, `SPLIT`, `STATIC`, …). */
  readonly reason: string;
  /** The evaluation context's targeting key: the user id. */
  readonly userId: string;
  readonly providerName: string;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  /** Unique id (vendors de-duplicate retries on it). */
  readonly id: string;
  /** The environment the app runs in, when configured. */
  readonly environment?: string;
}

/** Options of {@link createExposureHook}. */
export interface ExposureHookOptions {
  readonly onExposure: (event: ExposureEvent) => void;
  /** One exposure per user, flag and variant within this window (ms; default 1 h; 0 disables de-duplication). */
  readonly dedupeWindowMs?: number;
  /** Users remembered for de-duplication before the oldest are forgotten (default 100,000). */
  readonly maxTracked?: number;
  /** Share of users whose exposures are reported, in [0, 1] (default 1); a user is in or out for every flag. */
  readonly sampleRate?: number;
  readonly environment?: string;
  /** Clock in epoch ms (default Date.now). */
  readonly now?: () => number;
}

/** Counters of an exposure hook. */
export interface ExposureStats {
  readonly reported: number;
  readonly deduplicated: number;
  readonly sampledOut: number;
  /** Evaluations without a targeting key or that failed: no user to attribute them to. */
  readonly skipped: number;
  /** Times `onExposure` threw. */
  readonly callbackErrors: number;
}

/** The exposure hook and its counters. */
export interface ExposureHook extends TelemetryHook {
  stats(): ExposureStats;
}

/**
 * A hook reporting exposures to `options.onExposure`; see the module comment. Sampling hashes the user id (FNV-1a),
 * so a sampled-in user stays in across flags, processes and restarts.
 */
export function createExposureHook(options: ExposureHookOptions): ExposureHook {
  const windowMs = options.dedupeWindowMs ?? 3_600_000;
  const maxTracked = options.maxTracked ?? 100_000;
  const sampleRate = options.sampleRate ?? 1;
  const now = options.now ?? Date.now;
  // Insertion-ordered: re-inserting on report keeps the least recently reported first, evicted first.
  const lastReported = new Map<string, number>();
  const stats = { reported: 0, deduplicated: 0, sampledOut: 0, skipped: 0, callbackErrors: 0 };
  let sequence = 0;
  const idPrefix = `${now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
      const userId = hookContext.context.targetingKey;
      if (!userId || details.errorCode !== undefined) {
        stats.skipped++;
        return;
      }
      if (sampleRate < 1 && fnv1a(userId) / 0x1_0000_0000 >= sampleRate) {
        stats.sampledOut++;
        return;
      }
      const variant = details.variant ?? JSON.stringify(details.value);
      const at = now();
      const dedupeKey = `${userId}\u0000${hookContext.flagKey}\u0000${variant}`;
      const previous = lastReported.get(dedupeKey);
      if (windowMs > 0 && previous !== undefined && at - previous < windowMs) {
        stats.deduplicated++;
        return;
      }
      if (windowMs > 0) {
        lastReported.delete(dedupeKey);
        lastReported.set(dedupeKey, at);
        if (lastReported.size > maxTracked) lastReported.delete(lastReported.keys().next().value!);
      }
      stats.reported++;
      try {
        options.onExposure({
          flagKey: hookContext.flagKey,
          variant,
          reason: details.reason ?? 'UNKNOWN',
          userId,
          providerName: hookContext.providerMetadata.name,
          timestamp: at,
          id: `${idPrefix}-${(sequence++).toString(36)}`,
          ...(options.environment === undefined ? {} : { environment: options.environment }),
        });
      } catch {
        stats.callbackErrors++;
      }
    },
    stats: () => ({ ...stats }),
  };
}

/** 32-bit FNV-1a of a string's UTF-16 code units: a fast, stable bucket for sampling. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
