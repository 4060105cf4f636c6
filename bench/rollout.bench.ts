// Rollout guardrail statistics, simulated (fixed seeds): Rollgate's guardrail (one-sided mSPRT tuned to the minimum
// detectable effect, plus the hard stop, as the controller runs it) against a fixed-threshold rule and a peeked
// z-test checked at the same intervals on the same traffic, and a fixed-horizon "oracle" planned for each effect.
// Releases are walked through the default plan as the controller walks them (a pass after a step's minimum duration
// advances it). Reports detection delay (treatment samples until rollback) per regression size, the +50% case against
// its ceiling (the oracle's power on the samples served), false rollbacks over whole healthy releases and at the null
// boundary, and the per-segment case. Asserts nothing on time.
import type { Guardrail } from '../shared/src/flags/model.ts';
import { rolloutPlanSchema } from '../shared/src/flags/model.ts';
import type { ArmObservation, GuardrailObservation } from '../shared/src/rollout/metrics.ts';
import { countGuardrailTests, evaluateGuardrail } from '../shared/src/rollout/guardrails.ts';
import {
  createRandom,
  fixedHorizonSamples,
  normalCdf,
  normalQuantile,
  sampleBinomial,
} from '../shared/src/rollout/stats.ts';

const base: Guardrail = {
  name: 'errors',
  metric: 'error-rate',
  source: 'builtin',
  max: 0.03,
  maxRelativeDegradation: 0.25,
  minDetectableEffect: 0.5,
};
// The plan defaults every user gets (steps, minimum step duration and samples, false-alarm budget), with the
// controller's default tick of 60 s (`rollgate controller --interval 60`, the server's `--controller-interval`).
const plan = rolloutPlanSchema.parse({ variant: 'on' });
const tickMinutes = 1;
// The default plan's steps are all percentages (audience steps name segments, which the bench does not model).
const steps = plan.steps.filter((s): s is number => typeof s === 'number');
const observedSteps = steps.filter((s) => s < 100).length;
const falseAlarmRate = plan.falseAlarmRate;
const minSamples = plan.minSamplesPerStep;
const requestsPerCheck = 20_000; // one controller tick per minute at ~330 requests/s
const baseErrorRate = 0.01;
const checksPerStep = Math.ceil(plan.minStepDurationMinutes / tickMinutes); // the step's minimum duration, in ticks
const maxChecksPerStep = 2 * checksPerStep;
const canaryTicks = 60;
const runs = 600;

/** α of each test, split as the controller does: falseAlarmRate / (observed steps × (tests + the SRM test)). */
function alphaFor(guardrail: Guardrail): number {
  return falseAlarmRate / (observedSteps * (countGuardrailTests(guardrail) + 1));
}

/** A share of the traffic with its own treatment error rate (control fails at `controlRate`, default the base rate). */
interface Segment {
  readonly name: string;
  readonly share: number;
  readonly treatmentRate: number;
  readonly controlRate?: number;
}

interface Counts {
  events: number;
  samples: number;
}

type Verdict = 'breach' | 'pass' | 'hold';
type Rule = (observation: GuardrailObservation) => Verdict;

function rollgate(guardrail: Guardrail, part: 'all' | 'msprt' | 'hard-stop' = 'all'): Rule {
  const options = { alpha: alphaFor(guardrail), minSamples };
  return (observation) => {
    const check = evaluateGuardrail(guardrail, observation, options);
    if (part !== 'all') {
      // One component alone, on the whole arm: which of the two stopped a release.
      const fired = check.thresholds.some((t) => (part === 'msprt' ? t.test.rejected : t.hardStop?.fired === true));
      return fired ? 'breach' : 'pass';
    }
    return check.verdict === 'breach' ? 'breach' : check.verdict === 'pass' ? 'pass' : 'hold';
  };
}

// Fixed thresholds on the point estimates, after a tenth of the minimum sample: what a simple dashboard alert does.
const fixedThreshold: Rule = ({ treatment, control }) => {
  if (treatment.samples < minSamples / 10) return 'hold';
  const rate = (treatment.events ?? 0) / treatment.samples;
  const controlRate = control.samples > 0 ? (control.events ?? 0) / control.samples : 0;
  if (rate > (base.max ?? 1) || rate > (1 + (base.maxRelativeDegradation ?? 0)) * controlRate) return 'breach';
  return treatment.samples >= minSamples ? 'pass' : 'hold';
};

// A fixed-horizon one-sided z-test (α = 0.05) on both limits, re-run every tick: the classic peeking mistake.
const peekedZTest: Rule = ({ treatment, control }) => {
  if (treatment.samples < minSamples / 10 || control.samples === 0) return 'hold';
  const pT = (treatment.events ?? 0) / treatment.samples;
  const pC = (control.events ?? 0) / control.samples;
  const c = 1 + (base.maxRelativeDegradation ?? 0);
  const max = base.max ?? 1;
  const zMax = (pT - max) / Math.sqrt((max * (1 - max)) / treatment.samples);
  const variance = (pT * (1 - pT)) / treatment.samples + (c * c * pC * (1 - pC)) / control.samples;
  const zRel = variance > 0 ? (pT - c * pC) / Math.sqrt(variance) : 0;
  if (zMax > 1.645 || zRel > 1.645) return 'breach';
  return treatment.samples >= minSamples ? 'pass' : 'hold';
};

function observationOf(treatment: Map<string, Counts>, control: Map<string, Counts>): GuardrailObservation {
  const arm = (bySegment: Map<string, Counts>): ArmObservation => {
    let events = 0;
    let samples = 0;
    const slices: Record<string, ArmObservation> = {};
    for (const [name, c] of bySegment) {
      events += c.events;
      samples += c.samples;
      slices[name] = { events: c.events, samples: c.samples };
    }
    return { events, samples, slices: { platform: slices } };
  };
  return { treatment: arm(treatment), control: arm(control) };
}

interface StepOutcome {
  /** Ticks the step ran. */
  readonly ticks: number;
  readonly breached: boolean;
  readonly passed: boolean;
  /** Treatment samples and events served during the step (every segment). */
  readonly treatment: Counts;
}

/**
 * One step of traffic at `percentage`, checked every tick on the step's own window (as the controller's sources
 * observe it): stops at a breach, at a pass once `minChecks` ticks (the minimum duration) have run, or after
 * `maxChecks` ticks.
 */
function runStep(
  rule: Rule,
  random: () => number,
  percentage: number,
  segments: readonly Segment[],
  maxChecks: number,
  minChecks: number,
): StepOutcome {
  const treatment = new Map(segments.map((s) => [s.name, { events: 0, samples: 0 }]));
  const control = new Map(segments.map((s) => [s.name, { events: 0, samples: 0 }]));
  let check = 0;
  let verdict: Verdict = 'hold';
  while (check < maxChecks && verdict !== 'breach' && !(verdict === 'pass' && check >= minChecks)) {
    check++;
    for (const segment of segments) {
      const n = sampleBinomial(requestsPerCheck, segment.share, random);
      const nT = sampleBinomial(n, percentage / 100, random);
      const t = treatment.get(segment.name) ?? { events: 0, samples: 0 };
      const c = control.get(segment.name) ?? { events: 0, samples: 0 };
      t.samples += nT;
      t.events += sampleBinomial(nT, segment.treatmentRate, random);
      c.samples += n - nT;
      c.events += sampleBinomial(n - nT, segment.controlRate ?? baseErrorRate, random);
    }
    verdict = rule(observationOf(treatment, control));
  }
  const served = [...treatment.values()].reduce(
    (sum, t) => ({ events: sum.events + t.events, samples: sum.samples + t.samples }),
    { events: 0, samples: 0 },
  );
  return {
    ticks: check,
    breached: verdict === 'breach',
    passed: verdict === 'pass' && check >= minChecks,
    treatment: served,
  };
}

interface WalkOutcome {
  /** Treatment samples served over all steps until the rollback; undefined when not rolled back. */
  readonly rolledBack?: number;
  /** A step not passed within its tick allowance. */
  readonly stalled: boolean;
  /** Every treatment sample and event served on the way (all steps). */
  readonly treatment: Counts;
  /** Index of the last step reached. */
  readonly stepIndex: number;
}

/**
 * What the controller does with a release: each observed step is checked every tick on its own window; a breach
 * rolls back, a pass after the step's minimum duration advances to the next step (more treatment traffic), anything
 * else holds. Stops after `totalTicks` ticks in all, or when a step has run `maxStepTicks` ticks (stalled). `only`
 * replaces the plan's steps, `minStepTicks` their minimum duration.
 */
function walk(
  rule: Rule,
  random: () => number,
  segments: readonly Segment[],
  totalTicks: number,
  maxStepTicks: number,
  only: readonly number[] = steps.filter((s) => s < 100),
  minStepTicks = checksPerStep,
): WalkOutcome {
  let left = totalTicks;
  const served = { events: 0, samples: 0 };
  for (const [stepIndex, percentage] of only.entries()) {
    const step = runStep(rule, random, percentage, segments, Math.min(left, maxStepTicks), minStepTicks);
    served.events += step.treatment.events;
    served.samples += step.treatment.samples;
    left -= step.ticks;
    if (step.breached) return { rolledBack: served.samples, stalled: false, treatment: served, stepIndex };
    if (!step.passed) return { stalled: left > 0, treatment: served, stepIndex };
  }
  return { stalled: false, treatment: served, stepIndex: only.length - 1 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const uniform = (treatmentRate: number): Segment[] => [{ name: 'all', share: 1, treatmentRate }];

/**
 * Releases walked as the controller walks them for `canaryTicks` ticks from the start: share rolled back, median
 * treatment samples served until the rollback, and share that advanced past the first step. `only` and
 * `minStepTicks` replace the plan's steps and minimum duration (`[1]`, `canaryTicks`: a canary that never advances).
 */
function detection(
  rule: Rule,
  segments: readonly Segment[],
  seed: number,
  only?: readonly number[],
  minStepTicks?: number,
) {
  const random = createRandom(seed);
  const delays: number[] = [];
  let advanced = 0;
  for (let run = 0; run < runs; run++) {
    const outcome = walk(rule, random, segments, canaryTicks, canaryTicks, only, minStepTicks);
    if (outcome.rolledBack !== undefined) delays.push(outcome.rolledBack);
    if (outcome.stepIndex > 0) advanced++;
  }
  return { detected: delays.length / runs, medianSamples: median(delays), advanced: advanced / runs };
}

/** Releases walked through every observed step: share stopped (false rollback) / stalled at a step. */
function releases(rule: Rule, segments: readonly Segment[], seed: number) {
  const random = createRandom(seed);
  let rolledBack = 0;
  let stalled = 0;
  for (let run = 0; run < runs; run++) {
    const outcome = walk(rule, random, segments, Number.POSITIVE_INFINITY, maxChecksPerStep);
    if (outcome.rolledBack !== undefined) rolledBack++;
    else if (outcome.stalled) stalled++;
  }
  return { falseRollbackRate: rolledBack / runs, stalledRate: stalled / runs };
}

const fmt = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const col = (text: string, width = 18): string => text.padEnd(width);
const started = performance.now();
const alpha = alphaFor(base);
const nullRate = baseErrorRate * (1 + (base.maxRelativeDegradation ?? 0));
const perTick = (requestsPerCheck * (steps[0] ?? 1)) / 100;
console.log(
  `traffic ${requestsPerCheck}/tick (≈${perTick} treatment samples/tick at the ${steps[0]}% canary), base error rate ${baseErrorRate * 100}%, guardrail max ${(base.max ?? 0) * 100}% and ≤ +${(base.maxRelativeDegradation ?? 0) * 100}% vs control, minDetectableEffect +${(base.minDetectableEffect ?? 0) * 100}%, min ${minSamples} samples, plan α = ${falseAlarmRate} (α per test ${fmt(alpha, 5)}); ${runs} runs per cell`,
);

// The oracle: a fixed-horizon one-sided test of the relative limit planned for the effect (α per test, 80 % power,
// one look). Its detection delay is its sample size; its detection rate is its power (80 %).
const oracle = (increase: number) => fixedHorizonSamples(nullRate, baseErrorRate * (1 + increase), alpha, 0.8);

const rules: readonly (readonly [string, Rule])[] = [
  ['Rollgate (mSPRT + hard stop)', rollgate(base)],
  ['fixed threshold', fixedThreshold],
  ['peeked z-test', peekedZTest],
];
console.log(
  `\nDetection within ${canaryTicks} ticks of the start, the release walked as the controller walks it (a pass after a step's ${checksPerStep} ticks advances ${steps.slice(0, 3).join('% → ')}% …, each step tested on its own window): share rolled back / median treatment samples served until the rollback; oracle = fixed-horizon samples at α per test and 80% power`,
);
console.log(
  col('regression', 12) +
    rules.map(([name]) => col(name, 30)).join('') +
    col('oracle n (ticks)', 20) +
    col('Rollgate / oracle', 20) +
    `Rollgate runs past the ${steps[0]}% step`,
);
for (const [i, increase] of [0.5, 1, 2, 4].entries()) {
  const results = rules.map(([, rule]) => detection(rule, uniform(baseErrorRate * (1 + increase)), 100 + i));
  const n = oracle(increase);
  const ours = results[0];
  console.log(
    col(`+${increase * 100}%`, 12) +
      results.map((r) => col(`${fmt(r.detected, 2)} / ${r.medianSamples}`, 30)).join('') +
      col(`${n} (${fmt(n / perTick, 1)})`, 20) +
      col(`×${fmt((ours?.medianSamples ?? NaN) / n, 2)}`, 20) +
      fmt(ours?.advanced ?? NaN, 2),
  );
}

// Is "≥ 80 % of +50 % regressions within 60 ticks" reachable? The ceiling is the oracle: one look at tick 60 at the
// treatment samples the release was served by then, planned for that very budget, with control known exactly. For
// a budget of n samples no test at the same α has more power (Neyman–Pearson), let alone an always-valid one.
const p1 = baseErrorRate * 1.5;
const sd = (p: number): number => Math.sqrt(p * (1 - p));
const zAlpha = normalQuantile(1 - alpha);
const oneLookPower = (n: number, level = alpha): number =>
  normalCdf(((p1 - nullRate) * Math.sqrt(n) - normalQuantile(1 - level) * sd(nullRate)) / sd(p1));
const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
// The most a release can be served by a tick: every step passed at its minimum duration.
const budgetAt = (ticks: number): number =>
  steps.reduce((sum, s, i) => {
    const at = Math.max(0, Math.min(checksPerStep, ticks - i * checksPerStep));
    return sum + (s < 100 ? (at * requestsPerCheck * s) / 100 : 0);
  }, 0);
const pinnedBudget = perTick * canaryTicks;
const pooledAlpha = falseAlarmRate / (countGuardrailTests(base) + 1);
const bestBudget = budgetAt(canaryTicks);
{
  // The budgets the controller really serves a +50% release in 60 ticks: Rollgate's verdicts with the rollback
  // taken out (a release whose excess is over one standard error holds instead of advancing, so it gets less
  // traffic than the best case).
  const random = createRandom(500);
  const path = rollgate(base);
  const neverStops: Rule = (observation) => {
    const verdict = path(observation);
    return verdict === 'breach' ? 'hold' : verdict;
  };
  const served = (rate: number, count = runs) =>
    Array.from({ length: count }, () => walk(neverStops, random, uniform(rate), canaryTicks, canaryTicks).treatment);
  // One look at tick 60 on whatever was served: the budget then depends on the data (a release that looks worse
  // holds at 1 %), which a fixed-budget ceiling does not credit, and which costs this look its level.
  const oneLook = (counts: readonly Counts[]): number =>
    counts.filter((c) => (c.events / c.samples - nullRate) / (sd(nullRate) / Math.sqrt(c.samples)) > zAlpha).length /
    counts.length;
  const regressed = served(p1);
  const budgets = regressed.map((c) => c.samples);
  const walked = detection(rollgate(base), uniform(p1), 100);
  const pinned = detection(rollgate(base), uniform(p1), 200, [steps[0] ?? 1], canaryTicks);
  console.log(
    `\n+50% within ${canaryTicks} ticks: share caught, Rollgate vs the CEILING (the oracle's power at the same sample budget; 80% needs ${oracle(0.5)} samples at α per test ${fmt(alpha, 5)})`,
  );
  console.log(
    `  release walked as the controller does: Rollgate ${fmt(walked.detected, 2)}   ceiling ${fmt(mean(budgets.map((n) => oneLookPower(n))), 2)} (budget median ${median(budgets)}, ${fmt(budgets.filter((n) => n > pinnedBudget * 1.1).length / runs, 2)} of runs advance past ${steps[0]}%; a +50% release mostly holds there, inconclusive)`,
  );
  console.log(
    `    the same ceiling at a larger α: ${fmt(pooledAlpha, 4)} (one test pooled over all steps, no split of α over the steps) ${fmt(mean(budgets.map((n) => oneLookPower(n, pooledAlpha))), 2)}; ${falseAlarmRate} (the whole plan's budget on this one limit) ${fmt(mean(budgets.map((n) => oneLookPower(n, falseAlarmRate))), 2)}`,
  );
  console.log(
    `    one look at tick ${canaryTicks} on the samples served (budget chosen by the data): ${fmt(oneLook(regressed), 2)}, but it raises false alarms in ${fmt(oneLook(served(nullRate, 10 * runs)), 4)} of ${10 * runs} releases at the null boundary (its α is ${fmt(alpha, 4)})`,
  );
  console.log(
    `  canary kept at ${steps[0]}% (the previous bench):   Rollgate ${fmt(pinned.detected, 2)}   ceiling ${fmt(oneLookPower(pinnedBudget), 2)} (${pinnedBudget} samples)`,
  );
  const larger = steps.filter((s) => s >= 5 && s < 100);
  const fromFive = detection(rollgate(base), uniform(p1), 210, larger);
  console.log(
    `  a plan that starts at ${larger[0]}% (steps ${larger.join(', ')}, 100): Rollgate ${fmt(fromFive.detected, 2)} (median ${fromFive.medianSamples} samples)`,
  );
  console.log(
    `  upper bound, a release advanced at every step's minimum duration whatever its data: ${bestBudget} samples by tick ${canaryTicks}, ceiling ${fmt(oneLookPower(bestBudget), 2)}; the oracle's ${oracle(0.5)} samples are served by tick ${Array.from({ length: 10 * canaryTicks }, (_, t) => t + 1).find((t) => budgetAt(t) >= oracle(0.5)) ?? 'n/a'} at the earliest`,
  );
}

// The hard stop: gross breaches (treatment error rate far above max) stop at once; healthy traffic never trips it.
console.log(
  `\nGross breach at the ${steps[0]}% canary (treatment ${baseErrorRate * 1000}% errors, > 3× max): share / median samples`,
);
const fine: Guardrail = { ...base, minDetectableEffect: 0.3 };
for (const [name, guardrail] of [
  [`minDetectableEffect +${(base.minDetectableEffect ?? 0) * 100}%`, base],
  [`minDetectableEffect +${(fine.minDetectableEffect ?? 0) * 100}% (τ tuned to small regressions)`, fine],
] as const) {
  const cells = (['msprt', 'hard-stop', 'all'] as const).map((part) => {
    const r = detection(rollgate(guardrail, part), uniform(baseErrorRate * 10), 300);
    return `${part === 'all' ? 'both' : part === 'msprt' ? 'mSPRT alone' : 'hard stop alone'} ${fmt(r.detected, 2)} / ${r.medianSamples}`;
  });
  console.log(`  ${col(name, 58)} ${cells.join('   ')}`);
}

console.log(
  `\nReleases walked ${steps[0]}% → ${steps.at(-2)}% (false rollback = any breach; stalled = a step not passed within ${maxChecksPerStep} ticks)`,
);
const atMax = base.max ?? 0;
for (const [title, segments] of [
  ['healthy (no regression)', uniform(baseErrorRate)],
  [`at the null boundary of the relative limit (+${(base.maxRelativeDegradation ?? 0) * 100}%)`, uniform(nullRate)],
] as const) {
  console.log(`  ${title}`);
  for (const [name, rule] of rules) {
    const h = releases(rule, segments, 7);
    console.log(`    ${col(name, 30)} false rollbacks ${fmt(h.falseRollbackRate)}   stalled ${fmt(h.stalledRate)}`);
  }
}
{
  // Both limits at their null boundary at once: treatment exactly at max, control at max / (1 + δ).
  const boundary: Segment[] = [
    { name: 'all', share: 1, treatmentRate: atMax, controlRate: atMax / (1 + (base.maxRelativeDegradation ?? 0)) },
  ];
  console.log(`  at the null boundary of both limits (treatment at max ${atMax * 100}%, control at max / 1.25)`);
  for (const [name, rule] of [
    ['Rollgate (mSPRT + hard stop)', rollgate(base)],
    ['hard stop alone', rollgate(base, 'hard-stop')],
  ] as const) {
    const h = releases(rule, boundary, 11);
    console.log(`    ${col(name, 30)} false rollbacks ${fmt(h.falseRollbackRate)}   stalled ${fmt(h.stalledRate)}`);
  }
}

// Per-segment guardrails: a regression in 10 % of the traffic only.
const sliced: Guardrail = { ...base, slices: { platform: ['desktop', 'mobile'] } };
const mobileBroken = (rate: number): Segment[] => [
  { name: 'desktop', share: 0.9, treatmentRate: baseErrorRate },
  { name: 'mobile', share: 0.1, treatmentRate: rate },
];
console.log(
  `\nPer-segment: mobile (10% of traffic) broken, desktop (90%) healthy; guardrail with slices {platform: [desktop, mobile]} (α per test ${fmt(alphaFor(sliced), 5)}) vs without (α per test ${fmt(alpha, 5)}); within ${canaryTicks} ticks of the start (walked): share / median samples`,
);
for (const [i, mobileRate] of [0.04, 0.1].entries()) {
  const aggregate = 0.9 * baseErrorRate + 0.1 * mobileRate;
  const withSlices = detection(rollgate(sliced), mobileBroken(mobileRate), 400 + i);
  const without = detection(rollgate(base), mobileBroken(mobileRate), 400 + i);
  console.log(
    `  mobile ${fmt(mobileRate * 100, 0)}% errors (aggregate ${fmt(aggregate * 100, 2)}%, +${fmt((aggregate / baseErrorRate - 1) * 100, 0)}%): with slices ${fmt(withSlices.detected, 2)} / ${withSlices.medianSamples}   without ${fmt(without.detected, 2)} / ${without.medianSamples}`,
  );
}
for (const [title, segments] of [
  ['healthy', mobileBroken(baseErrorRate)],
  ['mobile at the null boundary (+25%), desktop healthy', mobileBroken(nullRate)],
] as const) {
  const h = releases(rollgate(sliced), segments, 9);
  console.log(
    `  ${title}, walked ${steps[0]}% → ${steps.at(-2)}% with slices: false rollbacks ${fmt(h.falseRollbackRate)}   stalled ${fmt(h.stalledRate)}`,
  );
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
