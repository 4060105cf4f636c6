/**
 * Segments compiled to flagd `$evaluators` / `$ref` and evaluated by the stock evaluators: @openfeature/flagd-core,
 * @openfeature/flagd-provider (in-process, from a file) and our FlagdEngine; and a staged-audience rollout plan
 * advancing through its steps.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlagdCore } from '@openfeature/flagd-core';
import { FlagdProvider } from '@openfeature/flagd-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { compileEnvironment, serializeFlagdDocument } from '../../src/flagd/index.ts';
import { FlagdEngine } from '../../src/eval/index.ts';
import { storeDocumentSchema } from '../../src/flags/model.ts';
import type { StoreDocument } from '../../src/flags/model.ts';
import type { ChangeContext, Operation } from '../../src/flags/operations.ts';
import { advanceRolloutOperation, startRolloutOperation } from '../../src/rollout/plan.ts';
import { booleanFlag } from './documents.ts';

const NOW = new Date('2026-11-25T12:00:00Z');
const ctx: ChangeContext = { actor: 'test:alice', reason: 'test', now: () => NOW };

const SEGMENTS = [
  {
    key: 'internal',
    included: ['alice', 'bob'],
    excluded: ['mallory'],
    rules: [{ conditions: [{ attribute: 'email', operator: 'ends_with', value: '@acme.com' }] }],
  },
  { key: 'power', rules: [{ conditions: [{ attribute: 'sessions', operator: 'gte', value: 100 }] }] },
  { key: 'enterprise', rules: [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'enterprise' }] }] },
  { key: 'mobile', rules: [{ conditions: [{ attribute: 'platform', operator: 'in', value: ['ios', 'android'] }] }] },
  { key: 'empty' },
];

function documentWith(production: Record<string, unknown>): StoreDocument {
  return storeDocumentSchema.parse({
    version: 1,
    environments: [{ key: 'staging' }, { key: 'production', protected: true }],
    segments: SEGMENTS,
    flags: [booleanFlag('checkout', { environments: { production: { defaultVariant: 'off', ...production } } })],
  });
}

/** Both in-memory evaluators loaded with the compiled production document. */
function evaluators(doc: StoreDocument): { on: (context: Record<string, unknown>) => boolean; text: string } {
  const text = serializeFlagdDocument(compileEnvironment(doc, 'production'));
  const core = new FlagdCore();
  core.setConfigurations(text);
  const engine = new FlagdEngine({ now: () => NOW });
  engine.setFlags(text);
  return {
    text,
    on: (context) => {
      const theirs = core.resolveBooleanEvaluation('checkout', false, context as never);
      const ours = engine.evaluate('checkout', 'boolean', false, context);
      assert.deepEqual([ours.value, ours.reason], [theirs.value, theirs.reason], JSON.stringify(context));
      return theirs.value;
    },
  };
}

const USERS = {
  alice: { targetingKey: 'alice' },
  carol: { targetingKey: 'carol', email: 'carol@acme.com' },
  mallory: { targetingKey: 'mallory', email: 'mallory@acme.com' },
  power: { targetingKey: 'p1', sessions: 250 },
  enterprise: { targetingKey: 'e1', plan: 'enterprise' },
  mobile: { targetingKey: 'm1', platform: 'ios' },
  nobody: { targetingKey: 'n1', sessions: 3, plan: 'free', platform: 'web' },
};

describe('segments compile to $evaluators and $ref', () => {
  it('a rule on a segment serves its members (keys, rules, exclusions) in flagd-core and FlagdEngine', () => {
    const doc = documentWith({
      enabled: true,
      rules: [
        { conditions: [{ segment: 'internal' }], serve: { variant: 'on' } },
        {
          conditions: [{ segment: 'mobile' }, { attribute: 'plan', operator: 'equals', value: 'enterprise' }],
          serve: { variant: 'on' },
        },
        { conditions: [{ segment: 'empty' }], serve: { variant: 'on' } },
      ],
    });
    const { on, text } = evaluators(doc);
    const compiled = JSON.parse(text) as {
      $evaluators: Record<string, unknown>;
      flags: Record<string, { targeting: unknown }>;
    };
    assert.deepEqual(Object.keys(compiled.$evaluators), ['empty', 'enterprise', 'internal', 'mobile', 'power']);
    assert.match(JSON.stringify(compiled.flags.checkout?.targeting), /\{"\$ref":"internal"\}/);
    assert.deepEqual(Object.fromEntries(Object.entries(USERS).map(([name, context]) => [name, on(context)])), {
      alice: true,
      carol: true,
      mallory: false,
      power: false,
      enterprise: false,
      mobile: false,
      nobody: false,
    });
    assert.equal(on({ targetingKey: 'm2', platform: 'android', plan: 'enterprise' }), true);
  });

  it('the stock flagd provider (in-process, file) evaluates the same', async (t) => {
    const doc = documentWith({
      enabled: true,
      rules: [{ conditions: [{ segment: 'internal' }], serve: { variant: 'on' } }],
    });
    const dir = await mkdtemp(join(tmpdir(), 'rollgate-segments-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'production.flagd.json');
    await writeFile(path, evaluators(doc).text);
    await OpenFeature.setProviderAndWait(
      'segments',
      new FlagdProvider({ resolverType: 'in-process', offlineFlagSourcePath: path }),
    );
    const client = OpenFeature.getClient('segments');
    const values = [];
    for (const context of [USERS.alice, USERS.carol, USERS.mallory, USERS.nobody]) {
      const details = await client.getBooleanDetails('checkout', false, context);
      values.push(`${details.value}:${details.reason}`);
    }
    assert.deepEqual(values, ['true:TARGETING_MATCH', 'true:TARGETING_MATCH', 'false:DEFAULT', 'false:DEFAULT']);
  });

  after(() => OpenFeature.close());
});

describe('a staged-audience plan advances through its steps', () => {
  it('internal → power → enterprise + mobile → 10% → 50% → 100%', () => {
    let doc = documentWith({ enabled: true });
    const apply = (operation: Operation): void => {
      doc = operation(doc, ctx).document;
    };
    const target = { flagKey: 'checkout', environment: 'production' };
    apply(
      startRolloutOperation({
        ...target,
        plan: {
          variant: 'on',
          steps: [{ segment: 'internal' }, { segment: 'power' }, { segments: ['enterprise', 'mobile'] }, 10, 50, 100],
        },
      }),
    );
    const population = Array.from({ length: 2000 }, (_, i) => ({ targetingKey: `user-${i}` }));
    const seen: string[] = [];
    for (let step = 0; step < 6; step++) {
      const { on } = evaluators(doc);
      const members = ['alice', 'power', 'enterprise', 'mobile'].filter((name) =>
        on(USERS[name as keyof typeof USERS]),
      );
      const share = population.filter(on).length / population.length;
      const plan = doc.flags[0]?.environments.production?.plan;
      seen.push(
        `${plan?.state.status}:${members.join('+') || '-'}:${share < 0.02 ? 0 : share > 0.98 ? 100 : Math.round(share * 10) * 10}`,
      );
      if (step < 5) apply(advanceRolloutOperation(target));
    }
    assert.deepEqual(seen, [
      'running:alice:0',
      'running:alice+power:0',
      'running:alice+power+enterprise+mobile:0',
      'running:alice+power+enterprise+mobile:10',
      'running:alice+power+enterprise+mobile:50',
      'completed:alice+power+enterprise+mobile:100',
    ]);
    assert.deepEqual(doc.flags[0]?.environments.production?.rollout, {
      variant: 'on',
      percentage: 100,
      segments: ['internal', 'power', 'enterprise', 'mobile'],
    });
  });

  it('refuses steps that do not add an audience, and unknown segments with did-you-mean', () => {
    const doc = documentWith({ enabled: true });
    const start = (steps: unknown[]): unknown =>
      startRolloutOperation({
        flagKey: 'checkout',
        environment: 'production',
        plan: { variant: 'on', steps: steps as never },
      })(doc, ctx);
    assert.throws(
      () => start([{ segment: 'internal' }, { segment: 'internal' }]),
      /step 2 \(internal\) serves no more than step 1/,
    );
    assert.throws(
      () => start([10, { segment: 'power', percentage: 5 }]),
      /step 2 \(power, 5%\) serves no more than step 1/,
    );
    assert.throws(() => start([{ segment: 'interna' }, 10]), /unknown segment "interna"; Did you mean "internal"\?/);
  });
});
