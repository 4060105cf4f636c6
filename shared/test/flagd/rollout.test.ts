import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagdCore } from '@openfeature/flagd-core';
import { compileEnvironment, serializeFlagdDocument } from '../../src/flagd/index.ts';
import { booleanFlag, storeDocument } from './documents.ts';

const USERS = 100_000;
const keys = Array.from({ length: USERS }, (_, i) => `user-${i}`);

/** The users the real flagd evaluator serves `variant` for flag `flagKey` compiled from `config`. */
function servedBy(flagKey: string, config: Record<string, unknown>, variant: string): Set<string> {
  const doc = storeDocument([booleanFlag(flagKey, { environments: { production: config } })]);
  const core = new FlagdCore();
  core.setConfigurations(serializeFlagdDocument(compileEnvironment(doc, 'production')));
  const served = new Set<string>();
  for (const targetingKey of keys) {
    if (core.resolveBooleanEvaluation(flagKey, false, { targetingKey }).variant === variant) served.add(targetingKey);
  }
  return served;
}

function assertSubset(smaller: Set<string>, larger: Set<string>, label: string): void {
  const lost = [...smaller].filter((k) => !larger.has(k));
  assert.equal(lost.length, 0, `${label}: ${lost.length} users lost the variant, e.g. ${lost.slice(0, 3).join(', ')}`);
}

describe('percentage rollout through the real flagd evaluator (100k targeting keys)', () => {
  it('only adds users as the percentage rises (0.5 → 1 → 5 → 25 → 50 → 99.5 %), in proportion', () => {
    const steps = [0.5, 1, 5, 25, 50, 99.5];
    let previous = new Set<string>();
    let previousPct = 0;
    for (const percentage of steps) {
      const served = servedBy(
        'new-checkout',
        { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage } },
        'on',
      );
      assertSubset(previous, served, `${previousPct}% → ${percentage}%`);
      // Deterministic (fixed keys, fixed hash); the bound only documents how close murmur3 bucketing gets.
      assert.ok(Math.abs(served.size / USERS - percentage / 100) < 0.005, `${percentage}%: served ${served.size}`);
      previous = served;
      previousPct = percentage;
    }
  });

  it('buckets by flag key + targetingKey, so two flags at 10 % reach different users', () => {
    const config = { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 10 } };
    const a = servedBy('flag-a', config, 'on');
    const b = servedBy('flag-b', config, 'on');
    const both = [...a].filter((k) => b.has(k)).length;
    // Independent 10 % samples overlap on about 1 % of users; identical seeding would overlap on 10 %.
    assert.ok(both < USERS * 0.02, `overlap ${both}`);
  });

  it('keeps the first bucket of a rule split when its weight grows', () => {
    const split = (weight: number) => ({
      enabled: true,
      defaultVariant: 'off',
      rules: [
        {
          conditions: [{ attribute: 'targetingKey', operator: 'starts_with', value: 'user-' }],
          serve: {
            split: [
              { variant: 'on', weight },
              { variant: 'off', weight: 100 - weight },
            ],
          },
        },
      ],
    });
    assertSubset(servedBy('split', split(10), 'on'), servedBy('split', split(30), 'on'), '10 → 30');
  });
});
