import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError } from '../../src/errors.ts';
import type { FlagdDocument } from '../../src/flagd/types.ts';
import { FlagdEngine, murmur3Utf8 } from '../../src/eval/index.ts';

const NOW = new Date('2026-01-15T12:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

function document(): FlagdDocument {
  return {
    metadata: { team: 'growth', version: 1 },
    $evaluators: { isPro: { '==': [{ var: 'plan' }, 'pro'] } },
    flags: {
      banner: {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        targeting: { if: [{ $ref: 'isPro' }, 'on', null] },
        metadata: { version: 2, owner: 'alice' },
      },
      color: { state: 'ENABLED', variants: { red: 'red', blue: 'blue' }, defaultVariant: 'red' },
      legacy: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    },
  };
}

function engine(doc: FlagdDocument | string = document()): FlagdEngine {
  const e = new FlagdEngine({ now: () => NOW });
  e.setFlags(doc);
  return e;
}

test('resolves STATIC, TARGETING_MATCH and DEFAULT with variant and merged metadata', () => {
  const e = engine();
  assert.deepEqual(e.evaluate('color', 'string', 'x'), {
    value: 'red',
    variant: 'red',
    reason: 'STATIC',
    flagMetadata: { team: 'growth', version: 1 },
  });
  assert.deepEqual(e.evaluate('banner', 'boolean', false, { plan: 'pro' }), {
    value: true,
    variant: 'on',
    reason: 'TARGETING_MATCH',
    flagMetadata: { team: 'growth', version: 2, owner: 'alice' },
  });
  const fallthrough = e.evaluate('banner', 'boolean', true, { plan: 'free' });
  assert.equal(fallthrough.value, false);
  assert.equal(fallthrough.variant, 'off');
  assert.equal(fallthrough.reason, 'DEFAULT');
});

test('results that serve a variant are frozen and shared: evaluating allocates nothing', () => {
  const e = engine();
  const first = e.evaluate('banner', 'boolean', false, { plan: 'pro' });
  const second = e.evaluate('banner', 'boolean', true, { plan: 'pro', other: 1 });
  assert.equal(first, second);
  assert.ok(Object.isFrozen(first));
  assert.notEqual(e.evaluate('banner', 'boolean', false, { plan: 'free' }), first);
});

test('errors come back as results with the caller default, never as exceptions', () => {
  const e = engine();
  const missing = e.evaluate('nope', 'string', 'dflt');
  assert.deepEqual(missing, {
    value: 'dflt',
    reason: 'ERROR',
    errorCode: 'FLAG_NOT_FOUND',
    errorMessage: "flag 'nope' not found",
    flagMetadata: { team: 'growth', version: 1 },
  });
  const mismatch = e.evaluate('color', 'number', 7);
  assert.equal(mismatch.value, 7);
  assert.equal(mismatch.errorCode, 'TYPE_MISMATCH');
  assert.equal(mismatch.variant, undefined);
  const disabled = e.evaluate('legacy', 'boolean', false);
  assert.deepEqual(disabled, { value: false, reason: 'DISABLED', flagMetadata: { team: 'growth', version: 1 } });
  const badContext = e.evaluate('banner', 'boolean', false, 'pro' as never);
  assert.equal(badContext.errorCode, 'INVALID_CONTEXT');
  const runtimeFailure = e.evaluate('banner', 'boolean', false, { plan: 5 });
  assert.deepEqual([runtimeFailure.reason, runtimeFailure.errorCode], ['ERROR', 'GENERAL']);
  assert.match(runtimeFailure.errorMessage ?? '', /flag 'banner'.*as a number/);
});

test('a targeting rule that chooses an unknown variant is a GENERAL error', () => {
  const e = engine({
    flags: { f: { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a', targeting: { var: 'v' } } },
  });
  const result = e.evaluate('f', 'string', 'd', { v: 'zzz' });
  assert.equal(result.errorCode, 'GENERAL');
  assert.match(result.errorMessage ?? '', /Variant 'zzz' not found/);
});

test('a flag without default variant serves the caller default with reason DEFAULT', () => {
  const e = engine({ flags: { f: { state: 'ENABLED', variants: { a: 1 }, defaultVariant: null } } });
  assert.deepEqual(e.evaluate('f', 'number', 42), { value: 42, reason: 'DEFAULT', flagMetadata: {} });
});

test('targeting that cannot run marks only its flag: PARSE_ERROR on evaluation, listed by problems()', () => {
  const e = engine({
    $evaluators: { a: { $ref: 'b' }, b: { $ref: 'a' } },
    flags: {
      unknownOp: { state: 'ENABLED', variants: { x: 'x' }, defaultVariant: 'x', targeting: { regex: ['a', 'b'] } },
      badRef: { state: 'ENABLED', variants: { x: 'x' }, defaultVariant: 'x', targeting: { $ref: 'nope' } },
      cycle: { state: 'ENABLED', variants: { x: 'x' }, defaultVariant: 'x', targeting: { $ref: 'a' } },
      fine: { state: 'ENABLED', variants: { x: 'x' }, defaultVariant: 'x' },
    },
  });
  assert.deepEqual(
    e.problems().map((p) => p.flagKey),
    ['unknownOp', 'badRef', 'cycle'],
  );
  assert.match(e.problems()[2]?.message ?? '', /cycle: a → b → a/);
  const result = e.evaluate('badRef', 'string', 'd');
  assert.deepEqual([result.value, result.reason, result.errorCode], ['d', 'ERROR', 'PARSE_ERROR']);
  assert.match(result.errorMessage ?? '', /"\$ref": "nope" names no entry of \$evaluators/);
  assert.equal(e.evaluate('fine', 'string', 'd').value, 'x');
});

test('setFlags reports added, removed and modified keys, counting $evaluators and flag-set metadata', () => {
  const e = new FlagdEngine({ now: () => NOW });
  assert.deepEqual(e.setFlags(document()), ['banner', 'color', 'legacy']);
  assert.deepEqual(e.setFlags(JSON.stringify(document())), []);
  const reordered = document();
  reordered.flags = {
    legacy: reordered.flags['legacy']!,
    color: reordered.flags['color']!,
    banner: reordered.flags['banner']!,
  };
  assert.deepEqual(e.setFlags(reordered), []);
  const changed = document();
  delete changed.flags['legacy'];
  changed.flags['new'] = { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a' };
  changed.$evaluators = { isPro: { '==': [{ var: 'plan' }, 'enterprise'] } };
  assert.deepEqual(e.setFlags(changed), ['new', 'legacy', 'banner']);
  assert.equal(e.evaluate('banner', 'boolean', false, { plan: 'enterprise' }).value, true);
  const metadataChanged = structuredClone(changed);
  metadataChanged.metadata = { team: 'core' };
  assert.deepEqual(e.setFlags(metadataChanged), ['banner', 'color', 'new']);
  assert.deepEqual(e.keys(), ['banner', 'color', 'new']);
  assert.deepEqual(e.getFlagSetMetadata(), { team: 'core' });
});

test('an invalid document throws PARSE_ERROR with a hint and keeps the previous flag set', () => {
  const e = engine();
  const invalid: [unknown, RegExp][] = [
    ['{"flags": {', /not valid JSON/],
    [{ flags: [] }, /"flags" must be an object/],
    [{ flags: { f: { state: 'ON', variants: {} } } }, /flags\["f"\]\.state must be "ENABLED" or "DISABLED", got "ON"/],
    [{ flags: { f: { state: 'ENABLED' } } }, /flags\["f"\]\.variants must be an object/],
    [
      { flags: { f: { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'b' } } },
      /"b" is not one of its variants \(a\)/,
    ],
    [
      { flags: { f: { state: 'ENABLED', variants: { a: 1 }, targeting: 'x' } } },
      /targeting must be a JsonLogic object/,
    ],
    [{ flags: {}, metadata: { nested: { a: 1 } } }, /metadata\.nested must be a string, number or boolean/],
  ];
  for (const [doc, message] of invalid) {
    assert.throws(
      () => e.setFlags(doc as FlagdDocument),
      (error: unknown) => FlagError.is(error, 'PARSE_ERROR') && message.test(error.message) && !!error.details.hint,
      String(message),
    );
  }
  assert.equal(e.evaluate('color', 'string', 'x').value, 'red');
  assert.deepEqual(e.keys(), ['banner', 'color', 'legacy']);
});

test('a JSON syntax error names its line and column', () => {
  const e = new FlagdEngine();
  try {
    e.setFlags('{\n  "flags": {\n    "a": ,\n  }\n}');
    assert.fail('expected a PARSE_ERROR');
  } catch (error) {
    assert.ok(FlagError.is(error, 'PARSE_ERROR'));
    assert.equal(error.details.line, 3);
    assert.equal(typeof error.details.column, 'number');
  }
});

test('the engine keeps its own frozen copy of the document', () => {
  const doc = document();
  const e = engine(doc);
  (doc.flags['color']!.variants as Record<string, string>)['red'] = 'green';
  assert.equal(e.evaluate('color', 'string', 'x').value, 'red');
  const definition = e.getFlag('color');
  assert.ok(definition && Object.isFrozen(definition) && Object.isFrozen(definition.variants));
  assert.equal(e.getFlag('nope'), undefined);
  const objectFlag = engine({ flags: { o: { state: 'ENABLED', variants: { v: { a: [1] } }, defaultVariant: 'v' } } });
  assert.ok(Object.isFrozen(objectFlag.evaluate('o', 'object', {}).value));
});

test('$flagd.timestamp comes from the injected clock', () => {
  const rule = { if: [{ '>=': [{ var: '$flagd.timestamp' }, NOW_SECONDS] }, 'on', 'off'] };
  const doc: FlagdDocument = {
    flags: { t: { state: 'ENABLED', variants: { on: 'on', off: 'off' }, targeting: rule } },
  };
  let now = new Date(NOW.getTime() - 1000);
  const e = new FlagdEngine({ now: () => now });
  e.setFlags(doc);
  assert.equal(e.evaluate('t', 'string', 'd').value, 'off');
  now = NOW;
  assert.equal(e.evaluate('t', 'string', 'd').value, 'on');
});

test('fractional: bucket = floor(murmur3(flagKey + targetingKey) × total / 2^32), in declaration order', () => {
  const weights = [10, 30, 60];
  const e = engine({
    flags: {
      split: {
        state: 'ENABLED',
        variants: { a: 'a', b: 'b', c: 'c' },
        defaultVariant: 'a',
        targeting: {
          fractional: [
            ['a', 10],
            ['b', 30],
            ['c', 60],
          ],
        },
      },
    },
  });
  const counts = { a: 0, b: 0, c: 0 };
  for (let i = 0; i < 5000; i++) {
    const key = i % 7 === 0 ? `ünïcødé-${i}-😀` : `user-${i}`;
    const bucket = Math.floor((murmur3Utf8(`split${key}`) * 100) / 2 ** 32);
    const expected = bucket < weights[0]! ? 'a' : bucket < weights[0]! + weights[1]! ? 'b' : 'c';
    const result = e.evaluate('split', 'string', 'd', { targetingKey: key });
    assert.equal(result.value, expected, key);
    counts[expected]++;
  }
  // Sanity of the split itself: each share within a few points of its weight.
  assert.ok(Math.abs(counts.a / 50 - 10) < 3 && Math.abs(counts.b / 50 - 30) < 3, JSON.stringify(counts));
});

test('fractional: raising the percentage only adds subjects (stable bucketing)', () => {
  const flag = (percentage: number): FlagdDocument => ({
    flags: {
      rollout: {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        targeting: {
          fractional: [
            ['on', percentage],
            ['off', 100 - percentage],
          ],
        },
      },
    },
  });
  const e = new FlagdEngine();
  let previous = new Set<string>();
  for (const percentage of [1, 5, 10, 25, 50, 100]) {
    e.setFlags(flag(percentage));
    const on = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      if (e.evaluate('rollout', 'boolean', false, { targetingKey: `u${i}` }).value) on.add(`u${i}`);
    }
    for (const key of previous) assert.ok(on.has(key), `${key} left the rollout at ${percentage}%`);
    previous = on;
  }
  assert.equal(previous.size, 2000);
});
