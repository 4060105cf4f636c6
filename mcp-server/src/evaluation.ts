/**
 * Evaluation on compiled flagd output with the real engine, as apps see it: one context, or a fixed sample of
 * users to measure what share a change moves.
 */
import { FlagdEngine } from '@rollgate/shared/eval';
import { compileEnvironment } from '@rollgate/shared/flagd';
import type { JsonValue, StoreDocument } from '@rollgate/shared/flags';

/** The outcome of one evaluation. */
export interface Evaluation {
  readonly value: JsonValue;
  readonly variant?: string;
  readonly reason: string;
  readonly errorCode?: string;
}

/**
 * Evaluates `flagKey` in `environment` for `context`. The code default passed to the engine is the value of the
 * environment's default variant (or the first variant), standing in for the app's own default.
 */
export function evaluateInEnvironment(
  document: StoreDocument,
  environment: string,
  flagKey: string,
  context: Record<string, JsonValue>,
  now: () => Date,
): Evaluation {
  return createEvaluator(document, environment, now)(flagKey, context);
}

/** An evaluator bound to one compiled environment (compiles once, evaluates many). */
export function createEvaluator(
  document: StoreDocument,
  environment: string,
  now: () => Date,
): (flagKey: string, context: Record<string, JsonValue>) => Evaluation {
  const engine = new FlagdEngine({ now });
  engine.setFlags(compileEnvironment(document, environment));
  return (flagKey, context) => {
    const flag = document.flags.find((f) => f.key === flagKey);
    const fallbackVariant = flag?.environments[environment]?.defaultVariant ?? Object.keys(flag?.variants ?? {})[0];
    const fallback = (fallbackVariant !== undefined ? flag?.variants[fallbackVariant] : undefined) ?? false;
    const result = engine.evaluate(flagKey, flag?.type ?? 'boolean', fallback, context);
    return {
      value: result.value,
      ...(result.variant !== undefined ? { variant: result.variant } : {}),
      reason: result.reason,
      ...(result.errorCode !== undefined ? { errorCode: result.errorCode } : {}),
    };
  };
}
