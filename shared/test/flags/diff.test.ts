import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffValues, formatPath } from '../../src/flags/diff.ts';
import type { ValueChange } from '../../src/flags/diff.ts';
import type { JsonValue } from '../../src/flags/model.ts';

describe('diffValues', () => {
  const cases: [string, JsonValue | undefined, JsonValue | undefined, string, ValueChange[]][] = [
    ['equal values', { a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, '', []],
    ['a changed scalar', { a: 1, b: 2 }, { a: 1, b: 3 }, '', [{ path: '/b', before: 2, after: 3 }]],
    [
      'nested objects, only the leaf',
      { e: { p: { on: false } } },
      { e: { p: { on: true } } },
      '',
      [{ path: '/e/p/on', before: false, after: true }],
    ],
    [
      'added and removed keys',
      { a: 1 },
      { b: 2 },
      '/x',
      [
        { path: '/x/a', before: 1 },
        { path: '/x/b', after: 2 },
      ],
    ],
    ['arrays compare as a whole', { r: [1, 2] }, { r: [1, 3] }, '', [{ path: '/r', before: [1, 2], after: [1, 3] }]],
    ['creation', undefined, { k: 'v' }, '/flags/x', [{ path: '/flags/x', after: { k: 'v' } }]],
    ['deletion', 'v', undefined, '/a', [{ path: '/a', before: 'v' }]],
    ['type change object → scalar', { a: { b: 1 } }, { a: 5 }, '', [{ path: '/a', before: { b: 1 }, after: 5 }]],
    ['null is a value', { a: null }, { a: 0 }, '', [{ path: '/a', before: null, after: 0 }]],
    [
      'keys escaped as RFC 6901',
      { 'a/b': 1, 'c~d': 1 },
      { 'a/b': 2, 'c~d': 2 },
      '',
      [
        { path: '/a~1b', before: 1, after: 2 },
        { path: '/c~0d', before: 1, after: 2 },
      ],
    ],
  ];
  for (const [name, before, after, base, expected] of cases) {
    it(name, () => assert.deepEqual(diffValues(before, after, base), expected));
  }
});

describe('formatPath', () => {
  it('formats zod-style paths for messages', () => {
    assert.equal(formatPath(['flags', 2, 'environments', 'production']), 'flags[2].environments.production');
    assert.equal(formatPath([]), 'the document');
  });
});
