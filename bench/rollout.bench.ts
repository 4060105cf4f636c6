// Rollout guardrail statistics, simulated (fixed seeds): Rollgate's guardrail (one-sided mSPRT tuned to the minimum
// detectable effect, plus the hard stop, as the controller runs it) against a fixed-threshold rule and a peeked
// z-test checked at the same intervals on the same traffic, and a fixed-horizon "oracle" planned for each effect.
// Reports detection delay (treatment samples until rollback) per regression size at the canary step, false
// rollbacks over whole healthy releases and at the null boundary, and the per-segment case. Asserts nothing on time.
import type { Guardrail } from '../shared/src/flags/model.ts';
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
const steps = [1, 5, 10, 25, 50, 100];
const observedSteps = steps.filter((s) => s < 100).length;
const falseAlarmRate = 0.05;
const minSamples = 1000;
const requestsPerCheck = 20_000; // e.g. one controller tick per minute at ~330 requests/s
const baseErrorRate = 0.01;
const checksPerStep = 10; // the step's minimum duration, in ticks
const maxChecksPerStep = 30;
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

/** One step of traffic, checked every tick: the treatment samples at rollback, or whether the step passed. */
function runStep(
  rule: Rule,
  random: () => number,
  percentage: number,
  segments: readonly Segment[],
  maxChecks: number,
  minChecks: number,
  requests = requestsPerCheck,
): { rolledBack?: number; passed: boolean } {
  const treatment = new Map(segments.map((s) => [s.name, { events: 0, samples: 0 }]));
  const control = new Map(segments.map((s) => [s.name, { events: 0, samples: 0 }]));
  for (let check = 1; check <= maxChecks; check++) {
    for (const segment of segments) {
      const n = sampleBinomial(requests, segment.share, random);
      const nT = sampleBinomial(n, percentage / 100, random);
      const t = treatment.get(segment.name) ?? { events: 0, samples: 0 };
      const c = control.get(segment.name) ?? { events: 0, samples: 0 };
      t.samples += nT;
      t.events += sampleBinomial(nT, segment.treatmentRate, random);
      c.samples += n - nT;
      c.events += sampleBinomial(n - nT, segment.controlRate ?? baseErrorRate, random);
    }
    const observation = observationOf(treatment, control);
    const verdict = rule(observation);
    if (verdict === 'breach') return { rolledBack: observation.treatment.samples, passed: false };
    if (verdict === 'pass' && check >= minChecks) return { passed: true };
  }
  return { passed: false };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const uniform = (treatmentRate: number): Segment[] => [{ name: 'all', share: 1, treatmentRate }];

/** At the canary, checked until rollback or `canaryTicks` ticks: share rolled back and median samples at rollback. */
function detection(rule: Rule, segments: readonly Segment[], seed: number, percentage = steps[0] ?? 1) {
  const random = createRandom(seed);
  const delays: number[] = [];
  for (let run = 0; run < runs; run++) {
    const { rolledBack } = runStep(rule, random, percentage, segments, canaryTicks, canaryTicks);
    if (rolledBack !== undefined) delays.push(rolledBack);
  }
  return { detected: delays.length / runs, medianSamples: median(delays) };
}

/** Releases walked through every observed step: share stopped (false rollback) / stalled at a step. */
function releases(rule: Rule, segments: readonly Segment[], seed: number) {
  const random = createRandom(seed);
  let rolledBack = 0;
  let stalled = 0;
  for (let run = 0; run < runs; run++) {
    for (const percentage of steps.filter((s) => s < 100)) {
      const step = runStep(rule, random, percentage, segments, maxChecksPerStep, checksPerStep);
      if (step.rolledBack !== undefined) {
        rolledBack++;
        break;
      }
      if (!step.passed) {
        stalled++;
        break;
      }
    }
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
  `\nDetection at the ${steps[0]}% canary within ${canaryTicks} ticks: share rolled back / median treatment samples at rollback; oracle = fixed-horizon samples at α per test and 80% power`,
);
console.log(
  col('regression', 12) +
    rules.map(([name]) => col(name, 30)).join('') +
    col('oracle n (ticks)', 20) +
    'Rollgate / oracle',
);
for (const [i, increase] of [0.5, 1, 2, 4].entries()) {
  const results = rules.map(([, rule]) => detection(rule, uniform(baseErrorRate * (1 + increase)), 100 + i));
  const n = oracle(increase);
  const ours = results[0]?.medianSamples ?? NaN;
  console.log(
    col(`+${increase * 100}%`, 12) +
      results.map((r) => col(`${fmt(r.detected, 2)} / ${r.medianSamples}`, 30)).join('') +
      col(`${n} (${fmt(n / perTick, 1)})`, 20) +
      `×${fmt(ours / n, 2)}`,
  );
}

// Is "≥ 80 % of +50 % regressions within 60 ticks" reachable at this traffic? The best one-look test at the same α,
// run at exactly 60 ticks' worth of samples, has this power; no always-valid test can beat a one-look test planned
// for the very effect and horizon.
const horizon = perTick * canaryTicks;
const p1 = baseErrorRate * 1.5;
const oraclePower = normalCdf(
  ((p1 - nullRate) * Math.sqrt(horizon) - normalQuantile(1 - alpha) * Math.sqrt(nullRate * (1 - nullRate))) /
    Math.sqrt(p1 * (1 - p1)),
);
console.log(
  `\n+50% within ${canaryTicks} ticks: ${canaryTicks} ticks at the ${steps[0]}% canary are ≈${horizon} treatment samples; the oracle needs ${oracle(0.5)} for 80% power, and a one-look test at exactly ${horizon} samples has power ${fmt(oraclePower, 2)}: 80% is out of reach at this traffic for any test at α per test ${fmt(alpha, 5)}.`,
);
console.log('Same +50% regression with more treatment traffic per tick (a larger first step), Rollgate:');
for (const percentage of [5, 10]) {
  const r = detection(rollgate(base), uniform(p1), 200 + percentage, percentage);
  console.log(
    `  ${percentage}% canary (≈${(requestsPerCheck * percentage) / 100} samples/tick): ${fmt(r.detected, 2)} caught within ${canaryTicks} ticks, median ${r.medianSamples} samples`,
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
  `\nPer-segment: mobile (10% of traffic) broken, desktop (90%) healthy; guardrail with slices {platform: [desktop, mobile]} (α per test ${fmt(alphaFor(sliced), 5)}) vs without (α per test ${fmt(alpha, 5)}); at the ${steps[0]}% canary within ${canaryTicks} ticks: share / median samples`,
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
