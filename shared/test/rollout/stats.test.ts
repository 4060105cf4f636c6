import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRandom,
  logBeta,
  logGamma,
  msprtBoundary,
  msprtLogLikelihoodRatio,
  sampleBinomial,
  testProportionAgainstLimit,
  testProportionRelative,
  testSampleRatio,
} from '../../src/rollout/stats.ts';

function close(actual: number, expected: number, tolerance: number): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);
}

describe('special functions', () => {
  const known: [number, number][] = [
    [1, 0],
    [2, 0],
    [0.5, 0.5723649429247001], // ln √π
    [10, 12.801827480081469], // ln 9!
    [0.1, 2.252712651734206],
    [101, 363.73937555556347], // ln 100!
  ];
  for (const [x, expected] of known) {
    it(`logGamma(${x})`, () => close(logGamma(x), expected, 1e-10));
  }
  it('logBeta(2, 3) = ln(1/12)', () => close(logBeta(2, 3), Math.log(1 / 12), 1e-12));
});

describe('normal-mixture mSPRT', () => {
  it('rejects exactly at the closed-form boundary', () => {
    for (const [r, alpha] of [
      [1, 0.05],
      [0.1, 0.01],
      [25, 0.001],
    ] as const) {
      const z = msprtBoundary(r, alpha);
      close(msprtLogLikelihoodRatio(z, r), Math.log(1 / alpha), 1e-9);
    }
    // r = 1, α = 0.05: z² = 2·(ln 2 + 2·ln 20)
    close(msprtBoundary(1, 0.05), Math.sqrt(2 * (Math.LN2 + 2 * Math.log(20))), 1e-12);
  });

  it("matches Johari et al.'s two-sample formula for equal arms", () => {
    // Λ_n = sqrt(2σ²/(2σ²+nτ²)) · exp(n²τ²(Ȳ−X̄)² / (4σ²(2σ²+nτ²)))
    const sigma2 = 0.25;
    const tau2 = 0.0004;
    const n = 5000;
    const diff = 0.03;
    const expected =
      0.5 * Math.log((2 * sigma2) / (2 * sigma2 + n * tau2)) +
      (n * n * tau2 * diff * diff) / (4 * sigma2 * (2 * sigma2 + n * tau2));
    const variance = (2 * sigma2) / n;
    close(msprtLogLikelihoodRatio(diff / Math.sqrt(variance), tau2 / variance), expected, 1e-9);
  });

  it('only rejects in the worse direction', () => {
    const options = { alpha: 0.05, referenceSamples: 1000 };
    const better = testProportionAgainstLimit({ events: 0, samples: 100_000 }, 0.01, 'lower-is-better', options);
    assert.equal(better.rejected, false);
    const worse = testProportionAgainstLimit({ events: 2000, samples: 100_000 }, 0.01, 'lower-is-better', options);
    assert.equal(worse.rejected, true);
    const tooLow = testProportionAgainstLimit({ events: 50, samples: 10_000 }, 0.1, 'higher-is-better', options);
    assert.equal(tooLow.rejected, true);
  });

  it('treats a zero limit as exact: one event breaches it', () => {
    const result = testProportionAgainstLimit({ events: 1, samples: 10 }, 0, 'lower-is-better', {
      alpha: 0.05,
      referenceSamples: 100,
    });
    assert.equal(result.rejected, true);
    assert.equal(
      testProportionAgainstLimit({ events: 0, samples: 10 }, 0, 'lower-is-better', {
        alpha: 0.05,
        referenceSamples: 100,
      }).rejected,
      false,
    );
  });

  it('needs no data to be quiet: empty arms never reject', () => {
    const options = { alpha: 0.05, referenceSamples: 100 };
    assert.equal(
      testProportionRelative({ events: 0, samples: 0 }, { events: 5, samples: 100 }, 0.2, 'lower-is-better', options)
        .rejected,
      false,
    );
  });
});

/** Runs `runs` simulated streams of `checks` looks; returns the share of runs that were ever rejected. */
function peekingFalseAlarms(
  seed: number,
  runs: number,
  checks: number,
  look: (random: () => number, check: number) => boolean,
): number {
  const random = createRandom(seed);
  let alarms = 0;
  for (let run = 0; run < runs; run++) {
    for (let check = 1; check <= checks; check++) {
      if (look(random, check)) {
        alarms++;
        break;
      }
    }
  }
  return alarms / runs;
}

describe('false alarms under H0 with peeking after every batch (fixed seeds)', () => {
  const alpha = 0.05;
  const options = { alpha, referenceSamples: 1000 };
  const runs = 1000;
  const checks = 40;

  it('relative test at the null boundary stays ≤ α', () => {
    let nT = 0;
    let xT = 0;
    let nC = 0;
    let xC = 0;
    const rate = peekingFalseAlarms(1, runs, checks, (random, check) => {
      if (check === 1) nT = xT = nC = xC = 0;
      // 10% canary: 100 treatment and 900 control requests per batch, both failing at 2% · (1.2 for treatment).
      nT += 100;
      nC += 900;
      xT += sampleBinomial(100, 0.024, random);
      xC += sampleBinomial(900, 0.02, random);
      return testProportionRelative(
        { events: xT, samples: nT },
        { events: xC, samples: nC },
        0.2,
        'lower-is-better',
        options,
      ).rejected;
    });
    assert.ok(rate <= alpha + 0.015, `false-alarm rate ${rate}`);
  });

  it('hard-limit test at the null boundary stays ≤ α', () => {
    let n = 0;
    let x = 0;
    const rate = peekingFalseAlarms(2, runs, checks, (random, check) => {
      if (check === 1) n = x = 0;
      n += 200;
      x += sampleBinomial(200, 0.01, random);
      return testProportionAgainstLimit({ events: x, samples: n }, 0.01, 'lower-is-better', options).rejected;
    });
    assert.ok(rate <= alpha + 0.015, `false-alarm rate ${rate}`);
  });

  it('whereas a fixed-horizon z-test peeked at the same times does not (why the mSPRT is needed)', () => {
    let n = 0;
    let x = 0;
    const rate = peekingFalseAlarms(2, runs, checks, (random, check) => {
      if (check === 1) n = x = 0;
      n += 200;
      x += sampleBinomial(200, 0.01, random);
      return (x / n - 0.01) / Math.sqrt((0.01 * 0.99) / n) > 1.645;
    });
    assert.ok(rate > 2 * alpha, `naive rate ${rate}`);
  });

  it('SRM test on a correct split stays ≤ α', () => {
    let t = 0;
    let c = 0;
    const rate = peekingFalseAlarms(3, runs, checks, (random, check) => {
      if (check === 1) t = c = 0;
      const batch = 500;
      const treated = sampleBinomial(batch, 0.05, random);
      t += treated;
      c += batch - treated;
      return testSampleRatio(t, c, 0.05, alpha).mismatch;
    });
    assert.ok(rate <= alpha + 0.015, `false-alarm rate ${rate}`);
  });
});

describe('power', () => {
  it('detects a tripled error rate at a 5% canary within a few batches', () => {
    const random = createRandom(4);
    let detected = 0;
    for (let run = 0; run < 200; run++) {
      let nT = 0;
      let xT = 0;
      let nC = 0;
      let xC = 0;
      for (let check = 0; check < 20; check++) {
        nT += 100;
        nC += 1900;
        xT += sampleBinomial(100, 0.03, random);
        xC += sampleBinomial(1900, 0.01, random);
        if (
          testProportionRelative({ events: xT, samples: nT }, { events: xC, samples: nC }, 0.2, 'lower-is-better', {
            alpha: 0.01,
            referenceSamples: 1000,
          }).rejected
        ) {
          detected++;
          break;
        }
      }
    }
    assert.ok(detected >= 190, `detected in ${detected}/200 runs`);
  });

  it('SRM Bayes factor equals the beta-binomial integral computed numerically', () => {
    const [t, c, share, k] = [30, 470, 0.05, 100];
    const a = k * share;
    const b = k * (1 - share);
    // Simpson's rule on ∫ Beta(q; a, b) q^t (1−q)^c dq / (share^t (1−share)^c), in log space per point.
    const steps = 20000;
    let sum = 0;
    for (let i = 0; i <= steps; i++) {
      const q = Math.min(Math.max(i / steps, 1e-12), 1 - 1e-12);
      const logf =
        (a - 1 + t) * Math.log(q) +
        (b - 1 + c) * Math.log1p(-q) -
        logBeta(a, b) -
        t * Math.log(share) -
        c * Math.log1p(-share);
      sum += (i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2) * Math.exp(logf);
    }
    const integral = sum / steps / 3;
    close(testSampleRatio(t, c, share, 0.05, k).logBayesFactor, Math.log(integral), 1e-6);
  });

  it('SRM flags a 4% share when 5% was expected, given enough samples', () => {
    assert.equal(testSampleRatio(4000, 96000, 0.05, 0.01).mismatch, true);
    assert.equal(testSampleRatio(49, 951, 0.05, 0.01).mismatch, false);
  });
});
