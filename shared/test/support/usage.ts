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

/**
 * `count` evaluations of `flagKey` serving `variant` in `environment` on `day` (`YYYY-MM-DD`), first seen at 08:00
 * and last at 09:00 UTC, from the rollgate provider in SDK `sdk`.
 */
export function usageOnDay(
  flagKey: string,
  day: string,
  variant: string,
  count: number,
  { environment = 'production', sdk = 'test' }: { environment?: string; sdk?: string } = {},
): UsageEntry {
  return {
    flagKey,
    variant,
    environment,
    provider: 'rollgate',
    sdk,
    count,
    firstSeen: `${day}T08:00:00.000Z`,
    lastSeen: `${day}T09:00:00.000Z`,
  };
}
