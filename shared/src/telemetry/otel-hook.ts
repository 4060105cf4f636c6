/**
 * OpenFeature hook recording every flag evaluation for OpenTelemetry, through `@opentelemetry/api` only: a
 * `feature_flag.evaluation` event on the active span and a `feature_flag.evaluations` counter, with the attribute
 * names of the OpenTelemetry feature-flag semantic conventions. Whatever SDK/exporter the app registered receives
 * them; without one, the API's no-op implementations make the hook nearly free. Works with the server and the web
 * SDK and any provider.
 */
import { metrics, trace, type Attributes, type Counter } from '@opentelemetry/api';
import type { BaseHook, EvaluationDetails, FlagValue, HookContext } from '@openfeature/core';

/** Semantic-convention attribute names (OpenTelemetry registry, `feature_flag.*`). */
export const FeatureFlagAttributes = {
  key: 'feature_flag.key',
  providerName: 'feature_flag.provider.name',
  variant: 'feature_flag.result.variant',
  reason: 'feature_flag.result.reason',
  value: 'feature_flag.result.value',
  contextId: 'feature_flag.context.id',
  setId: 'feature_flag.set.id',
  version: 'feature_flag.version',
  errorMessage: 'feature_flag.error.message',
  errorType: 'error.type',
} as const;

/** The span event name the conventions mandate. */
export const EVALUATION_EVENT = 'feature_flag.evaluation';
/** The counter's name; attributes: key, provider, variant, reason and error type (low cardinality). */
export const EVALUATION_COUNTER = 'feature_flag.evaluations';

/** A hook that works with both OpenFeature SDKs (it never changes the context, every stage is synchronous). */
export type TelemetryHook = BaseHook<FlagValue, Record<string, unknown>, void, void>;

/** Options of {@link createOpenTelemetryHook}. */
export interface OpenTelemetryHookOptions {
  /** Add `feature_flag.result.value` to span events (off by default: values can be large or sensitive). */
  readonly recordValue?: boolean;
  /** Add `feature_flag.context.id` (the targeting key) to span events (off by default: it identifies a user). */
  readonly recordContextId?: boolean;
  /** `feature_flag.set.id`, e.g. the environment (`production`). */
  readonly setId?: string;
}

/**
 * A hook recording each evaluation in its `finally` stage, through the global tracer and meter providers (after success or error). It never throws into the
 * evaluation: a failing OTel implementation is swallowed. No span active → only the counter.
 */
export function createOpenTelemetryHook(options: OpenTelemetryHookOptions = {}): TelemetryHook {
  const counter: Counter = metrics.getMeter('@rollgate/shared').createCounter(EVALUATION_COUNTER, {
    description: 'Feature flag evaluations, by flag, variant, reason and provider.',
    unit: '{evaluation}',
  });
  return {
    finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
      try {
        const common = evaluationAttributes(hookContext, details, options.setId);
        counter.add(1, common);
        const span = trace.getActiveSpan();
        if (!span?.isRecording()) return;
        const attributes: Attributes = { ...common };
        const version = details.flagMetadata['version'];
        if (typeof version === 'string' || typeof version === 'number') {
          attributes[FeatureFlagAttributes.version] = String(version);
        }
        if (details.errorMessage) attributes[FeatureFlagAttributes.errorMessage] = details.errorMessage;
        if (options.recordValue) attributes[FeatureFlagAttributes.value] = attributeValue(details.value);
        const targetingKey = hookContext.context.targetingKey;
        if (options.recordContextId && targetingKey) attributes[FeatureFlagAttributes.contextId] = targetingKey;
        span.addEvent(EVALUATION_EVENT, attributes);
      } catch {
        // Telemetry must never change an evaluation's outcome.
      }
    },
  };
}

/** The attributes of both the event and the counter. Reasons are lower case in the conventions (`targeting_match`). */
function evaluationAttributes(
  hookContext: Readonly<HookContext>,
  details: EvaluationDetails<FlagValue>,
  setId: string | undefined,
): Attributes {
  const attributes: Attributes = {
    [FeatureFlagAttributes.key]: hookContext.flagKey,
    [FeatureFlagAttributes.providerName]: hookContext.providerMetadata.name,
  };
  if (details.variant !== undefined) attributes[FeatureFlagAttributes.variant] = details.variant;
  if (details.reason !== undefined) attributes[FeatureFlagAttributes.reason] = details.reason.toLowerCase();
  if (details.errorCode !== undefined) attributes[FeatureFlagAttributes.errorType] = details.errorCode.toLowerCase();
  if (setId !== undefined) attributes[FeatureFlagAttributes.setId] = setId;
  return attributes;
}

/** Attribute values are primitives: objects and arrays are recorded as JSON. */
function attributeValue(value: FlagValue): string | number | boolean {
  return typeof value === 'object' ? JSON.stringify(value) : value;
}
