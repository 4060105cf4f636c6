/**
 * Turns one guardrail's observation into a verdict: breach (a statistically sure violation of a hard or
 * relative limit), pass, or why it cannot pass yet. Statistics in `stats.ts`; rationale in docs/rollout.md.
 */
import type { Guardrail } from '../flags/model.ts';
import type { ArmObservation, GuardrailObservation } from './metrics.ts';
import { histogramCountAtOrBelow, histogramQuantile, histogramTotal } from './metrics.ts';
import type { Direction, Proportion, SequentialTestOptions, SequentialTestResult } from './stats.ts';
import { testProportionAgainstLimit, testProportionRelative } from './stats.ts';
import type { MetricProblem } from './sanity.ts';
import { describeMetricProblem } from './sanity.ts';

/**
 * A relative limit holds the step ('inconclusive') while the treatment's excess over it is more than this many
 * standard errors, without being significant yet. Hard limits hold whenever the point estimate is beyond them.
 */
export const RELATIVE_HOLD_Z = 1;

/** Default latency percentile when a latency guardrail names none. */
export const DEFAULT_LATENCY_PERCENTILE = 95;

/**
 * Verdict of one guardrail. Only `pass` lets a step advance; `breach` stops the rollout (per the plan's onBreach);
 * everything else holds it.
 */
export type GuardrailVerdict = 'pass' | 'breach' | 'inconclusive' | 'insufficient-data' | 'source-error';

/** One limit of a guardrail and its sequential test. */
export interface ThresholdCheck {
  /** `max` / `min`: hard limits on the treatment; `relative`: against control. */
  readonly kind: 'max' | 'min' | 'relative';
  /** The limit in the metric's unit (a proportion, or ms for latency); undefined when control has no value yet. */
  readonly limit: number | undefined;
  readonly test: SequentialTestResult;
}

/** Summary of one arm for reports. */
export interface ArmSummary {
  readonly samples: number;
  /** Proportion (0–1) or latency percentile in ms; undefined without data. */
  readonly value: number | undefined;
}

/** The evaluated state of one guardrail at one check. */
export interface GuardrailCheck {
  readonly name: string;
  readonly metric: Guardrail['metric'];
  readonly source: Guardrail['source'];
  /** `proportion` (0–1) or `ms`. */
  readonly unit: 'proportion' | 'ms';
  readonly verdict: GuardrailVerdict;
  readonly treatment: ArmSummary;
  readonly control: ArmSummary;
  readonly thresholds: readonly ThresholdCheck[];
  /** One line with the numbers, for the audit log, the status and the rollout page. */
  readonly message: string;
  /** Set when the source answered with impossible numbers (verdict `source-error`); the offending value. */
  readonly invalidMetrics?: MetricProblem;
}

/** How hard the guardrail tests are tuned. */
export interface GuardrailTestOptions extends SequentialTestOptions {
  /** Treatment samples needed before the guardrail can pass. */
  readonly minSamples: number;
}

/** The guardrail's worse direction (business metrics default to higher-is-better, others to lower-is-better). */
export function guardrailDirection(guardrail: Guardrail): Direction {
  return guardrail.direction ?? (guardrail.metric === 'business' ? 'higher-is-better' : 'lower-is-better');
}

/** Number of sequential tests a guardrail runs (for splitting α); 0 means it is misconfigured. */
export function countGuardrailTests(guardrail: Guardrail): number {
  const relative = guardrail.maxRelativeDegradation === undefined ? 0 : 1;
  if (guardrail.metric === 'latency') return relative + (guardrail.max === undefined ? 0 : 1);
  return relative + (guardrail.max === undefined ? 0 : 1) + (guardrail.min === undefined ? 0 : 1);
}

/** Formats a value of a guardrail for humans: proportions as percentages, latency in ms. */
export function formatMetricValue(unit: GuardrailCheck['unit'], value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  if (unit === 'ms') return `${round(value, 1)} ms`;
  return `${round(value * 100, 3)}%`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function proportionOf(arm: ArmObservation): Proportion {
  return { events: arm.events ?? 0, samples: arm.samples };
}

/**
 * A failed source: the guardrail holds the rollout with the source's message. With `problem`, the source answered
 * but with impossible numbers (see sanity.ts): also a source error, never data.
 */
export function sourceErrorCheck(guardrail: Guardrail, message: string, problem?: MetricProblem): GuardrailCheck {
  return {
    name: guardrail.name,
    metric: guardrail.metric,
    source: guardrail.source,
    unit: guardrail.metric === 'latency' ? 'ms' : 'proportion',
    verdict: 'source-error',
    treatment: { samples: 0, value: undefined },
    control: { samples: 0, value: undefined },
    thresholds: [],
    message: problem
      ? `${guardrail.name}: impossible metrics, holding (fail closed): ${describeMetricProblem(problem)} (${message})`
      : `${guardrail.name}: metric source failed, holding (fail closed): ${message}`,
    ...(problem ? { invalidMetrics: problem } : {}),
  };
}

/**
 * Evaluates a guardrail on an observation. Hard limits test the treatment alone; the relative limit compares it
 * with control. Latency limits are tested on the share of treatment requests slower than the limit
 * (percentile ≤ L ⇔ P(latency > L) ≤ 1 − percentile).
 */
export function evaluateGuardrail(
  guardrail: Guardrail,
  observation: GuardrailObservation,
  options: GuardrailTestOptions,
): GuardrailCheck {
  const thresholds =
    guardrail.metric === 'latency'
      ? latencyThresholds(guardrail, observation, options)
      : proportionThresholds(guardrail, observation, options);
  const unit = guardrail.metric === 'latency' ? 'ms' : 'proportion';
  const treatment = summarize(guardrail, observation.treatment);
  const control = summarize(guardrail, observation.control);
  const verdict = verdictOf(guardrail, thresholds, treatment, control, options.minSamples);
  return {
    name: guardrail.name,
    metric: guardrail.metric,
    source: guardrail.source,
    unit,
    verdict,
    treatment,
    control,
    thresholds,
    message: describe(guardrail.name, unit, verdict, treatment, control, thresholds, options.minSamples),
  };
}

function summarize(guardrail: Guardrail, arm: ArmObservation): ArmSummary {
  if (guardrail.metric === 'latency') {
    const percentile = guardrail.percentile ?? DEFAULT_LATENCY_PERCENTILE;
    const samples = arm.latency ? histogramTotal(arm.latency) : 0;
    return { samples, value: arm.latency ? histogramQuantile(arm.latency, percentile / 100) : undefined };
  }
  return { samples: arm.samples, value: arm.samples > 0 ? (arm.events ?? 0) / arm.samples : undefined };
}

function proportionThresholds(
  guardrail: Guardrail,
  observation: GuardrailObservation,
  options: SequentialTestOptions,
): ThresholdCheck[] {
  const treatment = proportionOf(observation.treatment);
  const checks: ThresholdCheck[] = [];
  if (guardrail.max !== undefined) {
    checks.push({
      kind: 'max',
      limit: guardrail.max,
      test: testProportionAgainstLimit(treatment, guardrail.max, 'lower-is-better', options),
    });
  }
  if (guardrail.min !== undefined) {
    checks.push({
      kind: 'min',
      limit: guardrail.min,
      test: testProportionAgainstLimit(treatment, guardrail.min, 'higher-is-better', options),
    });
  }
  if (guardrail.maxRelativeDegradation !== undefined) {
    const direction = guardrailDirection(guardrail);
    const control = proportionOf(observation.control);
    const factor =
      direction === 'lower-is-better' ? 1 + guardrail.maxRelativeDegradation : 1 - guardrail.maxRelativeDegradation;
    checks.push({
      kind: 'relative',
      limit: control.samples > 0 ? (factor * control.events) / control.samples : undefined,
      test: testProportionRelative(treatment, control, guardrail.maxRelativeDegradation, direction, options),
    });
  }
  return checks;
}

function latencyThresholds(
  guardrail: Guardrail,
  observation: GuardrailObservation,
  options: SequentialTestOptions,
): ThresholdCheck[] {
  const percentile = guardrail.percentile ?? DEFAULT_LATENCY_PERCENTILE;
  const tailShare = 1 - percentile / 100;
  const histogram = observation.treatment.latency;
  const exceedance = (limitMs: number): Proportion => {
    if (!histogram) return { events: 0, samples: 0 };
    const total = histogramTotal(histogram);
    return { events: total - histogramCountAtOrBelow(histogram, limitMs), samples: total };
  };
  const checks: ThresholdCheck[] = [];
  if (guardrail.max !== undefined) {
    checks.push({
      kind: 'max',
      limit: guardrail.max,
      test: testProportionAgainstLimit(exceedance(guardrail.max), tailShare, 'lower-is-better', options),
    });
  }
  if (guardrail.maxRelativeDegradation !== undefined) {
    const controlHistogram = observation.control.latency;
    const controlValue = controlHistogram ? histogramQuantile(controlHistogram, percentile / 100) : undefined;
    const limit = controlValue === undefined ? undefined : controlValue * (1 + guardrail.maxRelativeDegradation);
    const tail = limit === undefined ? { events: 0, samples: 0 } : exceedance(limit);
    checks.push({
      kind: 'relative',
      limit,
      test: testProportionAgainstLimit(tail, tailShare, 'lower-is-better', options),
    });
  }
  return checks;
}

function verdictOf(
  guardrail: Guardrail,
  thresholds: readonly ThresholdCheck[],
  treatment: ArmSummary,
  control: ArmSummary,
  minSamples: number,
): GuardrailVerdict {
  if (thresholds.some((t) => t.test.rejected)) return 'breach';
  if (treatment.samples === 0 || treatment.samples < minSamples) return 'insufficient-data';
  if (thresholds.some((t) => t.kind === 'relative') && (control.samples === 0 || control.value === undefined)) {
    return 'insufficient-data';
  }
  const value = treatment.value;
  if (value === undefined) return 'insufficient-data';
  const beyond = thresholds.some((t) => {
    if (t.limit === undefined) return true;
    if (t.kind === 'min') return value < t.limit;
    if (t.kind === 'max') return value > t.limit;
    // Relative limits compare two noisy arms: hold only when the data lean clearly toward a breach.
    return t.test.z > RELATIVE_HOLD_Z;
  });
  return beyond ? 'inconclusive' : 'pass';
}

function describe(
  name: string,
  unit: GuardrailCheck['unit'],
  verdict: GuardrailVerdict,
  treatment: ArmSummary,
  control: ArmSummary,
  thresholds: readonly ThresholdCheck[],
  minSamples: number,
): string {
  const arms = `treatment ${formatMetricValue(unit, treatment.value)} (n=${treatment.samples}) vs control ${formatMetricValue(unit, control.value)} (n=${control.samples})`;
  const limits = thresholds
    .map((t) => {
      const op = t.kind === 'min' ? '≥' : '≤';
      const stat = `z=${round(t.test.z, 2)}, ln Λ=${round(t.test.logLikelihoodRatio, 2)}/${round(t.test.logBoundary, 2)}`;
      return `${t.kind} ${op} ${formatMetricValue(unit, t.limit)} [${stat}${t.test.rejected ? ', BREACHED' : ''}]`;
    })
    .join('; ');
  const why: Record<GuardrailVerdict, string> = {
    pass: 'pass',
    breach: 'BREACH',
    inconclusive: 'beyond a limit but not yet significant, holding',
    'insufficient-data': `waiting for data (${treatment.samples}/${minSamples} treatment samples${control.samples === 0 ? ', no control samples' : ''})`,
    'source-error': 'source failed',
  };
  return `${name}: ${why[verdict]}: ${arms}${limits ? `; ${limits}` : ''}`;
}
