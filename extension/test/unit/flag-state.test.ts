import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeDocumentSchema, type Flag, type StoreDocument } from '@rollgate/shared/flags';
import { FileUsageStore, summarizeUsage, usageSignals } from '@rollgate/shared/telemetry/usage-store';
import {
  commandLink,
  formatWhen,
  hoverMarkdown,
  lensTitle,
  selectEnvironments,
  usageLines,
} from '../../src/logic/flag-state.ts';
import { usageEntry } from '../../../shared/test/support/usage.ts';

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

describe('usage in the hover', () => {
  const now = new Date('2026-11-20T13:00:00Z');
  const entry = (environment: string, variant: string, count: number, at: string) =>
    usageEntry('new-checkout', environment, variant, count, at);

  /** What the workspace shows: stored counts read back, the last 30 days summed, the signals drawn from all days. */
  async function usageFromStore(entries: ReturnType<typeof entry>[]) {
    const dir = await mkdtemp(join(tmpdir(), 'rollgate-usage-'));
    try {
      const store = new FileUsageStore(dir);
      await store.add({ batchId: 'batch-0001', entries });
      const days = await store.flagUsage('new-checkout');
      return { summaries: summarizeUsage(days, '2026-10-21'), signals: usageSignals(days, now) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('shows evaluations per environment with variant shares and when last seen', async () => {
    const usage = await usageFromStore([
      entry('production', 'on', 300, '2026-11-20T10:00:00Z'),
      entry('production', 'off', 900, '2026-11-19T10:00:00Z'),
      entry('staging', 'on', 5, '2026-11-18T10:00:00Z'),
    ]);
    const lines = usageLines(usage, now, 'en');
    assert.deepEqual(lines.slice(0, 2), ['', 'Evaluations, last 30 days:']);
    assert.match(
      lines.find((l) => l.includes('production')) ?? '',
      /\*\*production\*\*: 1,200 \(`off` 75%, `on` 25%\), last 3 hours ago/,
    );
    assert.match(lines.find((l) => l.includes('staging')) ?? '', /\*\*staging\*\*: 5 \(`on` 100%\), last 2 days ago/);
    const md = hoverMarkdown(checkout, document, { usage, now, actions: [] });
    assert.ok(md.includes(lines.join('\n')), 'the hover carries the usage lines');
  });

  it('says a flag was not evaluated in production for weeks, even with nothing in the last 30 days', async () => {
    const usage = await usageFromStore([entry('production', 'on', 40, '2026-10-01T10:00:00Z')]);
    assert.deepEqual(usageLines(usage, now, 'en'), [
      '',
      'Evaluations:',
      '- $(clock) not evaluated in production for 50 days',
    ]);
  });

  it('says nothing without telemetry', () => {
    assert.deepEqual(usageLines({ summaries: [], signals: [] }, now), []);
    assert.doesNotMatch(hoverMarkdown(checkout, document, { now, actions: [] }), /Evaluations/);
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
