/**
 * `@rollgate/shared/telemetry`: OpenFeature hooks for analytics and observability — OpenTelemetry evaluation
 * events and counter. Browser-safe (no Node built-ins).
 */
export { createOpenTelemetryHook, FeatureFlagAttributes, EVALUATION_EVENT, EVALUATION_COUNTER } from './otel-hook.ts';
export type { OpenTelemetryHookOptions, TelemetryHook } from './otel-hook.ts';
