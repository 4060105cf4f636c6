import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEmptyDocument, storeDocumentSchema, FLAG_KEY_PATTERN } from '../../src/flags/model.ts';
import { ENVIRONMENT_KEY_PATTERN } from '../../src/flags/keys.ts';

const baseFlag = {
  key: 'new-checkout',
  name: 'New checkout',
  kind: 'release',
  createdAt: '2026-11-01T00:00:00Z',
  type: 'boolean',
  variants: { on: true, off: false },
  environments: { production: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 5 } } },
};

describe('flag model', () => {
  it('accepts a valid document and fills defaults', () => {
    const doc = storeDocumentSchema.parse({ ...createEmptyDocument(), flags: [baseFlag] });
    assert.deepEqual(doc.flags[0]?.tags, []);
    assert.equal(doc.flags[0]?.archived, false);
    assert.deepEqual(doc.flags[0]?.environments.production?.rules, []);
  });

  it('validates keys', () => {
    // flagd's rule (`^.{1,}$`): any non-empty string without a line break, case preserved.
    const ok = [
      'a',
      'new-checkout',
      'team.feature_x-2',
      'automatedActions',
      'UPPER_CASE',
      'a b',
      '-x',
      'x'.repeat(101),
    ];
    for (const key of ok) assert.match(key, FLAG_KEY_PATTERN);
    for (const bad of ['', 'a\nb', 'a\rb', '__proto__']) assert.doesNotMatch(bad, FLAG_KEY_PATTERN);
    // Environment keys keep the narrow rule.
    assert.match('production', ENVIRONMENT_KEY_PATTERN);
    for (const bad of ['Prod', 'a b', '-x']) assert.doesNotMatch(bad, ENVIRONMENT_KEY_PATTERN);
  });

  const rejections: [string, Record<string, unknown>, RegExp][] = [
    ['variant of the wrong type', { variants: { on: 'yes', off: false } }, /variant "on" is not a boolean value/],
    [
      'unknown default variant',
      { environments: { production: { enabled: true, defaultVariant: 'maybe' } } },
      /unknown variant "maybe"/,
    ],
    [
      'unknown environment',
      { environments: { prod: { enabled: true, defaultVariant: 'on' } } },
      /unknown environment "prod"/,
    ],
  ];
  for (const [name, patch, message] of rejections) {
    it(`rejects ${name}`, () => {
      const result = storeDocumentSchema.safeParse({ ...createEmptyDocument(), flags: [{ ...baseFlag, ...patch }] });
      assert.equal(result.success, false);
      assert.match(result.error?.issues.map((i) => i.message).join('\n') ?? '', message);
    });
  }

  it('rejects duplicate flag keys', () => {
    const result = storeDocumentSchema.safeParse({ ...createEmptyDocument(), flags: [baseFlag, baseFlag] });
    assert.match(result.error?.issues[0]?.message ?? '', /duplicate flag key "new-checkout"/);
  });
});
