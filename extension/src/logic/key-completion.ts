/**
 * Where flag keys are typed: inside the first-argument string of an evaluation call (`useBooleanFlagValue('…`,
 * `client.getBooleanValue("…`), and where a key's entry sits in flags.yaml. Pure, unit-tested without VS Code.
 */

/** A string the cursor is typing as the key argument of an evaluation call. */
export interface KeyArgumentContext {
  /** The evaluation function, e.g. `getBooleanValue`. */
  readonly callee: string;
  /** What is typed between the opening quote and the cursor. */
  readonly prefix: string;
  /** Column of the first character after the opening quote. */
  readonly start: number;
}

/**
 * The key argument being typed at `column` of `line` (text before the cursor only), when the call is one of
 * `functions` (those whose key is the first argument). Undefined elsewhere.
 */
export function keyArgumentAt(
  line: string,
  column: number,
  functions: ReadonlySet<string>,
): KeyArgumentContext | undefined {
  const before = line.slice(0, column);
  const match = /([A-Za-z_$][\w$]*)\s*(?:<[^()]*>)?\s*\(\s*(['"`])([^'"`\\]*)$/.exec(before);
  if (!match) return undefined;
  const [, callee = '', , prefix = ''] = match;
  if (!functions.has(callee)) return undefined;
  return { callee, prefix, start: column - prefix.length };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Offset of the `key: <key>` line of `key` in the text of flags.yaml, or undefined when it is not there. */
export function flagEntryOffset(yaml: string, key: string): number | undefined {
  const match = new RegExp(`^\\s*-?\\s*key:\\s*['"]?${escapeRegExp(key)}['"]?\\s*$`, 'm').exec(yaml);
  if (!match) return undefined;
  // Point at the key itself, not at the indentation or list dash before it.
  return match.index + match[0].indexOf('key:');
}
