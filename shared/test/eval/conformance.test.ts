// The flagd-testbed evaluator suite (gherkin), run against FlagdEngine. The suite lives beside the repository
// (<repo>/../shared/conformance/flagd-testbed/evaluator), as CI clones it; it is read, never copied in.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FlagdEngine, type EvaluationContext, type EvaluationResult, type ValueType } from '../../src/eval/index.ts';
import { parseFeature, type RunnableScenario, type Step } from './gherkin.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
const suiteDir = resolve(repoRoot, '..', 'shared', 'conformance', 'flagd-testbed', 'evaluator');
const SKIPPED_TAGS = ['@fractional-v1', '@fractional-v3'];
const NOW = new Date('2026-01-15T12:00:00Z');

type GherkinType = 'Boolean' | 'String' | 'Integer' | 'Float' | 'Object';

const VALUE_TYPES: Record<GherkinType, ValueType> = {
  Boolean: 'boolean',
  String: 'string',
  Integer: 'number',
  Float: 'number',
  Object: 'object',
};

function parseValue(type: string, text: string): unknown {
  switch (type) {
    case 'Boolean':
      assert.ok(text === 'true' || text === 'false', `not a Boolean: ${text}`);
      return text === 'true';
    case 'String':
      return text;
    case 'Integer':
      return Number.parseInt(text, 10);
    case 'Float':
      return Number.parseFloat(text);
    case 'Object':
      return JSON.parse(text.replaceAll('\\"', '"')) as unknown;
    default:
      throw new Error(`unknown gherkin type ${type}`);
  }
}

interface World {
  engine?: FlagdEngine;
  flag?: { type: GherkinType; key: string; fallback: unknown };
  context: EvaluationContext;
  result?: EvaluationResult<unknown>;
}

function resultOf(world: World): EvaluationResult<unknown> {
  assert.ok(world.result, 'no "the flag was evaluated with details" step ran');
  return world.result;
}

const steps: [RegExp, (world: World, match: string[], step: Step) => void][] = [
  [
    /^an evaluator$/,
    (world) => {
      world.engine = new FlagdEngine({ now: () => NOW });
      world.engine.setFlags(readFileSync(join(suiteDir, 'flags', 'testkit-flags.json'), 'utf8'));
    },
  ],
  [
    /^a (Boolean|String|Integer|Float|Object)-flag with key "(.*)" and a fallback value "(.*)"$/,
    (world, [, type, key, fallback]) => {
      world.flag = { type: type as GherkinType, key: key ?? '', fallback: parseValue(type ?? '', fallback ?? '') };
    },
  ],
  [
    /^a context containing a key "(.*)", with type "(.*)" and with value "(.*)"$/,
    (world, [, key, type, value]) => {
      world.context[key ?? ''] = parseValue(type ?? '', value ?? '');
    },
  ],
  [
    /^a context containing a nested property with outer key "(.*)" and inner key "(.*)", with value "(.*)"$/,
    (world, [, outer = '', inner = '', value]) => {
      const existing = world.context[outer];
      world.context[outer] = { ...(typeof existing === 'object' ? existing : {}), [inner]: value };
    },
  ],
  [
    /^a context containing a targeting key with value "(.*)"$/,
    (world, [, value]) => {
      world.context.targetingKey = value ?? '';
    },
  ],
  [
    /^the flag was evaluated with details$/,
    (world) => {
      assert.ok(world.engine && world.flag, 'no evaluator or flag given');
      const { type, key, fallback } = world.flag;
      world.result = world.engine.evaluate(key, VALUE_TYPES[type], fallback, world.context);
    },
  ],
  [
    /^the resolved details value should be "(.*)"$/,
    (world, [, expected]) => {
      assert.ok(world.flag);
      assert.deepEqual(
        resultOf(world).value,
        parseValue(world.flag.type, expected ?? ''),
        JSON.stringify(world.result),
      );
    },
  ],
  [
    /^the reason should be "(.*)"$/,
    (world, [, expected]) => {
      assert.equal(resultOf(world).reason, expected, JSON.stringify(world.result));
    },
  ],
  [
    /^the error-code should be "(.*)"$/,
    (world, [, expected]) => {
      assert.equal(resultOf(world).errorCode, expected, JSON.stringify(world.result));
    },
  ],
  [
    /^the resolved metadata should contain$/,
    (world, _match, step) => {
      const [header, ...rows] = step.table ?? [];
      assert.deepEqual(header, ['key', 'metadata_type', 'value']);
      const metadata = resultOf(world).flagMetadata;
      for (const [key = '', type = '', value = ''] of rows) {
        assert.deepEqual(metadata[key], parseValue(type, value), key);
      }
    },
  ],
  [
    /^the resolved metadata is empty$/,
    (world) => {
      assert.deepEqual(resultOf(world).flagMetadata, {});
    },
  ],
];

function run(scenario: RunnableScenario): void {
  const world: World = { context: {} };
  for (const step of scenario.steps) {
    const handler = steps.find(([pattern]) => pattern.test(step.text));
    assert.ok(handler, `no step definition for: ${step.text}`);
    handler[1](world, handler[0].exec(step.text) ?? [], step);
  }
}

if (!existsSync(join(suiteDir, 'gherkin'))) {
  test('flagd-testbed evaluator suite', () => {
    assert.fail(
      `The flagd-testbed evaluator suite was not found at ${suiteDir} (expected gherkin/*.feature and ` +
        'flags/testkit-flags.json there: clone the shared conformance folder beside the repository).',
    );
  });
} else {
  const files = readdirSync(join(suiteDir, 'gherkin'))
    .filter((f) => f.endsWith('.feature'))
    .sort();
  test('the suite has scenarios', () => assert.ok(files.length > 0, `no .feature files in ${suiteDir}/gherkin`));
  for (const file of files) {
    const scenarios = parseFeature(readFileSync(join(suiteDir, 'gherkin', file), 'utf8'), file);
    void describe(`${file}: ${scenarios[0]?.feature ?? ''}`, () => {
      for (const scenario of scenarios) {
        if (scenario.tags.some((tag) => SKIPPED_TAGS.includes(tag))) continue;
        void test(scenario.name, () => run(scenario));
      }
    });
  }
}
