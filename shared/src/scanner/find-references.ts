/**
 * Finds flag references in one parsed source file. Works on the raw TypeScript AST of a ts-morph SourceFile
 * (no node wrapping, no type-check unless a key needs it): SDK calls and wrapper calls here; keys are resolved by
 * {@link KeyResolver} (resolve-key.ts).
 */
import type { SourceFile, ts } from 'ts-morph';
import {
  MAX_WRAPPER_DEPTH,
  type CallPattern,
  type DetectedWrapper,
  type FlagReference,
  type ScanOptions,
} from './types.ts';
import { buildReference, type ReferenceSpec } from './reference-builder.ts';
import { isFlagType, keyofOperand, keyofReferences, returnedUse } from './flag-key-types.ts';
import {
  findConfigObjectReferences,
  visitReferenceForms,
  type ConfigSource,
  type ParameterKeyRead,
} from './reference-forms.ts';
import {
  KeyResolver,
  functionName,
  isFromPackages,
  modulePathOf,
  skipOuter,
  unresolved,
  type Resolved,
  type Ts,
} from './resolve-key.ts';

export { modulePathOf } from './resolve-key.ts';

/** What one file holds: its references, the wrappers it declares, and the other files its keys came from. */
export interface FileAnalysis {
  readonly references: FlagReference[];
  readonly wrappers: DetectedWrapper[];
  /** Absolute paths of other files read to resolve keys (their changes can change this file's keys). */
  readonly dependencies: ReadonlySet<string>;
  /** Time spent in the type checker, in ms. */
  readonly typeCheckMs: number;
  /** Properties of the repo's types whose values flow into an evaluator (`evaluateFlag(route.flag)`). */
  readonly configSources: readonly ConfigSource[];
}

/**
 * The flag references in `sourceFile`, in source order, resolved or not (unresolved ones have `key: undefined`
 * and an `unresolvedReason`). Wrappers declared in the same file are detected and applied (see
 * {@link DetectedWrapper}); use `FlagScanner` to apply wrappers across files.
 * Requires `await loadTsMorph()` first (throws GENERAL otherwise). May add the files that relative imports point
 * to to the file's Project (parsed only) and, when `useTypeChecker` is on and syntax is not enough, build its
 * program.
 */
export function findReferencesInSourceFile(sourceFile: SourceFile, options: ScanOptions): FlagReference[] {
  const analysis = analyzeSourceFile(sourceFile, options);
  if (analysis.configSources.length === 0) return analysis.references;
  // Config objects of this file that feed an evaluator here (the scanner searches the whole workspace).
  const configRefs = findConfigObjectReferences(sourceFile, analysis.configSources).filter(
    (r) => r.file === analysis.references[0]?.file,
  );
  return [...analysis.references, ...configRefs].sort((a, b) => a.start - b.start);
}

/**
 * {@link findReferencesInSourceFile} with everything the whole-workspace scanner needs: detected wrappers,
 * dependencies and type-checker time. `otherWrappers` are the wrappers detected in other files.
 */
export function analyzeSourceFile(
  sourceFile: SourceFile,
  options: ScanOptions,
  otherWrappers: readonly DetectedWrapper[] = [],
  beforeTypeCheck?: () => void,
): FileAnalysis {
  const analyzer = new FileAnalyzer(sourceFile, options, beforeTypeCheck);
  let pass = analyzer.run(otherWrappers);
  // Calls of a wrapper declared in this file are references too, and a function forwarding its key to one is a
  // wrapper: passes with this file's wrappers added until they stop changing. Each pass adds at most one level
  // and levels are bounded, so a cycle (a calls b calls a) ends too.
  for (let i = 0; i <= MAX_WRAPPER_DEPTH && pass.wrappers.length > 0; i++) {
    const next = analyzer.run([...otherWrappers, ...pass.wrappers]);
    const stable = wrapperKey(next.wrappers) === wrapperKey(pass.wrappers);
    pass = next;
    if (stable) break;
  }
  return analyzer.result(pass);
}

/**
 * What identifies a set of wrappers (module, name, key and default positions, depth), in any order: two analyses
 * with the same key apply the same wrappers to their callers.
 */
export function wrapperKey(wrappers: readonly DetectedWrapper[]): string {
  return wrappers
    .map(
      (w) =>
        `${w.pattern.module ?? ''}#${w.pattern.function}#${w.pattern.keyArgument}#${w.pattern.defaultArgument ?? ''}#${w.depth}`,
    )
    .sort()
    .join('|');
}

interface Pass {
  readonly references: FlagReference[];
  readonly wrappers: DetectedWrapper[];
  readonly configSources: ConfigSource[];
}

class FileAnalyzer {
  private readonly ts: Ts;
  private readonly resolver: KeyResolver;
  private readonly options: ScanOptions;

  constructor(sourceFile: SourceFile, options: ScanOptions, beforeTypeCheck?: () => void) {
    this.options = options;
    this.resolver = new KeyResolver(sourceFile, options, beforeTypeCheck);
    this.ts = this.resolver.ts;
  }

  result(pass: Pass): FileAnalysis {
    return { ...pass, dependencies: this.resolver.dependencies, typeCheckMs: this.resolver.typeCheckMs };
  }

  /** One walk of the file with the SDK and configured patterns plus `wrappers` (of other files or of a pass before). */
  run(wrappers: readonly DetectedWrapper[]): Pass {
    const ts = this.ts;
    const patterns = [...this.options.patterns, ...wrappers.map((w) => w.pattern)];
    // Levels below each pattern: 0 for SDK and configured ones.
    const depths = new Map<CallPattern, number>([
      ...this.options.patterns.map((p): [CallPattern, number] => [p, 0]),
      ...wrappers.map((w): [CallPattern, number] => [w.pattern, w.depth]),
    ]);
    const byName = new Map<string, CallPattern[]>();
    for (const p of patterns) byName.set(p.function, [...(byName.get(p.function) ?? []), p]);
    const wrapperNames = new Set(
      patterns.filter((p) => p.sdk === 'custom' && p.module !== undefined).map((p) => p.function),
    );
    const pass: Pass = { references: [], wrappers: [], configSources: [] };
    const detect = this.options.detectWrappers !== false;
    const functions: ts.SignatureDeclaration[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        this.visitCall(node, byName, depths, pass);
      } else if (ts.isIdentifier(node) && wrapperNames.has(node.text)) {
        this.visitWrapperValue(node, pass);
      } else {
        const read = visitReferenceForms(this.resolver, node, this.options, pass.references);
        if (read && detect) this.visitParameterKeyRead(read, pass);
        if (detect && (ts.isFunctionDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node))) {
          functions.push(node);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(this.resolver.sf);
    // After the walk: a function that forwards its key to an SDK call or reads a flag map is that wrapper already.
    for (const fn of functions) this.visitFlagKeyParameters(fn, pass);
    return pass;
  }

  /** `const useUiFlag = (flag) => uiConfig.flags[flag]`: a named function reading a flag map by a parameter. */
  private visitParameterKeyRead(read: ParameterKeyRead, pass: Pass): void {
    const name = functionName(this.ts, read.parameter.fn);
    if (!name || !this.ts.isIdentifier(skipOuter(this.ts, read.keyNode))) return;
    addWrapper(
      pass,
      this.wrapper(name, read.parameter.index, 1, {
        kind: 'property',
        node: read.node,
        keyNode: read.keyNode,
        sdk: read.sdk,
        method: read.method,
        callKind: 'unknown',
        returns: 'value',
      }),
    );
  }

  /**
   * A named function whose parameter is typed as a key of the repo's flag type (`<K extends keyof UiFlags>(flag:
   * K)`) and that returns what it computes from it (`return evaluate(flag)`): a wrapper, its calls references.
   * The members of that type are `keyof-type` references.
   */
  private visitFlagKeyParameters(fn: ts.SignatureDeclaration, pass: Pass): void {
    const ts = this.ts;
    const sf = this.resolver.sf;
    const name = functionName(ts, fn);
    if (!name || pass.wrappers.some((w) => w.pattern.function === name)) return;
    // The first such parameter is the key (a function has one key argument).
    for (const [index, parameter] of fn.parameters.entries()) {
      const operand = keyofOperand(ts, parameter);
      if (!operand || !isFlagType(ts, operand)) continue;
      const returned = returnedUse(ts, fn, parameter);
      if (!returned) continue;
      const { use, keyNode } = returned;
      const isCall = ts.isCallExpression(use);
      const callee = isCall ? skipOuter(ts, use.expression) : undefined;
      pass.references.push(...keyofReferences(this.resolver, parameter));
      // The forward may be a matched call (`return useUiFlag(flag)`): its key is the caller's, not unresolved.
      const forwarded = pass.references.findIndex((r) => r.key === undefined && r.start === use.getStart(sf));
      if (forwarded >= 0) pass.references.splice(forwarded, 1);
      addWrapper(
        pass,
        this.wrapper(name, index, 1, {
          kind: isCall ? 'call' : 'property',
          node: use,
          keyNode,
          sdk: 'custom',
          method: callee
            ? ts.isPropertyAccessExpression(callee)
              ? callee.name.text
              : callee.getText(sf)
            : use.expression.getText(sf),
          callKind: 'unknown',
          returns: 'value',
        }),
      );
      return;
    }
  }

  private visitCall(
    call: ts.CallExpression,
    byName: ReadonlyMap<string, CallPattern[]>,
    depths: ReadonlyMap<CallPattern, number>,
    pass: Pass,
  ): void {
    const ts = this.ts;
    const callee = skipOuter(ts, call.expression);
    let name: string;
    if (ts.isIdentifier(callee)) name = callee.text;
    else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.name)) name = callee.name.text;
    else return;
    const candidates = byName.get(name);
    if (!candidates) return;
    // Several patterns can share a name (Statsig's client `checkGate(gate)` and server `checkGate(user, gate)`):
    // the first whose key resolves wins, else the first that applies.
    let chosen: { pattern: CallPattern; keyArg: ts.Expression; resolved: Resolved } | undefined;
    for (const pattern of this.choosePatterns(callee, candidates)) {
      const keyArg = call.arguments[pattern.keyArgument];
      if (!keyArg) continue; // `useFlag()` without a key is not a flag reference.
      if (pattern.keyList && ts.isArrayLiteralExpression(skipOuter(ts, keyArg))) {
        this.pushKeyList(call, pattern, name, skipOuter(ts, keyArg) as ts.ArrayLiteralExpression, pass);
        return;
      }
      const resolved: Resolved = ts.isSpreadElement(keyArg)
        ? unresolved('the key is passed with a spread argument')
        : this.resolver.resolveKey(keyArg);
      chosen ??= { pattern, keyArg, resolved };
      if (resolved.kind === 'string') {
        chosen = { pattern, keyArg, resolved };
        break;
      }
    }
    if (!chosen) return;
    const { pattern, keyArg, resolved } = chosen;
    if (resolved.kind === 'unresolved' && resolved.parameter) {
      const parameter = resolved.parameter.fn.parameters[resolved.parameter.index];
      if (parameter) pass.references.push(...keyofReferences(this.resolver, parameter));
    }
    // A forward to a wrapper makes a wrapper one level deeper, up to MAX_WRAPPER_DEPTH; beyond, the call is an
    // unresolved reference (never a wrapper with calls nobody follows).
    const depth = (depths.get(pattern) ?? MAX_WRAPPER_DEPTH) + 1;
    if (
      resolved.kind === 'unresolved' &&
      resolved.parameter &&
      this.options.detectWrappers !== false &&
      depth <= MAX_WRAPPER_DEPTH
    ) {
      const wrapper = this.wrapperFor(call, pattern, resolved.parameter, keyArg, depth);
      if (wrapper) {
        addWrapper(pass, wrapper);
        return;
      }
    }
    if (resolved.kind === 'unresolved') {
      const source = this.resolver.configSourceOf(keyArg);
      if (source) pass.configSources.push(source);
    }
    const defaultArg =
      pattern.defaultArgument === 'last'
        ? call.arguments.length >= 2
          ? call.arguments[call.arguments.length - 1]
          : undefined
        : pattern.defaultArgument === undefined
          ? undefined
          : call.arguments[pattern.defaultArgument];
    pass.references.push(
      buildReference(this.resolver, {
        kind: 'call',
        node: call,
        keyNode: keyArg,
        resolved,
        sdk: pattern.sdk,
        method: name,
        callKind: pattern.callKind,
        ...(pattern.valueType ? { valueType: pattern.valueType } : {}),
        returns: pattern.returns,
        ...(defaultArg ? { defaultValue: defaultArg.getText(this.resolver.sf) } : {}),
      }),
    );
  }

  /** `useFlags(['a', 'b'])`: one reference per element of the key list. */
  private pushKeyList(
    call: ts.CallExpression,
    pattern: CallPattern,
    name: string,
    list: ts.ArrayLiteralExpression,
    pass: Pass,
  ): void {
    for (const element of list.elements) {
      pass.references.push(
        buildReference(this.resolver, {
          kind: 'call',
          node: call,
          keyNode: element,
          resolved: this.ts.isSpreadElement(element)
            ? unresolved('the key list has a spread element')
            : this.resolver.resolveKey(element),
          sdk: pattern.sdk,
          method: name,
          callKind: pattern.callKind,
          returns: pattern.returns,
        }),
      );
    }
  }

  /**
   * A wrapper used as a value (`keys.map(isOn)`, `onChange={isOn}`, `const check = isOn`, `isOn.bind(…)`) or
   * renamed (`import { isOn as check }`, `export { isOn as check }`): its keys are decided where it is finally
   * called, which the scanner does not follow, so it is an unresolved reference.
   */
  private visitWrapperValue(id: ts.Identifier, pass: Pass): void {
    const ts = this.ts;
    const parent = id.parent;
    const isCallee = (ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.expression === id;
    // `import { isOn as check }` / `export { isOn as check }`: calls of `check` are not matched, so the rename is.
    const renamedTo =
      (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent)) &&
      parent.propertyName === id &&
      parent.name.text !== id.text
        ? parent.name.text
        : undefined;
    const isDeclarationOrName =
      ((ts.isFunctionDeclaration(parent) || ts.isVariableDeclaration(parent)) && parent.name === id) ||
      ts.isImportSpecifier(parent) ||
      ts.isImportClause(parent) ||
      ts.isExportSpecifier(parent) ||
      (ts.isPropertyAccessExpression(parent) && parent.name === id) ||
      (ts.isPropertyAssignment(parent) && parent.name === id) ||
      ts.isTypeQueryNode(parent) ||
      ts.isQualifiedName(parent);
    if (isCallee || (isDeclarationOrName && renamedTo === undefined)) return;
    const reason = renamedTo
      ? `the flag wrapper ${id.text} is renamed to ${renamedTo}; calls under that name are not followed`
      : `the flag wrapper ${id.text} is passed as a value; its keys are given where it is called`;
    pass.references.push(
      buildReference(this.resolver, {
        kind: 'call',
        node: id,
        keyNode: id,
        resolved: unresolved(reason),
        sdk: 'custom',
        method: id.text,
      }),
    );
  }

  /**
   * The patterns that apply to `callee`: a pattern restricted to a module wins when the callee comes from that
   * module; else the unrestricted ones (last first) whose packages the callee comes from, or whose origin cannot
   * be seen.
   */
  private choosePatterns(callee: ts.Expression, candidates: readonly CallPattern[]): CallPattern[] {
    const restricted = candidates.filter((p) => p.module !== undefined);
    if (restricted.length > 0) {
      const modules = this.resolver.modulesOfCallee(callee);
      const match = restricted.find((p) => modules.some((m) => p.module === m || `${p.module}/index` === m));
      if (match) return [match];
    }
    const open = candidates.filter((p) => p.module === undefined).reverse();
    if (!open.some((p) => p.packages)) return open.slice(0, 1);
    const origin = this.resolver.originOf(callee);
    if (!origin) return open;
    return open.filter((p) => origin.kind === 'package' && (!p.packages || isFromPackages(origin.name, p.packages)));
  }

  private wrapperFor(
    call: ts.CallExpression,
    inner: CallPattern,
    parameter: { readonly fn: ts.SignatureDeclaration; readonly index: number },
    keyArg: ts.Expression,
    depth: number,
  ): DetectedWrapper | undefined {
    const ts = this.ts;
    // Only a plain forward (`getBooleanValue(key, …)`) makes a wrapper; `${prefix}-${key}` is just dynamic.
    if (!ts.isIdentifier(skipOuter(ts, keyArg))) return undefined;
    const name = functionName(ts, parameter.fn);
    if (!name) return undefined;
    const callee = skipOuter(ts, call.expression);
    return this.wrapper(
      name,
      parameter.index,
      depth,
      {
        kind: 'call',
        node: call,
        keyNode: keyArg,
        sdk: inner.sdk,
        method: ts.isPropertyAccessExpression(callee) ? callee.name.text : callee.getText(this.resolver.sf),
        callKind: inner.callKind,
        returns: inner.returns,
      },
      this.defaultParameterIndex(call, inner, parameter.fn),
      inner.valueType,
    );
  }

  /**
   * The wrapper `name` of this file whose parameter `keyIndex` is the key of `forward` (an SDK call or flag map
   * read inside it), which becomes an unresolved reference (reported when no call of the wrapper is found).
   */
  private wrapper(
    name: string,
    keyIndex: number,
    depth: number,
    forward: Omit<ReferenceSpec, 'resolved'> & Pick<CallPattern, 'callKind' | 'returns'>,
    defaultIndex?: number,
    valueType?: CallPattern['valueType'],
  ): DetectedWrapper {
    const pattern: CallPattern = {
      sdk: 'custom',
      function: name,
      module: modulePathOf(this.resolver.filePath),
      keyArgument: keyIndex,
      ...(defaultIndex === undefined ? {} : { defaultArgument: defaultIndex }),
      callKind: forward.callKind,
      ...(valueType ? { valueType } : {}),
      returns: forward.returns,
    };
    const keyText = forward.keyNode.getText(this.resolver.sf);
    const reference = buildReference(this.resolver, {
      ...forward,
      resolved: unresolved(`the key is the parameter "${keyText}" of the flag wrapper ${name}`),
    });
    return {
      pattern,
      file: this.resolver.filePath,
      range: reference.range,
      forwardsTo: forward.method,
      depth,
      forward: reference,
    };
  }

  /** When the SDK call's default is a parameter of the wrapper too, the wrapper's callers give the default. */
  private defaultParameterIndex(
    call: ts.CallExpression,
    inner: CallPattern,
    fn: ts.SignatureDeclaration,
  ): number | undefined {
    const ts = this.ts;
    const index = inner.defaultArgument === 'last' ? call.arguments.length - 1 : (inner.defaultArgument ?? Number.NaN);
    const arg = call.arguments[index];
    if (!arg || index === inner.keyArgument) return undefined;
    const inner2 = skipOuter(ts, arg);
    if (!ts.isIdentifier(inner2)) return undefined;
    const decl = this.resolver.findDeclaration(inner2.text, inner2);
    return decl?.kind === 'parameter' && decl.fn === fn ? decl.index : undefined;
  }
}

/**
 * Adds `wrapper` to the pass unless the same function with the same key is a wrapper there already at the same or a
 * lower depth (a second forward, or a recursive call: its key is the caller's too, so it is no reference either); a
 * shallower one replaces it, so a function's depth is that of its shortest way down.
 */
function addWrapper(pass: Pass, wrapper: DetectedWrapper): void {
  const same = (w: DetectedWrapper): boolean =>
    w.pattern.function === wrapper.pattern.function && w.pattern.keyArgument === wrapper.pattern.keyArgument;
  const index = pass.wrappers.findIndex(same);
  const existing = pass.wrappers[index];
  if (!existing) pass.wrappers.push(wrapper);
  else if (wrapper.depth < existing.depth) pass.wrappers[index] = wrapper;
}
