import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError } from '../../src/errors.ts';
import { createEmptyDocument, rolloutPlanSchema, storeDocumentSchema } from '../../src/flags/model.ts';
import type { Flag, StoreDocument } from '../../src/flags/model.ts';
import {
  addEnvironment,
  applyOperation,
  archiveFlag,
  createFlag,
  setDefaultVariant,
  setFlagEnabled,
  setRollout,
  setRolloutPlan,
  setRules,
  updateEnvironment,
  updateFlag,
} from '../../src/flags/operations.ts';
import type { ChangeContext, Operation, OperationResult } from '../../src/flags/operations.ts';
import type { FlagStore, StoreSnapshot } from '../../src/store/types.ts';

const NOW = new Date('2026-11-01T12:00:00.000Z');
const ctx: ChangeContext = { actor: 'test:alice', reason: 'because', now: () => NOW };

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A frozen document with a boolean flag `checkout` and a string flag `color`, so a mutating operation throws. */
function baseDocument(): StoreDocument {
  let doc = storeDocumentSchema.parse(createEmptyDocument());
  doc = createFlag({ key: 'checkout', name: 'Checkout', kind: 'release', owner: 'team-a', tags: ['web'] })(
    doc,
    ctx,
  ).document;
  doc = createFlag({
    key: 'color',
    name: 'Color',
    kind: 'experiment',
    variants: { control: 'blue', treatment: 'green', extra: 'red' },
    metadata: { jira: 'RG-1' },
  })(doc, ctx).document;
  return deepFreeze(doc);
}

function flagOf(doc: StoreDocument, key: string): Flag {
  const flag = doc.flags.find((f) => f.key === key);
  assert.ok(flag, `flag ${key}`);
  return flag;
}

interface SuccessCase {
  readonly name: string;
  readonly operation: Operation;
  readonly action: string;
  readonly flagKey?: string;
  readonly environment?: string;
  /** The exact `changes` of the audit entry, when the case pins them. */
  readonly changes?: OperationResult['audit'][number]['changes'];
  readonly check?: (doc: StoreDocument) => void;
}

const successes: SuccessCase[] = [
  {
    name: 'createFlag: boolean defaults, a disabled config per environment',
    operation: createFlag({ key: 'new-one', name: 'New one', kind: 'release' }),
    action: 'flag.create',
    flagKey: 'new-one',
    changes: [
      {
        path: '',
        after: {
          key: 'new-one',
          name: 'New one',
          description: '',
          kind: 'release',
          tags: [],
          createdAt: '2026-11-01T12:00:00.000Z',
          type: 'boolean',
          variants: { on: true, off: false },
          environments: {
            development: { enabled: false, defaultVariant: 'off', rules: [] },
            staging: { enabled: false, defaultVariant: 'off', rules: [] },
            production: { enabled: false, defaultVariant: 'off', rules: [] },
          },
          archived: false,
        },
      },
    ],
  },
  {
    name: 'createFlag: type inferred from variants, first variant is the default',
    operation: createFlag({ key: 'limit', name: 'Limit', kind: 'operational', variants: { low: 10, high: 100 } }),
    action: 'flag.create',
    flagKey: 'limit',
    check: (doc) => {
      const flag = flagOf(doc, 'limit');
      assert.equal(flag.type, 'number');
      assert.equal(flag.environments.production?.defaultVariant, 'low');
    },
  },
  {
    name: 'setFlagEnabled: the kill switch changes one path',
    operation: setFlagEnabled('checkout', 'production', true),
    action: 'flag.toggle',
    flagKey: 'checkout',
    environment: 'production',
    changes: [{ path: '/environments/production/enabled', before: false, after: true }],
  },
  {
    name: 'setRollout: fractional percentage, variant defaults to on',
    operation: setRollout('checkout', 'staging', 0.5),
    action: 'flag.set-rollout',
    flagKey: 'checkout',
    environment: 'staging',
    changes: [{ path: '/environments/staging/rollout', after: { variant: 'on', percentage: 0.5 } }],
  },
  {
    name: 'setRollout: without on, the first variant that is not the default',
    operation: setRollout('color', 'production', 10),
    action: 'flag.set-rollout',
    flagKey: 'color',
    environment: 'production',
    changes: [{ path: '/environments/production/rollout', after: { variant: 'treatment', percentage: 10 } }],
  },
  {
    name: 'setRollout: an explicit variant',
    operation: setRollout('color', 'production', 100, 'extra'),
    action: 'flag.set-rollout',
    flagKey: 'color',
    environment: 'production',
    changes: [{ path: '/environments/production/rollout', after: { variant: 'extra', percentage: 100 } }],
  },
  {
    name: 'setRules: replaces the rule list',
    operation: setRules('checkout', 'production', [
      { conditions: [{ attribute: 'email', operator: 'ends_with', value: '@acme.com' }], serve: { variant: 'on' } },
    ]),
    action: 'flag.set-rules',
    flagKey: 'checkout',
    environment: 'production',
    changes: [
      {
        path: '/environments/production/rules',
        before: [],
        after: [
          { conditions: [{ attribute: 'email', operator: 'ends_with', value: '@acme.com' }], serve: { variant: 'on' } },
        ],
      },
    ],
  },
  {
    name: 'setDefaultVariant',
    operation: setDefaultVariant('color', 'development', 'treatment'),
    action: 'flag.set-default-variant',
    flagKey: 'color',
    environment: 'development',
    changes: [{ path: '/environments/development/defaultVariant', before: 'control', after: 'treatment' }],
  },
  {
    name: 'archiveFlag',
    operation: archiveFlag('checkout'),
    action: 'flag.archive',
    flagKey: 'checkout',
    changes: [{ path: '/archived', before: false, after: true }],
  },
  {
    name: 'setRolloutPlan: defaults of the model filled in',
    operation: setRolloutPlan('checkout', 'production', { variant: 'on', steps: [10, 50, 100] }),
    action: 'flag.set-rollout-plan',
    flagKey: 'checkout',
    environment: 'production',
    changes: [
      {
        path: '/environments/production/plan',
        after: rolloutPlanSchema.parse({ variant: 'on', steps: [10, 50, 100] }),
      },
    ],
    check: (doc) => {
      const plan = flagOf(doc, 'checkout').environments.production?.plan;
      assert.deepEqual(plan?.steps, [10, 50, 100]);
      assert.equal(plan?.minStepDurationMinutes, 30);
      assert.deepEqual(plan?.state, { status: 'pending', stepIndex: -1 });
    },
  },
  {
    name: 'addEnvironment',
    operation: addEnvironment({ key: 'qa', name: 'QA' }),
    action: 'environment.add',
    environment: 'qa',
    changes: [{ path: '/environments/qa', after: { key: 'qa', name: 'QA', protected: false } }],
  },
  {
    name: 'updateEnvironment: keeps fields not named',
    operation: updateEnvironment('production', { name: 'Prod' }),
    action: 'environment.update',
    environment: 'production',
    changes: [{ path: '/environments/production/name', after: 'Prod' }],
    check: (doc) => assert.deepEqual(doc.environments[2], { key: 'production', name: 'Prod', protected: true }),
  },
  {
    name: 'updateFlag: partial, keeps every field it does not name',
    operation: updateFlag('color', {
      description: 'Button color',
      variants: { extra: null, brand: 'purple' },
      metadata: { owner: 'growth' },
      environments: { production: { enabled: true } },
    }),
    action: 'flag.update',
    flagKey: 'color',
    environment: 'production',
    changes: [
      { path: '/description', before: '', after: 'Button color' },
      { path: '/variants/extra', before: 'red' },
      { path: '/variants/brand', after: 'purple' },
      { path: '/environments/production/enabled', before: false, after: true },
      { path: '/metadata/owner', after: 'growth' },
    ],
    check: (doc) => {
      const flag = flagOf(doc, 'color');
      assert.equal(flag.name, 'Color');
      assert.equal(flag.kind, 'experiment');
      assert.deepEqual(flag.metadata, { jira: 'RG-1', owner: 'growth' });
      assert.equal(flag.environments.production?.defaultVariant, 'control');
      assert.deepEqual(flag.environments.staging, { enabled: false, defaultVariant: 'control', rules: [] });
    },
  },
  {
    name: 'updateFlag: null removes owner; tags replaced',
    operation: updateFlag('checkout', { owner: null, tags: ['web', 'payments'] }),
    action: 'flag.update',
    flagKey: 'checkout',
    changes: [
      { path: '/owner', before: 'team-a' },
      { path: '/tags', before: ['web'], after: ['web', 'payments'] },
    ],
  },
];

describe('operations', () => {
  for (const c of successes) {
    it(c.name, () => {
      const before = baseDocument();
      const { document, audit } = c.operation(before, ctx);
      assert.equal(audit.length, 1);
      const [entry] = audit;
      assert.equal(entry?.action, c.action);
      assert.equal(entry?.actor, 'test:alice');
      assert.equal(entry?.reason, 'because');
      assert.equal(entry?.at, NOW.toISOString());
      assert.equal(entry?.flagKey, c.flagKey);
      assert.equal(entry?.environment, c.environment);
      if (c.changes !== undefined) assert.deepEqual(entry?.changes, c.changes);
      // The result is a valid document and equals what the store would read back.
      assert.deepEqual(storeDocumentSchema.parse(document), document);
      c.check?.(document);
    });
  }

  it('setRollout keeps the current rollout variant when none is given, and null removes the rollout', () => {
    let doc = baseDocument();
    doc = setRollout('color', 'production', 5, 'extra')(doc, ctx).document;
    doc = setRollout('color', 'production', 25)(doc, ctx).document;
    assert.deepEqual(flagOf(doc, 'color').environments.production?.rollout, { variant: 'extra', percentage: 25 });
    const removed = setRollout('color', 'production', null)(doc, ctx);
    assert.equal(flagOf(removed.document, 'color').environments.production?.rollout, undefined);
    assert.deepEqual(removed.audit[0]?.changes, [
      { path: '/environments/production/rollout', before: { variant: 'extra', percentage: 25 } },
    ]);
  });

  it('archiveFlag(key, false) restores; setRolloutPlan(undefined) clears', () => {
    let doc = archiveFlag('checkout')(baseDocument(), ctx).document;
    const restored = archiveFlag('checkout', false)(doc, ctx);
    assert.equal(restored.audit[0]?.action, 'flag.unarchive');
    assert.equal(flagOf(restored.document, 'checkout').archived, false);
    doc = setRolloutPlan('checkout', 'production', { variant: 'on' })(doc, ctx).document;
    const cleared = setRolloutPlan('checkout', 'production', undefined)(doc, ctx);
    assert.equal(cleared.audit[0]?.action, 'flag.clear-rollout-plan');
    assert.equal(flagOf(cleared.document, 'checkout').environments.production?.plan, undefined);
  });

  it('creates the config of an environment a flag has none in', () => {
    let doc = addEnvironment({ key: 'qa' })(baseDocument(), ctx).document;
    doc = setFlagEnabled('color', 'qa', true)(doc, ctx).document;
    assert.deepEqual(flagOf(doc, 'color').environments.qa, { enabled: true, defaultVariant: 'control', rules: [] });
  });

  it('names the suggestion of an unknown flag in details, for callers that offer it', () => {
    assert.throws(
      () => archiveFlag('colr')(baseDocument(), ctx),
      (e: unknown) => FlagError.is(e, 'FLAG_NOT_FOUND') && e.details.suggestion === 'color',
    );
  });

  it('refuses to turn on an archived flag, but lets the kill switch through', () => {
    const archived = archiveFlag('checkout')(baseDocument(), ctx).document;
    assert.throws(
      () => setFlagEnabled('checkout', 'production', true)(archived, ctx),
      (e: unknown) => FlagError.is(e, 'INVALID_INPUT') && /archived/.test(e.message),
    );
    const off = setFlagEnabled('checkout', 'production', false)(archived, ctx);
    assert.equal(flagOf(off.document, 'checkout').environments.production?.enabled, false);
  });

  it('leaves out the reason when the context has none', () => {
    const { audit } = setFlagEnabled('checkout', 'staging', true)(baseDocument(), { actor: 'a', now: () => NOW });
    assert.equal('reason' in (audit[0] ?? {}), false);
  });

  const failures: { name: string; operation: Operation; code: string; message: RegExp; hint?: RegExp }[] = [
    {
      name: 'unknown flag, with a did-you-mean hint',
      operation: setFlagEnabled('chekout', 'production', true),
      code: 'FLAG_NOT_FOUND',
      message: /Flag "chekout" not found/,
      hint: /Did you mean "checkout"\?/,
    },
    {
      name: 'unknown environment, listing the declared ones',
      operation: setRollout('checkout', 'prod', 5),
      code: 'INVALID_INPUT',
      message: /Unknown environment "prod"/,
      hint: /development, staging, production/,
    },
    {
      name: 'createFlag on an existing key',
      operation: createFlag({ key: 'checkout', name: 'Again', kind: 'release' }),
      code: 'INVALID_INPUT',
      message: /already exists/,
      hint: /update/,
    },
    {
      name: 'createFlag with an invalid key',
      operation: createFlag({ key: 'bad\nkey', name: 'x', kind: 'release' }),
      code: 'INVALID_INPUT',
      message: /flag\.key/,
    },
    {
      name: 'createFlag: a string flag without variants',
      operation: createFlag({ key: 'copy', name: 'Copy', kind: 'release', type: 'string' }),
      code: 'INVALID_INPUT',
      message: /needs variants/,
    },
    {
      name: 'createFlag: variants of the wrong type',
      operation: createFlag({ key: 'mixed', name: 'Mixed', kind: 'release', variants: { a: true, b: 'x' } }),
      code: 'INVALID_INPUT',
      message: /variant "b" is not a boolean value/,
    },
    {
      name: 'setRollout above 100 %',
      operation: setRollout('checkout', 'production', 101),
      code: 'INVALID_INPUT',
      message: /between 0 and 100/,
    },
    {
      name: 'setRollout: NaN',
      operation: setRollout('checkout', 'production', Number.NaN),
      code: 'INVALID_INPUT',
      message: /between 0 and 100/,
    },
    {
      name: 'setRollout of an unknown variant',
      operation: setRollout('color', 'production', 5, 'treatmnt'),
      code: 'INVALID_INPUT',
      message: /no variant "treatmnt"/,
      hint: /Did you mean "treatment"/,
    },
    {
      name: 'setDefaultVariant of an unknown variant',
      operation: setDefaultVariant('checkout', 'production', 'maybe'),
      code: 'INVALID_INPUT',
      message: /no variant "maybe"/,
      hint: /on, off/,
    },
    {
      name: 'setRules: a rule without conditions',
      operation: setRules('checkout', 'production', [{ conditions: [], serve: { variant: 'on' } }]),
      code: 'INVALID_RULE',
      message: /rules\[0\]\.conditions/,
    },
    {
      name: 'setRules: serving an unknown variant',
      operation: setRules('checkout', 'production', [
        { conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }], serve: { variant: 'maybe' } },
      ]),
      code: 'INVALID_RULE',
      message: /unknown variant "maybe"/,
    },
    {
      name: 'updateFlag: removing a variant still in use',
      operation: updateFlag('color', { variants: { control: null } }),
      code: 'INVALID_INPUT',
      message: /unknown variant "control"/,
    },
    {
      name: 'updateFlag: an empty patch',
      operation: updateFlag('color', {}),
      code: 'INVALID_INPUT',
      message: /names no field/,
    },
    {
      name: 'updateFlag: the key cannot change',
      operation: updateFlag('color', { key: 'colour' } as never),
      code: 'INVALID_INPUT',
      message: /patch/,
    },
    {
      name: 'updateFlag: unknown environment',
      operation: updateFlag('color', { environments: { prod: { enabled: true } } }),
      code: 'INVALID_INPUT',
      message: /Unknown environment "prod"/,
    },
    {
      name: 'addEnvironment: exists',
      operation: addEnvironment({ key: 'staging' }),
      code: 'INVALID_INPUT',
      message: /already exists/,
    },
    {
      name: 'updateEnvironment: unknown',
      operation: updateEnvironment('stagin', { protected: true }),
      code: 'INVALID_INPUT',
      message: /Unknown environment "stagin"/,
      hint: /Did you mean "staging"/,
    },
    {
      name: 'setRolloutPlan: invalid step',
      operation: setRolloutPlan('checkout', 'production', { variant: 'on', steps: [0] }),
      code: 'INVALID_INPUT',
      message: /plan\.steps\[0\]/,
    },
  ];

  for (const f of failures) {
    it(`fails: ${f.name} → ${f.code}`, () => {
      assert.throws(
        () => f.operation(baseDocument(), ctx),
        (e: unknown) => {
          assert.ok(FlagError.is(e), String(e));
          assert.equal(e.code, f.code, e.message);
          assert.match(e.message, f.message);
          assert.ok(e.details.hint, 'has a hint');
          if (f.hint) assert.match(e.details.hint, f.hint);
          return true;
        },
      );
    });
  }
});

/** A store holding one document in memory, to test applyOperation's retry loop without `update`. */
function memoryStore(initial: StoreDocument, concurrentCommits: number): FlagStore & { commits: number } {
  let snapshot: StoreSnapshot = { document: initial, revision: 0, version: 'v0' };
  let pendingIntrusions = concurrentCommits;
  const store = {
    location: 'memory',
    commits: 0,
    read: () => Promise.resolve(snapshot),
    commit: (request: { base: StoreSnapshot; document: StoreDocument }) => {
      if (pendingIntrusions > 0) {
        // Someone else commits first: bump the version so this base is stale.
        pendingIntrusions--;
        snapshot = { ...snapshot, revision: snapshot.revision + 1, version: `v${snapshot.revision + 1}` };
      }
      if (request.base.version !== snapshot.version) {
        return Promise.reject(new FlagError('STORE_CONFLICT', 'stale', { hint: 'retry' }));
      }
      store.commits++;
      snapshot = { document: request.document, revision: snapshot.revision + 1, version: `v${snapshot.revision + 1}` };
      return Promise.resolve(snapshot);
    },
    readAudit: () => Promise.resolve([]),
    onDidChange: () => ({ dispose: () => {} }),
    dispose: () => {},
  };
  return store;
}

describe('applyOperation', () => {
  it('re-applies the operation after a conflict', async () => {
    const store = memoryStore(baseDocument(), 2);
    const result = await applyOperation(store, setFlagEnabled('checkout', 'production', true), ctx);
    assert.equal(store.commits, 1);
    assert.equal(flagOf(result.document, 'checkout').environments.production?.enabled, true);
  });

  it('gives up with STORE_CONFLICT after maxAttempts', async () => {
    const store = memoryStore(baseDocument(), 3);
    await assert.rejects(
      applyOperation(store, setFlagEnabled('checkout', 'production', true), ctx, { maxAttempts: 3 }),
      (e: unknown) => FlagError.is(e, 'STORE_CONFLICT'),
    );
    assert.equal(store.commits, 0);
  });

  it('does not retry when the caller decided on a given version', async () => {
    const store = memoryStore(baseDocument(), 0);
    await assert.rejects(
      applyOperation(store, setFlagEnabled('checkout', 'production', true), ctx, { expectedVersion: 'v-old' }),
      (e: unknown) => FlagError.is(e, 'STORE_CONFLICT'),
    );
  });
});
