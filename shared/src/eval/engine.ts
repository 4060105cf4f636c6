/**
 * The flagd evaluation engine: holds one flag set, compiled once per {@link FlagdEngine.setFlags}, and resolves
 * flags OpenFeature-style with flagd semantics. `evaluate` never throws and allocates only its result object on
 * the common paths.
 */
import type { FlagdDocument, FlagdFlag, FlagdMetadata } from '../flagd/types.ts';
import { FlagError } from '../errors.ts';
import { parseDocument, type ParsedDocument, type ParsedFlag } from './document.ts';
import { compileRule, jsString, type Rule } from './jsonlogic.ts';

/** Attributes of the subject a flag is evaluated for; `targetingKey` identifies it (and seeds `fractional`). */
export type EvaluationContext = { targetingKey?: string; [attribute: string]: unknown };

/** The type the caller expects; a variant of another JS type resolves as TYPE_MISMATCH. */
export type ValueType = 'boolean' | 'string' | 'number' | 'object';

/**
 * Why a value was chosen. STATIC: no targeting, default variant. DEFAULT: targeting chose nothing (or there is no
 * default variant: the caller's default). TARGETING_MATCH: targeting chose a variant. DISABLED: the flag is off, the
 * caller's default. ERROR: see `errorCode`, the caller's default.
 */
export type ResolutionReason = 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH' | 'DISABLED' | 'ERROR';

/** OpenFeature error codes an evaluation can end with (reason ERROR). */
export type EvaluationErrorCode =
  'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TYPE_MISMATCH' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL';

/** The outcome of one evaluation, shaped like OpenFeature's resolution details. */
export interface EvaluationResult<T> {
  value: T;
  /** The variant served; absent when the caller's default value was returned. */
  variant?: string;
  reason: ResolutionReason;
  errorCode?: EvaluationErrorCode;
  errorMessage?: string;
  /** Flag metadata merged over flag-set metadata (flag-set metadata only for FLAG_NOT_FOUND). Frozen, shared. */
  flagMetadata: Readonly<Record<string, string | number | boolean>>;
}

/** A flag whose targeting cannot run; evaluating it answers PARSE_ERROR. */
export interface FlagProblem {
  readonly flagKey: string;
  readonly message: string;
}

/** Options of {@link FlagdEngine}. */
export interface FlagdEngineOptions {
  /** Clock for `$flagd.timestamp` (read per access, in whole unix seconds). Default: the system clock. */
  readonly now?: () => Date;
}

interface VariantResults {
  readonly type: string;
  readonly STATIC: EvaluationResult<unknown>;
  readonly DEFAULT: EvaluationResult<unknown>;
  readonly TARGETING_MATCH: EvaluationResult<unknown>;
}

interface CompiledFlag {
  readonly parsed: ParsedFlag;
  readonly enabled: boolean;
  readonly defaultVariant: string | undefined;
  /** Per variant name: its JS type and its (frozen, shared) success results — evaluations allocate nothing. */
  readonly variants: ReadonlyMap<string, VariantResults>;
  readonly rule: Rule | undefined;
  readonly ruleError: string | undefined;
}

const EMPTY_CONTEXT: EvaluationContext = Object.freeze({});
const EMPTY_METADATA: Readonly<FlagdMetadata> = Object.freeze({});

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Evaluates flagd flag-definition documents with flagd semantics (targeting as in @openfeature/flagd-core).
 * Results that serve a variant are precomputed, frozen and shared between evaluations: read them, copy to change.
 * Not thread-safe in the worker sense; synchronous use from one event loop is what it is made for.
 */
export class FlagdEngine {
  private flags = new Map<string, CompiledFlag>();
  private setMetadata: Readonly<FlagdMetadata> = EMPTY_METADATA;
  private readonly nowSeconds: () => number;

  constructor(options: FlagdEngineOptions = {}) {
    const now = options.now ?? (() => new Date());
    this.nowSeconds = () => Math.floor(now().getTime() / 1000);
  }

  /**
   * Replaces the whole flag set (object or JSON text); compiles targeting to closures once; returns the keys whose
   * definition changed (added, removed, then modified — `$evaluators` and flag-set metadata count). Throws FlagError
   * PARSE_ERROR with a clear message for an invalid document, keeping the previous set. A targeting rule that cannot
   * run does not reject the document: that flag evaluates to PARSE_ERROR (see {@link FlagdEngine.problems}).
   */
  setFlags(document: FlagdDocument | string): string[] {
    let parsed: ParsedDocument;
    try {
      parsed = parseDocument(document);
    } catch (e) {
      if (FlagError.is(e)) throw e;
      // e.g. a RangeError from a document nested deeper than the stack allows
      throw new FlagError(
        'PARSE_ERROR',
        `Invalid flagd document: ${messageOf(e)}`,
        { hint: 'Check the document for excessive nesting.' },
        { cause: e },
      );
    }
    const next = new Map<string, CompiledFlag>();
    const added: string[] = [];
    const modified: string[] = [];
    for (const [key, flag] of parsed.flags) {
      const previous = this.flags.get(key);
      if (previous === undefined) added.push(key);
      else if (previous.parsed.fingerprint !== flag.fingerprint) modified.push(key);
      // An unchanged flag keeps its compiled rule: rules depend only on the definition, the key and the clock.
      next.set(
        key,
        previous?.parsed.fingerprint === flag.fingerprint ? { ...previous, parsed: flag } : this.compile(flag),
      );
    }
    const removed = [...this.flags.keys()].filter((key) => !parsed.flags.has(key));
    this.flags = next;
    this.setMetadata = parsed.metadata;
    return [...added, ...removed, ...modified];
  }

  private compile(flag: ParsedFlag): CompiledFlag {
    let rule: Rule | undefined;
    let ruleError = flag.targetingError;
    if (flag.targeting !== undefined && ruleError === undefined) {
      try {
        rule = compileRule(flag.targeting, { flagKey: flag.key, nowSeconds: this.nowSeconds });
      } catch (e) {
        ruleError = messageOf(e);
      }
    }
    const defaultVariant = flag.definition.defaultVariant;
    return {
      parsed: flag,
      enabled: flag.definition.state === 'ENABLED',
      // flagd treats "" like null: no default variant.
      defaultVariant: defaultVariant ? defaultVariant : undefined,
      variants: new Map(
        Object.entries(flag.definition.variants).map(([variant, value]) => {
          const result = (reason: ResolutionReason): EvaluationResult<unknown> =>
            Object.freeze({ value, variant, reason, flagMetadata: flag.metadata });
          return [
            variant,
            {
              type: typeof value,
              STATIC: result('STATIC'),
              DEFAULT: result('DEFAULT'),
              TARGETING_MATCH: result('TARGETING_MATCH'),
            },
          ];
        }),
      ),
      rule,
      ruleError,
    };
  }

  /**
   * Resolves `flagKey` for `context`. Never throws: failures come back as reason ERROR with `defaultValue` and an
   * errorCode — FLAG_NOT_FOUND, PARSE_ERROR (targeting cannot run), TYPE_MISMATCH (variant is not of `type`),
   * INVALID_CONTEXT (context is not an object), GENERAL (targeting failed at run time, or chose an unknown variant).
   * A result that serves a variant is a frozen object shared by all evaluations with the same outcome (no allocation).
   */
  evaluate<T>(flagKey: string, type: ValueType, defaultValue: T, context?: EvaluationContext): EvaluationResult<T> {
    const flag = this.flags.get(flagKey);
    if (flag === undefined) {
      return this.error(defaultValue, 'FLAG_NOT_FOUND', `flag '${flagKey}' not found`, this.setMetadata);
    }
    const metadata = flag.parsed.metadata;
    if (!flag.enabled) return { value: defaultValue, reason: 'DISABLED', flagMetadata: metadata };
    if (flag.ruleError !== undefined) {
      return this.error(
        defaultValue,
        'PARSE_ERROR',
        `Invalid targeting of flag '${flagKey}': ${flag.ruleError}`,
        metadata,
      );
    }
    let variant: string | undefined;
    let reason: ResolutionReason;
    if (flag.rule === undefined) {
      variant = flag.defaultVariant;
      reason = 'STATIC';
    } else {
      const subject: unknown = context ?? EMPTY_CONTEXT;
      if (typeof subject !== 'object' || subject === null || Array.isArray(subject)) {
        return this.error(defaultValue, 'INVALID_CONTEXT', 'the evaluation context must be an object', metadata);
      }
      try {
        const resolved = flag.rule(subject);
        if (resolved === null || resolved === undefined) {
          variant = flag.defaultVariant;
          reason = 'DEFAULT';
        } else {
          // flagd-core turns whatever the rule returns into a variant name (true → "true").
          variant = typeof resolved === 'string' ? resolved : jsString(resolved);
          reason = 'TARGETING_MATCH';
        }
      } catch (e) {
        return this.error(
          defaultValue,
          'GENERAL',
          `Error evaluating targeting rule for flag '${flagKey}': ${messageOf(e)}`,
          metadata,
        );
      }
    }
    if (variant === undefined) return { value: defaultValue, reason: 'DEFAULT', flagMetadata: metadata };
    const results = flag.variants.get(variant);
    if (results === undefined) {
      return this.error(
        defaultValue,
        'GENERAL',
        `Variant '${variant}' not found in flag with key '${flagKey}'`,
        metadata,
      );
    }
    if (results.type !== type) {
      return this.error(
        defaultValue,
        'TYPE_MISMATCH',
        `Evaluated type of the flag ${flagKey} does not match. Expected ${type}, got ${results.type}`,
        metadata,
      );
    }
    return results[reason] as EvaluationResult<T>;
  }

  private error<T>(
    value: T,
    errorCode: EvaluationErrorCode,
    errorMessage: string,
    flagMetadata: Readonly<FlagdMetadata>,
  ): EvaluationResult<T> {
    return { value, reason: 'ERROR', errorCode, errorMessage, flagMetadata };
  }

  /** Keys of the current flag set, in document order. */
  keys(): string[] {
    return [...this.flags.keys()];
  }

  /** The parsed flag definition (frozen, `$ref`s as written), for tools that show it; undefined when absent. */
  getFlag(flagKey: string): FlagdFlag | undefined {
    return this.flags.get(flagKey)?.parsed.definition;
  }

  /** Flag-set metadata of the current document (frozen). */
  getFlagSetMetadata(): Readonly<FlagdMetadata> {
    return this.setMetadata;
  }

  /** Flags whose targeting cannot run (unknown operator, bad `$ref`, constant part that always fails), with why. */
  problems(): FlagProblem[] {
    const out: FlagProblem[] = [];
    for (const [flagKey, flag] of this.flags) {
      if (flag.ruleError !== undefined) out.push({ flagKey, message: flag.ruleError });
    }
    return out;
  }
}
