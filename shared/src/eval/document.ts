/**
 * Reading a flagd flag-definition document: JSON text or object → validated, frozen flags with `$ref`s resolved and
 * flag metadata merged over flag-set metadata. Structural errors reject the whole document (FlagError PARSE_ERROR);
 * a targeting rule that cannot run only marks its flag (flagd answers PARSE_ERROR when that flag is evaluated).
 */
// The ESM build: esbuild (platform node) would pick the UMD `main`, whose internal requires it cannot bundle
// (microsoft/node-jsonc-parser#57).
import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { FlagError } from '../errors.ts';
import type { FlagdDocument, FlagdFlag, FlagdMetadata } from '../flagd/types.ts';

/** One flag of a parsed document. */
export interface ParsedFlag {
  readonly key: string;
  /** The definition as given (frozen), `$ref`s unresolved. */
  readonly definition: FlagdFlag;
  /** The targeting rule with `$ref`s resolved; undefined when the flag has none (or `{}`). */
  readonly targeting: unknown;
  /** Why the targeting cannot be resolved (`$ref` to a missing or cyclic evaluator). */
  readonly targetingError: string | undefined;
  /** Flag metadata merged over flag-set metadata (frozen). */
  readonly metadata: Readonly<FlagdMetadata>;
  /** Canonical text of everything that decides the flag's evaluation; equal fingerprints evaluate equally. */
  readonly fingerprint: string;
}

/** A validated document: its flags in document order and its flag-set metadata (frozen). */
export interface ParsedDocument {
  readonly flags: ReadonlyMap<string, ParsedFlag>;
  readonly metadata: Readonly<FlagdMetadata>;
}

const HINT = 'Fix the flagd document (schema: https://flagd.dev/schema/v0/flags.json) and load it again.';

function invalid(message: string, extra: Record<string, unknown> = {}): never {
  throw new FlagError('PARSE_ERROR', `Invalid flagd document: ${message}`, { hint: HINT, ...extra });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * The first JSON syntax error of `text`, located: V8's JSON.parse messages do not always give a position, so the
 * error path re-reads the text with jsonc-parser (comments and trailing commas disallowed, as in JSON).
 */
function syntaxError(text: string): { message: string; line: number; column: number } | undefined {
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return undefined;
  const before = text.slice(0, first.offset).split('\n');
  return { message: printParseErrorCode(first.error), line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

function checkJson(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) invalid(`${path} is ${value}, which JSON cannot hold`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJson(item, `${path}[${i}]`));
    return;
  }
  if (isRecord(value) && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) checkJson(item, `${path}.${key}`);
    return;
  }
  invalid(`${path} is not a JSON value (${typeof value})`);
}

function checkMetadata(value: unknown, path: string): Readonly<FlagdMetadata> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) invalid(`${path} must be an object of string, number or boolean values`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'boolean' && !(typeof item === 'number' && Number.isFinite(item))) {
      invalid(`${path}.${key} must be a string, number or boolean`);
    }
  }
  return value as FlagdMetadata;
}

/** JSON text with object keys sorted, so equal content gives equal text whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Replaces `{"$ref": name}` by the named `$evaluators` entry, recursively; throws a message for a bad reference. */
function resolveRefs(node: unknown, evaluators: Record<string, unknown>, stack: readonly string[]): unknown {
  if (Array.isArray(node)) return node.map((item) => resolveRefs(item, evaluators, stack));
  if (!isRecord(node)) return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === '$ref') {
    const name = node['$ref'];
    if (typeof name !== 'string') throw new Error(`"$ref" must name an evaluator, got ${JSON.stringify(name)}`);
    if (!Object.hasOwn(evaluators, name)) {
      const known = Object.keys(evaluators);
      throw new Error(
        `"$ref": "${name}" names no entry of $evaluators (${known.length ? `defined: ${known.join(', ')}` : 'none defined'})`,
      );
    }
    if (stack.includes(name)) throw new Error(`"$ref" cycle: ${[...stack, name].join(' → ')}`);
    return resolveRefs(evaluators[name], evaluators, [...stack, name]);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = resolveRefs(node[key], evaluators, stack);
  return out;
}

function parseFlag(
  key: string,
  raw: unknown,
  evaluators: Record<string, unknown>,
  setMetadata: Readonly<FlagdMetadata>,
): ParsedFlag {
  const at = `flags["${key}"]`;
  if (!isRecord(raw)) invalid(`${at} must be an object with state, variants and defaultVariant`, { flagKey: key });
  if (raw['state'] !== 'ENABLED' && raw['state'] !== 'DISABLED') {
    invalid(`${at}.state must be "ENABLED" or "DISABLED", got ${JSON.stringify(raw['state'])}`, { flagKey: key });
  }
  const variants = raw['variants'];
  if (!isRecord(variants)) invalid(`${at}.variants must be an object of variant name → value`, { flagKey: key });
  checkJson(variants, `${at}.variants`);
  const defaultVariant = raw['defaultVariant'];
  if (defaultVariant !== undefined && defaultVariant !== null && typeof defaultVariant !== 'string') {
    invalid(`${at}.defaultVariant must be a variant name or null`, { flagKey: key });
  }
  if (typeof defaultVariant === 'string' && defaultVariant !== '' && !Object.hasOwn(variants, defaultVariant)) {
    invalid(
      `${at}.defaultVariant "${defaultVariant}" is not one of its variants (${Object.keys(variants).join(', ')})`,
      { flagKey: key },
    );
  }
  const rawTargeting = raw['targeting'];
  if (rawTargeting !== undefined && rawTargeting !== null && !isRecord(rawTargeting)) {
    invalid(`${at}.targeting must be a JsonLogic object`, { flagKey: key });
  }
  if (rawTargeting) checkJson(rawTargeting, `${at}.targeting`);
  const metadata = Object.freeze({ ...setMetadata, ...checkMetadata(raw['metadata'], `${at}.metadata`) });

  let targeting: unknown;
  let targetingError: string | undefined;
  if (rawTargeting && Object.keys(rawTargeting).length > 0) {
    try {
      targeting = deepFreeze(resolveRefs(rawTargeting, evaluators, []));
    } catch (e) {
      targetingError = e instanceof Error ? e.message : String(e);
      targeting = rawTargeting;
    }
  }
  const fingerprint = canonical({
    state: raw['state'],
    variants,
    defaultVariant: defaultVariant ?? null,
    targeting: targeting ?? null,
    metadata,
  });
  return { key, definition: raw as unknown as FlagdFlag, targeting, targetingError, metadata, fingerprint };
}

/**
 * Parses and validates a flagd document (JSON text or object; objects are copied, never kept or changed).
 * Throws FlagError PARSE_ERROR (details: line/column for JSON syntax, flagKey for a bad flag, hint).
 */
export function parseDocument(input: FlagdDocument | string): ParsedDocument {
  let document: unknown;
  if (typeof input === 'string') {
    try {
      document = JSON.parse(input);
    } catch (e) {
      const located = syntaxError(input);
      const where = located ? ` at line ${located.line}, column ${located.column} (${located.message})` : '';
      throw new FlagError(
        'PARSE_ERROR',
        `Invalid flagd document: not valid JSON${where}`,
        {
          line: located?.line,
          column: located?.column,
          hint: 'Fix the JSON syntax at the given line and column (JSON allows no comments or trailing commas).',
        },
        { cause: e },
      );
    }
  } else {
    try {
      document = structuredClone(input);
    } catch (e) {
      invalid(`the document object cannot be copied (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  if (!isRecord(document)) invalid('the document must be a JSON object with a "flags" object');
  const flags = document['flags'];
  if (!isRecord(flags)) invalid('"flags" must be an object of flag key → flag definition');
  const evaluators = document['$evaluators'] ?? {};
  if (!isRecord(evaluators)) invalid('"$evaluators" must be an object of name → JsonLogic rule');
  checkJson(evaluators, '$evaluators');
  const metadata = Object.freeze({ ...checkMetadata(document['metadata'], 'metadata') });
  deepFreeze(document);
  const parsed = new Map<string, ParsedFlag>();
  for (const [key, raw] of Object.entries(flags)) parsed.set(key, parseFlag(key, raw, evaluators, metadata));
  return { flags: parsed, metadata };
}
