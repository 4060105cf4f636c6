import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagdCore } from '@openfeature/flagd-core';
import { compileEnvironment, compileStore, serializeFlagdDocument, FLAGD_WEIGHT_SCALE } from '../../src/flagd/index.ts';
import type { FlagdDocument } from '../../src/flagd/index.ts';
import { FlagError } from '../../src/errors.ts';
import { booleanFlag, storeDocument } from './documents.ts';

function core(doc: FlagdDocument): FlagdCore {
  const c = new FlagdCore();
  c.setConfigurations(serializeFlagdDocument(doc));
  return c;
}

function prod(config: Record<string, unknown>, overrides: Record<string, unknown> = {}): FlagdDocument {
  const doc = storeDocument([booleanFlag('f', { environments: { production: config }, ...overrides })]);
  return compileEnvironment(doc, 'production');
}

describe('compileEnvironment: flag state', () => {
  it('serves a flag without config in the environment as DISABLED', () => {
    const doc = storeDocument([
      booleanFlag('f', { environments: { production: { enabled: true, defaultVariant: 'on' } } }),
    ]);
    const dev = compileEnvironment(doc, 'development');
    assert.equal(dev.flags.f?.state, 'DISABLED');
    assert.equal(dev.flags.f?.defaultVariant, null);
    assert.equal(dev.flags.f?.targeting, undefined);
    assert.equal(core(dev).resolveBooleanEvaluation('f', false, {}).reason, 'DISABLED');
    assert.equal(compileEnvironment(doc, 'production').flags.f?.state, 'ENABLED');
  });

  it('compiles enabled:false and archived flags to DISABLED, keeping their targeting', () => {
    const rules = [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }], serve: { variant: 'on' } }];
    const off = prod({ enabled: false, defaultVariant: 'off', rules });
    assert.equal(off.flags.f?.state, 'DISABLED');
    assert.equal(off.flags.f?.defaultVariant, null);
    assert.ok(off.flags.f?.targeting);
    const d = core(off).resolveBooleanEvaluation('f', true, { plan: 'pro' });
    assert.deepEqual([d.value, d.reason], [true, 'DISABLED']);
    const archived = prod({ enabled: true, defaultVariant: 'on' }, { archived: true });
    assert.equal(archived.flags.f?.state, 'DISABLED');
    assert.equal(archived.flags.f?.metadata?.archived, true);
    const details = core(archived).resolveBooleanEvaluation('f', false, {});
    assert.deepEqual([details.value, details.reason], [false, 'DISABLED']);
  });

  it('rejects an undeclared environment with INVALID_INPUT and a hint', () => {
    const doc = storeDocument([]);
    assert.throws(
      () => compileEnvironment(doc, 'prod'),
      (e) => FlagError.is(e, 'INVALID_INPUT') && /development, staging, production/.test(String(e.details.hint)),
    );
  });

  it('compiles every environment with compileStore, in declaration order', () => {
    const all = compileStore(storeDocument([booleanFlag('f')]));
    assert.deepEqual([...all.keys()], ['development', 'staging', 'production']);
    assert.deepEqual(all.get('staging')?.metadata, { environment: 'staging' });
  });

  it('copies metadata: user metadata, then kind, owner, tags, cleanupBy', () => {
    const doc = prod(
      { enabled: true, defaultVariant: 'on' },
      { owner: 'team-a', tags: ['checkout', 'web'], cleanupBy: '2027-01-31', metadata: { jira: 'RG-1', kind: 'x' } },
    );
    assert.deepEqual(doc.flags.f?.metadata, {
      jira: 'RG-1',
      kind: 'release',
      owner: 'team-a',
      tags: 'checkout,web',
      cleanupBy: '2027-01-31',
    });
    const details = core(doc).resolveBooleanEvaluation('f', false, {});
    assert.equal(details.flagMetadata.environment, 'production');
    assert.equal(details.flagMetadata.owner, 'team-a');
  });
});

describe('compileEnvironment: rules and rollouts', () => {
  it('compiles rules to an if chain tried in order, falling through to the default variant', () => {
    const doc = prod({
      enabled: true,
      defaultVariant: 'off',
      rules: [
        { conditions: [{ attribute: 'plan', operator: 'equals', value: 'free' }], serve: { variant: 'off' } },
        { conditions: [{ attribute: 'email', operator: 'ends_with', value: '@acme.io' }], serve: { variant: 'on' } },
      ],
    });
    const c = core(doc);
    const at = (ctx: Record<string, string>) => {
      const d = c.resolveBooleanEvaluation('f', false, ctx);
      return [d.value, d.variant, d.reason];
    };
    assert.deepEqual(at({ email: 'a@acme.io' }), [true, 'on', 'TARGETING_MATCH']);
    assert.deepEqual(at({ email: 'a@acme.io', plan: 'free' }), [false, 'off', 'TARGETING_MATCH']);
    assert.deepEqual(at({ email: 'a@other.io' }), [false, 'off', 'DEFAULT']);
  });

  it('compiles a 0% rollout to no targeting and a 100% rollout to a plain default variant', () => {
    const zero = prod({ enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 0 } });
    assert.deepEqual(zero.flags.f && [zero.flags.f.defaultVariant, zero.flags.f.targeting], ['off', undefined]);
    const full = prod({ enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 100 } });
    assert.deepEqual(full.flags.f && [full.flags.f.defaultVariant, full.flags.f.targeting], ['on', undefined]);
    const d = core(full).resolveBooleanEvaluation('f', false, { targetingKey: 'u1' });
    assert.deepEqual([d.value, d.reason], [true, 'STATIC']);
  });

  it('compiles a partial rollout to fractional on the fixed weight scale, rollout variant first', () => {
    const doc = prod({ enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 0.5 } });
    assert.deepEqual(doc.flags.f?.targeting, {
      fractional: [
        ['on', 5_000],
        ['off', FLAGD_WEIGHT_SCALE - 5_000],
      ],
    });
  });

  it('serves users without a targetingKey the default variant (reason DEFAULT) under a fractional, as flagd', () => {
    const doc = prod({ enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 50 } });
    const d = core(doc).resolveBooleanEvaluation('f', true, { plan: 'pro' });
    assert.deepEqual([d.value, d.variant, d.reason], [false, 'off', 'DEFAULT']);
  });

  it('compiles a rule split to fractional and a one-bucket split to its variant', () => {
    const split = (buckets: { variant: string; weight: number }[]) =>
      prod({
        enabled: true,
        defaultVariant: 'off',
        rules: [{ conditions: [{ attribute: 'beta', operator: 'exists' }], serve: { split: buckets } }],
      }).flags.f?.targeting;
    assert.deepEqual(
      split([
        { variant: 'on', weight: 1 },
        { variant: 'off', weight: 2 },
      ]),
      {
        if: [
          { '!==': [{ var: 'beta' }, null] },
          {
            fractional: [
              ['on', 333_333],
              ['off', 666_667],
            ],
          },
          null,
        ],
      },
    );
    assert.deepEqual(
      split([
        { variant: 'on', weight: 0 },
        { variant: 'off', weight: 7 },
      ]),
      { if: [{ '!==': [{ var: 'beta' }, null] }, 'off', null] },
    );
  });

  it('compiles a rollout of the default variant itself to no targeting', () => {
    const doc = prod({ enabled: true, defaultVariant: 'on', rollout: { variant: 'on', percentage: 30 } });
    assert.deepEqual(doc.flags.f && [doc.flags.f.defaultVariant, doc.flags.f.targeting], ['on', undefined]);
  });

  it('drops split buckets that round to no weight', () => {
    const doc = prod({
      enabled: true,
      defaultVariant: 'off',
      rules: [
        {
          conditions: [{ attribute: 'beta', operator: 'exists' }],
          serve: {
            split: [
              { variant: 'on', weight: 1e-9 },
              { variant: 'off', weight: 1 },
            ],
          },
        },
      ],
    });
    assert.deepEqual(doc.flags.f?.targeting, { if: [{ '!==': [{ var: 'beta' }, null] }, 'off', null] });
  });

  it('rejects a split whose weights add up to 0 with INVALID_RULE pointing at the split', () => {
    assert.throws(
      () =>
        prod({
          enabled: true,
          defaultVariant: 'off',
          rules: [
            {
              conditions: [{ attribute: 'beta', operator: 'exists' }],
              serve: { split: [{ variant: 'on', weight: 0 }] },
            },
          ],
        }),
      (e) =>
        FlagError.is(e, 'INVALID_RULE') &&
        e.details.flagKey === 'f' &&
        e.details.environment === 'production' &&
        String(e.details.path) === 'flags,f,environments,production,rules,0,serve,split' &&
        typeof e.details.hint === 'string',
    );
  });
});

describe('compileEnvironment: conditions', () => {
  function matches(condition: Record<string, unknown>, context: Record<string, unknown>): boolean {
    const doc = prod({
      enabled: true,
      defaultVariant: 'off',
      rules: [{ conditions: [condition], serve: { variant: 'on' } }],
    });
    const d = core(doc).resolveBooleanEvaluation('f', false, context as never);
    assert.equal(d.errorCode, undefined, `no error for ${JSON.stringify({ condition, context })}`);
    return d.value;
  }
  const cases: [string, Record<string, unknown>, Record<string, unknown>, boolean][] = [
    ['equals is strict', { attribute: 'n', operator: 'equals', value: 1 }, { n: '1' }, false],
    ['equals', { attribute: 'n', operator: 'equals', value: 1 }, { n: 1 }, true],
    ['not_equals matches a missing attribute', { attribute: 'n', operator: 'not_equals', value: 1 }, {}, true],
    ['in', { attribute: 'c', operator: 'in', value: ['de', 'fr'] }, { c: 'fr' }, true],
    ['not_in', { attribute: 'c', operator: 'not_in', value: ['de', 'fr'] }, { c: 'fr' }, false],
    ['contains on a string', { attribute: 'e', operator: 'contains', value: 'acme' }, { e: 'a@acme.io' }, true],
    ['contains on an array', { attribute: 'g', operator: 'contains', value: 'beta' }, { g: ['alpha', 'beta'] }, true],
    ['contains on a missing attribute', { attribute: 'g', operator: 'contains', value: 'beta' }, {}, false],
    ['starts_with', { attribute: 'e', operator: 'starts_with', value: 'adm' }, { e: 'admin@x' }, true],
    ['gt', { attribute: 'age', operator: 'gt', value: 17 }, { age: 18 }, true],
    ['lt does not match a missing attribute', { attribute: 'age', operator: 'lt', value: 18 }, {}, false],
    ['lte matches 0', { attribute: 'age', operator: 'lte', value: 18 }, { age: 0 }, true],
    ['semver_gte', { attribute: 'v', operator: 'semver_gte', value: 'v2.1' }, { v: '2.1.0' }, true],
    ['semver_lt', { attribute: 'v', operator: 'semver_lt', value: '2.1.0' }, { v: '2.1.0-rc.1' }, true],
    ['semver on a missing attribute', { attribute: 'v', operator: 'semver_lt', value: '2.1.0' }, {}, false],
    ['exists with 0', { attribute: 'n', operator: 'exists' }, { n: 0 }, true],
    ['exists with false', { attribute: 'n', operator: 'exists' }, { n: false }, true],
    ['exists with ""', { attribute: 'n', operator: 'exists' }, { n: '' }, true],
    ['exists with null', { attribute: 'n', operator: 'exists' }, { n: null }, false],
    ['exists when missing', { attribute: 'n', operator: 'exists' }, {}, false],
    [
      'dotted paths reach nested attributes',
      { attribute: 'org.plan', operator: 'equals', value: 'pro' },
      { org: { plan: 'pro' } },
      true,
    ],
    ['$flagd.flagKey', { attribute: '$flagd.flagKey', operator: 'equals', value: 'f' }, {}, true],
  ];
  for (const [name, condition, context, expected] of cases) {
    it(name, () => assert.equal(matches(condition, context), expected));
  }

  const invalid: [string, Record<string, unknown>][] = [
    ['in without a list', { attribute: 'c', operator: 'in', value: 'de' }],
    ['equals with a list', { attribute: 'c', operator: 'equals', value: ['de'] }],
    ['starts_with a number', { attribute: 'c', operator: 'starts_with', value: 1 }],
    ['an invalid version', { attribute: 'v', operator: 'semver_gt', value: 'latest' }],
    ['exists with a value', { attribute: 'v', operator: 'exists', value: true }],
    ['an unknown $flagd attribute', { attribute: '$flagd.user', operator: 'exists' }],
  ];
  for (const [name, condition] of invalid) {
    it(`rejects ${name} with INVALID_RULE and a hint`, () => {
      assert.throws(
        () =>
          prod({
            enabled: true,
            defaultVariant: 'off',
            rules: [{ conditions: [condition], serve: { variant: 'on' } }],
          }),
        (e) => FlagError.is(e, 'INVALID_RULE') && typeof e.details.hint === 'string' && e.details.hint.length > 0,
      );
    });
  }
});

describe('serializeFlagdDocument', () => {
  it('keeps metadata keys that look like object internals as plain keys', () => {
    // zod drops "__proto__" at the store boundary; documents built in code can still carry it as an own key.
    const doc = storeDocument([booleanFlag('f')]);
    const flag = doc.flags[0];
    assert.ok(flag);
    flag.metadata = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    const text = serializeFlagdDocument(compileEnvironment(doc, 'production'));
    assert.match(text, /"__proto__": "x"/);
    assert.equal((JSON.parse(text) as FlagdDocument).flags.f?.metadata?.kind, 'release');
  });

  it('is deterministic whatever the key order, with a trailing newline', () => {
    const a = storeDocument([
      booleanFlag('b', { metadata: { z: 1, a: 2 } }),
      booleanFlag('a', { variants: { off: false, on: true } }),
    ]);
    const b = storeDocument([booleanFlag('a'), booleanFlag('b', { metadata: { a: 2, z: 1 } })]);
    const text = serializeFlagdDocument(compileEnvironment(a, 'staging'));
    assert.equal(text, serializeFlagdDocument(compileEnvironment(b, 'staging')));
    assert.ok(text.endsWith('}\n'));
    assert.deepEqual(Object.keys(JSON.parse(text) as object), ['$schema', 'metadata', 'flags']);
    assert.deepEqual(Object.keys((JSON.parse(text) as FlagdDocument).flags), ['a', 'b']);
  });
});
