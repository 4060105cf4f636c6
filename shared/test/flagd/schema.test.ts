import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from '@openfeature/flagd-core';
import { DefaultLogger } from '@openfeature/core';
import { compileStore, serializeFlagdDocument } from '../../src/flagd/index.ts';
import { createFlagdSchemaValidator } from './schema.ts';
import { booleanFlag, storeDocument } from './documents.ts';
import { generateStoreDocument } from './generate.ts';
import type { StoreDocument } from '../../src/flags/model.ts';

const validate = createFlagdSchemaValidator();

describe('flagd JSON schema (vendored copy of flagd.dev/schema/v0)', () => {
  it('rejects documents that break it, so passing means something', () => {
    assert.match(validate({ flags: { f: { state: 'ON', variants: { a: true } } } }) ?? '', /state/);
    assert.ok(validate({ flags: { f: { state: 'ENABLED', variants: { a: true }, targeting: { nope: [1] } } } }));
    assert.ok(
      validate({
        flags: { f: { state: 'ENABLED', variants: { a: true }, targeting: { sem_ver: [{ var: 'v' }, '>', 'v1'] } } },
      }),
    );
    assert.ok(validate({ flags: {}, metadata: { flagSetId: 1 } }));
  });

  it('accepts every compiled environment of hand-written and generated documents', () => {
    for (const doc of documents()) {
      for (const [env, compiled] of compileStore(doc)) {
        const errors = validate(JSON.parse(serializeFlagdDocument(compiled)));
        assert.equal(errors, undefined, `environment ${env}: ${errors}`);
      }
    }
  });

  it("passes @openfeature/flagd-core's strict validation (the schema build bundled with the evaluator)", () => {
    const storage = new MemoryStorage(new DefaultLogger());
    // Only the schema rejects this (flag-set metadata values must be scalars), so the check is really on.
    assert.throws(() => storage.setConfigurations('{"flags": {}, "metadata": {"x": {}}}', true), /invalid flagd/);
    assert.doesNotThrow(() => storage.setConfigurations('{"flags": {}, "metadata": {"x": {}}}', false));
    for (const doc of documents()) {
      for (const compiled of compileStore(doc).values()) {
        storage.setConfigurations(serializeFlagdDocument(compiled), true);
      }
    }
  });
});

function documents(): StoreDocument[] {
  return [
    storeDocument([
      booleanFlag('plain'),
      booleanFlag('rolled', {
        environments: {
          production: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 0.5 } },
        },
        metadata: { team: 'web', priority: 2, critical: true },
      }),
    ]),
    ...Array.from({ length: 20 }, (_, i) => generateStoreDocument(1000 + i, 15)),
  ];
}
