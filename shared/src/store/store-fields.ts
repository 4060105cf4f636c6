/**
 * The fields a store file may hold, read off the model's zod schemas: the strict check of `.rollgate/flags.yaml` (a
 * field the model does not know is an error, never silently dropped) and extension fields (`x-…`), which the
 * model ignores and a rewrite keeps (see store-yaml.ts and docs/store.md).
 *
 * Only objects with fixed fields (zod objects) are checked; records (variants, metadata, a flag's environments,
 * groups, JSON values) hold free keys by design. The model schemas themselves stay as they are: they also serve CLI
 * and MCP input, where other rules apply.
 */
import * as z from 'zod';

/** A field whose name starts with this is an extension: allowed on any object with fixed fields, kept on rewrite. */
export const EXTENSION_PREFIX = 'x-';

/** True when `key` names an extension field (`x-…`). */
export function isExtensionField(key: unknown): boolean {
  return typeof key === 'string' && key.startsWith(EXTENSION_PREFIX) && key.length > EXTENSION_PREFIX.length;
}

/** A field the model does not know: the path of the object holding it, its name, and the fields that object knows. */
export interface UnknownField {
  readonly path: readonly (string | number)[];
  readonly key: string;
  readonly known: readonly string[];
}

/**
 * Reads `value` (a plain JSON-like tree, e.g. parsed YAML) as `schema`: returns `value` without its extension fields
 * (a copy; `value` is not changed) and the first field, in document order, that no object schema on the way knows.
 * Values of the wrong type are left for zod to report. For a union, the first option under which no field is unknown
 * is used; when there is none, the unknown field is reported with the fields of all its object options. Never
 * throws.
 */
export function checkFields(
  schema: z.ZodType,
  value: unknown,
  path: readonly (string | number)[] = [],
): { value: unknown; unknown: UnknownField | undefined } {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodUnion) return checkUnion(inner.options as z.ZodType[], value, path);
  if (Array.isArray(value)) {
    if (!(inner instanceof z.ZodArray)) return { value, unknown: undefined };
    return collect(
      value.map((item, i) => [i, checkFields(inner.element as z.ZodType, item, [...path, i])] as const),
      'array',
    );
  }
  if (!isPlainObject(value)) return { value, unknown: undefined };
  if (inner instanceof z.ZodRecord) {
    const valueType = inner.valueType as z.ZodType;
    return collect(
      Object.entries(value).map(([key, v]) => [key, checkFields(valueType, v, [...path, key])] as const),
      'object',
    );
  }
  if (!(inner instanceof z.ZodObject)) return { value, unknown: undefined };
  const shape = inner.shape as Record<string, z.ZodType>;
  const known = Object.keys(shape);
  let unknown: UnknownField | undefined;
  const fields: (readonly [string, { value: unknown; unknown: UnknownField | undefined }])[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (isExtensionField(key)) continue;
    // Own fields only: `constructor` or `toString` in the file are unknown fields, not Object.prototype's.
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (field) fields.push([key, checkFields(field, v, [...path, key])]);
    else {
      unknown ??= { path, key, known };
      fields.push([key, { value: v, unknown: undefined }]);
    }
  }
  const result = collect(fields, 'object');
  return { value: result.value, unknown: firstInOrder(value, unknown, result.unknown, path) };
}

/**
 * The schema of field `key` of a value read as `schema` (a list item for a number), or undefined when there is none
 * (a field `schema` does not know, or a scalar). For a union, the first option that has the field.
 */
export function fieldSchema(schema: z.ZodType, key: string | number): z.ZodType | undefined {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodUnion) {
    for (const option of inner.options as z.ZodType[]) {
      const found = fieldSchema(option, key);
      if (found) return found;
    }
    return undefined;
  }
  if (inner instanceof z.ZodArray) return typeof key === 'number' ? (inner.element as z.ZodType) : undefined;
  if (inner instanceof z.ZodRecord) return inner.valueType as z.ZodType;
  if (inner instanceof z.ZodObject) {
    const shape = inner.shape as Record<string, z.ZodType>;
    return Object.hasOwn(shape, key) ? shape[key] : undefined;
  }
  return undefined;
}

/** True when values of `schema` are objects with fixed fields (where extension fields may appear). */
export function hasFixedFields(schema: z.ZodType): boolean {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodUnion) return (inner.options as z.ZodType[]).some(hasFixedFields);
  return inner instanceof z.ZodObject;
}

function checkUnion(
  all: readonly z.ZodType[],
  value: unknown,
  path: readonly (string | number)[],
): { value: unknown; unknown: UnknownField | undefined } {
  // An object is read by the options with fixed fields: a scalar option (a plan step's percentage) would leave its
  // extension fields in, for zod to refuse.
  const objects = isPlainObject(value) ? all.filter(hasFixedFields) : [];
  const options = objects.length > 0 ? objects : all;
  const results = options.map((option) => checkFields(option, value, path));
  const clean = results.find((r) => r.unknown === undefined);
  if (clean) return clean;
  // The option that knows the most of this object's fields is the one the author meant.
  const fieldsKnown = (option: z.ZodType): number => {
    const inner = unwrap(option);
    if (!(inner instanceof z.ZodObject) || !isPlainObject(value)) return 0;
    const shape = inner.shape as Record<string, unknown>;
    return Object.keys(value).filter((k) => Object.hasOwn(shape, k)).length;
  };
  const scores = options.map(fieldsKnown);
  const first = results[scores.indexOf(Math.max(...scores))];
  if (!first?.unknown) return { value, unknown: undefined };
  const { path: at, key } = first.unknown;
  const same = results.flatMap((r) =>
    r.unknown && r.unknown.key === key && samePath(r.unknown.path, at) ? r.unknown.known : [],
  );
  return { value: first.value, unknown: { path: at, key, known: [...new Set(same)] } };
}

/** Rebuilds an array or object from checked children, keeping the first unknown field. */
function collect<K extends string | number>(
  entries: readonly (readonly [K, { value: unknown; unknown: UnknownField | undefined }])[],
  kind: 'array' | 'object',
): { value: unknown; unknown: UnknownField | undefined } {
  const unknown = entries.find(([, result]) => result.unknown)?.[1].unknown;
  const values = entries.map(([key, result]) => [key, result.value] as const);
  // Object.fromEntries defines own properties, so a `__proto__` key stays data.
  return { value: kind === 'array' ? values.map(([, v]) => v) : Object.fromEntries(values), unknown };
}

/** Of an unknown field of `object` itself and one inside a child, the one that comes first in `object`. */
function firstInOrder(
  object: Record<string, unknown>,
  own: UnknownField | undefined,
  nested: UnknownField | undefined,
  path: readonly (string | number)[],
): UnknownField | undefined {
  if (!own || !nested) return own ?? nested;
  const keys = Object.keys(object);
  const nestedKey = String(nested.path[path.length]);
  return keys.indexOf(own.key) <= keys.indexOf(nestedKey) ? own : nested;
}

/** `schema` without its wrappers (optional, nullable, default, readonly, catch, lazy, pipe input). */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodReadonly ||
      current instanceof z.ZodCatch
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodLazy) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function samePath(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  return a.length === b.length && a.every((segment, i) => segment === b[i]);
}
