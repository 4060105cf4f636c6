/**
 * Structural differences between two JSON values, as the `{ path, before, after }` list the audit log stores in
 * `changes` (and the MCP server shows in a change preview).
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonValue } from './model.ts';

/** One changed value: `before` is absent when the value was added, `after` when it was removed. */
export interface ValueChange {
  /** JSON pointer (RFC 6901) of the changed value, starting with the caller's `basePath`. */
  readonly path: string;
  readonly before?: JsonValue;
  readonly after?: JsonValue;
}

/**
 * The changed paths between `before` and `after`, in a stable order (keys of `before` first, then added keys).
 * Plain objects are compared key by key and only differing leaves are reported; arrays and scalars are compared
 * as a whole (a rule list that changed is one change holding both lists), so every entry can be re-applied as is.
 * `undefined` stands for "absent". `basePath` is a JSON pointer prefix such as `/flags/new-checkout` or `` (the
 * root); object keys are escaped as RFC 6901 requires (`~` → `~0`, `/` → `~1`). Equal values give `[]`. Never throws.
 */
export function diffValues(before: JsonValue | undefined, after: JsonValue | undefined, basePath = ''): ValueChange[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !Object.hasOwn(before, k))];
    return keys.flatMap((key) => diffValues(before[key], after[key], `${basePath}/${escapePointerToken(key)}`));
  }
  return [
    {
      path: basePath,
      ...(before === undefined ? {} : { before }),
      ...(after === undefined ? {} : { after }),
    },
  ];
}

function isPlainObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * A path as users read it in messages: `flags[2].environments.production.defaultVariant`; `the document` for the
 * empty path. Symbols (which zod paths may hold) are shown by their description. Never throws.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the document';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}
