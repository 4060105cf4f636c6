import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRandom,
  fixedHorizonSamples,
  logBeta,
  logGamma,
  logNormalCdf,
  msprtBoundary,
  msprtLogLikelihoodRatio,
  msprtPower,
  msprtSamplesForPower,
  normalCdf,
  normalQuantile,
  sampleBinomial,
  testHardStop,
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
  it('rejects exactly at its boundary', () => {
    for (const [r, alpha] of [
      [1, 0.05],
      [0.1, 0.01],
      [25, 0.001],
    ] as const) {
      close(msprtLogLikelihoodRatio(msprtBoundary(r, alpha), r), Math.log(1 / alpha), 1e-9);
    }
  });

  it('equals the half-normal mixture of likelihood ratios, integrated numerically', () => {
    // Estimate ~ N(θ, v); LR(θ) = exp((θ·x − θ²/2)/v); mixing density 2/τ·φ(θ/τ) on θ > 0.
    for (const [z, v, tau] of [
      [2.5, 1e-4, 0.01],
      [-1, 4e-6, 0.001],
      [4, 1e-3, 0.005],
    ] as const) {
      const x = z * Math.sqrt(v);
      const steps = 200_000;
      const width = (12 * tau) / steps;
      let integral = 0;
      for (let i = 0; i < steps; i++) {
        const theta = (i + 0.5) * width;
        const density = (2 / (tau * Math.sqrt(2 * Math.PI))) * Math.exp(-(theta * theta) / (2 * tau * tau));
        integral += density * Math.exp((theta * x - (theta * theta) / 2) / v) * width;
      }
      close(msprtLogLikelihoodRatio(z, (tau * tau) / v), Math.log(integral), 1e-5);
    }
  });

  it('normal CDF and quantile match known values', () => {
    close(normalCdf(0), 0.5, 1e-7);
    close(normalCdf(1.959963985), 0.975, 1e-7);
    close(normalQuantile(0.95), 1.644853627, 1e-6);
    close(logNormalCdf(-30), -454.321, 1e-2); // far tail without underflow
  });

  it("plans the oracle's fixed horizon with the textbook formula", () => {
    // p0 = 1%, p1 = 2%, α = 0.05, 80 % power: ((1.6449·√0.0099 + 0.8416·√0.0196) / 0.01)² = 792.4
    assert.equal(fixedHorizonSamples(0.01, 0.02, 0.05, 0.8), 793);
  });

  it('reports power that grows with the sample and reaches the target where it says', () => {
    const sd = Math.sqrt(0.01 * 0.99);
    const n80 = msprtSamplesForPower(0.01, sd, 0.01, 0.8);
    assert.ok(msprtPower(0.01, sd / Math.sqrt(n80), 0.01) >= 0.8);
    assert.ok(msprtPower(0.01, sd / Math.sqrt(n80 - 1), 0.01) < 0.8);
    assert.ok(msprtPower(0.01, sd / Math.sqrt(n80 / 4), 0.01) < 0.3);
  });

  it('only rejects in the worse direction', () => {
    const options = { alpha: 0.05, effect: 0.005 };
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
      effect: 0.01,
    });
    assert.equal(result.rejected, true);
    assert.equal(
      testProportionAgainstLimit({ events: 0, samples: 10 }, 0, 'lower-is-better', {
        alpha: 0.05,
        effect: 0.01,
      }).rejected,
      false,
    );
  });

  it('needs no data to be quiet: empty arms never reject', () => {
    const options = { alpha: 0.05, minDetectableEffect: 0.5 };
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
  const options = { alpha, effect: 0.005, minDetectableEffect: 0.5 };
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

  it('hard stop at the limit (healthy at worst) fires in ≤ α of runs, and never on typical healthy traffic', () => {
    for (const [seed, rate, bound] of [
      [5, 0.03, alpha + 0.015],
      [6, 0.01, 0],
    ] as const) {
      let n = 0;
      let x = 0;
      const fired = peekingFalseAlarms(seed, runs, checks, (random, check) => {
        if (check === 1) n = x = 0;
        n += 200;
        x += sampleBinomial(200, rate, random);
        return testHardStop({ events: x, samples: n }, 0.03, alpha)?.fired === true;
      });
      assert.ok(fired <= bound, `hard stop fired in ${fired} of runs at a ${rate} error rate`);
    }
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
            minDetectableEffect: 1,
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

describe('hard stop', () => {
  it('fires on a gross breach after a few dozen requests', () => {
    // 14 failures in 60 requests against a 3 % limit: 14·ln 2 + 46·ln(0.94/0.97) = 8.26 ≥ ln(1/0.001) = 6.91.
    const stop = testHardStop({ events: 14, samples: 60 }, 0.03, 0.001);
    assert.equal(stop?.fired, true);
    assert.equal(stop?.threshold, 0.06);
    assert.equal(testHardStop({ events: 2, samples: 60 }, 0.03, 0.001)?.fired, false);
    assert.equal(stop?.minEvents, Math.ceil(Math.log(1000) / Math.LN2));
  });

  it('has nothing to stop on for a limit of 0 or 1', () => {
    assert.equal(testHardStop({ events: 1, samples: 1 }, 0, 0.01), undefined);
    assert.equal(testHardStop({ events: 1, samples: 1 }, 1, 0.01), undefined);
  });
});
