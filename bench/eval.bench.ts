// Evaluation speed: FlagdEngine against @openfeature/flagd-core's FlagdCore, same flag set, same process, same
// 100k distinct subjects. Prints evals/s of each, the ratio, and how many subjects got different variants.
import { FlagdCore } from '@openfeature/flagd-core';
import type { EvaluationContext as OpenFeatureContext, Logger } from '@openfeature/core';
import { FlagdEngine, type EvaluationContext } from '../shared/src/eval/index.ts';

const SUBJECTS = 100_000;
const ROUNDS = 4;
const MIN_CPU_SECONDS = 0.25;

const document = JSON.stringify({
  flags: {
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        if: [
          { ends_with: [{ var: 'email' }, '@example.com'] },
          'on',
          {
            fractional: [
              ['on', 10],
              ['off', 90],
            ],
          },
        ],
      },
    },
  },
});

// Subjects as a server receives them: parsed from JSON (flat strings, as request bodies and database drivers yield).
const contexts = JSON.parse(
  JSON.stringify(
    Array.from({ length: SUBJECTS }, (_, i) => ({
      targetingKey: `user-${i.toString(36)}-${(i * 2654435761) >>> 0}`,
      email: i % 10 === 0 ? `person${i}@example.com` : `person${i}@mail.test`,
      plan: i % 3 === 0 ? 'pro' : 'free',
    })),
  ),
) as EvaluationContext[];

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const ours = new FlagdEngine();
ours.setFlags(document);
const theirs = new FlagdCore(undefined, silent);
theirs.setConfigurations(document);

const runOurs = (): number => {
  let on = 0;
  for (const context of contexts) if (ours.evaluate('new-checkout', 'boolean', false, context).value) on++;
  return on;
};
const runTheirs = (): number => {
  let on = 0;
  for (const context of contexts) {
    if (theirs.resolveBooleanEvaluation('new-checkout', false, context as OpenFeatureContext).value) on++;
  }
  return on;
};

/**
 * Best evals per CPU-second of each engine over ROUNDS measurements. Process CPU time (not wall time) is measured
 * because the machine is shared: wall time mostly measures how long other processes held the cores. CPU time is
 * accounted in scheduler ticks, so each measurement repeats passes over all subjects until it spans at least
 * MIN_CPU_SECONDS. The engines' rounds are interleaved so that what remains (cache and frequency effects) hits both.
 */
function measure(runs: readonly (() => number)[]): { perSecond: number; on: number }[] {
  const results = runs.map((run) => {
    for (let warmup = 0; warmup < 3; warmup++) run();
    return { best: 0, on: 0 };
  });
  for (let round = 0; round < ROUNDS; round++) {
    runs.forEach((run, i) => {
      globalThis.gc?.();
      const start = process.cpuUsage();
      let seconds = 0;
      let passes = 0;
      let on = 0;
      while (seconds < MIN_CPU_SECONDS) {
        on = run();
        passes++;
        const used = process.cpuUsage(start);
        seconds = (used.user + used.system) / 1e6;
      }
      const result = results[i] as { best: number; on: number };
      result.best = Math.max(result.best, (passes * SUBJECTS) / seconds);
      result.on = on;
    });
  }
  return results.map(({ best, on }) => ({ perSecond: best, on }));
}

let mismatches = 0;
for (const context of contexts) {
  const a = ours.evaluate('new-checkout', 'boolean', false, context);
  const b = theirs.resolveBooleanEvaluation('new-checkout', false, context as OpenFeatureContext);
  if (a.variant !== b.variant || a.reason !== b.reason) mismatches++;
}

const [theirsResult, oursResult] = measure([runTheirs, runOurs]) as [
  { perSecond: number; on: number },
  { perSecond: number; on: number },
];
const format = (n: number): string => `${(n / 1e6).toFixed(2)}M evals per CPU-second`;
console.log(`flag: email ends_with @example.com → on, else fractional 10% on; ${SUBJECTS} distinct subjects`);
console.log(`flagd-core FlagdCore : ${format(theirsResult.perSecond)} (${theirsResult.on} on)`);
console.log(`rollgate FlagdEngine : ${format(oursResult.perSecond)} (${oursResult.on} on)`);
console.log(`ratio                : ${(oursResult.perSecond / theirsResult.perSecond).toFixed(1)}× (target ≥ 5×)`);
console.log(`variant mismatches   : ${mismatches} of ${SUBJECTS}`);
if (mismatches > 0) process.exitCode = 1;
