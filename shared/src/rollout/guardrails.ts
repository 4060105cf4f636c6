/**
 * Turns one guardrail's observation into a verdict: breach (a statistically sure violation of a hard or
 * relative limit), pass, or why it cannot pass yet. Statistics in `stats.ts`; rationale in docs/rollout.md.
 */
import type { Guardrail } from '../flags/model.ts';
import type { ArmObservation, GuardrailObservation } from './metrics.ts';
import { histogramCountAtOrBelow, histogramQuantile, histogramTotal } from './metrics.ts';
import type { Direction, HardStopResult, Proportion, SequentialTestResult } from './stats.ts';
import {
  msprtPower,
  msprtSamplesForPower,
  testHardStop,
  testProportionAgainstLimit,
  testProportionRelative,
} from './stats.ts';
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

/** Power the rollout page reports for each limit: how likely the test is to have caught the MDE by now. */
export const TARGET_POWER = 0.8;

/** Detection power of one limit's test against the guardrail's minimum detectable effect. */
export interface DetectionPower {
  /** The excess over the limit the test is tuned to (τ), in the test's unit (a proportion). */
  readonly effect: number;
  /** ≈ P(the test has rejected by now | the regression is exactly the MDE), 0–1 (see msprtPower). */
  readonly power: number;
  /** Samples (of the arm the limit is tested on) at which the power reaches {@link TARGET_POWER}. */
  readonly samplesForTargetPower: number;
}

/** One limit of a guardrail and its sequential test. */
export interface ThresholdCheck {
  /** `max` / `min`: hard limits on the treatment; `relative`: against control. */
  readonly kind: 'max' | 'min' | 'relative';
  /** The limit in the metric's unit (a proportion, or ms for latency); undefined when control has no value yet. */
  readonly limit: number | undefined;
  readonly test: SequentialTestResult;
  /** The hard stop for gross breaches (upper limits only). */
  readonly hardStop?: HardStopResult;
}

/** Summary of one arm for reports. */
export interface ArmSummary {
  readonly samples: number;
  /** Proportion (0–1) or latency percentile in ms; undefined without data. */
  readonly value: number | undefined;
}

/** The guardrail's tests on one slice of traffic (`platform` = `mobile`). */
export interface SliceCheck {
  readonly attribute: string;
  readonly value: string;
  /** `breach`, `pass`, `inconclusive` or `insufficient-data` (which does not hold the step: the aggregate rules). */
  readonly verdict: GuardrailVerdict;
  readonly treatment: ArmSummary;
  readonly control: ArmSummary;
  readonly thresholds: readonly ThresholdCheck[];
}

/** The evaluated state of one guardrail at one check. */
export interface GuardrailCheck {
  readonly name: string;
  readonly metric: Guardrail['metric'];
  readonly source: Guardrail['source'];
  /** `proportion` (0–1) or `ms`. */
  readonly unit: 'proportion' | 'ms';
  /** Breach when the aggregate or any slice breaches; otherwise the aggregate's verdict (a slice may hold it). */
  readonly verdict: GuardrailVerdict;
  readonly treatment: ArmSummary;
  readonly control: ArmSummary;
  readonly thresholds: readonly ThresholdCheck[];
  /** One entry per listed slice value of the guardrail's `slices`. */
  readonly slices: readonly SliceCheck[];
  /** One line with the numbers, for the audit log, the status and the rollout page. */
  readonly message: string;
  /** Set when the source answered with impossible numbers (verdict `source-error`); the offending value. */
  readonly invalidMetrics?: MetricProblem;
}

/** How hard the guardrail tests are tuned. */
export interface GuardrailTestOptions {
  /** False-alarm bound of each test, in (0, 1). */
  readonly alpha: number;
  /** Treatment samples needed before the guardrail can pass. */
  readonly minSamples: number;
}

/** Minimum detectable effect when the guardrail states none: a doubling (+100 %). */
export const DEFAULT_MIN_DETECTABLE_EFFECT = 1;

/**
 * The guardrail's minimum detectable effect: as stated, else {@link DEFAULT_MIN_DETECTABLE_EFFECT} (or twice the
 * relative limit when that is larger, so the effect is beyond what the relative limit allows).
 */
export function minDetectableEffectOf(guardrail: Guardrail): number {
  return (
    guardrail.minDetectableEffect ??
    Math.max(DEFAULT_MIN_DETECTABLE_EFFECT, 2 * (guardrail.maxRelativeDegradation ?? 0))
  );
}

/** Number of slices a guardrail tests on their own (every listed value of every attribute). */
export function countSlices(guardrail: Guardrail): number {
  return Object.values(guardrail.slices ?? {}).reduce((sum, values) => sum + values.length, 0);
}

/** The guardrail's worse direction (business metrics default to higher-is-better, others to lower-is-better). */
export function guardrailDirection(guardrail: Guardrail): Direction {
  return guardrail.direction ?? (guardrail.metric === 'business' ? 'higher-is-better' : 'lower-is-better');
}

/**
 * Number of tests a guardrail runs (for splitting α): per unit of traffic (the whole arm and each slice) one per
 * limit, plus the hard stop of an upper limit. 0 means it is misconfigured (no limit).
 */
export function countGuardrailTests(guardrail: Guardrail): number {
  const relative = guardrail.maxRelativeDegradation === undefined ? 0 : 1;
  const max = guardrail.max === undefined ? 0 : 2;
  const min = guardrail.metric === 'latency' || guardrail.min === undefined ? 0 : 1;
  return (relative + max + min) * (1 + countSlices(guardrail));
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
    slices: [],
    message: problem
      ? `${guardrail.name}: impossible metrics, holding (fail closed): ${describeMetricProblem(problem)} (${message})`
      : `${guardrail.name}: metric source failed, holding (fail closed): ${message}`,
    ...(problem ? { invalidMetrics: problem } : {}),
  };
}

const EMPTY_ARM: ArmObservation = { samples: 0, events: 0 };

interface UnitResult {
  readonly verdict: GuardrailVerdict;
  readonly treatment: ArmSummary;
  readonly control: ArmSummary;
  readonly thresholds: readonly ThresholdCheck[];
}

function evaluateUnit(
  guardrail: Guardrail,
  observation: GuardrailObservation,
  options: GuardrailTestOptions,
): UnitResult {
  const thresholds =
    guardrail.metric === 'latency'
      ? latencyThresholds(guardrail, observation, options.alpha)
      : proportionThresholds(guardrail, observation, options.alpha);
  const treatment = summarize(guardrail, observation.treatment);
  const control = summarize(guardrail, observation.control);
  return {
    verdict: verdictOf(guardrail, thresholds, treatment, control, options.minSamples),
    treatment,
    control,
    thresholds,
  };
}

/** `errors[platform=mobile]`: how a slice is named in reasons and decision codes. */
export function sliceLabel(name: string, slice: Pick<SliceCheck, 'attribute' | 'value'>): string {
  return `${name}[${slice.attribute}=${slice.value}]`;
}

/**
 * Evaluates a guardrail on an observation. Hard limits test the treatment alone; the relative limit compares it
 * with control. Latency limits are tested on the share of treatment requests slower than the limit
 * (percentile ≤ L ⇔ P(latency > L) ≤ 1 − percentile). With `slices`, the same tests run on every listed slice
 * (each with the same α, which the caller has split over them): a slice can breach or hold the step; a slice
 * without enough data yet does not hold it (the whole arm's minimum sample does).
 */
export function evaluateGuardrail(
  guardrail: Guardrail,
  observation: GuardrailObservation,
  options: GuardrailTestOptions,
): GuardrailCheck {
  const unit = guardrail.metric === 'latency' ? 'ms' : 'proportion';
  const whole = evaluateUnit(guardrail, observation, options);
  const slices: SliceCheck[] = Object.entries(guardrail.slices ?? {}).flatMap(([attribute, values]) =>
    values.map((value) => ({
      attribute,
      value,
      ...evaluateUnit(
        guardrail,
        {
          treatment: observation.treatment.slices?.[attribute]?.[value] ?? EMPTY_ARM,
          control: observation.control.slices?.[attribute]?.[value] ?? EMPTY_ARM,
        },
        options,
      ),
    })),
  );
  let verdict = whole.verdict;
  if (slices.some((s) => s.verdict === 'breach')) verdict = 'breach';
  else if (verdict === 'pass' && slices.some((s) => s.verdict === 'inconclusive')) verdict = 'inconclusive';
  const messages = [describe(guardrail.name, unit, whole, options.minSamples)];
  for (const slice of slices) {
    if (slice.verdict === 'breach' || slice.verdict === 'inconclusive') {
      messages.push(describe(sliceLabel(guardrail.name, slice), unit, slice, options.minSamples));
    }
  }
  return {
    name: guardrail.name,
    metric: guardrail.metric,
    source: guardrail.source,
    unit,
    verdict,
    treatment: whole.treatment,
    control: whole.control,
    thresholds: whole.thresholds,
    slices,
    message: messages.join('; '),
  };
}

/**
 * Detection power of a limit's test at its current sample size against the minimum detectable effect the test
 * was tuned to; undefined without data (or for an exact limit of 0/1, which needs no power analysis).
 */
export function thresholdPower(threshold: ThresholdCheck, samples: number, alpha: number): DetectionPower | undefined {
  const { effect, standardError } = threshold.test;
  if (!(standardError > 0) || !(samples > 0) || !(effect > 0)) return undefined;
  return {
    effect,
    power: msprtPower(effect, standardError, alpha),
    samplesForTargetPower: msprtSamplesForPower(effect, standardError * Math.sqrt(samples), alpha, TARGET_POWER),
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
  alpha: number,
): ThresholdCheck[] {
  const treatment = proportionOf(observation.treatment);
  const mde = minDetectableEffectOf(guardrail);
  const checks: ThresholdCheck[] = [];
  if (guardrail.max !== undefined) {
    const hardStop = testHardStop(treatment, guardrail.max, alpha);
    checks.push({
      kind: 'max',
      limit: guardrail.max,
      test: testProportionAgainstLimit(treatment, guardrail.max, 'lower-is-better', {
        alpha,
        effect: mde * guardrail.max,
      }),
      ...(hardStop ? { hardStop } : {}),
    });
  }
  if (guardrail.min !== undefined) {
    checks.push({
      kind: 'min',
      limit: guardrail.min,
      test: testProportionAgainstLimit(treatment, guardrail.min, 'higher-is-better', {
        alpha,
        effect: Math.min(mde, 1) * guardrail.min,
      }),
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
      test: testProportionRelative(treatment, control, guardrail.maxRelativeDegradation, direction, {
        alpha,
        minDetectableEffect: mde,
      }),
    });
  }
  return checks;
}

function latencyThresholds(guardrail: Guardrail, observation: GuardrailObservation, alpha: number): ThresholdCheck[] {
  const percentile = guardrail.percentile ?? DEFAULT_LATENCY_PERCENTILE;
  const tailShare = 1 - percentile / 100;
  // τ: the share of requests slower than the limit is (1 + MDE) × the allowed share.
  const options = { alpha, effect: minDetectableEffectOf(guardrail) * tailShare };
  const histogram = observation.treatment.latency;
  const exceedance = (limitMs: number): Proportion => {
    if (!histogram) return { events: 0, samples: 0 };
    const total = histogramTotal(histogram);
    return { events: total - histogramCountAtOrBelow(histogram, limitMs), samples: total };
  };
  const checks: ThresholdCheck[] = [];
  if (guardrail.max !== undefined) {
    const slow = exceedance(guardrail.max);
    const hardStop = testHardStop(slow, tailShare, alpha);
    checks.push({
      kind: 'max',
      limit: guardrail.max,
      test: testProportionAgainstLimit(slow, tailShare, 'lower-is-better', options),
      ...(hardStop ? { hardStop } : {}),
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

function breached(threshold: ThresholdCheck): boolean {
  return threshold.test.rejected || threshold.hardStop?.fired === true;
}

/** Whether a check breached only through a hard stop (no sequential test rejected), for the decision code. */
export function isHardStop(check: Pick<UnitResult, 'thresholds'>): boolean {
  return check.thresholds.some((t) => t.hardStop?.fired) && !check.thresholds.some((t) => t.test.rejected);
}

function verdictOf(
  guardrail: Guardrail,
  thresholds: readonly ThresholdCheck[],
  treatment: ArmSummary,
  control: ArmSummary,
  minSamples: number,
): GuardrailVerdict {
  if (thresholds.some(breached)) return 'breach';
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

function describe(name: string, unit: GuardrailCheck['unit'], result: UnitResult, minSamples: number): string {
  const { verdict, treatment, control, thresholds } = result;
  const arms = `treatment ${formatMetricValue(unit, treatment.value)} (n=${treatment.samples}) vs control ${formatMetricValue(unit, control.value)} (n=${control.samples})`;
  const limits = thresholds
    .map((t) => {
      const op = t.kind === 'min' ? '≥' : '≤';
      const stat = `z=${round(t.test.z, 2)}, ln Λ=${round(t.test.logLikelihoodRatio, 2)}/${round(t.test.logBoundary, 2)}`;
      const stop = t.hardStop?.fired
        ? `, HARD STOP: evidence for ≥ ${formatMetricValue('proportion', t.hardStop.threshold)} (ln LR=${round(t.hardStop.logLikelihoodRatio, 2)}/${round(t.hardStop.logBoundary, 2)})`
        : '';
      return `${t.kind} ${op} ${formatMetricValue(unit, t.limit)} [${stat}${t.test.rejected ? ', BREACHED' : ''}${stop}]`;
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
