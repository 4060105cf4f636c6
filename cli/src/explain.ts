/**
 * `rollgate evaluate`'s answer to "why?". The value comes from the flagd engine on the compiled document; the
 * explanation asks the same compiler and engine smaller questions instead of re-implementing flagd semantics:
 * each rule condition is compiled alone into a probe flag (does it hold for this context?), and the user's sticky
 * bucket is found by bisecting the percentage of a probe rollout of the same flag key (same hash input).
 */
import { compileEnvironment } from '@rollgate/shared/flagd';
import { FlagdEngine, type EvaluationContext, type EvaluationResult } from '@rollgate/shared/eval';
import type {
  Condition,
  EnvironmentConfig,
  Flag,
  JsonValue,
  Rollout,
  SplitBucket,
  StoreDocument,
} from '@rollgate/shared/flags';
import { formatCondition, formatRule } from './format.ts';

export interface ConditionExplanation {
  readonly condition: string;
  readonly holds: boolean;
}

export interface RuleExplanation {
  /** 1-based, as `rollgate get` numbers rules. */
  readonly position: number;
  readonly id?: string;
  readonly rule: string;
  readonly matched: boolean;
  readonly conditions: ConditionExplanation[];
}

export interface Explanation {
  readonly result: EvaluationResult<JsonValue>;
  /** One sentence per step of the decision, for humans. */
  readonly why: string[];
  readonly enabled: boolean;
  readonly rules: RuleExplanation[];
  /** Position of the rule that served, when one matched. */
  readonly matchedRule?: number;
  /** The user's sticky bucket in [0, 100): below a rollout's percentage means in. Absent without targetingKey. */
  readonly bucket?: number;
  readonly rollout?: Rollout & { readonly included: boolean };
}

/** Granularity of the compiled `fractional` weights: 1 ppm (see FLAGD_WEIGHT_SCALE), i.e. 0.0001 %. */
const BUCKET_RESOLUTION = 0.0001;

/**
 * Evaluates `flag` in `environment` for `context` and explains the result. Errors: those of
 * `compileEnvironment` (INVALID_INPUT for an unknown environment, INVALID_RULE).
 */
export function explainEvaluation(input: {
  readonly document: StoreDocument;
  readonly flag: Flag;
  readonly environment: string;
  readonly context: EvaluationContext;
  readonly defaultValue: JsonValue;
  readonly now: () => Date;
}): Explanation {
  const { document, flag, environment, context, now } = input;
  const engine = new FlagdEngine({ now });
  engine.setFlags(compileEnvironment(document, environment));
  const result = engine.evaluate<JsonValue>(flag.key, flag.type, input.defaultValue, context);
  const config = flag.environments[environment];
  const enabled = config?.enabled === true && !flag.archived;
  if (config === undefined || !enabled) {
    const why = flag.archived
      ? 'The flag is archived: apps get the default value in their code.'
      : `The flag is off in ${environment}: apps get the default value in their code.`;
    return { result, why: [why], enabled: false, rules: [] };
  }
  const probe = createProbe(document, flag, environment, now);
  const rules = config.rules.map((rule, i): RuleExplanation => {
    const conditions = rule.conditions.map((c) => ({ condition: formatCondition(c), holds: probe.holds(c, context) }));
    return {
      position: i + 1,
      ...(rule.id === undefined ? {} : { id: rule.id }),
      rule: formatRule(rule),
      matched: conditions.every((c) => c.holds),
      conditions,
    };
  });
  const bucket = typeof context.targetingKey === 'string' ? probe.bucket(context) : undefined;
  const why: string[] = rules.map((r) =>
    r.matched
      ? `Rule ${r.position} matched (${r.conditions.map((c) => c.condition).join(' and ')}).`
      : `Rule ${r.position} did not match: ${failedConditions(r)}.`,
  );
  const matched = rules.find((r) => r.matched);
  if (matched !== undefined) {
    // Rules after the first match are never tried.
    why.splice(matched.position);
    const serve = config.rules[matched.position - 1]?.serve;
    if (serve !== undefined && 'split' in serve) why.push(splitSentence(serve.split, bucket, result.variant));
    return { result, why, enabled, rules, matchedRule: matched.position, ...(bucket === undefined ? {} : { bucket }) };
  }
  if (rules.length > 0) why.push('No rule matched.');
  return {
    result,
    why: [...why, ...fallthroughSentences(config, bucket)],
    enabled,
    rules,
    ...rolloutFacts(config, bucket),
  };
}

function failedConditions(rule: RuleExplanation): string {
  const failed = rule.conditions.filter((c) => !c.holds).map((c) => `"${c.condition}"`);
  return `${failed.join(' and ')} ${failed.length === 1 ? 'does' : 'do'} not hold`;
}

/** `… buckets 0–10 → on, 10–100 → off; this user's bucket is 11.44, so they get "off"`. */
function splitSentence(split: readonly SplitBucket[], bucket: number | undefined, variant: string | undefined): string {
  const total = split.reduce((sum, b) => sum + b.weight, 0);
  let start = 0;
  const segments = split.map((b) => {
    const end = start + (b.weight / total) * 100;
    const text = `${formatBucket(start)}–${formatBucket(end)} → ${b.variant}`;
    start = end;
    return text;
  });
  const layout = `It serves a sticky split by targetingKey: buckets ${segments.join(', ')}`;
  return bucket === undefined
    ? `${layout}; the context has no targetingKey to bucket by.`
    : `${layout}; this user's bucket is ${formatBucket(bucket)}, so they get "${variant ?? '(none)'}".`;
}

function fallthroughSentences(config: EnvironmentConfig, bucket: number | undefined): string[] {
  const { rollout } = config;
  if (rollout === undefined || rollout.variant === config.defaultVariant || rollout.percentage === 0) {
    return [`The default variant "${config.defaultVariant}" is served.`];
  }
  if (rollout.percentage >= 100) return [`The rollout serves "${rollout.variant}" to 100% of users.`];
  if (bucket === undefined) {
    return [
      `The ${rollout.percentage}% rollout of "${rollout.variant}" needs a targetingKey; without one the default variant "${config.defaultVariant}" is served.`,
    ];
  }
  const included = bucket < rollout.percentage;
  return [
    `The rollout serves "${rollout.variant}" to ${rollout.percentage}% of users; this user's sticky bucket is ` +
      `${formatBucket(bucket)}, ${included ? 'below' : 'not below'} ${rollout.percentage}, so they ` +
      (included ? `get "${rollout.variant}".` : `get the default variant "${config.defaultVariant}".`),
  ];
}

function rolloutFacts(config: EnvironmentConfig, bucket: number | undefined): Pick<Explanation, 'bucket' | 'rollout'> {
  const { rollout } = config;
  return {
    ...(bucket === undefined ? {} : { bucket }),
    ...(rollout === undefined
      ? {}
      : {
          rollout: {
            ...rollout,
            included: bucket !== undefined ? bucket < rollout.percentage : rollout.percentage >= 100,
          },
        }),
  };
}

function formatBucket(bucket: number): string {
  return bucket.toFixed(4).replace(/\.?0+$/, '');
}

/** Probe flags: the real flag key (so bucketing hashes the same input) in a one-flag document. */
function createProbe(document: StoreDocument, flag: Flag, environment: string, now: () => Date) {
  const engine = new FlagdEngine({ now });
  const evaluate = (config: EnvironmentConfig, context: EvaluationContext): boolean => {
    const probeFlag: Flag = {
      ...flag,
      type: 'boolean',
      variants: { yes: true, no: false },
      archived: false,
      environments: { [environment]: config },
    };
    engine.setFlags(compileEnvironment({ ...document, flags: [probeFlag] }, environment));
    return engine.evaluate(flag.key, 'boolean', false, context).value;
  };
  return {
    /** Whether `condition` alone holds for `context`. */
    holds(condition: Condition, context: EvaluationContext): boolean {
      const rules = [{ conditions: [condition], serve: { variant: 'yes' } }];
      return evaluate({ enabled: true, defaultVariant: 'no', rules }, context);
    },
    /**
     * The smallest rollout percentage (to {@link BUCKET_RESOLUTION}) that includes this user, minus one step:
     * users with bucket b are in a p% rollout exactly when b < p.
     */
    bucket(context: EvaluationContext): number {
      const inRollout = (percentage: number): boolean =>
        evaluate({ enabled: true, defaultVariant: 'no', rules: [], rollout: { variant: 'yes', percentage } }, context);
      let low = 0; // never in at 0%
      let high = 100 / BUCKET_RESOLUTION; // always in at 100%
      while (high - low > 1) {
        const mid = Math.floor((low + high) / 2);
        if (inRollout(mid * BUCKET_RESOLUTION)) high = mid;
        else low = mid;
      }
      return low * BUCKET_RESOLUTION;
    },
  };
}
