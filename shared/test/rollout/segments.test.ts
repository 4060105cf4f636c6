import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Guardrail } from '../../src/flags/model.ts';
import { RolloutController } from '../../src/rollout/controller.ts';
import { countGuardrailTests, evaluateGuardrail } from '../../src/rollout/guardrails.ts';
import type { ArmObservation, GuardrailObservation, MetricSource } from '../../src/rollout/metrics.ts';
import { getRolloutStatus, startRollout } from '../../src/rollout/plan.ts';
import { checkRepresentativeness } from '../../src/rollout/representativeness.ts';
import { createRandom, sampleBinomial } from '../../src/rollout/stats.ts';
import { renderRolloutPage } from '../../src/rollout/page.ts';
import { MemoryStore } from './memory-store.ts';
import { createClock, documentWithFlag } from './fixtures.ts';

const target = { flagKey: 'new-checkout', environment: 'production' };
const sliced: Guardrail = {
  name: 'errors',
  metric: 'error-rate',
  source: 'builtin',
  max: 0.05,
  maxRelativeDegradation: 0.25,
  slices: { platform: ['desktop', 'mobile'] },
};

/** An arm from per-platform counts: [samples, events] for desktop and mobile. */
function arm(desktop: [number, number], mobile: [number, number]): ArmObservation {
  return {
    samples: desktop[0] + mobile[0],
    events: desktop[1] + mobile[1],
    slices: {
      platform: {
        desktop: { samples: desktop[0], events: desktop[1] },
        mobile: { samples: mobile[0], events: mobile[1] },
      },
    },
  };
}

async function tickOnce(observation: GuardrailObservation, guardrail: Guardrail) {
  const store = new MemoryStore(documentWithFlag());
  const clock = createClock();
  const source: MetricSource = { name: 'fixed', observe: () => Promise.resolve(observation) };
  const controller = new RolloutController({ store, sources: { builtin: source }, now: clock.now });
  await startRollout(
    store,
    { ...target, plan: { variant: 'on', steps: [5, 100], minSamplesPerStep: 500, guardrails: [guardrail] } },
    { actor: 'cli:alice', now: clock.now },
  );
  clock.advanceMinutes(60);
  const [result] = await controller.tick();
  return { store, evaluation: result?.evaluation };
}

describe('per-segment guardrails', () => {
  it('catches "desktop fine, mobile checkout broken" and names the slice while the aggregate passes', async () => {
    // Mobile is 10 % of traffic; its treatment fails at 6 % vs 1 %: the aggregate moves from 1 % to 1.5 %.
    const observation = {
      treatment: arm([9000, 90], [1000, 60]),
      control: arm([171_000, 1710], [19_000, 190]),
    };
    const without = evaluateGuardrail({ ...sliced, slices: undefined }, observation, { alpha: 0.001, minSamples: 500 });
    assert.notEqual(without.verdict, 'breach', 'the aggregate alone does not see it');
    const { store, evaluation } = await tickOnce(observation, sliced);
    assert.equal(evaluation?.decision.decision, 'rollback');
    assert.deepEqual(evaluation?.decision.codes, ['breach:errors[platform=mobile]']);
    assert.match(evaluation?.decision.reasons[0] ?? '', /errors\[platform=mobile\]: BREACH: treatment 6%/);
    const status = await getRolloutStatus(store, target);
    assert.equal(status.status, 'rolled-back');
    const slices = ((await store.readAudit()).at(-1)?.data?.guardrails as { slices: { verdict: string }[] }[])[0]
      ?.slices;
    assert.deepEqual(
      slices?.map((s) => s.verdict),
      ['pass', 'breach'],
    );
  });

  it('holds (source error) when the source has no per-slice counts for a sliced guardrail', async () => {
    const { evaluation } = await tickOnce(
      { treatment: { samples: 1000, events: 10 }, control: { samples: 19_000, events: 190 } },
      sliced,
    );
    assert.equal(evaluation?.decision.decision, 'hold');
    assert.match(evaluation?.decision.reasons[0] ?? '', /no per-slice counts for "platform"/);
  });

  it('splits α over the slices honestly: false alarms at the null boundary of every slice stay ≤ α (seeded)', () => {
    const guardrail: Guardrail = {
      name: 'errors',
      metric: 'error-rate',
      source: 'builtin',
      maxRelativeDegradation: 0.25,
      minDetectableEffect: 0.5,
      slices: { platform: ['desktop', 'mobile', 'tablet'] },
    };
    const alpha = 0.05;
    const options = { alpha: alpha / countGuardrailTests(guardrail), minSamples: 500 };
    const shares = [0.6, 0.3, 0.1];
    const random = createRandom(21);
    const runs = 300;
    let alarms = 0;
    for (let run = 0; run < runs; run++) {
      const t = shares.map(() => [0, 0] as [number, number]);
      const c = shares.map(() => [0, 0] as [number, number]);
      for (let check = 0; check < 30; check++) {
        shares.forEach((share, i) => {
          const nT = sampleBinomial(400, share, random);
          const nC = sampleBinomial(7600, share, random);
          const ti = t[i] ?? [0, 0];
          const ci = c[i] ?? [0, 0];
          // Every slice's treatment sits exactly at the limit: 1.25 × control's 2 %.
          ti[0] += nT;
          ti[1] += sampleBinomial(nT, 0.025, random);
          ci[0] += nC;
          ci[1] += sampleBinomial(nC, 0.02, random);
        });
        const armOf = (counts: [number, number][]): ArmObservation => ({
          samples: counts.reduce((sum, [n]) => sum + n, 0),
          events: counts.reduce((sum, [, x]) => sum + x, 0),
          slices: {
            platform: Object.fromEntries(
              ['desktop', 'mobile', 'tablet'].map((v, i) => [
                v,
                { samples: counts[i]?.[0] ?? 0, events: counts[i]?.[1] ?? 0 },
              ]),
            ),
          },
        });
        if (evaluateGuardrail(guardrail, { treatment: armOf(t), control: armOf(c) }, options).verdict === 'breach') {
          alarms++;
          break;
        }
      }
    }
    assert.equal(countGuardrailTests(guardrail), 4, 'one relative test for the aggregate and one per slice');
    assert.ok(alarms / runs <= alpha, `family-wise false-alarm rate ${alarms / runs}`);
  });

  it('flags a skewed canary: 90 % desktop in the canary vs 60 % in the population', () => {
    const check = evaluateGuardrail(
      sliced,
      { treatment: arm([900, 9], [100, 1]), control: arm([12_000, 120], [8000, 80]) },
      { alpha: 0.001, minSamples: 500 },
    );
    const [mix] = checkRepresentativeness([check], 500);
    assert.equal(mix?.attribute, 'platform');
    assert.ok(Math.abs((mix?.distance ?? 0) - 0.3) < 1e-9);
    assert.equal(mix?.skewed, true);
    const fair = evaluateGuardrail(
      sliced,
      { treatment: arm([610, 6], [390, 4]), control: arm([12_000, 120], [8000, 80]) },
      { alpha: 0.001, minSamples: 500 },
    );
    assert.equal(checkRepresentativeness([fair], 500)[0]?.skewed, false);
  });
});

describe('rollout page', () => {
  it('shows each slice, the detection power of every limit and the canary mix per step', async () => {
    // Healthy but skewed: the canary is 90 % desktop, the population 60 %.
    const { store, evaluation } = await tickOnce(
      { treatment: arm([900, 9], [100, 1]), control: arm([11_400, 114], [7600, 76]) },
      sliced,
    );
    assert.equal(evaluation?.decision.decision, 'complete');
    const flag = (await store.read()).document.flags[0];
    assert.ok(flag && evaluation);
    const page = renderRolloutPage(flag, 'production', await store.readAudit(), evaluation);
    assert.match(
      page,
      /\| errors\[platform=mobile\] \| error-rate \| builtin \| .* \| 1% \(n=100\) \| 1% \(n=7600\) \| insufficient-data \| max: \d+%; \d+ for 80%, relative: \d+%; \d+ for 80% \|/,
    );
    assert.match(page, /\| errors \| error-rate \| builtin \| .* \| pass \| max: \d+%; \d+ for 80%/);
    assert.match(page, /\| 5% \| platform \| desktop 90% vs 60%, mobile 10% vs 40% \| 30% \| \*\*SKEWED\*\* \|/);
  });
});

describe('hard stop in the controller', () => {
  it('rolls a gross breach back at once as a hard stop, even with a test tuned to small regressions', async () => {
    const guardrail: Guardrail = {
      name: 'errors',
      metric: 'error-rate',
      source: 'builtin',
      max: 0.03,
      minDetectableEffect: 0.01,
    };
    const { evaluation } = await tickOnce(
      { treatment: { samples: 100, events: 20 }, control: { samples: 1900, events: 19 } },
      guardrail,
    );
    assert.equal(evaluation?.decision.decision, 'rollback');
    assert.deepEqual(evaluation?.decision.codes, ['hard-stop:errors']);
    assert.match(evaluation?.decision.reasons[0] ?? '', /HARD STOP: evidence for ≥ 6%/);
  });
});
