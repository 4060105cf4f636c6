import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '@rollgate/shared/flags';
import { formatCondition } from '../src/format.ts';
import {
  parseCondition,
  parseEvaluationContext,
  parseLiteral,
  parsePercentage,
  parseRuleJson,
  parseSplit,
} from '../src/parse.ts';

/** Asserts `fn` throws an INVALID_INPUT FlagError whose message matches and which carries a hint. */
function assertInvalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    const error = e as { code?: string; message?: string; details?: { hint?: string } };
    assert.equal(error.code, 'INVALID_INPUT');
    assert.match(error.message ?? '', message);
    assert.ok((error.details?.hint ?? '').length > 0, 'error has a hint');
    return true;
  });
}

describe('parseLiteral', () => {
  const cases: [string, string | number | boolean][] = [
    ['30', 30],
    ['-1.5', -1.5],
    ['true', true],
    ['false', false],
    ['"30"', '30'],
    ['DE', 'DE'],
    ['1.2.3', '1.2.3'],
  ];
  for (const [text, expected] of cases) {
    it(`${text} → ${JSON.stringify(expected)}`, () => assert.equal(parseLiteral(text), expected));
  }
});

describe('parseCondition', () => {
  const cases: [string, Condition][] = [
    ['plan in pro,team', { attribute: 'plan', operator: 'in', value: ['pro', 'team'] }],
    ['plan not in free', { attribute: 'plan', operator: 'not_in', value: ['free'] }],
    ['plan not-in free,"1"', { attribute: 'plan', operator: 'not_in', value: ['free', '1'] }],
    ['country == DE', { attribute: 'country', operator: 'equals', value: 'DE' }],
    ['country != DE', { attribute: 'country', operator: 'not_equals', value: 'DE' }],
    ['age >= 18', { attribute: 'age', operator: 'gte', value: 18 }],
    ['seats < 5', { attribute: 'seats', operator: 'lt', value: 5 }],
    ['email ends-with @acme.com', { attribute: 'email', operator: 'ends_with', value: '@acme.com' }],
    ['name contains 42', { attribute: 'name', operator: 'contains', value: '42' }],
    ['version semver>= 2.1.0', { attribute: 'version', operator: 'semver_gte', value: '2.1.0' }],
    ['version semver_lt 3.0.0', { attribute: 'version', operator: 'semver_lt', value: '3.0.0' }],
    ['beta exists', { attribute: 'beta', operator: 'exists' }],
    ['beta == true', { attribute: 'beta', operator: 'equals', value: true }],
    ['company.size > 100', { attribute: 'company.size', operator: 'gt', value: 100 }],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.deepEqual(parseCondition(text), expected));
    it(`${text} survives format → parse`, () => assert.deepEqual(parseCondition(formatCondition(expected)), expected));
  }

  it('rejects an unknown operator', () => assertInvalid(() => parseCondition('plan ~ pro'), /Unknown operator "~"/));
  it('rejects a missing value', () => assertInvalid(() => parseCondition('plan =='), /no value/));
  it('rejects a lone attribute', () => assertInvalid(() => parseCondition('plan'), /Cannot read/));
  it('rejects a value after exists', () => assertInvalid(() => parseCondition('beta exists yes'), /takes no value/));
  it('rejects a non-number for >', () => assertInvalid(() => parseCondition('age > old'), /not a number/));
  it('rejects an empty list item', () => assertInvalid(() => parseCondition('plan in pro,,team'), /empty item/));
});

describe('parseSplit', () => {
  it('reads weighted buckets', () => {
    assert.deepEqual(parseSplit('on:10,off:90'), [
      { variant: 'on', weight: 10 },
      { variant: 'off', weight: 90 },
    ]);
    assert.deepEqual(parseSplit('a: 33.3%, b:66.7'), [
      { variant: 'a', weight: 33.3 },
      { variant: 'b', weight: 66.7 },
    ]);
  });
  it('rejects a bucket without a weight', () => assertInvalid(() => parseSplit('on:10,off'), /"off"/));
});

describe('parsePercentage', () => {
  it('reads 25, 2.5 and 25%', () =>
    assert.deepEqual(['25', '2.5', '25%', '0', '100'].map(parsePercentage), [25, 2.5, 25, 0, 100]));
  for (const bad of ['101', '-1', 'half', '']) {
    it(`rejects "${bad}"`, () => assertInvalid(() => parsePercentage(bad), /not a percentage/));
  }
});

describe('parseRuleJson', () => {
  it('reads a valid rule', () => {
    const rule = parseRuleJson(
      '{"conditions":[{"attribute":"plan","operator":"in","value":["pro"]}],"serve":{"variant":"on"}}',
    );
    assert.deepEqual(rule.serve, { variant: 'on' });
  });
  it('reports JSON syntax errors', () => assertInvalid(() => parseRuleJson('{"conditions":'), /not valid JSON/));
  it('reports schema errors with their path', () =>
    assertInvalid(() => parseRuleJson('{"conditions":[],"serve":{"variant":"on"}}'), /conditions/));
});

describe('parseEvaluationContext', () => {
  it('merges --context, --key and --attr, later ones winning', () => {
    assert.deepEqual(
      parseEvaluationContext({
        context: '{"targetingKey":"a","plan":"free","seats":3}',
        key: 'u1',
        attrs: ['plan=pro', 'beta=true', 'note=a=b'],
      }),
      { targetingKey: 'u1', plan: 'pro', seats: 3, beta: true, note: 'a=b' },
    );
  });
  it('rejects a context that is not an object', () =>
    assertInvalid(() => parseEvaluationContext({ context: '[1]', attrs: [] }), /JSON object/));
  it('rejects an attribute without =', () =>
    assertInvalid(() => parseEvaluationContext({ attrs: ['plan'] }), /--attr "plan"/));
});
