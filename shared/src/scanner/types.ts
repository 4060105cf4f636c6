/**
 * Types of the flag scanner. This module is light: it imports no ts-morph at runtime, so the extension and the
 * MCP server can type their code against it without loading a TypeScript compiler.
 */
import type { FlagType } from '../flags/model.ts';

/** The SDK family a call pattern belongs to; `custom` = a wrapper declared in `.rollgate/scanner.yaml` or auto-detected. */
export const Sdk = {
  openfeature: 'openfeature',
  launchdarkly: 'launchdarkly',
  unleash: 'unleash',
  growthbook: 'growthbook',
  custom: 'custom',
} as const;
export type Sdk = (typeof Sdk)[keyof typeof Sdk];

/** The SDK presets a repo can switch on in `.rollgate/scanner.yaml` (OpenFeature is always on). */
export type SdkPreset = Exclude<Sdk, 'openfeature' | 'custom'>;

/**
 * What a call evaluates: a plain `boolean`/`string`/`number`/`object` value, an evaluation-details object
 * (`getBooleanDetails`), a React `hook`, or `unknown` (e.g. LaunchDarkly's untyped `variation`).
 */
export const CallKind = {
  boolean: 'boolean',
  string: 'string',
  number: 'number',
  object: 'object',
  details: 'details',
  hook: 'hook',
  unknown: 'unknown',
} as const;
export type CallKind = (typeof CallKind)[keyof typeof CallKind];

/** A 0-based position, as in LSP and VS Code. */
export interface SourcePosition {
  readonly line: number;
  readonly character: number;
}

/** A 0-based range, end exclusive. */
export interface SourceRange {
  readonly start: SourcePosition;
  readonly end: SourcePosition;
}

/**
 * One call pattern: a function or method name whose argument `keyArgument` is a flag key.
 * Matching is by name (the callee identifier, or the property name of a method call); `module` narrows a
 * wrapper to a function imported from that module (or declared in it).
 */
export interface CallPattern {
  readonly sdk: Sdk;
  /** Function or method name, e.g. `getBooleanValue`, `useFlag`, `isEnabled`. */
  readonly function: string;
  /**
   * Only calls of a function imported from this module: a package name (`@acme/flags`) or a path relative to
   * the scan root (`./src/flags`, without extension). Undefined = any callee with this name.
   */
  readonly module?: string;
  /** 0-based index of the key argument. */
  readonly keyArgument: number;
  /** 0-based index of the default-value argument, `last` for the last argument when there are at least two. */
  readonly defaultArgument?: number | 'last';
  readonly callKind: CallKind;
  /** Type of the flag value when the pattern fixes it (`getBooleanValue`, `isEnabled`, `isOn`). */
  readonly valueType?: FlagType;
  /** Whether the call returns the value or an evaluation-details object (`{ value, variant, reason }`). */
  readonly returns: 'value' | 'details' | 'other';
}

/** One flag reference found in code. */
export interface FlagReference {
  /** The flag key, or undefined when the scanner could not resolve it (see `unresolvedReason`). */
  readonly key: string | undefined;
  /** Source text of the key argument as written, e.g. `'new-checkout'`, `FLAGS.checkout`, `` `a-${b}` ``. */
  readonly keyExpression: string;
  /** Why `key` is undefined, in one sentence (e.g. "the key is a function parameter"). */
  readonly unresolvedReason?: string;
  /** Absolute path, `/`-separated. */
  readonly file: string;
  /** The whole call expression, 0-based. */
  readonly range: SourceRange;
  /** Offsets of the whole call expression in the file text. */
  readonly start: number;
  readonly end: number;
  /** Offsets of the key argument in the file text. */
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly callKind: CallKind;
  readonly sdk: Sdk;
  /** The called function or method name (`getBooleanValue`, a wrapper name …). */
  readonly method: string;
  /** Type of the flag value when the pattern fixes it. */
  readonly valueType?: FlagType;
  /** Whether the call returns the value or an evaluation-details object. */
  readonly returns: 'value' | 'details' | 'other';
  /** Source text of the default value given in code, when the call has one. */
  readonly defaultValue?: string;
  /** Innermost named declaration around the call: `Checkout.render`, `useCheckout`, `handler` … */
  readonly enclosingSymbol?: string;
}

/**
 * A function recognised as a flag wrapper: it forwards one of its parameters as the key of an SDK call
 * (`function isOn(key: string) { return client.getBooleanValue(key, false); }`). Calls of the wrapper are
 * reported as references; the forwarding call inside it is not (its key is the caller's).
 */
export interface DetectedWrapper {
  readonly pattern: CallPattern;
  /** File that declares the wrapper. */
  readonly file: string;
  /** The forwarding SDK call inside the wrapper. */
  readonly range: SourceRange;
  /** The SDK method the wrapper forwards to. */
  readonly forwardsTo: string;
}

/** Options of a scan, usually built by `loadScannerConfig` from `.rollgate/scanner.yaml`. */
export interface ScanOptions {
  /** Call patterns to look for; `createPatterns()` gives OpenFeature plus the chosen presets and wrappers. */
  readonly patterns: readonly CallPattern[];
  /** Detect wrapper functions that forward a parameter as the key of an SDK call (default true). */
  readonly detectWrappers?: boolean;
  /**
   * Use the TypeScript type checker for keys syntax cannot resolve, e.g. constants re-exported through
   * another module (a string-literal type gives the key). Builds a program on first use (default true).
   */
  readonly useTypeChecker?: boolean;
}

/** Wall-clock durations of the phases of a scan, in milliseconds. */
export interface ScanTimings {
  /** Loading ts-morph and reading tsconfig / .gitignore. */
  readonly setupMs: number;
  /** Listing files and the text pre-filter. */
  readonly prefilterMs: number;
  /** Parsing candidates and finding references. */
  readonly parseMs: number;
  /** Resolving keys with the type checker (0 when not needed). */
  readonly typeCheckMs: number;
  readonly totalMs: number;
}

/** The outcome of a whole-workspace scan. */
export interface ScanResult {
  /** Every reference, resolved or not, sorted by file then offset. */
  readonly references: FlagReference[];
  /** The subset of `references` whose key is undefined. */
  readonly unresolved: FlagReference[];
  /** Wrappers detected automatically (configured ones are in the options). */
  readonly wrappers: DetectedWrapper[];
  /** Files considered (after tsconfig / .gitignore filtering). */
  readonly filesScanned: number;
  /** Files that passed the text pre-filter and were parsed. */
  readonly filesParsed: number;
  readonly timings: ScanTimings;
}
