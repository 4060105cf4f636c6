// Differential test: random contexts (fixed seed) × the flagd-testbed flags and the operator flags of
// fixtures/operator-flags.json, FlagdEngine against @openfeature/flagd-core's FlagdCore in the same process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { FlagdCore } from '@openfeature/flagd-core';
import type { EvaluationContext as OpenFeatureContext, Logger } from '@openfeature/core';
import { FlagdEngine, type EvaluationContext, type ValueType } from '../../src/eval/index.ts';
import { createRandom } from '../../src/random.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
const testkitPath = resolve(
  repoRoot,
  '..',
  'shared',
  'conformance',
  'flagd-testbed',
  'evaluator',
  'flags',
  'testkit-flags.json',
);
const operatorFlagsPath = resolve(import.meta.dirname, 'fixtures', 'operator-flags.json');
const CONTEXTS_PER_FLAG = 400;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const STRINGS = [
  '',
  'ballmer@macrosoft.com',
  'jobs@orange.com',
  'user@example.com',
  'x@example.com',
  'abcdef',
  'uvwxyz',
  'abcxyz',
  '5c3d8535-f81a-4478-a6d3-afaa4d51199e',
  '2.0.0',
  '1.2.7',
  '1.0.0',
  'v1.0.0',
  '3.1.0',
  '0.4.0',
  '2.0.0-alpha',
  '1.2',
  '7',
  '2.0.0.0',
  'not-a-version',
  'pro',
  'free',
  'gold',
  'silver',
  'beta',
  'de',
  'us',
  'jack',
  'queen',
  'red',
  'blue',
  '0',
  '3',
  '12',
  '-1',
  'true',
  'null',
];

function draw(next: () => number): (depth?: number) => unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const value = (depth = 0): unknown => {
    switch (Math.floor(next() * (depth > 1 ? 7 : 10))) {
      case 0:
        return null;
      case 1:
        return next() < 0.5;
      case 2:
        return Math.floor(next() * 40) - 5;
      case 3:
        return Math.round(next() * 1000) / 100;
      case 7:
        return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      case 8:
        return { name: pick(STRINGS), qty: Math.floor(next() * 5) - 1, blocked: next() < 0.3 };
      case 9:
        return [
          { qty: Math.floor(next() * 4), blocked: next() < 0.2 },
          { qty: Math.floor(next() * 4), blocked: next() < 0.2 },
        ];
      default:
        return pick(STRINGS);
    }
  };
  return value;
}

const ATTRIBUTES = [
  'email',
  'version',
  'target',
  'id',
  'num',
  'tier',
  'color',
  'plan',
  'age',
  'score',
  'country',
  'tags',
  'items',
  'a',
  'b',
];

function randomContext(next: () => number, value: (depth?: number) => unknown): EvaluationContext {
  const context: EvaluationContext = {};
  for (const attribute of ATTRIBUTES) if (next() < 0.7) context[attribute] = value();
  if (next() < 0.6) context['user'] = next() < 0.8 ? { name: value(2) } : value();
  // ASCII targeting keys only: flagd-core's murmur3 (imurmurhash) hashes UTF-16 code units, flagd hashes UTF-8.
  if (next() < 0.85) context.targetingKey = next() < 0.1 ? '' : `user-${Math.floor(next() * 1e6)}`;
  return context;
}

function valueTypeOf(flag: { variants: Record<string, unknown> }): ValueType {
  const first = Object.values(flag.variants)[0];
  return typeof first === 'object' ? 'object' : (typeof first as ValueType);
}

function compare(name: string, documentText: string, seed: number): Map<string, number> {
  const ours = new FlagdEngine();
  ours.setFlags(documentText);
  const theirs = new FlagdCore(undefined, silent);
  theirs.setConfigurations(documentText);
  const next = createRandom(seed);
  const value = draw(next);
  const reasons = new Map<string, number>();
  const document = JSON.parse(documentText) as { flags: Record<string, { variants: Record<string, unknown> }> };
  const mismatches: string[] = [];
  for (const [key, flag] of Object.entries(document.flags)) {
    const type = valueTypeOf(flag);
    for (let i = 0; i < CONTEXTS_PER_FLAG; i++) {
      const context = randomContext(next, value);
      const expected = theirs.resolve(type, key, 'DEFAULT' as never, context as OpenFeatureContext);
      const actual = ours.evaluate(key, type, 'DEFAULT' as never, context);
      const same =
        isDeepStrictEqual(
          [actual.value, actual.variant, actual.reason, actual.errorCode],
          [expected.value, expected.variant, expected.reason, expected.errorCode],
        ) && isDeepStrictEqual(actual.flagMetadata, expected.flagMetadata);
      if (!same) {
        // One example per flag is enough to debug; the message lists every flag that disagrees.
        mismatches.push(
          `${name} flag ${key} with context ${JSON.stringify(context)}: ` +
            `ours ${JSON.stringify(actual)} / flagd-core ${JSON.stringify(expected)}`,
        );
        break;
      }
      reasons.set(actual.reason, (reasons.get(actual.reason) ?? 0) + 1);
    }
  }
  assert.deepEqual(mismatches, []);
  return reasons;
}

test('operator flags: FlagdEngine and flagd-core agree on value, variant, reason, error code and metadata', () => {
  const reasons = compare('operator-flags', readFileSync(operatorFlagsPath, 'utf8'), 20260115);
  // The draw must exercise every outcome, or agreement would prove little.
  for (const reason of ['TARGETING_MATCH', 'DEFAULT', 'ERROR', 'DISABLED']) {
    assert.ok((reasons.get(reason) ?? 0) > 20, `too few ${reason} results: ${JSON.stringify([...reasons])}`);
  }
});

test('flagd-testbed flags: FlagdEngine and flagd-core agree', () => {
  assert.ok(existsSync(testkitPath), `flagd-testbed flags expected at ${testkitPath}`);
  const reasons = compare('testkit-flags', readFileSync(testkitPath, 'utf8'), 7);
  for (const reason of ['TARGETING_MATCH', 'DEFAULT', 'STATIC', 'DISABLED', 'ERROR']) {
    assert.ok((reasons.get(reason) ?? 0) > 20, `too few ${reason} results: ${JSON.stringify([...reasons])}`);
  }
});

// Random rules: trees of every supported operation over context attributes and literals. json-logic-engine emits
// `and`/`or`/`all`/`missing`/`missing_some`/`/` unparenthesised into `cat`, into `(selector || [])` of iterators and
// `in`, and into `var` defaults, where JS precedence then changes the result (docs/eval.md: known differences); the
// generator keeps those operations out of those positions.
const FUZZ_OPS = [
  'if',
  '==',
  '===',
  '!=',
  '!==',
  '<',
  '<=',
  '>',
  '>=',
  '!',
  '!!',
  'or',
  'and',
  'in',
  'cat',
  'substr',
  '+',
  '-',
  '*',
  '/',
  '%',
  'min',
  'max',
  'merge',
  'map',
  'filter',
  'all',
  'none',
  'some',
  'missing',
  'missing_some',
  'sem_ver',
  'starts_with',
  'ends_with',
  'fractional',
  'var',
  'var',
  'var',
];
const HAZARDOUS = new Set(['and', 'or', 'all', 'missing', 'missing_some', '/']);
const FUZZ_ATTRIBUTES = ['a', 'b', 'n', 's', 'l', 'o.x', 'targetingKey', '$flagd.flagKey'];
const FUZZ_LITERALS: unknown[] = [0, 1, 2, -1, 2.5, '', 'a', 'b', '1', '1.0.0', 'abc', true, false, null, [], [1, 'a']];
const FUZZ_VALUES: unknown[] = [
  null,
  0,
  1,
  5,
  -2,
  2.5,
  '',
  'a',
  'b',
  'abc',
  '1',
  '1.0.0',
  '2.1',
  true,
  false,
  [],
  [1, 2],
  ['a'],
  { x: 1 },
];

function randomRule(next: () => number, depth: number, hazard = false): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  if (depth <= 0 || next() < 0.25) {
    if (next() < 0.5) return pick(FUZZ_LITERALS);
    return { var: next() < 0.8 ? pick(FUZZ_ATTRIBUTES) : [pick(FUZZ_ATTRIBUTES), pick(FUZZ_LITERALS)] };
  }
  let op = pick(FUZZ_OPS);
  while (hazard && HAZARDOUS.has(op)) op = pick(FUZZ_OPS);
  const sub = (inHazard = false): unknown => randomRule(next, depth - 1, inHazard);
  const mapper = { '==': [{ var: '' }, pick(FUZZ_LITERALS)] };
  switch (op) {
    case 'var':
      return { var: pick(FUZZ_ATTRIBUTES) };
    case 'map':
    case 'filter':
    case 'none':
    case 'some':
      return { [op]: [sub(true), mapper] };
    case 'all':
      return { all: [sub(), mapper] };
    case 'missing':
      return { missing: [pick(FUZZ_ATTRIBUTES), pick(FUZZ_ATTRIBUTES)] };
    case 'missing_some':
      return { missing_some: [1, [pick(FUZZ_ATTRIBUTES), pick(FUZZ_ATTRIBUTES)]] };
    case 'fractional':
      return { fractional: [sub(), ['a', 1], ['b', 1]] };
    case 'sem_ver':
      return { sem_ver: [sub(), pick(['=', '>', '^', '~', '<=']), pick(['1.0.0', '2', 'v1.2.3'])] };
    case 'in':
      return { in: [sub(), sub(true)] };
    case 'cat':
      return { cat: Array.from({ length: 1 + Math.floor(next() * 3) }, () => sub(true)) };
    default: {
      const count =
        op === '!' || op === '!!' ? 1 : op === 'if' ? 2 + Math.floor(next() * 3) : 1 + Math.floor(next() * 3);
      return { [op]: Array.from({ length: count }, () => sub()) };
    }
  }
}

test('random rules: FlagdEngine and flagd-core agree', () => {
  const next = createRandom(12345);
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < 1500; i++) {
    flags[`rule-${i}`] = {
      state: 'ENABLED',
      variants: { a: 'a', b: 'b', true: 't', false: 'f', '1': 'one', '0': 'zero', '': 'empty', abc: 'abc' },
      defaultVariant: 'a',
      targeting: { if: [true, randomRule(next, 3), null] },
    };
  }
  const documentText = JSON.stringify({ flags });
  const ours = new FlagdEngine();
  ours.setFlags(documentText);
  const theirs = new FlagdCore(undefined, silent);
  theirs.setConfigurations(documentText);
  const mismatches: string[] = [];
  const outcomes = new Map<string, number>();
  for (const key of Object.keys(flags)) {
    for (let j = 0; j < 12; j++) {
      const context: EvaluationContext = { targetingKey: next() < 0.8 ? `k${j}` : '' };
      for (const attribute of ['a', 'b', 'n', 's', 'l']) {
        if (next() < 0.8) context[attribute] = FUZZ_VALUES[Math.floor(next() * FUZZ_VALUES.length)];
      }
      if (next() < 0.5) context['o'] = { x: FUZZ_VALUES[Math.floor(next() * FUZZ_VALUES.length)] };
      const actual = ours.evaluate(key, 'string', 'D', context);
      const expected = theirs.resolve('string', key, 'D', context as OpenFeatureContext);
      const outcome = `${actual.reason}${actual.errorCode ? `/${actual.errorCode}` : ''}`;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      if (
        !isDeepStrictEqual(
          [actual.value, actual.variant, actual.reason, actual.errorCode],
          [expected.value, expected.variant, expected.reason, expected.errorCode],
        )
      ) {
        mismatches.push(
          `${JSON.stringify((flags[key] as { targeting: unknown }).targeting)} with ${JSON.stringify(context)}: ` +
            `ours ${JSON.stringify(actual)} / flagd-core ${JSON.stringify(expected)}`,
        );
        break;
      }
    }
  }
  assert.deepEqual(mismatches, []);
  for (const outcome of ['TARGETING_MATCH', 'DEFAULT', 'ERROR/GENERAL', 'ERROR/PARSE_ERROR']) {
    assert.ok((outcomes.get(outcome) ?? 0) > 500, `too few ${outcome}: ${JSON.stringify([...outcomes])}`);
  }
});
