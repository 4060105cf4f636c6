/**
 * `@rollgate/shared/telemetry`: OpenFeature hooks for analytics and observability — OpenTelemetry evaluation
 * events and counter; exposures with Segment, GA4 and Mixpanel adapters; usage counts for the Rollgate server. Browser-safe (no Node built-ins).
 */
export { createOpenTelemetryHook, FeatureFlagAttributes, EVALUATION_EVENT, EVALUATION_COUNTER } from './otel-hook.ts';
export type { OpenTelemetryHookOptions, TelemetryHook } from './otel-hook.ts';
export { createExposureHook } from './exposures.ts';
export type { ExposureEvent, ExposureHook, ExposureHookOptions, ExposureStats } from './exposures.ts';
export { ExposureSender } from './exposure-sender.ts';
export type { AdapterRequest, ExposureAdapter, ExposureSenderOptions, ExposureSenderStats } from './exposure-sender.ts';
export { segmentAdapter, ga4Adapter, mixpanelAdapter } from './adapters.ts';
export type { SegmentOptions, Ga4Options, MixpanelOptions } from './adapters.ts';
export { createUsageHook, UsageReporter, usageBatchSchema, usageEntrySchema } from './usage.ts';
export type { UsageBatch, UsageEntry, UsageHook, UsageHookOptions, UsageReporterOptions } from './usage.ts';
