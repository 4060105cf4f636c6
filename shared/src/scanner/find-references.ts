/**
 * Finds flag references in one parsed source file. Works on the raw TypeScript AST of a ts-morph SourceFile
 * (no node wrapping, no type-check unless a key needs it): SDK calls and wrapper calls here; keys are resolved by
 * {@link KeyResolver} (resolve-key.ts).
 */
import type { SourceFile, ts } from 'ts-morph';
import type { CallPattern, DetectedWrapper, FlagReference, ScanOptions } from './types.ts';
import { buildReference } from './reference-builder.ts';
import {
  findConfigObjectReferences,
  keyofReferences,
  visitReferenceForms,
  type ConfigSource,
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
 * dependencies and type-checker time. `extraPatterns` are wrappers detected in other files.
 */
export function analyzeSourceFile(
  sourceFile: SourceFile,
  options: ScanOptions,
  extraPatterns: readonly CallPattern[] = [],
  beforeTypeCheck?: () => void,
): FileAnalysis {
  const analyzer = new FileAnalyzer(sourceFile, options, beforeTypeCheck);
  // Wrappers are calls of a `custom` pattern with a module: detected here, configured, or from other files.
  const first = analyzer.run([...options.patterns, ...extraPatterns]);
  if (first.wrappers.length === 0) return analyzer.result(first);
  // Calls of a wrapper declared in this file are references too: one more pass with the wrappers added.
  const second = analyzer.run([...options.patterns, ...extraPatterns, ...first.wrappers.map((w) => w.pattern)]);
  return analyzer.result(second);
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

  run(patterns: readonly CallPattern[]): Pass {
    const ts = this.ts;
    const byName = new Map<string, CallPattern[]>();
    for (const p of patterns) byName.set(p.function, [...(byName.get(p.function) ?? []), p]);
    const wrapperNames = new Set(
      patterns.filter((p) => p.sdk === 'custom' && p.module !== undefined).map((p) => p.function),
    );
    const pass: Pass = { references: [], wrappers: [], configSources: [] };
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) this.visitCall(node, byName, pass);
      else if (ts.isIdentifier(node) && wrapperNames.has(node.text)) this.visitWrapperValue(node, pass);
      else visitReferenceForms(this.resolver, node, this.options, pass.references);
      ts.forEachChild(node, visit);
    };
    visit(this.resolver.sf);
    return pass;
  }

  private visitCall(call: ts.CallExpression, byName: ReadonlyMap<string, CallPattern[]>, pass: Pass): void {
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
    if (resolved.kind === 'unresolved' && resolved.parameter && this.options.detectWrappers !== false) {
      const wrapper = this.wrapperFor(call, pattern, resolved.parameter, keyArg);
      if (wrapper) {
        pass.wrappers.push(wrapper);
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
  ): DetectedWrapper | undefined {
    const ts = this.ts;
    // Only a plain forward (`getBooleanValue(key, …)`) makes a wrapper; `${prefix}-${key}` is just dynamic.
    if (!ts.isIdentifier(skipOuter(ts, keyArg))) return undefined;
    const name = functionName(ts, parameter.fn);
    if (!name) return undefined;
    const defaultIndex = this.defaultParameterIndex(call, inner, parameter.fn);
    const pattern: CallPattern = {
      sdk: 'custom',
      function: name,
      module: modulePathOf(this.resolver.filePath),
      keyArgument: parameter.index,
      ...(defaultIndex === undefined ? {} : { defaultArgument: defaultIndex }),
      callKind: inner.callKind,
      ...(inner.valueType ? { valueType: inner.valueType } : {}),
      returns: inner.returns,
    };
    const sf = this.resolver.sf;
    const callee = skipOuter(ts, call.expression);
    const forwardsTo = ts.isPropertyAccessExpression(callee) ? callee.name.getText(sf) : callee.getText(sf);
    const forward = buildReference(this.resolver, {
      kind: 'call',
      node: call,
      keyNode: keyArg,
      resolved: unresolved(`the key is the parameter "${keyArg.getText(sf)}" of the flag wrapper ${name}`),
      sdk: inner.sdk,
      method: forwardsTo,
      callKind: inner.callKind,
      returns: inner.returns,
    });
    return { pattern, file: this.resolver.filePath, range: forward.range, forwardsTo, forward };
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
