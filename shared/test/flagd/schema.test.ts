import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from '@openfeature/flagd-core';
import { DefaultLogger } from '@openfeature/core';
import { compileStore, serializeFlagdDocument } from '../../src/flagd/index.ts';
import { booleanFlag, storeDocument } from './documents.ts';
import { generateStoreDocument } from './generate.ts';
import type { StoreDocument } from '../../src/flags/model.ts';

// @openfeature/flagd-core bundles a validator compiled from the flagd schema (flagd.dev/schema/v0, flags.json +
// targeting.json); its strict mode rejects any document the schema rejects, so it is the schema check.
describe('flagd JSON schema (the validator bundled in @openfeature/flagd-core, strict mode)', () => {
  const storage = new MemoryStorage(new DefaultLogger());
  const strict = (doc: unknown): void => {
    storage.setConfigurations(JSON.stringify(doc), true);
  };

  it('rejects documents that break the schema, so passing means something', () => {
    assert.throws(() => strict({ flags: { f: { state: 'ON', variants: { a: true } } } }), /invalid flagd/);
    assert.throws(() => strict({ flags: {}, metadata: { x: {} } }), /invalid flagd/);
    // Not strict: the same document loads, so the rejection above came from the schema.
    assert.doesNotThrow(() => storage.setConfigurations('{"flags": {}, "metadata": {"x": {}}}', false));
  });

  it('accepts every compiled environment of hand-written and generated documents', () => {
    for (const doc of documents()) {
      for (const [env, compiled] of compileStore(doc)) {
        assert.doesNotThrow(
          () => storage.setConfigurations(serializeFlagdDocument(compiled), true),
          `environment ${env}`,
        );
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
