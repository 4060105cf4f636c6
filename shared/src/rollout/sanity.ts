/**
 * Metric sanity: what a metric source reports must be possible before any statistic is computed from it. A count
 * that is not finite, negative, absurdly large, or a numerator above its denominator (errors > requests) means the
 * source or its query is broken; the controller then holds (never rolls back) and reports the offending value.
 */
import type { Guardrail } from '../flags/model.ts';
import type { ArmObservation, GuardrailObservation } from './metrics.ts';

/**
 * Largest count accepted from a source: 2^53 − 1. No real window has more requests, and above it counts stop being
 * exact in a double (1e308 passes `isFinite` but is not a count).
 */
export const MAX_METRIC_COUNT = Number.MAX_SAFE_INTEGER;

/**
 * Relative slack for numerator ≤ denominator: Prometheus' `increase()` extrapolates numerator and denominator
 * separately, so a window where every request failed can show errors a hair above requests.
 */
const RATIO_TOLERANCE = 1e-6;

/** The first impossible value found in an observation. */
export interface MetricProblem {
  /** Where the value is, e.g. `treatment.events` or `control.slices.platform.mobile.samples`. */
  readonly field: string;
  readonly value: number;
  /** What is wrong with it, for humans: `is NaN`, `exceeds treatment.samples (1000)` … */
  readonly why: string;
}

function countProblem(field: string, value: number): MetricProblem | undefined {
  if (Number.isNaN(value)) return { field, value, why: 'is NaN' };
  if (!Number.isFinite(value)) return { field, value, why: 'is infinite' };
  if (value < 0) return { field, value, why: 'is negative' };
  if (value > MAX_METRIC_COUNT) return { field, value, why: `is not a plausible count (above ${MAX_METRIC_COUNT})` };
  return undefined;
}

function armProblem(guardrail: Guardrail, arm: ArmObservation, path: string): MetricProblem | undefined {
  const samples = countProblem(`${path}.samples`, arm.samples);
  if (samples) return samples;
  if (arm.events !== undefined) {
    const events = countProblem(`${path}.events`, arm.events);
    if (events) return events;
    // Every proportion metric is events out of samples (errors of requests, conversions of sessions).
    if (guardrail.metric !== 'latency' && arm.events > arm.samples * (1 + RATIO_TOLERANCE) + RATIO_TOLERANCE) {
      return { field: `${path}.events`, value: arm.events, why: `exceeds ${path}.samples (${arm.samples})` };
    }
  }
  if (arm.latency) {
    const { bounds, counts } = arm.latency;
    for (const [i, bound] of bounds.entries()) {
      if (Number.isNaN(bound) || (i > 0 && bound <= (bounds[i - 1] ?? -Infinity))) {
        return { field: `${path}.latency.bounds[${i}]`, value: bound, why: 'is not an ascending bucket bound' };
      }
    }
    for (const [i, count] of counts.entries()) {
      const problem = countProblem(`${path}.latency.counts[${i}]`, count);
      if (problem) return problem;
      const previous = counts[i - 1] ?? 0;
      if (count < previous) {
        return {
          field: `${path}.latency.counts[${i}]`,
          value: count,
          why: `is below the previous cumulative bucket (${previous})`,
        };
      }
    }
  }
  for (const [attribute, values] of Object.entries(arm.slices ?? {})) {
    for (const [value, slice] of Object.entries(values)) {
      const problem = armProblem(guardrail, slice, `${path}.slices.${attribute}.${value}`);
      if (problem) return problem;
      if (slice.samples > arm.samples * (1 + RATIO_TOLERANCE) + RATIO_TOLERANCE) {
        return {
          field: `${path}.slices.${attribute}.${value}.samples`,
          value: slice.samples,
          why: `exceeds the whole arm (${arm.samples})`,
        };
      }
    }
  }
  return undefined;
}

/**
 * The first impossible value of an observation (treatment first), or undefined when every count is possible:
 * finite, ≥ 0, ≤ {@link MAX_METRIC_COUNT}; events ≤ samples for proportion metrics; latency buckets ascending and
 * cumulative; a slice no larger than its arm.
 */
export function findMetricProblem(guardrail: Guardrail, observation: GuardrailObservation): MetricProblem | undefined {
  return (
    armProblem(guardrail, observation.treatment, 'treatment') ?? armProblem(guardrail, observation.control, 'control')
  );
}

/** One line for humans: `treatment.events = 10000 exceeds treatment.samples (1000)`. */
export function describeMetricProblem(problem: MetricProblem): string {
  return `${problem.field} = ${String(problem.value)} ${problem.why}`;
}

/**
 * Why a guardrail with `slices` cannot be tested per slice: the source reported no per-slice counts for one of its
 * attributes (an arm without `slices[attribute]`). Undefined when every attribute is there.
 */
export function missingSlices(guardrail: Guardrail, observation: GuardrailObservation): string | undefined {
  for (const attribute of Object.keys(guardrail.slices ?? {})) {
    for (const arm of ['treatment', 'control'] as const) {
      if (observation[arm].slices?.[attribute] === undefined) {
        return `no per-slice counts for "${attribute}" in ${arm}; record the attribute with each outcome (builtin: recordOutcome(…, { attributes: { ${attribute}: … } })) or keep the label in the PromQL result (sum by (${attribute}) (…))`;
      }
    }
  }
  return undefined;
}
