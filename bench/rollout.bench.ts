// Rollout guardrail statistics, simulated (fixed seeds): Rollgate's always-valid sequential test (mSPRT, as the
// controller runs it) against a fixed-threshold baseline checked at the same intervals on the same traffic.
// Reports detection delay (treatment samples until rollback) per regression size at the canary step, and the
// false-rollback rate over whole healthy releases. Prints both and their ratios; asserts nothing on time.
import type { Guardrail } from '../shared/src/flags/model.ts';
import { evaluateGuardrail } from '../shared/src/rollout/guardrails.ts';
import { createRandom, sampleBinomial } from '../shared/src/rollout/stats.ts';

const guardrail: Guardrail = {
  name: 'errors',
  metric: 'error-rate',
  source: 'builtin',
  max: 0.03,
  maxRelativeDegradation: 0.25,
};
const steps = [1, 5, 10, 25, 50, 100];
const observedSteps = steps.filter((s) => s < 100).length;
const falseAlarmRate = 0.05;
// The controller's split: α / (observed steps × (tests of all guardrails + the SRM test)).
const alphaPerTest = falseAlarmRate / (observedSteps * (2 + 1));
const minSamples = 1000;
const requestsPerCheck = 20_000; // e.g. one controller tick per minute at ~330 requests/s
const baseErrorRate = 0.01;
const checksPerStep = 10; // the step's minimum duration, in ticks
const maxChecksPerStep = 30;

interface Arm {
  events: number;
  samples: number;
}

type Rule = (treatment: Arm, control: Arm) => 'breach' | 'pass' | 'hold';

const sequential: Rule = (treatment, control) => {
  const check = evaluateGuardrail(
    guardrail,
    { treatment, control },
    { alpha: alphaPerTest, referenceSamples: minSamples, minSamples },
  );
  return check.verdict === 'breach' ? 'breach' : check.verdict === 'pass' ? 'pass' : 'hold';
};

// Fixed thresholds on the point estimates, after the same minimum sample: what a simple dashboard alert does.
const fixedThreshold: Rule = (treatment, control) => {
  if (treatment.samples < minSamples / 10) return 'hold';
  const rate = treatment.events / treatment.samples;
  const controlRate = control.samples > 0 ? control.events / control.samples : 0;
  if (rate > (guardrail.max ?? 1) || rate > (1 + (guardrail.maxRelativeDegradation ?? 0)) * controlRate) {
    return 'breach';
  }
  return treatment.samples >= minSamples ? 'pass' : 'hold';
};

// A fixed-horizon one-sided z-test (α = 0.05) on both limits, re-run every tick: the classic peeking mistake.
const peekedZTest: Rule = (treatment, control) => {
  if (treatment.samples < minSamples / 10 || control.samples === 0) return 'hold';
  const pT = treatment.events / treatment.samples;
  const pC = control.events / control.samples;
  const c = 1 + (guardrail.maxRelativeDegradation ?? 0);
  const max = guardrail.max ?? 1;
  const zMax = (pT - max) / Math.sqrt((max * (1 - max)) / treatment.samples);
  const variance = (pT * (1 - pT)) / treatment.samples + (c * c * pC * (1 - pC)) / control.samples;
  const zRel = variance > 0 ? (pT - c * pC) / Math.sqrt(variance) : 0;
  if (zMax > 1.645 || zRel > 1.645) return 'breach';
  return treatment.samples >= minSamples ? 'pass' : 'hold';
};

const rules: readonly (readonly [string, Rule])[] = [
  ['mSPRT (Rollgate)', sequential],
  ['fixed threshold', fixedThreshold],
  ['peeked z-test', peekedZTest],
];

/** One step of traffic, checked every tick; returns the treatment samples at rollback, or undefined. */
function runStep(
  rule: Rule,
  random: () => number,
  percentage: number,
  treatmentRate: number,
  maxChecks: number,
  minChecks: number,
): { rolledBack?: number; passed: boolean } {
  const treatment = { events: 0, samples: 0 };
  const control = { events: 0, samples: 0 };
  for (let check = 1; check <= maxChecks; check++) {
    const nT = sampleBinomial(requestsPerCheck, percentage / 100, random);
    const nC = requestsPerCheck - nT;
    treatment.samples += nT;
    control.samples += nC;
    treatment.events += sampleBinomial(nT, treatmentRate, random);
    control.events += sampleBinomial(nC, baseErrorRate, random);
    const verdict = rule(treatment, control);
    if (verdict === 'breach') return { rolledBack: treatment.samples, passed: false };
    if (verdict === 'pass' && check >= minChecks) return { passed: true };
  }
  return { passed: false };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function detection(rule: Rule, relativeIncrease: number, runs: number, seed: number) {
  const random = createRandom(seed);
  const delays: number[] = [];
  for (let run = 0; run < runs; run++) {
    // At the 1% canary, checked until rollback or 60 ticks (nobody waits longer at a canary).
    const { rolledBack } = runStep(rule, random, steps[0] ?? 1, baseErrorRate * (1 + relativeIncrease), 60, 60);
    if (rolledBack !== undefined) delays.push(rolledBack);
  }
  return { detected: delays.length / runs, medianSamples: median(delays) };
}

/** Releases walked through every observed step with the treatment at `treatmentRate`: share stopped / stalled. */
function healthyReleases(rule: Rule, runs: number, seed: number, treatmentRate = baseErrorRate) {
  const random = createRandom(seed);
  let falseRollbacks = 0;
  let stalled = 0;
  for (let run = 0; run < runs; run++) {
    for (const percentage of steps.filter((s) => s < 100)) {
      const { rolledBack, passed } = runStep(rule, random, percentage, treatmentRate, maxChecksPerStep, checksPerStep);
      if (rolledBack !== undefined) {
        falseRollbacks++;
        break;
      }
      if (!passed) {
        stalled++;
        break;
      }
    }
  }
  return { falseRollbackRate: falseRollbacks / runs, stalledRate: stalled / runs };
}

const fmt = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const started = performance.now();
console.log(
  `traffic ${requestsPerCheck}/tick, base error rate ${baseErrorRate * 100}%, guardrail max ${(guardrail.max ?? 0) * 100}% and ≤ +${(guardrail.maxRelativeDegradation ?? 0) * 100}% vs control, min ${minSamples} samples, plan α = ${falseAlarmRate} (α per test ${fmt(alphaPerTest, 5)})`,
);
const col = (text: string, width = 18): string => text.padEnd(width);
console.log(
  '\nDetection at the 1% canary (600 runs per cell): share of runs rolled back within 60 ticks / median treatment samples at rollback (× vs mSPRT)',
);
console.log(col('regression', 12) + rules.map(([name]) => col(name, 28)).join(''));
for (const [i, increase] of [0.5, 1, 2, 4].entries()) {
  const results = rules.map(([, rule]) => detection(rule, increase, 600, 100 + i));
  const ours = results[0]?.medianSamples ?? NaN;
  const cells = results.map((r) =>
    col(`${fmt(r.detected, 2)} / ${r.medianSamples} (×${fmt(r.medianSamples / ours, 2)})`, 28),
  );
  console.log(col(`+${increase * 100}%`, 12) + cells.join(''));
}
const healthyRuns = 600;
const atLimit = baseErrorRate * (1 + (guardrail.maxRelativeDegradation ?? 0));
for (const [title, rate] of [
  ['Healthy releases (no regression)', baseErrorRate],
  [
    `Releases exactly at the allowed limit (+${(guardrail.maxRelativeDegradation ?? 0) * 100}%, the null boundary)`,
    atLimit,
  ],
] as const) {
  console.log(
    `\n${title}, walked 1% → 50% (${healthyRuns} runs each; false rollback = any breach; stalled = a step not passed within ${maxChecksPerStep} ticks)`,
  );
  const results = rules.map(([name, rule]) => [name, healthyReleases(rule, healthyRuns, 7, rate)] as const);
  const oursRate = results[0]?.[1].falseRollbackRate ?? 0;
  for (const [name, h] of results) {
    const ratio =
      oursRate > 0 ? `(×${fmt(h.falseRollbackRate / oursRate, 1)} vs mSPRT)` : `(mSPRT: 0 of ${healthyRuns})`;
    console.log(
      `${col(name)} false-rollback rate ${fmt(h.falseRollbackRate)} ${ratio}   stalled ${fmt(h.stalledRate)}`,
    );
  }
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
