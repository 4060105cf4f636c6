import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeDocumentSchema, type Flag, type StoreDocument } from '@rollgate/shared/flags';
import { describeEnvironmentState, hoverMarkdown, lensTitle, selectEnvironments } from '../../src/logic/flag-state.ts';

const document: StoreDocument = storeDocumentSchema.parse({
  version: 1,
  environments: [{ key: 'development' }, { key: 'staging' }, { key: 'production', protected: true }],
  flags: [
    {
      key: 'new-checkout',
      name: 'New checkout',
      kind: 'release',
      owner: 'payments',
      createdAt: '2026-10-01T00:00:00Z',
      cleanupBy: '2026-12-31',
      type: 'boolean',
      variants: { on: true, off: false },
      environments: {
        development: { enabled: true, defaultVariant: 'on' },
        staging: {
          enabled: true,
          defaultVariant: 'off',
          rules: [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }], serve: { variant: 'on' } }],
        },
        production: {
          enabled: true,
          defaultVariant: 'off',
          rollout: { variant: 'on', percentage: 25 },
          plan: { variant: 'on', state: { status: 'running', stepIndex: 3 } },
        },
      },
    },
    {
      key: 'button-color',
      name: 'Button color',
      kind: 'experiment',
      createdAt: '2026-10-01T00:00:00Z',
      type: 'string',
      variants: { blue: 'blue', green: 'green' },
      environments: {
        production: { enabled: true, defaultVariant: 'blue', rollout: { variant: 'green', percentage: 0.5 } },
        staging: { enabled: false, defaultVariant: 'blue' },
      },
    },
  ],
});
const [checkout, color] = document.flags as [Flag, Flag];

describe('describeEnvironmentState', () => {
  const cases: [string, Flag, string, string][] = [
    ['boolean serving on', checkout, 'development', 'on'],
    ['boolean serving off with a rule', checkout, 'staging', 'off +1 rule'],
    ['boolean rollout with a running plan', checkout, 'production', '25% · step 4/6'],
    ['string rollout names the variant', color, 'production', '0.5% green'],
    ['disabled', color, 'staging', 'disabled'],
    ['no config for the environment', color, 'development', 'disabled'],
  ];
  for (const [name, flag, env, expected] of cases) {
    it(name, () => assert.equal(describeEnvironmentState(flag, flag.environments[env]), expected));
  }
});

describe('lens and environments', () => {
  it('shows production first by default, or the configured order', () => {
    assert.deepEqual(selectEnvironments(document, []), ['production', 'staging', 'development']);
    assert.deepEqual(selectEnvironments(document, ['staging', 'nope', 'production']), ['staging', 'production']);
  });

  it('titles a lens with per-environment states and markers', () => {
    assert.equal(
      lensTitle(checkout, 'new-checkout', ['production', 'staging'], { stale: true }),
      '$(flag) new-checkout · prod 25% · step 4/6 · staging off +1 rule · $(clock) stale',
    );
    assert.equal(lensTitle(undefined, 'new-chekout', ['production']), '$(warning) new-chekout: not in the flag store');
  });

  it('renders a hover with every environment, owner and last change', () => {
    const md = hoverMarkdown(checkout, document, {
      lastChange: {
        revision: 7,
        at: '2026-11-20T10:00:00Z',
        actor: 'cli:alice',
        action: 'flag.set-rollout',
        environment: 'production',
        reason: 'canary healthy',
        changes: [],
      },
      staleReasons: ['Past its cleanup date'],
    });
    assert.match(md, /\| production 🔒 \| 25% · step 4\/6 \| off \| 0 \|/);
    assert.match(md, /\| staging \| off \+1 rule \| off \| 1 \|/);
    assert.match(md, /Owner: payments · Clean up by: 2026-12-31/);
    assert.match(md, /Last change: flag.set-rollout in production by cli:alice .*canary healthy/);
    assert.match(md, /\*\*Stale:\*\*\n- Past its cleanup date/);
  });
});
