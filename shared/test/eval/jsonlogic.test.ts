// JsonLogic semantics, table-driven. Expected values are json-logic-engine 5's (the engine flagd-core runs), checked
// against it when the table was written; the differential test keeps checking the two agree on whole flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRule, RuleError, truthy } from '../../src/eval/jsonlogic.ts';

const options = { flagKey: 'my-flag', nowSeconds: () => 1_768_478_400 };
const run = (rule: unknown, data: object = {}): unknown => compileRule(rule, options)(data);

const cases: [string, unknown, object, unknown][] = [
  ['empty array is falsy', { if: [[], 'yes', 'no'] }, {}, 'no'],
  ['empty object is falsy', { if: [{ var: 'obj' }, 'yes', 'no'] }, { obj: {} }, 'no'],
  ['"0" is truthy', { if: ['0', 'yes', 'no'] }, {}, 'yes'],
  ['dotted path', { var: 'a.b.c' }, { a: { b: { c: 7 } } }, 7],
  ['default for a missing path', { var: ['a.x', 'fallback'] }, { a: { b: 1 } }, 'fallback'],
  ['default for a null value (compiled ??)', { var: ['a', 'fallback'] }, { a: null }, 'fallback'],
  ['array index in a path', { var: 'list.1' }, { list: ['x', 'y'] }, 'y'],
  ['escaped dot', { var: 'a\\.b' }, { 'a.b': 'dotted' }, 'dotted'],
  ['== is loose', { '==': [{ var: 'n' }, '1'] }, { n: 1 }, true],
  ['== null and 0', { '==': [{ var: 'n' }, null] }, { n: 0 }, true],
  ['=== is strict', { '===': [{ var: 'n' }, '1'] }, { n: 1 }, false],
  ['!=', { '!=': [{ var: 's' }, 'x'] }, { s: 'y' }, true],
  ['!==', { '!==': [{ var: 'n' }, 1] }, { n: 1 }, false],
  ['between exclusive, inside', { '<': [1, { var: 'n' }, 3] }, { n: 2 }, true],
  ['between exclusive, on the edge', { '<': [1, { var: 'n' }, 3] }, { n: 3 }, false],
  ['between inclusive, on the edge', { '<=': [1, { var: 'n' }, 3] }, { n: 3 }, true],
  ['strings compare as strings', { '>': [{ var: 's' }, 'b'] }, { s: 'c' }, true],
  ['number against numeric string', { '>=': [{ var: 'n' }, '10'] }, { n: 9 }, false],
  ['!', { '!': [{ var: 'x' }] }, { x: '' }, true],
  ['!!', { '!!': [{ var: 'x' }] }, { x: [0] }, true],
  ['or returns the deciding value', { or: [{ var: 'a' }, { var: 'b' }, 'last'] }, { a: 0, b: '' }, 'last'],
  ['and returns the deciding value', { and: [{ var: 'a' }, { var: 'b' }] }, { a: 1, b: 'two' }, 'two'],
  ['in an array', { in: [{ var: 'c' }, ['de', 'fr']] }, { c: 'fr' }, true],
  ['in a string', { in: ['ell', { var: 's' }] }, { s: 'hello' }, true],
  ['cat (compiled: null is "null")', { cat: ['a', { var: 'missing' }, 1, true] }, {}, 'anull1true'],
  ['substr from the end', { substr: [{ var: 's' }, -3] }, { s: 'abcdef' }, 'def'],
  ['substr with a negative length', { substr: [{ var: 's' }, 1, -2] }, { s: 'abcdef' }, 'bcd'],
  ['+ coerces', { '+': [{ var: 'a' }, '2', true] }, { a: 1 }, 4],
  ['unary -', { '-': [{ var: 'a' }] }, { a: 5 }, -5],
  ['*', { '*': [{ var: 'a' }, 2.5] }, { a: 4 }, 10],
  ['/', { '/': [{ var: 'a' }, 4] }, { a: 10 }, 2.5],
  ['%', { '%': [{ var: 'a' }, 4] }, { a: 10 }, 2],
  ['max', { max: [{ var: 'a' }, 3, 9] }, { a: 4 }, 9],
  ['min', { min: [{ var: 'a' }, 3, 9] }, { a: 4 }, 3],
  ['merge flattens one level', { merge: [[1], { var: 'l' }, 4] }, { l: [2, 3] }, [1, 2, 3, 4]],
  ['map', { map: [{ var: 'l' }, { '*': [{ var: '' }, 2] }] }, { l: [1, 2, 3] }, [2, 4, 6]],
  ['filter', { filter: [{ var: 'l' }, { '>': [{ var: '' }, 1] }] }, { l: [1, 2, 3] }, [2, 3]],
  [
    'reduce',
    { reduce: [{ var: 'l' }, { '+': [{ var: 'accumulator' }, { var: 'current' }] }, 10] },
    { l: [1, 2, 3] },
    16,
  ],
  ['all of nothing is false', { all: [{ var: 'l' }, { '>': [{ var: '' }, 0] }] }, { l: [] }, false],
  ['all', { all: [{ var: 'l' }, { '>': [{ var: '' }, 0] }] }, { l: [1, 2] }, true],
  ['none', { none: [{ var: 'l' }, { '>': [{ var: '' }, 2] }] }, { l: [1, 2] }, true],
  ['some', { some: [{ var: 'l' }, { '>': [{ var: '' }, 1] }] }, { l: [1, 2] }, true],
  ['missing (null counts as present)', { missing: ['a', 'b.c', 'd'] }, { a: 1, b: { c: null } }, ['d']],
  ['missing_some satisfied', { missing_some: [1, ['a', 'b', 'c']] }, { c: 1 }, []],
  ['missing_some short', { missing_some: [2, ['a', 'b', 'c']] }, { c: 1 }, ['a', 'b']],
  ['if with two arguments', { if: [{ var: 'x' }, 'one'] }, { x: false }, null],
  ['if chain', { if: [false, 'a', { var: 'x' }, 'b', 'c'] }, { x: true }, 'b'],
  ['?: is if', { '?:': [{ var: 'x' }, 'a', 'b'] }, { x: 1 }, 'a'],
  ['literal first: a number never errs', { '==': ['abc', { var: 'n' }] }, { n: 5 }, false],
  ['$flagd.flagKey', { var: '$flagd.flagKey' }, {}, 'my-flag'],
  ['$flagd.timestamp (injected clock)', { var: '$flagd.timestamp' }, {}, 1_768_478_400],
  ['$flagd cannot be overridden by the context', { var: '$flagd.flagKey' }, { $flagd: { flagKey: 'x' } }, 'my-flag'],
  ['starts_with', { starts_with: [{ var: 's' }, 'ab'] }, { s: 'abc' }, true],
  ['ends_with on a non-string is null', { ends_with: [{ var: 'n' }, '1'] }, { n: 1 }, null],
  ['sem_ver ^', { sem_ver: [{ var: 'v' }, '^', '1.0.0'] }, { v: 'v1.9.3' }, true],
  ['sem_ver with an unknown operator is null', { sem_ver: [{ var: 'v' }, '===', '1.0.0'] }, { v: '1.0.0' }, null],
  ['fractional with one bucket', { fractional: [['only']] }, { targetingKey: 'k' }, 'only'],
  ['fractional without targeting key is null', { fractional: [['a'], ['b']] }, {}, null],
];

for (const [name, rule, data, expected] of cases) {
  test(`JsonLogic: ${name}`, () => assert.deepEqual(run(rule, data), expected));
}

const failures: [string, unknown, object][] = [
  ['a number compared with a string literal (var first)', { '==': [{ var: 'n' }, 'abc'] }, { n: 5 }],
  ['arithmetic on a non-number', { '+': [{ var: 'a' }, 1] }, { a: 'x' }],
  ['division by zero', { '/': [{ var: 'a' }, { var: 'b' }] }, { a: 1, b: 0 }],
  ['an object in a comparison', { '<': [{ var: 'o' }, 1] }, { o: {} }],
  ['in over a number', { in: ['x', { var: 'n' }] }, { n: 5 }],
  ['map over a string', { map: [{ var: 's' }, 1] }, { s: 'abc' }],
  ['max of a string', { max: [{ var: 's' }, 1] }, { s: '3' }],
  ['substr of a number', { substr: [{ var: 'n' }, 1] }, { n: 123 }],
];

for (const [name, rule, data] of failures) {
  test(`JsonLogic fails at run time: ${name}`, () => assert.throws(() => run(rule, data), RuleError));
}

test('rules that cannot run fail to compile, with a message naming the problem', () => {
  assert.throws(() => compileRule({ regex_match: ['a', 'b'] }, options), /unknown operator "regex_match"/);
  assert.throws(() => compileRule({ if: [true, 'a'], var: 'x' }, options), /exactly one operator key/);
  assert.throws(
    () => compileRule({ if: [{ var: 'x' }, { '/': [1, 0] }, 'b'] }, options),
    /constant expression \{"\/": …\} always fails: "\/" cannot divide by number 0/,
  );
  assert.throws(() => compileRule({ '/': [{ var: 'x' }, 0] }, options), /divides by a constant zero/);
  assert.throws(() => compileRule({ '+': [{ var: 'x' }, 'abc'] }, options), /cannot compute with "abc"/);
  assert.throws(() => compileRule({ map: { var: 'x' } }, options), /"map" takes \[list, expression\]/);
});

test('$flagd.timestamp reads the injected clock when the rule runs, not when it compiles', () => {
  let seconds = 100;
  const rule = compileRule(
    { if: [{ '>=': [{ var: '$flagd.timestamp' }, 200] }, 'late', 'early'] },
    {
      flagKey: 'f',
      nowSeconds: () => seconds,
    },
  );
  assert.equal(rule({}), 'early');
  seconds = 200;
  assert.equal(rule({}), 'late');
});

test('truthy follows json-logic-engine', () => {
  for (const value of [0, '', null, undefined, false, Number.NaN, [], {}]) assert.equal(truthy(value), false);
  for (const value of [1, '0', 'false', [0], { a: 1 }, true, -1]) assert.equal(truthy(value), true);
});
