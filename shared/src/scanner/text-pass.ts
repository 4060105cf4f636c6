/**
 * The text pass: every tracked file of any language (YAML, JSON, Go, Python, …) searched for flag keys and their
 * case variants (`new-checkout`, `new_checkout`, `newCheckout`, `NEW_CHECKOUT`), so that a key still present
 * anywhere is never called unreferenced (parity with ld-find-code-refs). One combined regular expression over
 * all variants of all keys, one pass per file.
 */
import { execFileSync } from 'node:child_process';
import { keyWords } from './key-words.ts';
import type { FlagReference } from './types.ts';

/** Variants shorter than this are not searched (`on`, `ab` would match everywhere). */
export const MIN_TEXT_VARIANT_LENGTH = 3;
/** Files larger than this (bytes of text) are skipped: lockfiles, bundles, data. */
const MAX_TEXT_FILE_LENGTH = 2_000_000;

/** `key` as written plus its kebab, snake, camel and UPPER_SNAKE spellings. */
export function keyVariants(key: string): string[] {
  const w = keyWords(key);
  const variants = new Set([key]);
  if (w.length > 0) {
    variants.add(w.join('-'));
    variants.add(w.join('_'));
    variants.add(w.join('_').toUpperCase());
    variants.add(
      w[0]! +
        w
          .slice(1)
          .map((x) => x[0]!.toUpperCase() + x.slice(1))
          .join(''),
    );
  }
  return [...variants];
}

/** A matcher for the variants of `keys`; undefined when no variant is long enough. */
export interface TextMatcher {
  readonly regex: RegExp;
  /** variant → the store keys it stands for. */
  readonly keysOf: ReadonlyMap<string, readonly string[]>;
}

/** Builds the one regular expression of the text pass (longest variants first, identifier-like boundaries). */
export function createTextMatcher(keys: Iterable<string>): TextMatcher | undefined {
  const keysOf = new Map<string, string[]>();
  for (const key of keys) {
    for (const variant of keyVariants(key)) {
      if (variant.length < MIN_TEXT_VARIANT_LENGTH) continue;
      const list = keysOf.get(variant) ?? [];
      if (!list.includes(key)) list.push(key);
      keysOf.set(variant, list);
    }
  }
  if (keysOf.size === 0) return undefined;
  const alternation = [...keysOf.keys()]
    .sort((a, b) => b.length - a.length)
    .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
  return { regex: new RegExp(`(?<![\\w$-])(?:${alternation})(?![\\w$-])`, 'g'), keysOf };
}

/**
 * The `text` references of one file: one per key per match (a variant shared by two keys gives both). Binary
 * files (a NUL character) and very large files give none.
 */
export function findTextReferences(file: string, text: string, matcher: TextMatcher): FlagReference[] {
  if (text.length > MAX_TEXT_FILE_LENGTH || text.includes('\0')) return [];
  const refs: FlagReference[] = [];
  let lineStarts: number[] | undefined;
  for (const match of text.matchAll(matcher.regex)) {
    lineStarts ??= computeLineStarts(text);
    const start = match.index;
    const end = start + match[0].length;
    const range = { start: positionOf(lineStarts, start), end: positionOf(lineStarts, end) };
    for (const key of matcher.keysOf.get(match[0]) ?? []) {
      refs.push({
        kind: 'text',
        key,
        keyExpression: match[0],
        file,
        range,
        start,
        end,
        keyStart: start,
        keyEnd: end,
        callKind: 'unknown',
        sdk: 'custom',
        method: 'text',
        returns: 'other',
      });
    }
  }
  return refs;
}

/**
 * The files git tracks under `root` (plus untracked, not ignored ones), absolute and `/`-separated; undefined when
 * `root` is not in a git work tree or git is not installed.
 */
export function listGitFiles(root: string): string[] | undefined {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .split('\0')
      .filter((f) => f !== '')
      .map((f) => `${root}/${f}`);
  } catch {
    return undefined;
  }
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function positionOf(lineStarts: readonly number[], offset: number): { line: number; character: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - lineStarts[lo]! };
}
