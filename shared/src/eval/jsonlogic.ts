/**
 * A JsonLogic compiler with the semantics of json-logic-engine 5 as @openfeature/flagd-core runs it (compiled mode),
 * restricted to the operations flagd supports. A rule is compiled once into nested closures; running it allocates
 * nothing unless the rule itself builds values (arrays, strings, `merge`, `map`, …).
 *
 * Faithfulness notes (see docs/eval.md): json-logic-engine folds constant sub-expressions at build time with its
 * interpreter, runs `if` with fewer than three arguments through its interpreter, and its compiled comparisons check
 * types against the most recently read value (`prev`). All three are reproduced here because they change results for
 * mistyped contexts (e.g. a number where a rule compares with a string is an error in one order, `false` in the other).
 */
import {
  normalizeVersion,
  compareVersions,
  pickBucket,
  semVer,
  stringCompare,
  toBucketList,
} from './flagd-operators.ts';
import type { BucketList } from './flagd-operators.ts';
import { createPrefixHasher, murmur3Utf8 } from './murmur3.ts';

/** A compiled targeting rule: runs against an evaluation context, returns what the JsonLogic returns. */
export type Rule = (context: object) => unknown;

/** What a rule knows about the flag it belongs to. */
export interface RuleOptions {
  /** The flag key, served as `$flagd.flagKey` and used as the default `fractional` bucketing prefix. */
  readonly flagKey: string;
  /** Current time in whole unix seconds, served as `$flagd.timestamp`. */
  readonly nowSeconds: () => number;
}

/** A rule that cannot compile (unknown operator, wrong shape, a constant part that always fails) or fails at run time. */
export class RuleError extends Error {
  override readonly name = 'RuleError';
}

/** The operations a flagd targeting rule may use (flagd's targeting schema). */
export const SUPPORTED_OPERATORS: readonly string[] = [
  'var',
  'missing',
  'missing_some',
  'if',
  '?:',
  '==',
  '===',
  '!=',
  '!==',
  '!',
  '!!',
  'or',
  'and',
  '<',
  '<=',
  '>',
  '>=',
  'in',
  'cat',
  'substr',
  '+',
  '-',
  '*',
  '/',
  '%',
  'min',
  'max',
  'merge',
  'map',
  'filter',
  'reduce',
  'all',
  'none',
  'some',
  'fractional',
  'sem_ver',
  'starts_with',
  'ends_with',
];
const supported = new Set(SUPPORTED_OPERATORS);

/**
 * Compiles a targeting rule (already free of `$ref`). Throws {@link RuleError} when it cannot run.
 * The returned function throws {@link RuleError} (or, for hostile contexts, a JS error) when the rule fails.
 */
export function compileRule(logic: unknown, options: RuleOptions): Rule {
  const node = compileNode(logic, { options, atRoot: true, mode: 'compiled', folding: false });
  const fn = node.fn;
  return (context) => fn(context);
}

type Fn = (data: unknown) => unknown;

interface Node {
  readonly fn: Fn;
  readonly isConst: boolean;
  readonly value: unknown;
}

interface Scope {
  readonly options: RuleOptions;
  /** True at the top level, where the data is the evaluation context (with `$flagd`); false inside iterators. */
  readonly atRoot: boolean;
  /** json-logic-engine's compiled code or its interpreter (see module doc). */
  readonly mode: 'compiled' | 'interpreted';
  /** Compiling a constant sub-expression to evaluate it now; nested constants need no folding of their own. */
  readonly folding: boolean;
  /**
   * Under json-logic-engine's interpreter (short `if`), a malformed operation fails only when it runs; unknown
   * operators are still found at build time.
   */
  readonly deferErrors?: boolean;
}

// json-logic-engine's compiled code keeps the last value read by `var`, comparisons, `and`/`or` in a variable `prev`
// and its comparisons type-check against it. Rules run synchronously, so one module-level register reproduces it.
let prev: unknown;

const EMPTY: Readonly<Record<string, never>> = Object.freeze({});

function constant(value: unknown): Node {
  return { fn: () => value, isConst: true, value };
}

function dynamic(fn: Fn): Node {
  return { fn, isConst: false, value: undefined };
}

function fail(message: string): never {
  throw new RuleError(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `value[key]` for any value (strings and numbers have properties too). Hot closures index directly instead, so
 * that each keeps its own monomorphic property-load feedback.
 */
function prop(value: unknown, key: string): unknown {
  return (value as Record<string, unknown>)[key];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return `${typeof value} ${jsString(value)}`;
}

/** json-logic-engine's truthiness: JS truthiness, except that empty arrays and empty plain objects are false. */
export function truthy(value: unknown): boolean {
  if (!value) return false;
  if (typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.length > 0;
  if (Symbol.iterator in value) {
    if ('length' in value && value.length === 0) return false;
    if ('size' in value && value.size === 0) return false;
  }
  if ((value as { constructor?: { name?: unknown } }).constructor?.name === 'Object') {
    for (const key in value) if (Object.hasOwn(value, key)) return true;
    return false;
  }
  return true;
}

/** JsonLogic path syntax: `.` separates, `\.` is a literal dot, `\\` a literal backslash. */
function splitPath(path: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const char = path[i];
    if (char === '\\') {
      const next = path[i + 1];
      if (next === '.' || next === '/' || next === '\\') {
        current += next;
        i++;
      } else {
        current += '\\';
      }
    } else if (char === '.') {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (parts.length !== path.length) parts.push(current);
  return parts;
}

/**
 * JavaScript's `String(value)`: JsonLogic (and flagd-core) turn any value into text this way, objects included
 * (`[object Object]`), so rules behave the same here as there.
 */
export function jsString(value: unknown): string {
  return String(value);
}

function coerceArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** Arguments of a non-lazy operation: a scalar stands for a one-element list. */
function wrapArgs(args: unknown): unknown {
  return !args || typeof args !== 'object' ? [args] : args;
}

// ---------------------------------------------------------------------------------------------------------------------
// Constant folding

const ITERATORS = new Set(['map', 'filter', 'reduce', 'all', 'none', 'some']);
const CONTEXT_DEPENDENT = new Set(['missing_some', 'fractional', 'sem_ver', 'starts_with', 'ends_with']);

/** json-logic-engine's `isDeterministic`: true when the expression reads no context (items of iterators excepted). */
function isDeterministic(logic: unknown, insideIterator: boolean): boolean {
  if (Array.isArray(logic)) return logic.every((item) => isDeterministic(item, insideIterator));
  if (!isRecord(logic)) return true;
  const op = Object.keys(logic)[0];
  if (op === undefined) return true;
  const args = logic[op];
  if (op === 'var') return insideIterator && !jsString(args).includes('../../');
  if (op === 'missing') return Array.isArray(args) && args.length === 0;
  if (CONTEXT_DEPENDENT.has(op)) return false;
  if (ITERATORS.has(op)) {
    if (!Array.isArray(args)) return true;
    return isDeterministic(args[0], insideIterator) && isDeterministic(args[1], true);
  }
  return isDeterministic(args, insideIterator);
}

function compileNode(logic: unknown, scope: Scope): Node {
  if (Array.isArray(logic)) {
    const items = logic.map((item) => compileNode(item, scope));
    if (items.every((item) => item.isConst)) return constant(items.map((item) => item.value));
    const fns = items.map((item) => item.fn);
    return dynamic((data) => {
      const out = new Array<unknown>(fns.length);
      for (let i = 0; i < fns.length; i++) out[i] = (fns[i] as Fn)(data);
      return out;
    });
  }
  if (!isRecord(logic)) return constant(logic);
  const keys = Object.keys(logic);
  const op = keys[0];
  if (op === undefined) return constant(logic);
  if (keys.length > 1) {
    fail(`an operation is an object with exactly one operator key, found ${keys.map((k) => `"${k}"`).join(', ')}`);
  }
  if (!supported.has(op)) {
    fail(`unknown operator "${op}"; flagd supports ${SUPPORTED_OPERATORS.join(', ')}`);
  }
  const args = logic[op];
  if (!scope.folding && scope.mode === 'compiled' && isDeterministic(logic, false)) {
    // json-logic-engine evaluates constant sub-expressions once, at build time, with its interpreter.
    const folded = compileOperation(op, args, { ...scope, mode: 'interpreted', folding: true, deferErrors: true });
    try {
      return constant(folded.fn(EMPTY));
    } catch (e) {
      fail(`the constant expression {"${op}": …} always fails: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!scope.deferErrors) return compileOperation(op, args, scope);
  try {
    return compileOperation(op, args, scope);
  } catch (e) {
    if (!(e instanceof RuleError) || /^unknown operator|exactly one operator key/.test(e.message)) throw e;
    return dynamic(() => {
      throw e;
    });
  }
}

function compileOperation(op: string, args: unknown, scope: Scope): Node {
  switch (op) {
    case 'var':
      return scope.mode === 'compiled' ? compileVar(args, scope) : compileVarInterpreted(args, scope);
    case 'missing':
      return compileMissing(args, scope);
    case 'missing_some':
      return compileMissingSome(args, scope);
    case 'if':
    case '?:':
      return compileIf(op, args, scope);
    case '==':
    case '===':
    case '!=':
    case '!==':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compileComparison(op, args, scope);
    case '!':
    case '!!':
      return compileNot(op, args, scope);
    case 'or':
    case 'and':
      return compileAndOr(op, args, scope);
    case 'in':
      return compileIn(args, scope);
    case 'cat':
      return compileCat(args, scope);
    case 'substr':
      return compileListOperation(args, scope, substr);
    case 'merge':
      return compileListOperation(args, scope, merge);
    case 'min':
    case 'max':
      return compileListOperation(args, scope, (list) => minMax(op, list));
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return scope.mode === 'compiled'
        ? compileArithmetic(op, args, scope)
        : compileArithmeticInterpreted(op, args, scope);
    case 'map':
    case 'filter':
    case 'reduce':
    case 'all':
    case 'none':
    case 'some':
      return compileIterator(op, args, scope);
    case 'fractional':
    case 'sem_ver':
    case 'starts_with':
    case 'ends_with':
      return compileFlagdOperation(op, args, scope);
    default:
      return fail(`unknown operator "${op}"`);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// var, missing, missing_some

/** The `$flagd` object flagd-core adds to the context: `{ flagKey, timestamp }`. */
function flagdProperties(scope: Scope): Record<string, unknown> {
  return { flagKey: scope.options.flagKey, timestamp: scope.options.nowSeconds() };
}

/** One step down from `value`; at the root, `$flagd` is the injected object, whatever the context holds. */
function step(value: unknown, key: string, isRoot: boolean, scope: Scope): unknown {
  if (isRoot && key === '$flagd') return flagdProperties(scope);
  return prop(value, key);
}

/** The whole data (`{"var": ""}`); at the root, the context with `$flagd` (a copy: only this form allocates). */
function wholeData(data: unknown, scope: Scope): unknown {
  return scope.atRoot ? { ...(data as object), $flagd: flagdProperties(scope) } : data;
}

function compileVar(args: unknown, scope: Scope): Node {
  const lower = wrapArgs(args);
  if (Array.isArray(lower) && lower.length <= 2) {
    const key: unknown = lower[0];
    if (key === undefined || key === null || key === '') return dynamic((data) => wholeData(data, scope));
    if ((typeof key === 'string' || typeof key === 'number') && !String(key).includes('../')) {
      return compileStaticVar(splitPath(String(key)), compileNode(lower[1] ?? null, scope), scope);
    }
    if (lower.length === 1 && !Array.isArray(key)) {
      const keyNode = compileNode(key, scope);
      return dynamic((data) => varMethod(keyNode.fn(data), data, scope));
    }
  }
  const argNode = compileNode(lower, scope);
  return dynamic((data) => varMethod(argNode.fn(data), data, scope));
}

/** `{"var": "a.b"}` compiled: `typeof (prev = data?.a?.b ?? default) === 'function' ? null : prev`. */
function compileStaticVar(path: string[], fallback: Node, scope: Scope): Node {
  const fallbackFn = fallback.fn;
  const fallbackConst = fallback.isConst;
  const fallbackValue = fallback.value;
  const finish = (value: unknown, data: unknown): unknown => {
    const result = value === null || value === undefined ? (fallbackConst ? fallbackValue : fallbackFn(data)) : value;
    prev = result;
    return typeof result === 'function' ? null : result;
  };
  const first = path[0] as string;
  if (scope.atRoot && first === '$flagd') {
    const second = path[1];
    const start = second === 'flagKey' || second === 'timestamp' ? 2 : 1;
    return dynamic((data) => {
      let value: unknown =
        second === 'flagKey'
          ? scope.options.flagKey
          : second === 'timestamp'
            ? scope.options.nowSeconds()
            : flagdProperties(scope);
      for (let i = start; i < path.length && value !== null && value !== undefined; i++) {
        value = prop(value, path[i] as string);
      }
      return finish(value, data);
    });
  }
  if (path.length === 1) {
    if (fallbackConst) {
      // The hot shape (`{"var": "email"}`), spelled out.
      return dynamic((data) => {
        let value = data === null || data === undefined ? undefined : (data as Record<string, unknown>)[first];
        if (value === null || value === undefined) value = fallbackValue;
        prev = value;
        return typeof value === 'function' ? null : value;
      });
    }
    return dynamic((data) =>
      finish(data === null || data === undefined ? undefined : (data as Record<string, unknown>)[first], data),
    );
  }
  if (path.length === 2) {
    const second = path[1] as string;
    return dynamic((data) => {
      if (data === null || data === undefined) return finish(undefined, data);
      const outer = (data as Record<string, unknown>)[first];
      return finish(
        outer === null || outer === undefined ? undefined : (outer as Record<string, unknown>)[second],
        data,
      );
    });
  }
  return dynamic((data) => {
    let value: unknown = data;
    for (let i = 0; i < path.length && value !== null && value !== undefined; i++) {
      value = prop(value, path[i] as string);
    }
    return finish(value, data);
  });
}

/** json-logic-engine's interpreted `var` (a key, or `[key, default]`): a found null stays null. */
function varMethod(arg: unknown, data: unknown, scope: Scope): unknown {
  let key = arg;
  let fallback: unknown;
  if (Array.isArray(key)) {
    fallback = key[1];
    key = key[0];
  }
  const notFound = fallback === undefined ? null : fallback;
  if (key === undefined || key === null || key === '') {
    return typeof data === 'function' ? null : wholeData(data, scope);
  }
  const path = splitPath(jsString(key));
  let value = data;
  for (let i = 0; i < path.length; i++) {
    if (value === null || value === undefined) return notFound;
    value = step(value, path[i] as string, scope.atRoot && i === 0, scope);
    if (value === undefined) return notFound;
  }
  return typeof value === 'function' ? null : value;
}

/** `var` as json-logic-engine's optimizing interpreter runs it (inside `if` with < 3 arguments, constant folding). */
function compileVarInterpreted(args: unknown, scope: Scope): Node {
  let key = args;
  if (Array.isArray(key) && key.length === 1 && !Array.isArray(key[0])) key = key[0];
  if (Array.isArray(key) || isRecord(key)) {
    const argNode = compileNode(key, scope);
    return dynamic((data) => varMethod(argNode.fn(data), data, scope));
  }
  if (!key) {
    return dynamic((data) =>
      data === null || data === undefined || typeof data === 'function' ? null : wholeData(data, scope),
    );
  }
  const text = jsString(key);
  if (typeof key === 'number' || (typeof key === 'string' && !text.includes('.') && !text.includes('\\'))) {
    return dynamic((data) => {
      if (!data) return null;
      const value = step(data, text, scope.atRoot, scope);
      return value === undefined || typeof value === 'function' ? null : value;
    });
  }
  const path = typeof key === 'string' && !text.includes('\\') && !text.startsWith('../') ? splitPath(text) : [];
  if (path.length === 2 || path.length === 3) {
    // The interpreter walks with `&&`, so a falsy step (0, "", false) is the result rather than null.
    return dynamic((data) => {
      let value: unknown = data;
      for (let i = 0; i < path.length && value; i++) {
        value = step(value, path[i] as string, scope.atRoot && i === 0, scope);
      }
      return value === undefined || typeof value === 'function' ? null : value;
    });
  }
  return dynamic((data) => varMethod(key, data, scope));
}

/** True when `path` (dotted) is absent from `data`: a falsy step or an undefined leaf. */
function isMissing(data: unknown, key: unknown, scope: Scope): boolean {
  const path = splitPath(jsString(key));
  let value = data;
  for (let i = 0; i < path.length; i++) {
    if (!value) return true;
    value = step(value, path[i] as string, scope.atRoot && i === 0, scope);
    if (value === undefined) return true;
  }
  return false;
}

function missingOf(keys: unknown, data: unknown, scope: Scope): unknown[] {
  const list = keys as ArrayLike<unknown> | null | undefined;
  if (list === null || list === undefined) fail(`"missing" needs a list of keys, got ${describe(keys)}`);
  const missing: unknown[] = [];
  for (let i = 0; i < list.length; i++) if (isMissing(data, list[i], scope)) missing.push(list[i]);
  return missing;
}

function compileMissing(args: unknown, scope: Scope): Node {
  const argNode = compileNode(wrapArgs(args), scope);
  return dynamic((data) => missingOf(coerceArray(argNode.fn(data)), data, scope));
}

function compileMissingSome(args: unknown, scope: Scope): Node {
  const lower = wrapArgs(args);
  if (!Array.isArray(lower)) fail('"missing_some" takes [minimum, [keys…]]');
  const [needArg, options] = lower as unknown[];
  if (scope.mode === 'compiled' && Array.isArray(options)) {
    // Compiled form: the key list is used as written (not evaluated); `prev` holds the missing list.
    const need = compileNode(needArg, scope).fn;
    return dynamic((data) => {
      const missing = missingOf(options, data, scope);
      prev = missing;
      const count = need(data);
      return options.length - missing.length < (count as number) ? prev : [];
    });
  }
  const argNode = compileNode(lower, scope);
  return dynamic((data) => {
    const [count, keys] = argNode.fn(data) as unknown[];
    const missing = missingOf(keys, data, scope);
    return (keys as unknown[]).length - missing.length >= (count as number) ? [] : missing;
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Logic and comparison

/**
 * json-logic-engine's interpreter evaluates constant operands of comparisons (2–3 operands) and of three-operand
 * `if` while preparing the rule, before any short-circuit: one that fails makes the whole operation fail.
 */
function eagerOperands(args: readonly unknown[], scope: Scope): { fns: Fn[]; failure: Error | undefined } {
  const nodes = args.map((arg) => compileNode(arg, scope));
  let failure: Error | undefined;
  if (scope.mode === 'interpreted') {
    args.forEach((arg, i) => {
      if (failure !== undefined || !isDeterministic(arg, false)) return;
      try {
        (nodes[i] as Node).fn(EMPTY);
      } catch (e) {
        failure = e instanceof Error ? e : new RuleError(jsString(e));
      }
    });
  }
  return { fns: nodes.map((node) => node.fn), failure };
}

function compileIf(op: string, args: unknown, scope: Scope): Node {
  if (!Array.isArray(args)) {
    return dynamic(() => fail(`"${op}" takes a list [condition, then, …, else], got ${describe(args)}`));
  }
  // json-logic-engine compiles `if` with 3+ arguments; shorter ones run through its interpreter.
  const branchScope: Scope =
    args.length >= 3 || scope.mode === 'interpreted'
      ? scope
      : { ...scope, mode: 'interpreted', folding: true, deferErrors: true };
  if (args.length === 0) return constant(null);
  if (args.length === 1) return compileNode(args[0], branchScope);
  const { fns: parts, failure } =
    args.length === 3
      ? eagerOperands(args, branchScope)
      : { fns: args.map((arg) => compileNode(arg, branchScope).fn), failure: undefined };
  if (failure !== undefined) {
    return dynamic(() => {
      throw failure;
    });
  }
  if (parts.length % 2 === 0) parts.push(() => null);
  const otherwise = parts.pop() as Fn;
  if (parts.length === 2) {
    const [condition, then] = parts as [Fn, Fn];
    return dynamic((data) => (truthy(condition(data)) ? then(data) : otherwise(data)));
  }
  return dynamic((data) => {
    for (let i = 0; i < parts.length; i += 2) {
      if (truthy((parts[i] as Fn)(data))) return (parts[i + 1] as Fn)(data);
    }
    return otherwise(data);
  });
}

function compileNot(op: string, args: unknown, scope: Scope): Node {
  const operand = compileNode(Array.isArray(args) ? args[0] : args, scope).fn;
  return op === '!' ? dynamic((data) => !truthy(operand(data))) : dynamic((data) => truthy(operand(data)));
}

function compileAndOr(op: string, args: unknown, scope: Scope): Node {
  if (!Array.isArray(args)) return dynamic(() => fail(`"${op}" takes a list of operands, got ${describe(args)}`));
  if (args.length === 0) return constant(null);
  const parts = args.map((arg) => compileNode(arg, scope).fn);
  const isOr = op === 'or';
  const track = scope.mode === 'compiled';
  return dynamic((data) => {
    let item: unknown;
    for (let i = 0; i < parts.length; i++) {
      item = (parts[i] as Fn)(data);
      if (track) prev = item;
      if (truthy(item) === isOr) return item;
    }
    return item;
  });
}

type Compare = (a: unknown, b: unknown) => boolean;

// JsonLogic's comparisons are JavaScript's, loose equality included.
/* eslint-disable eqeqeq */
const COMPARE: Readonly<Record<string, Compare>> = {
  '==': (a, b) => a == b,
  '!=': (a, b) => a != b,
  '===': (a, b) => a === b,
  '!==': (a, b) => a !== b,
  '<': (a, b) => (a as number) < (b as number),
  '<=': (a, b) => (a as number) <= (b as number),
  '>': (a, b) => (a as number) > (b as number),
  '>=': (a, b) => (a as number) >= (b as number),
};
/* eslint-enable eqeqeq */

function isStringOrNull(value: unknown): boolean {
  return typeof value === 'string' || value === null;
}

/** json-logic-engine's `precoerceNumber`: objects and NaN cannot take part in arithmetic or numeric comparison. */
function precoerceNumber(value: unknown): unknown {
  if (Number.isNaN(value)) fail('the result is not a number (NaN)');
  if (!value) return value;
  if (typeof value === 'object') fail(`cannot use ${describe(value)} as a number`);
  return value;
}

function notANumber(value: unknown): RuleError {
  return new RuleError(`cannot compare ${describe(value)} as a number`);
}

/** json-logic-engine's compiled `compareCheck(item, prev)`. */
function compareCheck(item: unknown, previous: unknown, strict: boolean): unknown {
  if (strict || (isStringOrNull(item) && isStringOrNull(previous))) return item;
  if (Number.isNaN(Number(precoerceNumber(item))) && previous !== null) throw notANumber(item);
  if (Number.isNaN(Number(precoerceNumber(previous)))) throw notANumber(previous);
  if (previous === null && !item) return null;
  if (item === null && !previous) return 0;
  return item;
}

/** json-logic-engine's interpreted comparison of two values. */
function interpretedCompare(compare: Compare, strict: boolean, a: unknown, b: unknown): boolean {
  if (strict || (isStringOrNull(a) && isStringOrNull(b))) return compare(a, b);
  if (Number.isNaN(Number(precoerceNumber(a)))) throw notANumber(a);
  if (Number.isNaN(Number(precoerceNumber(b))) && a !== null) throw notANumber(b);
  return compare(Number(a), Number(b));
}

function compileComparison(op: string, args: unknown, scope: Scope): Node {
  if (!Array.isArray(args) || args.length < 2) {
    return dynamic(() => fail(`"${op}" takes a list of at least two operands, got ${describe(args)}`));
  }
  const compare = COMPARE[op] as Compare;
  const strict = op.length === 3;
  const { fns: parts, failure } =
    args.length <= 3
      ? eagerOperands(args, scope)
      : { fns: args.map((arg) => compileNode(arg, scope).fn), failure: undefined };
  if (failure !== undefined) {
    return dynamic(() => {
      throw failure;
    });
  }
  const [first, second] = parts as [Fn, Fn];
  if (scope.mode === 'compiled') {
    if (parts.length === 2) {
      return dynamic((data) => {
        const a = (prev = first(data));
        const b = second(data);
        return compare(a, compareCheck(b, prev, strict));
      });
    }
    return dynamic((data) => {
      let left = (prev = first(data));
      for (let i = 1; i < parts.length; i++) {
        const item = (parts[i] as Fn)(data);
        const checked = compareCheck(item, prev, strict);
        prev = checked;
        if (!compare(left, checked)) return false;
        left = prev;
      }
      return true;
    });
  }
  if (parts.length === 2) return dynamic((data) => interpretedCompare(compare, strict, first(data), second(data)));
  if (parts.length === 3) {
    const third = parts[2] as Fn;
    return dynamic((data) => {
      const a = first(data);
      const b = second(data);
      return interpretedCompare(compare, strict, a, b) && interpretedCompare(compare, strict, b, third(data));
    });
  }
  // Four or more operands: json-logic-engine's comparison method, quirks included.
  return dynamic((data) => {
    let previous = first(data);
    for (let i = 1; i < parts.length; i++) {
      const current = (parts[i] as Fn)(data);
      if ((strict || (isStringOrNull(current) && isStringOrNull(previous))) && !compare(previous, current)) {
        return false;
      }
      if (Number.isNaN(Number(precoerceNumber(current))) && previous !== null) throw notANumber(current);
      if (i === 1 && Number.isNaN(Number(precoerceNumber(previous)))) throw notANumber(previous);
      if (!compare(Number(previous), Number(current))) return false;
      previous = current;
    }
    return true;
  });
}

function includes(container: unknown, item: unknown): boolean {
  const list = container || [];
  if (Array.isArray(list)) return list.includes(item);
  if (typeof list === 'string') return list.includes(jsString(item));
  return fail(`"in" searches a string or an array, got ${describe(list)}`);
}

function compileIn(args: unknown, scope: Scope): Node {
  const lower = wrapArgs(args);
  if (Array.isArray(lower)) {
    const item = compileNode(lower[0], scope);
    const container = compileNode(lower[1], scope);
    const itemFn = item.fn;
    const containerFn = container.fn;
    // Compiled as `(container || []).includes(item)`: the container is evaluated first.
    return dynamic((data) => {
      const list = containerFn(data);
      return includes(list, itemFn(data));
    });
  }
  const argNode = compileNode(lower, scope);
  return dynamic((data) => {
    const [item, list] = coerceArray(argNode.fn(data));
    return includes(list, item);
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Strings, lists, arithmetic

/** json-logic-engine's `cat` method: a string as is, a list joined without null/undefined, else `toString()`. */
function catMethod(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value as unknown[]) if (item !== null && item !== undefined) out += jsString(item);
    return out;
  }
  if (value === null || value === undefined) fail(`"cat" cannot join ${describe(value)}`);
  return jsString(value);
}

function compileCat(args: unknown, scope: Scope): Node {
  if (scope.mode === 'interpreted') {
    const single: unknown = Array.isArray(args) && args.length === 1 && !Array.isArray(args[0]) ? args[0] : args;
    const argNode = compileNode(single, scope);
    return dynamic((data) => catMethod(argNode.fn(data)));
  }
  const lower = wrapArgs(args);
  if (!Array.isArray(lower)) {
    const argNode = compileNode(lower, scope);
    return dynamic((data) => catMethod(argNode.fn(data)));
  }
  // Compiled as `'' + a + b + …`: null becomes "null" here, unlike in the interpreter.
  const parts = lower.map((arg) => compileNode(arg, scope).fn);
  return dynamic((data) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) out += jsString((parts[i] as Fn)(data));
    return out;
  });
}

/** Operations that take their evaluated arguments as one list. */
function compileListOperation(args: unknown, scope: Scope, run: (list: unknown[]) => unknown): Node {
  const lower = wrapArgs(args);
  const argNode = compileNode(lower, scope);
  if (Array.isArray(lower)) return dynamic((data) => run(argNode.fn(data) as unknown[]));
  return dynamic((data) => run(coerceArray(argNode.fn(data))));
}

interface Substr {
  substr(from: unknown, length?: unknown): string;
}

function substr(list: unknown[]): string {
  const [text, from, end] = list;
  if (typeof text !== 'string') return fail(`"substr" needs a string, got ${describe(text)}`);
  // String.prototype.substr's argument coercions are the JsonLogic contract; call it rather than re-derive them.
  if ((end as number) < 0) {
    const rest = (text as unknown as Substr).substr(from);
    return (rest as unknown as Substr).substr(0, rest.length + (end as number));
  }
  return (text as unknown as Substr).substr(from, end);
}

function merge(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const item of list) {
    if (Array.isArray(item)) out.push(...(item as unknown[]));
    else out.push(item);
  }
  return out;
}

function minMax(op: string, list: unknown[]): number {
  if (list.length === 0) return fail(`"${op}" needs at least one number`);
  let best = list[0];
  for (const item of list) {
    if (typeof item !== 'number') return fail(`"${op}" takes numbers only, got ${describe(item)}`);
    if (op === 'max' ? item > (best as number) : item < (best as number)) best = item;
  }
  return best as number;
}

function toNumber(value: unknown): number {
  return Number(precoerceNumber(value));
}

function checkedResult(value: number): number {
  if (Number.isNaN(value)) fail('the arithmetic result is not a number (NaN)');
  return value;
}

/**
 * A constant operand of compiled arithmetic, as json-logic-engine converts it at build time: literal arrays and
 * `{}`, and text that is not a number, cannot compile; an object computed by a constant sub-expression fails only
 * when the rule runs (undefined is returned for it). A divisor that is the number 0 (or text reading as 0) cannot
 * compile either; `false` and `null` divisors fail at run time.
 */
function constantOperand(op: string, value: unknown, raw: unknown, divisor: boolean): number | undefined {
  if (Array.isArray(raw) || (isRecord(raw) && Object.keys(raw).length === 0)) {
    fail(`"${op}" cannot compute with ${describe(value)}`);
  }
  if (typeof value === 'object' && value !== null) return undefined;
  const number = Number(value);
  if (Number.isNaN(number)) fail(`"${op}" cannot compute with ${describe(value)}`);
  if (divisor && number === 0 && (typeof value === 'number' || typeof value === 'string')) {
    fail('"/" divides by a constant zero');
  }
  return number;
}

function compileArithmetic(op: string, args: unknown, scope: Scope): Node {
  const lower = wrapArgs(args);
  if (!Array.isArray(lower)) return compileArithmeticOnList(op, compileNode(lower, scope).fn);
  if (lower.length === 0) {
    if (op === '+') return constant(0);
    if (op === '*') return constant(1);
    fail(`"${op}" needs at least one operand`);
  }
  if (op === '%' && lower.length < 2) fail('"%" needs two operands');
  const rawOperands = op === '/' && lower.length === 1 ? [1, lower[0]] : lower;
  const operands: Fn[] = rawOperands.map((raw: unknown, index) => {
    const node = compileNode(raw, scope);
    if (!node.isConst) {
      if (op === '/' && index > 0) return (data) => toNumber(toNumber(node.fn(data)) || NaN);
      return (data) => toNumber(node.fn(data));
    }
    const divisor = op === '/' && index > 0;
    const number = constantOperand(op, node.value, raw, divisor);
    if (number === undefined) return () => fail(`"${op}" cannot compute with ${describe(node.value)}`);
    if (divisor && number === 0) return () => fail('"/" divides by zero');
    return () => number;
  });
  const [first] = operands as [Fn];
  if (op === '-' && operands.length === 1) return dynamic((data) => -toNumber(first(data)));
  const combine: (a: number, b: number) => number =
    op === '+'
      ? (a, b) => a + b
      : op === '-'
        ? (a, b) => a - b
        : op === '*'
          ? (a, b) => a * b
          : op === '/'
            ? (a, b) => a / b
            : (a, b) => a % b;
  return dynamic((data) => {
    let result = first(data) as number;
    for (let i = 1; i < operands.length; i++) result = combine(result, (operands[i] as Fn)(data) as number);
    return checkedResult(result);
  });
}

function isObjectOperand(value: unknown): boolean {
  return !!value && typeof value === 'object';
}

function numericResult(value: number, allowInfinity = true): number {
  if (Number.isNaN(value) || (!allowInfinity && value === Infinity)) fail('the arithmetic result is not a number');
  return value;
}

/** json-logic-engine's interpreted arithmetic methods (its optimizer calls them with the evaluated arguments). */
const ARITHMETIC_METHODS: Readonly<Record<string, (data: unknown) => number>> = {
  '+': (data) => {
    if (!data) return 0;
    if (typeof data !== 'object') return toNumber(Number(data));
    if (!Array.isArray(data)) return fail('"+" cannot add an object');
    let result = 0;
    for (const item of data as unknown[]) {
      if (isObjectOperand(item)) fail(`"+" cannot add ${describe(item)}`);
      result += Number(item);
    }
    return numericResult(result);
  },
  '-': (data) => {
    if (!data) return 0;
    if (typeof data !== 'object') return toNumber(-Number(data));
    if (!Array.isArray(data)) return fail('"-" cannot subtract an object');
    const list = data as unknown[];
    if (isObjectOperand(list[0])) fail(`"-" cannot subtract from ${describe(list[0])}`);
    if (list.length === 0) fail('"-" needs at least one operand');
    if (list.length === 1) return -(list[0] as number);
    let result = list[0] as number;
    for (let i = 1; i < list.length; i++) {
      if (isObjectOperand(list[i])) fail(`"-" cannot subtract ${describe(list[i])}`);
      result -= Number(list[i]);
    }
    return numericResult(result);
  },
  '*': (data) => {
    const list = data as unknown[];
    let result = 1;
    for (const item of list) {
      if (isObjectOperand(item)) fail(`"*" cannot multiply ${describe(item)}`);
      result *= Number(item);
    }
    return numericResult(result);
  },
  '/': (data) => {
    const list = data as unknown[];
    if (isObjectOperand(list[0])) fail(`"/" cannot divide ${describe(list[0])}`);
    if (list.length === 0) fail('"/" needs at least one operand');
    if (list.length === 1) {
      if (!Number(list[0])) fail('"/" divides by zero');
      return 1 / Number(list[0]);
    }
    let result = Number(list[0]);
    for (let i = 1; i < list.length; i++) {
      if (isObjectOperand(list[i]) || !list[i]) fail(`"/" cannot divide by ${describe(list[i])}`);
      result /= Number(list[i]);
    }
    return numericResult(result, false);
  },
  '%': (data) => {
    const list = data as unknown[];
    if (isObjectOperand(list[0])) fail(`"%" cannot divide ${describe(list[0])}`);
    if (list.length < 2) fail('"%" needs two operands');
    let result = Number(list[0]);
    for (let i = 1; i < list.length; i++) {
      if (isObjectOperand(list[i])) fail(`"%" cannot divide by ${describe(list[i])}`);
      result %= Number(list[i]);
    }
    return numericResult(result);
  },
};

/** Arithmetic as json-logic-engine's interpreter runs it: `+`/`-` take a lone argument as their whole input. */
function compileArithmeticInterpreted(op: string, args: unknown, scope: Scope): Node {
  const unary = op === '+' || op === '-';
  let lower = args;
  if ((!lower || typeof lower !== 'object') && !unary) lower = [lower];
  if (unary && Array.isArray(lower) && lower.length === 1 && !Array.isArray(lower[0])) lower = lower[0];
  const operand = compileNode(lower, scope).fn;
  const method = ARITHMETIC_METHODS[op] as (data: unknown) => number;
  if (unary || Array.isArray(lower)) return dynamic((data) => method(operand(data)));
  return dynamic((data) => method(coerceArray(operand(data))));
}

/** Arithmetic whose operand list is computed (`{"+": {"var": "numbers"}}`), as json-logic-engine compiles it. */
function compileArithmeticOnList(op: string, operand: Fn): Node {
  const needList = (value: unknown, size: number): unknown[] => {
    if (!Array.isArray(value) || value.length < size) fail(`"${op}" needs a list of at least ${size} operand(s)`);
    return value;
  };
  switch (op) {
    case '+':
      return dynamic((data) => {
        const value = (prev = operand(data));
        if (!Array.isArray(value)) return toNumber(Number(value));
        return value.reduce((a: number, b: unknown) => Number(a) + Number(precoerceNumber(b)), 0);
      });
    case '-':
      return dynamic((data) => {
        const value = (prev = operand(data));
        if (!Array.isArray(value)) return -toNumber(Number(value));
        if (value.length === 1) return -(precoerceNumber(value[0]) as number);
        return needList(value, 1).reduce((a: unknown, b: unknown) => toNumber(a) - toNumber(b));
      });
    case '*':
      return dynamic((data) => {
        const value = operand(data);
        if (!Array.isArray(value)) fail('"*" needs a list of operands');
        return value.reduce((a: unknown, b: unknown) => toNumber(a) * toNumber(b), 1);
      });
    case '/':
      return dynamic((data) => {
        const value = needList((prev = operand(data)), 1);
        if (value.length === 1) return 1 / toNumber(value[0] || NaN);
        return value.reduce((a: unknown, b: unknown) => toNumber(a) / toNumber(b || NaN));
      });
    default:
      return dynamic((data) =>
        needList(operand(data), 2).reduce((a: unknown, b: unknown) => toNumber(a) % toNumber(b)),
      );
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Iterators

/** json-logic-engine's `assertAllowedDepth(item, 0)`: `reduce` accumulators may not nest objects. */
function assertFlat(item: unknown): unknown {
  if (!item || typeof item !== 'object') return item;
  const values = Array.isArray(item) ? item : Object.values(item);
  for (const value of values) {
    if (value && typeof value === 'object') fail('"reduce" cannot accumulate nested objects or arrays');
  }
  return item;
}

function compileIterator(op: string, args: unknown, scope: Scope): Node {
  if (!Array.isArray(args)) return fail(`"${op}" takes [list, expression${op === 'reduce' ? ', initial' : ''}]`);
  const selector = compileNode(args[0], scope).fn;
  const mapper = compileNode(args[1], { ...scope, atRoot: false }).fn;
  const compiled = scope.mode === 'compiled';
  const list = (data: unknown, method: string): unknown[] => {
    const value = selector(data) || [];
    if (!Array.isArray(value)) fail(`"${method}" iterates over an array, got ${describe(value)}`);
    return value;
  };
  // The mapper is a function of its own in json-logic-engine: its `prev` does not leak out.
  const call = (item: unknown): unknown => {
    const saved = prev;
    const result = mapper(item);
    prev = saved;
    return result;
  };
  switch (op) {
    case 'map':
      return dynamic((data) => list(data, op).map((item) => call(item)));
    case 'filter':
      return dynamic((data) => list(data, op).filter((item) => truthy(call(item))));
    case 'reduce': {
      const initial = args.length > 2 ? compileNode(args[2], scope).fn : undefined;
      return dynamic((data) => {
        const items = list(data, op);
        const step = (accumulator: unknown, current: unknown): unknown => assertFlat(call({ accumulator, current }));
        if (initial === undefined) {
          if (items.length === 0) fail('"reduce" of an empty list needs an initial value');
          return items.reduce(step);
        }
        return items.reduce(step, assertFlat(initial(data)));
      });
    }
    case 'all':
      return dynamic((data) => {
        // Compiled, the empty check sees the selector's value; interpreted, it sees `value || []`.
        const value = compiled ? (prev = selector(data)) : selector(data) || [];
        if (Array.isArray(value) && value.length === 0) return false;
        const items = (value || []) as ArrayLike<unknown>;
        if (compiled && !Array.isArray(items)) fail(`"all" iterates over an array, got ${describe(value)}`);
        for (let i = 0; i < items.length; i++) if (!truthy(call(items[i]))) return false;
        return true;
      });
    default: {
      const negate = op === 'none';
      return dynamic((data) => {
        const value = selector(data) || [];
        if (compiled && !Array.isArray(value)) fail(`"${op}" iterates over an array, got ${describe(value)}`);
        const items = value as ArrayLike<unknown>;
        for (let i = 0; i < items.length; i++) if (truthy(call(items[i]))) return !negate;
        return negate;
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// flagd operations

/** Evaluated arguments of a custom operation, always a list (as json-logic-engine passes them). */
function compileArgumentList(
  args: unknown,
  scope: Scope,
): { nodes: Node[] | undefined; run: (data: unknown) => unknown[] } {
  const lower = wrapArgs(args);
  if (Array.isArray(lower)) {
    const nodes = lower.map((arg) => compileNode(arg, scope));
    const fns = nodes.map((node) => node.fn);
    return {
      nodes,
      run: (data) => {
        const out = new Array<unknown>(fns.length);
        for (let i = 0; i < fns.length; i++) out[i] = (fns[i] as Fn)(data);
        return out;
      },
    };
  }
  const node = compileNode(lower, scope);
  return { nodes: undefined, run: (data) => coerceArray(node.fn(data)) };
}

function compileFlagdOperation(op: string, args: unknown, scope: Scope): Node {
  if (!scope.atRoot) {
    // flagd-core's operations read their logger from the evaluation context, which an iterator item lacks: there
    // they always fail. Failing the same way keeps rules that use them inside map/filter/… portable in neither.
    const run = compileArgumentList(args, scope).run;
    return dynamic((data) => {
      run(data);
      return fail(`"${op}" cannot run inside map, filter, reduce, all, none or some`);
    });
  }
  if (op === 'fractional') return compileFractional(args, scope);
  if (op === 'sem_ver') return compileSemVer(args, scope);
  return compileStringCompare(op === 'starts_with' ? 'starts_with' : 'ends_with', args, scope);
}

function compileStringCompare(op: 'starts_with' | 'ends_with', args: unknown, scope: Scope): Node {
  const { nodes, run } = compileArgumentList(args, scope);
  if (nodes?.length === 2) {
    const [text, affix] = nodes.map((node) => node.fn) as [Fn, Fn];
    const starts = op === 'starts_with';
    return dynamic((data) => {
      const a = text(data);
      const b = affix(data);
      if (typeof a !== 'string' || typeof b !== 'string') return null;
      return starts ? a.startsWith(b) : a.endsWith(b);
    });
  }
  return dynamic((data) => stringCompare(op, run(data)));
}

function compileSemVer(args: unknown, scope: Scope): Node {
  const { nodes, run } = compileArgumentList(args, scope);
  if (nodes?.length === 3 && nodes[2]?.isConst) {
    const [left, operator] = nodes.map((node) => node.fn) as [Fn, Fn];
    const right = normalizeVersion(nodes[2].value);
    return dynamic((data) => {
      const version = left(data);
      const op = operator(data);
      const parsed = normalizeVersion(version);
      return parsed && right ? compareVersions(parsed, op, right) : null;
    });
  }
  return dynamic((data) => semVer(run(data)));
}

/** flagd-core's `fractional` over evaluated arguments, in the scope's data. */
function fractional(args: unknown[], data: unknown, scope: Scope): string | number | boolean | null {
  if (args.length < 1) return null;
  let bucketBy: string;
  let start = 0;
  if (typeof args[0] === 'string') {
    bucketBy = args[0];
    start = 1;
  } else {
    const targetingKey = prop(data, 'targetingKey');
    if (!targetingKey) return null;
    bucketBy = `${scope.options.flagKey}${jsString(targetingKey)}`;
  }
  const list = toBucketList(args, start);
  return list ? pickBucket(list, murmur3Utf8(bucketBy)) : null;
}

function compileFractional(args: unknown, scope: Scope): Node {
  const { nodes, run } = compileArgumentList(args, scope);
  if (nodes === undefined || nodes.length === 0 || !nodes.slice(1).every((node) => node.isConst)) {
    return dynamic((data) => fractional(run(data), data, scope));
  }
  // Fast path: constant buckets, validated once; the flag-key prefix of the bucketing key is hashed once.
  const first = nodes[0] as Node;
  const rest = nodes.slice(1).map((node) => node.value);
  const withExplicitKey = toBucketList(rest, 0);
  const hashTargetingKey = createPrefixHasher(scope.options.flagKey);
  const byTargetingKey = (data: unknown, list: BucketList | null): string | number | boolean | null => {
    const targetingKey = (data as Record<string, unknown>)['targetingKey'];
    if (!targetingKey || !list) return null;
    return pickBucket(list, hashTargetingKey(typeof targetingKey === 'string' ? targetingKey : jsString(targetingKey)));
  };
  if (first.isConst) {
    if (typeof first.value === 'string') {
      const result = withExplicitKey ? pickBucket(withExplicitKey, murmur3Utf8(first.value)) : null;
      return dynamic(() => result);
    }
    const shorthand = toBucketList([first.value, ...rest], 0);
    if (!shorthand) return dynamic(() => null);
    return dynamic((data) => {
      const targetingKey = (data as Record<string, unknown>)['targetingKey'];
      if (!targetingKey) return null;
      return pickBucket(
        shorthand,
        hashTargetingKey(typeof targetingKey === 'string' ? targetingKey : jsString(targetingKey)),
      );
    });
  }
  const firstFn = first.fn;
  return dynamic((data) => {
    const key = firstFn(data);
    if (typeof key === 'string') return withExplicitKey ? pickBucket(withExplicitKey, murmur3Utf8(key)) : null;
    return byTargetingKey(data, toBucketList([key, ...rest], 0));
  });
}
