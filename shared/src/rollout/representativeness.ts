/**
 * Representativeness: does the canary's mix of the sliced attributes (platform, country, plan …) match the
 * population's? A canary that is 90 % desktop while users are 60 % mobile passes guardrails that say little about
 * the release. Measured as the total-variation distance between the treatment's and the control's shares over the
 * listed values plus "(other)"; control stands for the population (it is the rest of it).
 */
import type { GuardrailCheck } from './guardrails.ts';

/** Total-variation distance above which a canary's mix counts as skewed (10 percentage points moved). */
export const MAX_MIX_DISTANCE = 0.1;

/** Name of the share of traffic outside the listed values. */
export const OTHER_SLICE = '(other)';

/** One value's share of the treatment and of the control. */
export interface SliceShare {
  readonly value: string;
  readonly treatment: number;
  readonly control: number;
}

/** The mix of one attribute at one check. */
export interface AttributeMix {
  readonly attribute: string;
  /** Listed values, then {@link OTHER_SLICE} when any traffic falls outside them. */
  readonly shares: readonly SliceShare[];
  /** Total-variation distance ½·Σ|treatment − control|, 0–1. */
  readonly distance: number;
  readonly treatmentSamples: number;
  /** distance > {@link MAX_MIX_DISTANCE} with at least `minSamples` treatment samples (less is noise). */
  readonly skewed: boolean;
}

/**
 * The mix of every sliced attribute, from the first guardrail check that reports it with data on both arms.
 * Shown on the rollout page and recorded with each decision; it does not hold the step (the per-slice tests
 * guard each listed slice; a skew says their verdicts generalize less).
 */
export function checkRepresentativeness(checks: readonly GuardrailCheck[], minSamples: number): AttributeMix[] {
  const mixes = new Map<string, AttributeMix>();
  for (const check of checks) {
    if (check.treatment.samples <= 0 || check.control.samples <= 0) continue;
    const attributes = new Set(check.slices.map((s) => s.attribute));
    for (const attribute of attributes) {
      if (mixes.has(attribute)) continue;
      const slices = check.slices.filter((s) => s.attribute === attribute);
      const shares: SliceShare[] = slices.map((s) => ({
        value: s.value,
        treatment: s.treatment.samples / check.treatment.samples,
        control: s.control.samples / check.control.samples,
      }));
      const other = {
        value: OTHER_SLICE,
        treatment: Math.max(1 - shares.reduce((sum, s) => sum + s.treatment, 0), 0),
        control: Math.max(1 - shares.reduce((sum, s) => sum + s.control, 0), 0),
      };
      if (other.treatment > 0 || other.control > 0) shares.push(other);
      const distance = shares.reduce((sum, s) => sum + Math.abs(s.treatment - s.control), 0) / 2;
      mixes.set(attribute, {
        attribute,
        shares,
        distance,
        treatmentSamples: check.treatment.samples,
        skewed: distance > MAX_MIX_DISTANCE && check.treatment.samples >= minSamples,
      });
    }
  }
  return [...mixes.values()];
}
