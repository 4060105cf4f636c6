/** Test support: usage entries as an app's usage hook sends them to `POST /v1/usage`. */
import type { UsageEntry } from '../../src/telemetry/usage.ts';

/** `count` evaluations of `flagKey` serving `variant` in `environment`, all at `at` (provider flagd). */
export function usageEntry(
  flagKey: string,
  environment: string,
  variant: string,
  count: number,
  at: string,
): UsageEntry {
  return {
    flagKey,
    variant,
    environment,
    provider: 'flagd',
    sdk: 'openfeature-js',
    count,
    firstSeen: at,
    lastSeen: at,
  };
}
