/**
 * Always-valid sequential statistics for rollout guardrails: tests that may be checked after every batch of data
 * (every controller tick) while the probability of ever raising a false alarm stays ≤ α.
 *
 * - Guardrail thresholds: the mixture sequential probability ratio test (mSPRT) with a one-sided (half-normal)
 *   mixing distribution whose scale τ is the guardrail's minimum detectable effect (Robbins 1970; Johari, Koomen,
 *   Pekelis & Walsh, "Always Valid Inference", Operations Research 2022).
 * - Hard stop: Wald's SPRT of "rate = 2 × limit" against "rate = limit" on the exact Bernoulli likelihood.
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
  /** τ the test was tuned with (the minimum detectable excess), in the metric's unit; 0 without data. */
  readonly effect: number;
}

/** Tuning of a test against a fixed limit. */
export interface SequentialTestOptions {
  /** Bound on the false-alarm probability over unlimited checks, in (0, 1). */
  readonly alpha: number;
  /**
   * τ, the standard deviation of the normal mixing distribution, in the metric's unit: the excess over the limit
   * the test should catch fastest (the guardrail's minimum detectable effect). A path whose excess is exactly τ
   * crosses the boundary at close to the smallest possible sample size (docs/rollout.md, "Choosing τ"). > 0.
   */
  readonly effect: number;
}

/** Tuning of a test against control. */
export interface RelativeTestOptions {
  readonly alpha: number;
  /**
   * The relative regression to catch fastest (e.g. 0.5: treatment 50 % worse than control); τ is its excess over
   * the null boundary, (minDetectableEffect − maxRelativeDegradation)·p_C. Must exceed maxRelativeDegradation.
   */
  readonly minDetectableEffect: number;
}

/**
 * ln of the one-sided normal-mixture mSPRT likelihood ratio for a standardized statistic `z` after an amount of
 * information `r` = τ²/Var(estimate): the mixture over effects θ > 0 with a half-normal(τ) density,
 * ln Λ⁺ = ln 2 − ½ ln(1 + r) + (r / (1 + r)) · z² / 2 + ln Φ(z·√(r / (1 + r))).
 * Under any θ ≤ 0, Λ⁺ is a nonnegative supermartingale with mean ≤ 1, so P(ever Λ⁺ ≥ 1/α) ≤ α (Ville's
 * inequality). Compared with the symmetric mixture it gains ln 2 on the boundary for a worse-direction excess.
 */
export function msprtLogLikelihoodRatio(z: number, r: number): number {
  if (r <= 0) return 0;
  const shrink = r / (1 + r);
  return Math.LN2 - 0.5 * Math.log1p(r) + (shrink * z * z) / 2 + logNormalCdf(z * Math.sqrt(shrink));
}

/**
 * The z ≥ 0 at which the one-sided mSPRT with information `r` rejects at level α (found by bisection; the
 * likelihood ratio grows with z). Multiplied by a standard error this is the always-valid margin over the limit.
 * Infinity when r ≤ 0.
 */
export function msprtBoundary(r: number, alpha: number): number {
  if (r <= 0) return Number.POSITIVE_INFINITY;
  const target = Math.log(1 / alpha);
  // Above the symmetric mixture's closed-form boundary, ln 2 + ln Φ(·) ≥ 0 makes Λ⁺ ≥ 1/α already.
  let high = Math.sqrt(((1 + r) / r) * (Math.log1p(r) + 2 * target));
  let low = 0;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (msprtLogLikelihoodRatio(mid, r) >= target) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * Approximate power of the one-sided mSPRT now: the probability that z is past the boundary at the current
 * information if the true excess were `effect`, Φ(effect/SE − boundary). A lower bound on the chance of having
 * rejected by now (it ignores earlier crossings). 0 without data.
 */
export function msprtPower(effect: number, standardError: number, alpha: number): number {
  if (!(standardError > 0) || !(effect > 0)) return 0;
  const r = (effect * effect) / (standardError * standardError);
  return normalCdf(effect / standardError - msprtBoundary(r, alpha));
}

/**
 * Samples at which {@link msprtPower} reaches `power` for an excess `effect` when one sample has standard
 * deviation `unitSd` (SE = unitSd/√n). Ceil'd; Infinity for a non-positive effect.
 */
export function msprtSamplesForPower(effect: number, unitSd: number, alpha: number, power: number): number {
  if (!(effect > 0) || !(unitSd > 0)) return Number.POSITIVE_INFINITY;
  const reached = (n: number): boolean => msprtPower(effect, unitSd / Math.sqrt(n), alpha) >= power;
  let high = 1;
  while (!reached(high)) high *= 2;
  let low = high / 2;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (reached(mid)) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * Sample size of a fixed-horizon one-sided test of H0 "p ≤ p0" against p1 > p0 at level α and the given power
 * (one look, at the end): n = ((z_{1−α}·σ0 + z_power·σ1) / (p1 − p0))², σ = √(p(1 − p)). The "oracle" the bench
 * compares the sequential test with: it knows the effect and looks once.
 */
export function fixedHorizonSamples(p0: number, p1: number, alpha: number, power: number): number {
  const s0 = Math.sqrt(p0 * (1 - p0));
  const s1 = Math.sqrt(p1 * (1 - p1));
  const n = ((normalQuantile(1 - alpha) * s0 + normalQuantile(power) * s1) / (p1 - p0)) ** 2;
  return Math.ceil(n);
}

function oneSidedTest(
  excess: number,
  variance: number,
  effect: number,
  alpha: number,
  hasData: boolean,
): SequentialTestResult {
  const logBoundary = Math.log(1 / alpha);
  const standardError = Math.sqrt(Math.max(variance, 0));
  if (standardError === 0) {
    // A limit of 0 (or 1) has no sampling noise under the null: one event past it proves the breach.
    const rejected = excess > 0 && hasData;
    return { excess, standardError, z: 0, logLikelihoodRatio: rejected ? Infinity : 0, logBoundary, rejected, effect };
  }
  const z = excess / standardError;
  const logLikelihoodRatio = msprtLogLikelihoodRatio(z, (effect * effect) / variance);
  return {
    excess,
    standardError,
    z,
    logLikelihoodRatio,
    logBoundary,
    rejected: z > 0 && logLikelihoodRatio >= logBoundary,
    effect,
  };
}

/**
 * Tests H0 "the treatment's proportion is no worse than `limit`" (≤ limit when lower is better, ≥ when higher
 * is better) with the one-sided normal-mixture mSPRT, using the null variance limit·(1 − limit)/n.
 */
export function testProportionAgainstLimit(
  arm: Proportion,
  limit: number,
  direction: Direction,
  options: SequentialTestOptions,
): SequentialTestResult {
  const n = arm.samples;
  if (n <= 0) return oneSidedTest(0, 0, options.effect, options.alpha, false);
  const p = arm.events / n;
  const excess = direction === 'lower-is-better' ? p - limit : limit - p;
  const bounded = Math.min(Math.max(limit, 0), 1);
  return oneSidedTest(excess, (bounded * (1 - bounded)) / n, options.effect, options.alpha, true);
}

/**
 * Tests H0 "the treatment is at most `maxRelativeDegradation` worse than control":
 * p_T ≤ (1 + δ)·p_C when lower is better, p_T ≥ (1 − δ)·p_C when higher is better.
 * The variance is evaluated at the null boundary, with p_C estimated from both arms under that constraint; τ is
 * (minDetectableEffect − δ) times that estimate.
 */
export function testProportionRelative(
  treatment: Proportion,
  control: Proportion,
  maxRelativeDegradation: number,
  direction: Direction,
  options: RelativeTestOptions,
): SequentialTestResult {
  const nT = treatment.samples;
  const nC = control.samples;
  if (nT <= 0 || nC <= 0) return oneSidedTest(0, 0, 0, options.alpha, false);
  const c = direction === 'lower-is-better' ? 1 + maxRelativeDegradation : Math.max(1 - maxRelativeDegradation, 0);
  const pT = treatment.events / nT;
  const pC = control.events / nC;
  const excess = direction === 'lower-is-better' ? pT - c * pC : c * pC - pT;
  // Restricted estimate under p_T = c·p_C (pooling both arms' events).
  const nullControl = Math.min((treatment.events + control.events) / (c * nT + nC), 1);
  const nullTreatment = Math.min(c * nullControl, 1);
  const variance = (nullTreatment * (1 - nullTreatment)) / nT + (c * c * nullControl * (1 - nullControl)) / nC;
  const effect = Math.max(options.minDetectableEffect - maxRelativeDegradation, 0) * nullControl;
  return oneSidedTest(excess, variance, effect, options.alpha, true);
}

/** Outcome of the hard stop on one upper limit: Wald's SPRT of "rate = threshold" against "rate = limit". */
export interface HardStopResult {
  /** The rate that counts as far above the limit: {@link HARD_STOP_FACTOR} × limit (at most halfway to 1). */
  readonly threshold: number;
  /** The fewest events with which it can fire (every sample an event); it needs more samples the closer to the limit. */
  readonly minEvents: number;
  /** ln of the Bernoulli likelihood ratio of threshold vs limit; fires at ln(1/α). */
  readonly logLikelihoodRatio: number;
  readonly logBoundary: number;
  readonly fired: boolean;
}

/** "Far above the limit" for the hard stop: this many times the limit. */
export const HARD_STOP_FACTOR = 2;

/**
 * The hard stop for gross breaches of an upper limit: Wald's sequential probability ratio test of the simple
 * alternative "rate = threshold ({@link HARD_STOP_FACTOR} × limit)" against "rate = limit", on the exact Bernoulli
 * likelihood (no normal approximation, so it is sound on a handful of events):
 * ln LR = x·ln(q/p) + (n − x)·ln((1 − q)/(1 − p)), fired when ≥ ln(1/α). For any true rate ≤ limit the ratio is a
 * supermartingale with mean ≤ 1, so P(ever firing) ≤ α (Ville). A treatment at 2 × max fires after
 * ≈ ln(1/α)/KL(q‖p) samples, grosser breaches sooner; it is tuned to gross breaches whatever the guardrail's minimum
 * detectable effect. Undefined for a limit of 0 or ≥ 1 (nothing to stop on).
 */
export function testHardStop(arm: Proportion, limit: number, alpha: number): HardStopResult | undefined {
  if (!(limit > 0 && limit < 1)) return undefined;
  const threshold = Math.min(HARD_STOP_FACTOR * limit, (1 + limit) / 2);
  const perEvent = Math.log(threshold / limit);
  const perNonEvent = Math.log1p(-threshold) - Math.log1p(-limit);
  const logBoundary = Math.log(1 / alpha);
  const logLikelihoodRatio = arm.events * perEvent + (arm.samples - arm.events) * perNonEvent;
  return {
    threshold,
    minEvents: Math.ceil(logBoundary / perEvent),
    logLikelihoodRatio,
    logBoundary,
    fired: arm.samples > 0 && logLikelihoodRatio >= logBoundary,
  };
}

/**
 * ln Φ(x), the standard normal CDF, accurate in the far left tail (no underflow): via the complementary error
 * function's Chebyshev fit (Numerical Recipes `erfcc`, fractional error < 1.2e−7).
 */
export function logNormalCdf(x: number): number {
  const t = -x / Math.SQRT2;
  if (t < 0) return Math.log1p(-Math.exp(logErfc(-t)) / 2);
  return logErfc(t) - Math.LN2;
}

/** Φ(x), the standard normal CDF. */
export function normalCdf(x: number): number {
  return Math.exp(logNormalCdf(x));
}

/** Φ⁻¹(p) for p in (0, 1), by bisection on {@link normalCdf} (|error| < 1e−9). */
export function normalQuantile(p: number): number {
  let low = -40;
  let high = 40;
  while (high - low > 1e-10) {
    const mid = (low + high) / 2;
    if (normalCdf(mid) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** ln erfc(x) for x ≥ 0. */
function logErfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - x * x + poly;
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
