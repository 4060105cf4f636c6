/**
 * Differential test: generated flags (fixed seeds) × generated contexts, compiled once and evaluated by
 * (a) the real @openfeature/flagd-core evaluator, (b) the real @openfeature/flagd-provider in in-process mode
 * reading the written `.flagd.json` through the OpenFeature server SDK, (c) Rollgate's own FlagdEngine, and
 * (d) RollgateProvider reading the same file through the SDK. They must agree on value, variant, reason and error
 * code for every evaluation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlagdCore } from '@openfeature/flagd-core';
import { FlagdProvider } from '@openfeature/flagd-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import type { Client, EvaluationDetails, FlagValue, JsonValue as OpenFeatureJson } from '@openfeature/server-sdk';
import { FlagdEngine } from '../../src/eval/index.ts';
import { RollgateProvider } from '../../src/provider/index.ts';
import { compileStore, serializeFlagdDocument } from '../../src/flagd/index.ts';
import type { FlagType } from '../../src/flags/model.ts';
import { errorMessage } from '../../src/errors.ts';
import { createRandom, generateContext, generateStoreDocument } from './generate.ts';

const SEED = 20261125;
const DEFAULTS: Record<FlagType, FlagValue> = { boolean: false, string: 'code-default', number: -1, object: { d: 1 } };
const TYPES = Object.keys(DEFAULTS) as FlagType[];

interface Outcome {
  value: unknown;
  variant: string | undefined;
  reason: string | undefined;
  errorCode: string | undefined;
}

interface Evaluation {
  environment: string;
  flagKey: string;
  type: FlagType;
  context: Record<string, OpenFeatureJson>;
}

const document = generateStoreDocument(SEED, 40);
const compiled = compileStore(document);
const random = createRandom(SEED);
const contexts = Array.from({ length: 150 }, () => generateContext(random));
const evaluations: Evaluation[] = [];
for (const environment of compiled.keys()) {
  for (const flag of document.flags) {
    for (const context of contexts) {
      // Mostly the flag's own type; sometimes another one (TYPE_MISMATCH) or an unknown key (FLAG_NOT_FOUND).
      const type = random.chance(0.9) ? flag.type : random.pick(TYPES);
      const flagKey = random.chance(0.01) ? `${flag.key}-missing` : flag.key;
      evaluations.push({ environment, flagKey, type, context });
    }
  }
}

/** Evaluates `e` through an OpenFeature client, with the typed method of its flag type. */
async function clientDetails(client: Client, e: Evaluation): Promise<EvaluationDetails<FlagValue>> {
  switch (e.type) {
    case 'boolean':
      return client.getBooleanDetails(e.flagKey, false, e.context);
    case 'string':
      return client.getStringDetails(e.flagKey, 'code-default', e.context);
    case 'number':
      return client.getNumberDetails(e.flagKey, -1, e.context);
    case 'object':
      return client.getObjectDetails(e.flagKey, { d: 1 }, e.context);
  }
}

function outcome(details: { value: unknown; variant?: string; reason?: string; errorCode?: string }): Outcome {
  return { value: details.value, variant: details.variant, reason: details.reason, errorCode: details.errorCode };
}

describe('compiled flags evaluate the same in flagd-core, flagd-provider, FlagdEngine and RollgateProvider', () => {
  let dir: string;
  const cores = new Map<string, FlagdCore>();
  const engines = new Map<string, FlagdEngine>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rollgate-flagd-diff-'));
    for (const [environment, doc] of compiled) {
      const text = serializeFlagdDocument(doc);
      const core = new FlagdCore();
      core.setConfigurations(text);
      cores.set(environment, core);
      const engine = new FlagdEngine({ now: () => new Date('2026-11-25T12:00:00Z') });
      engine.setFlags(text);
      engines.set(environment, engine);
      const path = join(dir, `${environment}.flagd.json`);
      await writeFile(path, text);
      await OpenFeature.setProviderAndWait(
        environment,
        new FlagdProvider({ resolverType: 'in-process', offlineFlagSourcePath: path }),
      );
      await OpenFeature.setProviderAndWait(
        `rollgate-${environment}`,
        new RollgateProvider({ source: { file: path }, watch: false, now: () => new Date('2026-11-25T12:00:00Z') }),
      );
    }
  });

  after(async () => {
    await OpenFeature.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('covers every reason and error the evaluators can give', () => {
    const reasons = new Set<string>();
    for (const e of evaluations) {
      const core = cores.get(e.environment);
      assert.ok(core);
      const r = core.resolve(e.type, e.flagKey, DEFAULTS[e.type], e.context);
      reasons.add(r.errorCode ?? r.reason ?? 'none');
    }
    const all = ['STATIC', 'DEFAULT', 'TARGETING_MATCH', 'DISABLED', 'TYPE_MISMATCH', 'FLAG_NOT_FOUND', 'GENERAL'];
    for (const expected of all) {
      assert.ok(reasons.has(expected), `generated cases never produce ${expected}: ${[...reasons].join(', ')}`);
    }
  });

  it(`agrees on ${evaluations.length} evaluations`, async () => {
    let mismatches = 0;
    const examples: string[] = [];
    for (const e of evaluations) {
      const core = cores.get(e.environment);
      assert.ok(core);
      const expected = outcome(core.resolve(e.type, e.flagKey, DEFAULTS[e.type], e.context));
      const provider = outcome(await clientDetails(OpenFeature.getClient(e.environment), e));
      const engine = engines.get(e.environment);
      assert.ok(engine);
      const ours = outcome(engine.evaluate(e.flagKey, e.type, DEFAULTS[e.type], e.context));
      const rollgate = outcome(await clientDetails(OpenFeature.getClient(`rollgate-${e.environment}`), e));
      try {
        assert.deepEqual(provider, expected, 'flagd-provider vs flagd-core');
        assert.deepEqual(ours, expected, 'FlagdEngine vs flagd-core');
        assert.deepEqual(rollgate, expected, 'RollgateProvider vs flagd-core');
      } catch (error) {
        mismatches++;
        if (examples.length < 5) {
          const found = { e, expected, provider, ours, rollgate };
          examples.push(`${errorMessage(error).split('\n')[0]}: ${JSON.stringify(found)}`);
        }
      }
    }
    assert.equal(mismatches, 0, examples.join('\n'));
  });
});
