import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeDocumentSchema, type Flag, type StoreDocument } from '@rollgate/shared/flags';
import { commandLink, formatWhen, hoverMarkdown, lensTitle, selectEnvironments } from '../../src/logic/flag-state.ts';

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
const [checkout] = document.flags as [Flag, Flag];

describe('lens and environments', () => {
  it('shows production alone by default, or the configured order', () => {
    assert.deepEqual(selectEnvironments(document, []), ['production']);
    assert.deepEqual(selectEnvironments(document, ['staging', 'nope', 'production']), ['staging', 'production']);
  });

  it('titles a lens in the shared vocabulary with a stale marker', () => {
    assert.equal(
      lensTitle(checkout, 'new-checkout', ['production', 'staging'], { stale: true }),
      '$(flag) new-checkout · prod: on → 25% get `on` · step 4/6 · staging: serves `off` (+1 rule) · $(clock) stale',
    );
    assert.equal(lensTitle(undefined, 'new-chekout', ['production']), '$(warning) new-chekout: not in the flag store');
  });

  it('renders a hover with every environment, references, a relative last change and the actions', () => {
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
      stale: true,
      references: 3,
      now: new Date('2026-11-20T13:00:00Z'),
      actions: [{ title: 'Toggle', command: 'rollgate.toggleFlag', args: { key: 'new-checkout' } }],
    });
    assert.match(md, /^\*\*New checkout\*\* `new-checkout` — release \(stale\)/);
    assert.match(md, /- \$\(lock\) \*\*production\*\*: on → 25% get `on` · step 4\/6/);
    assert.match(md, /- \*\*staging\*\*: serves `off` \(\+1 rule\)/);
    assert.match(md, /Owner: payments · Clean up by: 2026-12-31 · 3 references in code/);
    assert.match(md, /Last change: flag.set-rollout in production by cli:alice, 3 hours ago \(.+\) — “canary healthy”/);
    assert.match(md, /\[Toggle\]\(command:rollgate\.toggleFlag\?%5B%7B%22key%22%3A%22new-checkout%22%7D%5D\)/);
    assert.doesNotMatch(md, /Past its cleanup date/, 'stale reasons live in the diagnostic, shown once');
  });
});

describe('formatWhen', () => {
  const now = new Date('2026-11-20T13:00:00Z');
  const cases: [string, string][] = [
    ['2026-11-20T12:59:50Z', 'now'],
    ['2026-11-20T12:55:00Z', '5 minutes ago'],
    ['2026-11-19T13:00:00Z', 'yesterday'],
    ['2026-11-23T13:00:00Z', 'in 3 days'],
  ];
  for (const [iso, relative] of cases) {
    it(relative, () => assert.equal(formatWhen(iso, now, 'en').split(' (')[0], relative));
  }
  it('keeps text that is not a time', () => assert.equal(formatWhen('soon', now), 'soon'));
  it('links commands with JSON arguments', () =>
    assert.equal(commandLink({ title: 'Go', command: 'x.y', args: 1 }), '[Go](command:x.y?%5B1%5D)'));
});
