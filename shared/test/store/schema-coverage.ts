// Which fields of a zod schema's objects a value never uses: the guard that a "every field" fixture really holds every
// field of the model, at every level, including fields added to the model after the fixture was written.
import * as z from 'zod';
import { unwrap } from '../../src/store/store-fields.ts';

/**
 * The fields of every object reachable from `schema` that no object of `value` (read as `schema`) holds, as
 * `<where the object first appears>.<field>` (e.g. `flags[].environments{}.plan.state.lastCheck`). Empty when
 * `value` exercises every field.
 */
export function unusedFields(schema: z.ZodType, value: unknown): string[] {
  const all = new Map<z.ZodObject, string>();
  collectObjects(schema, '', all, new Set());
  const used = new Set<string>();
  markUsed(schema, value, all, used);
  return [...all].flatMap(([object, where]) =>
    Object.keys(object.shape).flatMap((key) =>
      used.has(fieldId(all, object, key)) ? [] : [where ? `${where}.${key}` : key],
    ),
  );
}

function fieldId(all: ReadonlyMap<z.ZodObject, string>, object: z.ZodObject, key: string): string {
  return `${all.get(object) ?? '?'}.${key}`;
}

function collectObjects(schema: z.ZodType, where: string, all: Map<z.ZodObject, string>, seen: Set<z.ZodType>): void {
  // By the schema itself: a lazy schema (JSON values) may build a new inner schema each time it is unwrapped.
  if (seen.has(schema)) return;
  seen.add(schema);
  const inner = unwrap(schema);
  if (inner instanceof z.ZodUnion) {
    for (const option of inner.options as z.ZodType[]) collectObjects(option, where, all, seen);
  } else if (inner instanceof z.ZodArray) {
    collectObjects(inner.element as z.ZodType, `${where}[]`, all, seen);
  } else if (inner instanceof z.ZodRecord) {
    collectObjects(inner.valueType as z.ZodType, `${where}{}`, all, seen);
  } else if (inner instanceof z.ZodObject) {
    all.set(inner, where);
    const shape: Record<string, z.ZodType> = inner.shape;
    for (const [key, field] of Object.entries(shape)) {
      collectObjects(field, where ? `${where}.${key}` : key, all, seen);
    }
  }
}

function markUsed(schema: z.ZodType, value: unknown, all: Map<z.ZodObject, string>, used: Set<string>): void {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodUnion) {
    // An object value counts for the object options that know all its fields; other values for every option.
    for (const option of inner.options as z.ZodType[]) {
      const object = unwrap(option);
      const fits =
        !isObject(value) ||
        !(object instanceof z.ZodObject) ||
        Object.keys(value).every((key) => Object.hasOwn(object.shape, key));
      if (fits) markUsed(option, value, all, used);
    }
  } else if (inner instanceof z.ZodArray && Array.isArray(value)) {
    for (const item of value) markUsed(inner.element as z.ZodType, item, all, used);
  } else if (inner instanceof z.ZodRecord && isObject(value)) {
    for (const item of Object.values(value)) markUsed(inner.valueType as z.ZodType, item, all, used);
  } else if (inner instanceof z.ZodObject && isObject(value)) {
    const shape = inner.shape as Record<string, z.ZodType>;
    for (const [key, item] of Object.entries(value)) {
      const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
      if (!field) continue;
      used.add(fieldId(all, inner, key));
      markUsed(field, item, all, used);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
