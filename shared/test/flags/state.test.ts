import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeEnvironmentState, flagSchema, type Flag } from '@rollgate/shared/flags';

const base = {
  key: 'new-checkout',
  name: 'New checkout',
  kind: 'release',
  createdAt: '2026-10-01T00:00:00Z',
  type: 'boolean',
  variants: { on: true, off: false },
};

const flag: Flag = flagSchema.parse({
  ...base,
  environments: {
    killed: { enabled: false, defaultVariant: 'on' },
    'serves-off': { enabled: true, defaultVariant: 'off' },
    'serves-on': { enabled: true, defaultVariant: 'on' },
    canary: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 1 } },
    full: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 100 } },
    planned: {
      enabled: true,
      defaultVariant: 'off',
      rollout: { variant: 'on', percentage: 25 },
      plan: { variant: 'on', state: { status: 'paused', stepIndex: 3 } },
    },
    staged: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 0, segments: ['internal'] } },
    'staged-wide': {
      enabled: true,
      defaultVariant: 'off',
      rollout: { variant: 'on', percentage: 5, segments: ['internal', 'beta'] },
    },
    targeted: {
      enabled: true,
      defaultVariant: 'off',
      rules: [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }], serve: { variant: 'on' } }],
    },
  },
});
const archived: Flag = flagSchema.parse({
  ...base,
  archived: true,
  environments: { prod: { enabled: true, defaultVariant: 'on' } },
});

describe('describeEnvironmentState', () => {
  const cases: [string, Flag, string, string, boolean][] = [
    ['disabled is not "off"', flag, 'killed', 'killed: disabled', false],
    ['enabled serving the off variant', flag, 'serves-off', 'serves-off: serves `off`', true],
    ['enabled serving the on variant', flag, 'serves-on', 'serves-on: serves `on`', true],
    ['a percentage says of what', flag, 'canary', 'canary: on → 1% get `on`', true],
    ['a full rollout serves its variant', flag, 'full', 'full: serves `on`', true],
    ['a paused plan shows its step', flag, 'planned', 'planned: on → 25% get `on` · step 4/6 paused', true],
    ['rules are counted', flag, 'targeted', 'targeted: serves `off` (+1 rule)', true],
    ['staged audiences name their segments', flag, 'staged', 'staged: on → internal get `on`', true],
    ['segments plus a percentage', flag, 'staged-wide', 'staged-wide: on → internal + beta + 5% get `on`', true],
    ['no configuration', flag, 'nowhere', 'nowhere: not configured', false],
    ['archived wins', archived, 'prod', 'prod: archived', false],
  ];
  for (const [name, f, env, short, live] of cases) {
    it(name, () => {
      const d = describeEnvironmentState(f, env);
      assert.equal(d.short, short);
      assert.equal(d.short, `${env}: ${d.summary}`);
      assert.equal(d.live, live);
    });
  }

  it('says who gets what in the long form', () => {
    assert.equal(
      describeEnvironmentState(flag, 'planned').long,
      'planned: on; 25% get `on`, the rest get `off` (rollout plan paused, step 4 of 6)',
    );
    assert.equal(
      describeEnvironmentState(flag, 'killed').long,
      'killed: disabled (kill switch); nobody gets a variant, apps use the default value in their code',
    );
    assert.equal(
      describeEnvironmentState(flag, 'targeted').long,
      'targeted: on; 1 targeting rule first, then everyone else gets `off`',
    );
  });
});
