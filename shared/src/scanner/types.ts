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
  statsig: 'statsig',
  configcat: 'configcat',
  posthog: 'posthog',
  flagsmith: 'flagsmith',
  devcycle: 'devcycle',
  vwo: 'vwo',
  custom: 'custom',
} as const;
export type Sdk = (typeof Sdk)[keyof typeof Sdk];

/** The SDK presets a repo can switch on in `.rollgate/scanner.yaml` (OpenFeature is always on). */
export type SdkPreset = Exclude<Sdk, 'openfeature' | 'custom'>;

/** The SDK presets that can be switched on, in a stable order (also the extension's `rollgate.scanner.presets`
 * choices: this module has no runtime imports, so the extension loads it without the scanner). */
export const SDK_PRESETS: readonly SdkPreset[] = [
  'launchdarkly',
  'unleash',
  'growthbook',
  'statsig',
  'configcat',
  'posthog',
  'flagsmith',
  'devcycle',
  'vwo',
];

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

/**
 * How a reference was found: an SDK or wrapper `call`; a `property` read on a flag object or map
 * (`flags.messageBanner`, `uiConfig.flags['x']`); a `destructure` of a flags hook (`const { x } = useFlags()`); a
 * `config-object` string that flows into an evaluator (`{ flag: 'x' }` → `evaluateFlag(route.flag)`); a member of a
 * repo's own flag interface used through `keyof` (`keyof-type`); a `jsx` flag component attribute
 * (`<IfFeatureEnabled feature="x">`); or the `text` pass over every tracked file (any language).
 */
export const ReferenceKind = {
  call: 'call',
  property: 'property',
  destructure: 'destructure',
  configObject: 'config-object',
  keyofType: 'keyof-type',
  jsx: 'jsx',
  text: 'text',
} as const;
export type ReferenceKind = (typeof ReferenceKind)[keyof typeof ReferenceKind];

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
  /**
   * The SDK packages the callee must come from, when that can be resolved (an import of a package or of one of its
   * subpaths): a call of a same-named function declared or imported elsewhere is not this SDK's. A callee whose
   * origin cannot be seen (a parameter, a property of an unknown object) still matches.
   */
  readonly packages?: readonly string[];
  /** 0-based index of the key argument. */
  readonly keyArgument: number;
  /** The key argument is a list of keys (Flagsmith `useFlags(['a', 'b'])`): one reference per element. */
  readonly keyList?: boolean;
  /** 0-based index of the default-value argument, `last` for the last argument when there are at least two. */
  readonly defaultArgument?: number | 'last';
  readonly callKind: CallKind;
  /** Type of the flag value when the pattern fixes it (`getBooleanValue`, `isEnabled`, `isOn`). */
  readonly valueType?: FlagType;
  /** Whether the call returns the value or an evaluation-details object (`{ value, variant, reason }`). */
  readonly returns: 'value' | 'details' | 'other';
}

/** One flag reference found in code (or, for `kind: 'text'`, in any tracked file). */
export interface FlagReference {
  /** How it was found. Only `call` references can be rewritten by cleanup; the others are evidence of use. */
  readonly kind: ReferenceKind;
  /** The flag key, or undefined when the scanner could not resolve it (see `unresolvedReason`). */
  readonly key: string | undefined;
  /**
   * Source text of the key as written: the call's key argument (`'new-checkout'`, `FLAGS.checkout`, `` `a-${b}` ``),
   * the property or attribute, or the matched text.
   */
  readonly keyExpression: string;
  /** Why `key` is undefined, in one sentence (e.g. "the key is a function parameter"). */
  readonly unresolvedReason?: string;
  /** Absolute path, `/`-separated. */
  readonly file: string;
  /** The whole call expression (or property read, element, match), 0-based. */
  readonly range: SourceRange;
  /** Offsets of the whole call expression (or property read, element, match) in the file text. */
  readonly start: number;
  readonly end: number;
  /** Offsets of the key argument in the file text. */
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly callKind: CallKind;
  readonly sdk: Sdk;
  /**
   * The called function or method name (`getBooleanValue`, a wrapper name …); for other kinds what led to the key:
   * the hook (`useFlags`), component (`IfFeatureEnabled`), evaluator, interface, or `text`.
   */
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
 * The deepest wrapper level detected (`useFeature` → `useUiFlag` → `useFlags` → SDK is 3): a function forwarding
 * its key to a wrapper this deep is not made a wrapper, and its forwarding call is an unresolved reference.
 */
export const MAX_WRAPPER_DEPTH = 4;

/**
 * A function recognised as a flag wrapper: it forwards one of its parameters as the key of an SDK call
 * (`function isOn(key: string) { return client.getBooleanValue(key, false); }`) or of another wrapper's call
 * (`function outer(k: string) { return isOn(k); }`). Calls of the wrapper are reported as references; the
 * forwarding call inside it is not (its key is the caller's).
 */
export interface DetectedWrapper {
  readonly pattern: CallPattern;
  /** File that declares the wrapper. */
  readonly file: string;
  /** The forwarding SDK call inside the wrapper. */
  readonly range: SourceRange;
  /** The SDK method (or the wrapper) the wrapper forwards to. */
  readonly forwardsTo: string;
  /**
   * Wrapper levels down to the SDK: 1 for a wrapper of an SDK or configured call (or of a flag map read, or a
   * flag-key wrapper), n + 1 for a wrapper of a depth-n wrapper; at most {@link MAX_WRAPPER_DEPTH}.
   */
  readonly depth: number;
  /**
   * The forwarding call as an unresolved reference: the scan reports it when no call of the wrapper is found (an
   * exported wrapper used elsewhere, or only passed around), so a dynamic evaluation never vanishes.
   */
  readonly forward: FlagReference;
}

/** Options of a scan, usually built by `loadScannerConfig` from `.rollgate/scanner.yaml`. */
export interface ScanOptions {
  /** Call patterns to look for; `createPatterns()` gives OpenFeature plus the chosen presets and wrappers. */
  readonly patterns: readonly CallPattern[];
  /** Detect wrapper functions that forward a parameter as the key of an SDK call (default true). */
  readonly detectWrappers?: boolean;
  /**
   * JSX flag components (`<IfFeatureEnabled feature="x">`); `createPatterns()` gives those of the chosen presets.
   */
  readonly components?: readonly ComponentPattern[];
  /**
   * Hooks and functions that return a flags object (`useFlags()` of LaunchDarkly React): its destructured names and
   * property reads are references.
   */
  readonly flagObjects?: readonly FlagObjectPattern[];
  /**
   * Use the TypeScript type checker for keys syntax cannot resolve, e.g. constants re-exported through
   * another module (a string-literal type gives the key). Builds a program on first use (default true).
   */
  readonly useTypeChecker?: boolean;
}

/** A JSX component whose attribute is a flag key: `<IfFeatureEnabled feature="new-checkout">`. */
export interface ComponentPattern {
  readonly sdk: Sdk;
  readonly component: string;
  readonly keyAttribute: string;
  /** As in {@link CallPattern.packages}. */
  readonly packages?: readonly string[];
}

/**
 * A function whose result maps flag keys to values (`useFlags()`), or a higher-order component that passes such a
 * map as prop `prop` (`withLDConsumer()(C)` → `props.flags`). `camelCaseKeys`: the SDK camel-cases keys
 * (LaunchDarkly: `my-flag` ↔ `myFlag`), so a name read from it stands for any key with the same words.
 */
export interface FlagObjectPattern {
  readonly sdk: Sdk;
  readonly function: string;
  readonly prop?: string;
  readonly camelCaseKeys: boolean;
  readonly packages?: readonly string[];
}

/** Wall-clock durations of the phases of a scan, in milliseconds. */
export interface ScanTimings {
  /** Loading ts-morph and reading tsconfig / .gitignore. */
  readonly setupMs: number;
  /** Listing files and the text pre-filter. */
  readonly prefilterMs: number;
  /** The text pass over every tracked file (0 when no keys were given). */
  readonly textMs?: number;
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
  /**
   * Folders with source files that the scan left out because no tsconfig includes them, and other things a user
   * must know to trust the result. Empty when nothing was skipped.
   */
  readonly warnings?: readonly string[];
  readonly timings: ScanTimings;
}
