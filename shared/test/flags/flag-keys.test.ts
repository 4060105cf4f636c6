import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { storeDocumentSchema, type StoreDocument } from '../../src/flags/model.ts';
import { parseStoreDocument, serializeStoreDocument } from '../../src/store/store-yaml.ts';
import { compileEnvironment } from '../../src/flagd/compile.ts';
import { generateTypedAccessors } from '../../src/snippets/codegen.ts';
import { describeDiagnostics, repoProject, scratchDir } from '../snippets/helpers.ts';

/** Keys flagd accepts that need quoting in YAML or JSON, or that are no JavaScript identifier. */
const KEYS = [
  'automatedActions',
  'automated-actions', // same camelCase name as the one above
  'UPPER_CASE',
  'team.Feature',
  'with space',
  'yes',
  'true',
  'null',
  '123',
  '0x1F',
  'a: b',
  '#hash',
  '- dash',
  `"quoted'`,
  'back\\slash',
  'ünïcode',
  '*alias',
  '!tag',
];

const document: StoreDocument = storeDocumentSchema.parse({
  version: 1,
  environments: [{ key: 'production' }],
  flags: KEYS.map((key, i) => ({
    key,
    name: `Flag ${i}`,
    kind: 'release',
    createdAt: '2026-01-01T00:00:00Z',
    type: 'boolean',
    variants: { on: true, off: false },
    environments: { production: { enabled: true, defaultVariant: i % 2 === 0 ? 'on' : 'off' } },
  })),
});

describe('flag keys flagd accepts', () => {
  it('round-trip through flags.yaml', () => {
    const text = serializeStoreDocument(document);
    const back = parseStoreDocument(text, 'flags.yaml');
    assert.deepEqual(back.flags.map((f) => f.key).sort(), [...KEYS].sort());
    assert.equal(serializeStoreDocument(back), text);
  });

  it('round-trip through flagd JSON', () => {
    const compiled = JSON.parse(JSON.stringify(compileEnvironment(document, 'production'))) as {
      flags: Record<string, { defaultVariant: string }>;
    };
    assert.deepEqual(Object.keys(compiled.flags).sort(), [...KEYS].sort());
    assert.equal(compiled.flags['automatedActions']?.defaultVariant, 'on');
  });

  it('give typed accessors that type-check and evaluate the right key', async () => {
    const { dir, remove } = await scratchDir('flag-keys');
    try {
      const generated = join(dir, 'flags.generated.ts');
      await writeFile(generated, generateTypedAccessors(document));
      const project = await repoProject([generated]);
      assert.deepEqual(describeDiagnostics(project.getPreEmitDiagnostics()), []);
      const module = (await import(pathToFileURL(generated).href)) as {
        flags: Record<string, (client: { getBooleanValue: (key: string) => Promise<boolean> }) => Promise<boolean>>;
      };
      const asked: string[] = [];
      const client = { getBooleanValue: (key: string) => (asked.push(key), Promise.resolve(true)) };
      for (const accessor of Object.values(module.flags)) await accessor(client);
      assert.deepEqual(asked.sort(), [...KEYS].sort());
      // Unique camelCase names become identifiers; the two keys that share one keep their key as property name.
      assert.ok(module.flags['UPPERCASE'] && module.flags['flag123'] && module.flags['withSpace']);
      assert.ok(module.flags['automatedActions'] && module.flags['automated-actions']);
    } finally {
      await remove();
    }
  });
});
