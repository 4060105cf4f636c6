/**
 * The quick pass: calls in one file whose first argument is a string literal naming a store flag
 * (`useBooleanFlagValue('new-checkout', false)`, `client.getStringValue("theme", …)`), found lexically, without the
 * TypeScript compiler. An editor shows its lenses from these while the scanner (ts-morph) is still loading, and
 * replaces them with the scanner's findings as soon as it has them; they are never used for cleanup or stale
 * detection. Importable on its own (`@rollgate/shared/scanner/quick`): no ts-morph here.
 */
import { computeLineStarts, positionOf } from './text-pass.ts';
import type { FlagReference } from './types.ts';

/** Builds the one regular expression of a key set: a callee, optional type arguments, `(`, then a quoted key. */
function callRegex(keys: readonly string[]): RegExp | undefined {
  if (keys.length === 0) return undefined;
  const alternation = [...keys]
    .sort((a, b) => b.length - a.length)
    .map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
  // The callee is the last name before `(` (`client.getBooleanValue` → getBooleanValue). Matches in comments count
  // too: the scanner's findings replace these within seconds.
  return new RegExp(
    `(?<![\\w$])([A-Za-z_$][\\w$]*)\\s*(?:<[^<>()]*>)?\\s*\\(\\s*(['"\`])(${alternation})\\2\\s*[,)]`,
    'g',
  );
}

/** The quick references of `text` (the file `file`) to any of `keys`; see the module comment. */
export function findQuickCallReferences(file: string, text: string, keys: Iterable<string>): FlagReference[] {
  const regex = callRegex([...new Set(keys)].filter((k) => k !== ''));
  if (!regex) return [];
  const lineStarts = computeLineStarts(text);
  const refs: FlagReference[] = [];
  for (const match of text.matchAll(regex)) {
    const [whole, callee = '', quote = '', key = ''] = match;
    const start = match.index;
    const keyStart = start + whole.indexOf(quote + key + quote);
    const keyEnd = keyStart + key.length + 2;
    refs.push({
      kind: 'text',
      key,
      keyExpression: text.slice(keyStart, keyEnd),
      file,
      range: { start: positionOf(lineStarts, start), end: positionOf(lineStarts, keyEnd) },
      start,
      end: keyEnd,
      keyStart,
      keyEnd,
      callKind: 'unknown',
      sdk: 'custom',
      method: callee,
      returns: 'other',
    });
  }
  return refs;
}
