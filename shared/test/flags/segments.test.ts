import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError } from '../../src/errors.ts';
import { createEmptyDocument, storeDocumentSchema } from '../../src/flags/model.ts';
import type { StoreDocument } from '../../src/flags/model.ts';
import { createFlag, setRollout, setRules, type ChangeContext, type Operation } from '../../src/flags/operations.ts';
import { createSegment, deleteSegment, segmentUsage, updateSegment } from '../../src/flags/segments.ts';

const NOW = new Date('2026-11-01T12:00:00.000Z');
const ctx: ChangeContext = { actor: 'test:alice', reason: 'because', now: () => NOW };

function run(doc: StoreDocument, ...operations: Operation[]): StoreDocument {
  return operations.reduce((d, op) => op(d, ctx).document, doc);
}

function base(): StoreDocument {
  return run(
    storeDocumentSchema.parse(createEmptyDocument()),
    createFlag({ key: 'checkout', name: 'Checkout', kind: 'release' }),
    createSegment({
      key: 'internal-users',
      name: 'Internal users',
      included: ['u1'],
      rules: [{ conditions: [{ attribute: 'email', operator: 'ends_with', value: '@acme.com' }] }],
    }),
  );
}

describe('segment operations', () => {
  it('creates a segment with defaults and audits segment.create under /segments/<key>', () => {
    const doc = storeDocumentSchema.parse(createEmptyDocument());
    const { document, audit } = createSegment({ key: 'beta', included: ['a', 'b'] })(doc, ctx);
    assert.deepEqual(document.segments, [{ key: 'beta', included: ['a', 'b'], excluded: [], rules: [] }]);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.action, 'segment.create');
    assert.equal(audit[0]?.reason, 'because');
    assert.deepEqual(audit[0]?.changes, [
      { path: '/segments/beta', after: { key: 'beta', included: ['a', 'b'], excluded: [], rules: [] } },
    ]);
    assert.throws(
      () => createSegment({ key: 'beta' })(document, ctx),
      (e) => FlagError.is(e, 'INVALID_INPUT') && /already exists/.test(e.message),
    );
    assert.throws(
      () => createSegment({ key: 'Bad Key' })(document, ctx),
      (e) => FlagError.is(e, 'INVALID_INPUT') && /segment\.key/.test(e.message),
    );
  });

  it('updates keys and rules, auditing only the changed paths', () => {
    const { document, audit } = updateSegment('internal-users', {
      addKeys: ['u2', 'u3'],
      removeKeys: ['u1'],
      excluded: ['u9'],
      name: null,
    })(base(), ctx);
    const segment = document.segments?.[0];
    assert.deepEqual(segment?.included, ['u2', 'u3']);
    assert.deepEqual(segment?.excluded, ['u9']);
    assert.equal(segment?.name, undefined);
    assert.equal(audit[0]?.action, 'segment.update');
    assert.deepEqual(
      audit[0]?.changes.map((c) => c.path),
      ['/segments/internal-users/name', '/segments/internal-users/included', '/segments/internal-users/excluded'],
    );
    assert.throws(
      () => updateSegment('internal-user', { addKeys: ['x'] })(base(), ctx),
      (e) => FlagError.is(e, 'FLAG_NOT_FOUND') && /Did you mean "internal-users"/.test(String(e.details.hint)),
    );
    assert.throws(
      () => updateSegment('internal-users', {})(base(), ctx),
      (e) => FlagError.is(e, 'INVALID_INPUT'),
    );
  });

  it('refuses a rule that names an unknown segment, with did-you-mean', () => {
    assert.throws(
      () =>
        setRules('checkout', 'staging', [{ conditions: [{ segment: 'internal-user' }], serve: { variant: 'on' } }])(
          base(),
          ctx,
        ),
      (e) =>
        FlagError.is(e, 'INVALID_RULE') &&
        /unknown segment "internal-user"; Did you mean "internal-users"\?/.test(e.message),
    );
    assert.throws(
      () => setRollout('checkout', 'staging', { variant: 'on', percentage: 5, segments: ['beta'] })(base(), ctx),
      (e) =>
        FlagError.is(e, 'INVALID_INPUT') && /unknown segment "beta"; declared segments: internal-users/.test(e.message),
    );
  });

  it('refuses to delete a segment still in use, naming the flags; deletes it once unused', () => {
    const used = run(
      base(),
      setRules('checkout', 'staging', [{ conditions: [{ segment: 'internal-users' }], serve: { variant: 'on' } }]),
      setRollout('checkout', 'production', { variant: 'on', percentage: 0, segments: ['internal-users'] }),
    );
    assert.deepEqual(
      segmentUsage(used, 'internal-users').map((u) => `${u.flagKey}/${u.environment}`),
      ['checkout/staging', 'checkout/production'],
    );
    assert.throws(
      () => deleteSegment('internal-users')(used, ctx),
      (e) =>
        FlagError.is(e, 'INVALID_INPUT') &&
        e.message === 'Segment "internal-users" is used by checkout (staging, production).' &&
        JSON.stringify(e.details.usedBy) === '["checkout"]',
    );
    const unused = run(used, setRules('checkout', 'staging', []), setRollout('checkout', 'production', null));
    const { document, audit } = deleteSegment('internal-users')(unused, ctx);
    assert.equal(document.segments, undefined);
    assert.equal(audit[0]?.action, 'segment.delete');
    assert.equal(audit[0]?.changes[0]?.after, undefined);
  });

  it("keeps a rollout's segments when only the percentage changes", () => {
    const doc = run(
      base(),
      setRollout('checkout', 'staging', { variant: 'on', percentage: 5, segments: ['internal-users'] }),
      setRollout('checkout', 'staging', 20),
    );
    assert.deepEqual(doc.flags[0]?.environments.staging?.rollout, {
      variant: 'on',
      percentage: 20,
      segments: ['internal-users'],
    });
  });
});
