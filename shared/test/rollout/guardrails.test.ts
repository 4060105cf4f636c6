import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Guardrail } from '../../src/flags/model.ts';
import { evaluateGuardrail, guardrailDirection } from '../../src/rollout/guardrails.ts';
import { cumulativeCounts, histogramCountAtOrBelow, histogramQuantile } from '../../src/rollout/metrics.ts';
import type { LatencyHistogram } from '../../src/rollout/metrics.ts';

const options = { alpha: 0.01, minSamples: 500 };
const bounds = [50, 100, 200, 500, Infinity];
/** A histogram from per-bucket counts over `bounds`. */
const hist = (...perBucket: number[]): LatencyHistogram => ({ bounds, counts: cumulativeCounts(perBucket) });

describe('latency histograms', () => {
  it('interpolates quantiles and counts like histogram_quantile', () => {
    const h = hist(50, 30, 15, 5, 0);
    assert.equal(histogramQuantile(h, 0.5), 50);
    assert.equal(histogramQuantile(h, 0.8), 100);
    assert.equal(histogramQuantile(h, 0.95), 200);
    assert.equal(histogramCountAtOrBelow(h, 25), 25);
    assert.equal(histogramCountAtOrBelow(h, 150), 87.5);
    assert.equal(histogramCountAtOrBelow(h, 10_000), 100);
    assert.equal(histogramQuantile(hist(0, 0, 0, 0, 10), 0.5), 500, '+Inf observations report the last finite bound');
    assert.equal(histogramQuantile(hist(0, 0, 0, 0, 0), 0.5), undefined);
  });
});

describe('evaluateGuardrail', () => {
  const errors: Guardrail = {
    name: 'errors',
    metric: 'error-rate',
    source: 'builtin',
    max: 0.02,
    maxRelativeDegradation: 0.2,
  };

  const table: [string, Guardrail, Parameters<typeof evaluateGuardrail>[1], string][] = [
    [
      'healthy arms pass',
      errors,
      { treatment: { samples: 5000, events: 50 }, control: { samples: 95000, events: 950 } },
      'pass',
    ],
    [
      'too few samples wait',
      errors,
      { treatment: { samples: 100, events: 1 }, control: { samples: 9900, events: 99 } },
      'insufficient-data',
    ],
    [
      'no control data waits for the relative limit',
      errors,
      { treatment: { samples: 5000, events: 50 }, control: { samples: 0, events: 0 } },
      'insufficient-data',
    ],
    [
      'above the hard limit but not significant holds',
      errors,
      { treatment: { samples: 600, events: 13 }, control: { samples: 60000, events: 1200 } },
      'inconclusive',
    ],
    [
      'clearly worse than control but not yet significant holds',
      errors,
      { treatment: { samples: 600, events: 9 }, control: { samples: 60000, events: 420 } },
      'inconclusive',
    ],
    [
      'slightly worse than control within noise passes',
      errors,
      { treatment: { samples: 600, events: 7 }, control: { samples: 60000, events: 420 } },
      'pass',
    ],
    [
      'significantly worse breaches',
      errors,
      { treatment: { samples: 5000, events: 400 }, control: { samples: 95000, events: 950 } },
      'breach',
    ],
  ];
  for (const [name, guardrail, observation, verdict] of table) {
    it(name, () => assert.equal(evaluateGuardrail(guardrail, observation, options).verdict, verdict));
  }

  it('business metrics are higher-is-better by default and breach when conversion drops', () => {
    const conversion: Guardrail = {
      name: 'conv',
      metric: 'business',
      source: 'builtin',
      counter: 'conversion',
      maxRelativeDegradation: 0.1,
    };
    assert.equal(guardrailDirection(conversion), 'higher-is-better');
    const drop = evaluateGuardrail(
      conversion,
      { treatment: { samples: 20000, events: 1600 }, control: { samples: 80000, events: 8000 } },
      options,
    );
    assert.equal(drop.verdict, 'breach');
    const rise = evaluateGuardrail(
      conversion,
      { treatment: { samples: 20000, events: 2400 }, control: { samples: 80000, events: 8000 } },
      options,
    );
    assert.equal(rise.verdict, 'pass');
  });

  it('latency: p95 relative limit breaches when the tail grows, passes when it does not', () => {
    const p95: Guardrail = {
      name: 'p95',
      metric: 'latency',
      source: 'builtin',
      percentile: 95,
      maxRelativeDegradation: 0.2,
      max: 450,
    };
    const control = { samples: 50000, latency: hist(25000, 15000, 7500, 2500, 0) }; // p95 = 200 ms
    const same = evaluateGuardrail(
      p95,
      { treatment: { samples: 5000, latency: hist(2500, 1500, 750, 250, 0) }, control },
      options,
    );
    assert.equal(same.verdict, 'pass');
    assert.equal(same.treatment.value, 200);
    assert.equal(same.thresholds.find((t) => t.kind === 'relative')?.limit, 240);
    const slow = evaluateGuardrail(
      p95,
      { treatment: { samples: 5000, latency: hist(2000, 1500, 750, 750, 0) }, control },
      options,
    );
    assert.equal(slow.verdict, 'breach');
    assert.match(slow.message, /p95: BREACH/);
  });
});
