/**
 * Always-valid sequential statistics for rollout guardrails: tests that may be checked after every batch of data
 * (every controller tick) while the probability of ever raising a false alarm stays ≤ α.
 *
 * - Guardrail thresholds: the mixture sequential probability ratio test (mSPRT) with a normal mixing distribution
 *   (Robbins 1970; Johari, Koomen, Pekelis & Walsh, "Always Valid Inference", Operations Research 2022).
 * - Sample-ratio mismatch: the Dirichlet–multinomial (here beta–binomial) Bayes factor of Lindon & Malek,
 *   "Anytime-Valid Inference for Multinomial Count Data", NeurIPS 2022, which is exact for counts.
 * Formulas and assumptions are in docs/rollout.md.
 */

/** Which way of a metric is worse. */
export type Direction = 'lower-is-better' | 'higher-is-better';

/** Events out of samples, e.g. errors out of requests. `events` may be fractional (interpolated histograms). */
export interface Proportion {
  readonly events: number;
  readonly samples: number;
}

/** Outcome of one always-valid one-sided test of "the treatment is no worse than the limit". */
export interface SequentialTestResult {
  /** Estimated excess in the worse direction (positive = worse than the limit), in the metric's unit. */
  readonly excess: number;
  /** Standard error of `excess` under the null hypothesis. */
  readonly standardError: number;
  /** excess / standardError (0 when the standard error is 0 and nothing is in excess). */
  readonly z: number;
  /** Natural log of the mixture likelihood ratio; the test rejects when it reaches ln(1/α). */
  readonly logLikelihoodRatio: number;
  /** ln(1/α): the rejection boundary. */
  readonly logBoundary: number;
  /** True when the null hypothesis ("no worse than the limit") is rejected: a statistically sure breach. */
  readonly rejected: boolean;
}

/** Tuning shared by the mSPRT tests. */
export interface SequentialTestOptions {
  /** Bound on the false-alarm probability over unlimited checks, in (0, 1). */
  readonly alpha: number;
  /**
   * Sample size at which the test is most sensitive: the normal mixing variance is τ² = σ²/referenceSamples.
   * Rollouts use the plan's minimum samples per step. Must be > 0.
   */
  readonly referenceSamples: number;
}

/**
 * ln of the normal-mixture mSPRT likelihood ratio for a standardized statistic `z` after an amount of information
 * `r` = τ²/Var(estimate) (= n / referenceSamples for a one-sample mean):
 * ln Λ = −½ ln(1 + r) + (r / (1 + r)) · z² / 2.
 * Under the null, Λ is a nonnegative martingale with mean 1, so P(ever Λ ≥ 1/α) ≤ α (Ville's inequality).
 */
export function msprtLogLikelihoodRatio(z: number, r: number): number {
  if (r <= 0) return 0;
  return -0.5 * Math.log1p(r) + ((r / (1 + r)) * z * z) / 2;
}

/**
 * The |z| at which the normal-mixture mSPRT with information `r` rejects at level α:
 * √((1 + r)/r · (ln(1 + r) + 2 ln(1/α))). Multiplied by a standard error this is the half-width of the
 * always-valid confidence sequence. Infinity when r ≤ 0.
 */
export function msprtBoundary(r: number, alpha: number): number {
  if (r <= 0) return Number.POSITIVE_INFINITY;
  return Math.sqrt(((1 + r) / r) * (Math.log1p(r) + 2 * Math.log(1 / alpha)));
}

function oneSidedTest(excess: number, variance: number, r: number, alpha: number): SequentialTestResult {
  const logBoundary = Math.log(1 / alpha);
  const standardError = Math.sqrt(Math.max(variance, 0));
  if (standardError === 0) {
    // A limit of 0 (or 1) has no sampling noise under the null: one event past it proves the breach.
    const rejected = excess > 0 && r > 0;
    return { excess, standardError, z: 0, logLikelihoodRatio: rejected ? Infinity : 0, logBoundary, rejected };
  }
  const z = excess / standardError;
  const logLikelihoodRatio = msprtLogLikelihoodRatio(z, r);
  // One-sided: only an excess in the worse direction counts; the two-sided mixture bound still holds.
  return {
    excess,
    standardError,
    z,
    logLikelihoodRatio,
    logBoundary,
    rejected: z > 0 && logLikelihoodRatio >= logBoundary,
  };
}

/**
 * Tests H0 "the treatment's proportion is no worse than `limit`" (≤ limit when lower is better, ≥ when higher
 * is better) with the normal-mixture mSPRT, using the null variance limit·(1 − limit)/n.
 */
export function testProportionAgainstLimit(
  arm: Proportion,
  limit: number,
  direction: Direction,
  options: SequentialTestOptions,
): SequentialTestResult {
  const n = arm.samples;
  if (n <= 0) return oneSidedTest(0, 0, 0, options.alpha);
  const p = arm.events / n;
  const excess = direction === 'lower-is-better' ? p - limit : limit - p;
  const bounded = Math.min(Math.max(limit, 0), 1);
  return oneSidedTest(excess, (bounded * (1 - bounded)) / n, n / options.referenceSamples, options.alpha);
}

/**
 * Tests H0 "the treatment is at most `maxRelativeDegradation` worse than control":
 * p_T ≤ (1 + δ)·p_C when lower is better, p_T ≥ (1 − δ)·p_C when higher is better.
 * The variance is evaluated at the null boundary, with p_C estimated from both arms under that constraint.
 */
export function testProportionRelative(
  treatment: Proportion,
  control: Proportion,
  maxRelativeDegradation: number,
  direction: Direction,
  options: SequentialTestOptions,
): SequentialTestResult {
  const nT = treatment.samples;
  const nC = control.samples;
  if (nT <= 0 || nC <= 0) return oneSidedTest(0, 0, 0, options.alpha);
  const c = direction === 'lower-is-better' ? 1 + maxRelativeDegradation : Math.max(1 - maxRelativeDegradation, 0);
  const pT = treatment.events / nT;
  const pC = control.events / nC;
  const excess = direction === 'lower-is-better' ? pT - c * pC : c * pC - pT;
  // Restricted estimate under p_T = c·p_C (pooling both arms' events).
  const nullControl = Math.min((treatment.events + control.events) / (c * nT + nC), 1);
  const nullTreatment = Math.min(c * nullControl, 1);
  const variance = (nullTreatment * (1 - nullTreatment)) / nT + (c * c * nullControl * (1 - nullControl)) / nC;
  const effectiveSamples = (nT * nC) / (nT + nC);
  return oneSidedTest(excess, variance, effectiveSamples / options.referenceSamples, options.alpha);
}

/** Result of the sequential sample-ratio-mismatch test. */
export interface SampleRatioResult {
  readonly treatment: number;
  readonly control: number;
  readonly expectedShare: number;
  readonly observedShare: number;
  /** ln of the Bayes factor against "the split is as expected"; mismatch when it reaches ln(1/α). */
  readonly logBayesFactor: number;
  readonly logBoundary: number;
  readonly mismatch: boolean;
}

/** Prior concentration of the SRM test's beta mixing distribution (Lindon & Malek use a prior centred on the expected split). */
export const SRM_PRIOR_CONCENTRATION = 100;

/**
 * Sequential sample-ratio-mismatch test: are `treatment` and `control` counts consistent with a treatment share
 * of `expectedShare` ∈ (0, 1)? Beta(c·π, c·(1−π)) mixture Bayes factor against the point null π, which is a
 * test martingale for any stopping rule. Counts may be checked after every tick.
 */
export function testSampleRatio(
  treatment: number,
  control: number,
  expectedShare: number,
  alpha: number,
  concentration: number = SRM_PRIOR_CONCENTRATION,
): SampleRatioResult {
  const a = concentration * expectedShare;
  const b = concentration * (1 - expectedShare);
  const logBayesFactor =
    logBeta(a + treatment, b + control) -
    logBeta(a, b) -
    treatment * Math.log(expectedShare) -
    control * Math.log1p(-expectedShare);
  const total = treatment + control;
  const logBoundary = Math.log(1 / alpha);
  return {
    treatment,
    control,
    expectedShare,
    observedShare: total > 0 ? treatment / total : Number.NaN,
    logBayesFactor,
    logBoundary,
    mismatch: logBayesFactor >= logBoundary,
  };
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7; relative error < 1e-13). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let sum = LANCZOS[0] ?? 0;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] ?? 0) / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0. */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

export { createRandom } from '../random.ts';

/**
 * A binomial(n, p) draw from `random`: normal approximation when n·p·(1−p) > 50, Poisson(n·p) for large n with
 * small p, exact counting otherwise. Good enough for simulations; not for tail-exact work.
 */
export function sampleBinomial(n: number, p: number, random: () => number): number {
  if (p > 0.5) return n - sampleBinomial(n, 1 - p, random);
  const variance = n * p * (1 - p);
  if (variance > 50) {
    const u = Math.max(random(), Number.MIN_VALUE);
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(variance) * normal)));
  }
  if (n > 1000) {
    // Knuth's Poisson sampler; n·p ≤ ~100 here, so exp(−λ) does not underflow.
    const limit = Math.exp(-n * p);
    let count = -1;
    for (let product = 1; product > limit; product *= random()) count++;
    return Math.min(count, n);
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (random() < p) count++;
  return count;
}
