/** Builders of store documents for the flagd and provider tests. */
import { storeDocumentSchema } from '../../src/flags/model.ts';
import type { StoreDocument } from '../../src/flags/model.ts';

/** A flag input as a store file holds it (defaults are filled by the schema). */
export type FlagInput = Record<string, unknown> & { key: string };

/** A boolean release flag `key` with variants on/off, plus `overrides`. */
export function booleanFlag(key: string, overrides: Record<string, unknown> = {}): FlagInput {
  return {
    key,
    name: key,
    kind: 'release',
    createdAt: '2026-11-01T00:00:00Z',
    type: 'boolean',
    variants: { on: true, off: false },
    ...overrides,
  };
}

/** A validated document with the default environments and `flags`. */
export function storeDocument(flags: FlagInput[]): StoreDocument {
  return storeDocumentSchema.parse({
    version: 1,
    environments: [{ key: 'development' }, { key: 'staging' }, { key: 'production', protected: true }],
    flags,
  });
}
