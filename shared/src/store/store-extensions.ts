/**
 * The extension fields (`x-…`, see store-fields.ts) of a store file on their own, for a store that does not hold the
 * file: the PostgreSQL store keeps them so that `rollgate migrate` → `rollgate export` gives them back (transfer.ts).
 */
import type { z } from 'zod';
import { storeDocumentSchema } from '../flags/model.ts';
import type { JsonValue } from '../flags/model.ts';
import { fieldSchema, hasFixedFields, isExtensionField } from './store-fields.ts';

/**
 * A skeleton of a store file holding only its extension fields and what leads to them: the names of the objects on
 * the way, the `key` / `id` of those objects (how a rewrite recognizes a list item, store-yaml.ts) and list positions
 * (`null` for an item without extension fields). Written back by `renderStoreDocument`, which puts each field on the
 * object that is there now (a field whose object is gone is dropped, as with a file).
 */
export type ExtensionFields = { [key: string]: JsonValue };

/**
 * The extension fields of `value` (a store file as plain JSON-like data, e.g. parsed YAML), or undefined when it has
 * none. Never throws.
 */
export function extensionFieldsOf(value: unknown): ExtensionFields | undefined {
  const skeleton = skeletonOf(storeDocumentSchema, value);
  return typeof skeleton === 'object' && skeleton !== null && !Array.isArray(skeleton) ? skeleton : undefined;
}

function skeletonOf(schema: z.ZodType | undefined, value: unknown): JsonValue | undefined {
  if (schema === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map((item, i) => skeletonOf(fieldSchema(schema, i), item) ?? null);
    return items.some((item) => item !== null) ? items : undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const fixed = hasFixedFields(schema);
  const skeleton: ExtensionFields = {};
  let found = false;
  for (const [key, field] of Object.entries(value)) {
    // In records (variants, metadata, groups…) an `x-` key is an ordinary key, not an extension.
    // The value of parsed YAML (or JSON) is JSON-like.
    const child = fixed && isExtensionField(key) ? (field as JsonValue) : skeletonOf(fieldSchema(schema, key), field);
    if (child === undefined) continue;
    skeleton[key] = child;
    found = true;
  }
  if (!found) return undefined;
  for (const identity of ['key', 'id']) {
    const id = value[identity];
    if (fixed && typeof id === 'string') skeleton[identity] = id;
  }
  return skeleton;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
