/**
 * Finds flag references in one parsed source file. Works on the raw TypeScript AST of a ts-morph SourceFile
 * (no node wrapping, no type-check): keys are resolved syntactically first, following const declarations,
 * object maps, enums and relative imports into other files of the same Project; the type checker is asked only
 * when syntax cannot decide (a non-relative import such as a `paths` alias, a global declaration).
 */
import type { Project, SourceFile, ts } from 'ts-morph';
import type { CallPattern, DetectedWrapper, FlagReference, ScanOptions, SourceRange } from './types.ts';
import { getTsMorphOrThrow } from './ts-morph-runtime.ts';

/** What one file holds: its references, the wrappers it declares, and the other files its keys came from. */
export interface FileAnalysis {
  readonly references: FlagReference[];
  readonly wrappers: DetectedWrapper[];
  /** Absolute paths of other files read to resolve keys (their changes can change this file's keys). */
  readonly dependencies: ReadonlySet<string>;
  /** Time spent in the type checker, in ms. */
  readonly typeCheckMs: number;
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
  return analyzeSourceFile(sourceFile, options).references;
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
  const first = analyzer.run([...options.patterns, ...extraPatterns]);
  if (first.wrappers.length === 0) return analyzer.result(first);
  // Calls of a wrapper declared in this file are references too: one more pass with the wrappers added.
  const second = analyzer.run([...options.patterns, ...extraPatterns, ...first.wrappers.map((w) => w.pattern)]);
  return analyzer.result(second);
}

/** File path without its TypeScript/JavaScript extension: the identity wrappers' `module` is compared with. */
export function modulePathOf(filePath: string): string {
  return filePath.replace(/(\.d)?\.(tsx?|jsx?|mts|cts|mjs|cjs)$/, '');
}

type Resolved =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'object'; readonly node: ts.ObjectLiteralExpression }
  | { readonly kind: 'enum'; readonly node: ts.EnumDeclaration }
  | { readonly kind: 'module'; readonly file: ts.SourceFile }
  | {
      readonly kind: 'unresolved';
      readonly reason: string;
      /** Syntax gave up on something the type checker may know (a non-relative import, a global). */
      readonly tryChecker: boolean;
      /** The key is this parameter of this function (a wrapper candidate). */
      readonly parameter?: { readonly fn: ts.SignatureDeclaration; readonly index: number };
    };

type Declaration =
  | { readonly kind: 'variable'; readonly node: ts.VariableDeclaration; readonly isConst: boolean }
  | { readonly kind: 'parameter'; readonly fn: ts.SignatureDeclaration; readonly index: number }
  | { readonly kind: 'enum'; readonly node: ts.EnumDeclaration }
  | { readonly kind: 'function'; readonly node: ts.FunctionDeclaration }
  | { readonly kind: 'import'; readonly specifier: string; readonly importedName: string | undefined }
  | { readonly kind: 'other'; readonly what: string };

interface Pass {
  readonly references: FlagReference[];
  readonly wrappers: DetectedWrapper[];
}

type Ts = typeof ts;

const MAX_DEPTH = 24;
const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.d.ts', '.js', '.jsx', '.mjs', '.cjs'];

class FileAnalyzer {
  private readonly ts: Ts;
  private readonly project: Project;
  private readonly sf: ts.SourceFile;
  private readonly filePath: string;
  private readonly dependencies = new Set<string>();
  private typeCheckMs = 0;

  private readonly options: ScanOptions;
  /** Called before the type checker is first used (the scanner adds global declaration files then). */
  private readonly beforeTypeCheck: (() => void) | undefined;

  constructor(sourceFile: SourceFile, options: ScanOptions, beforeTypeCheck?: () => void) {
    this.options = options;
    this.beforeTypeCheck = beforeTypeCheck;
    this.ts = getTsMorphOrThrow().ts;
    this.project = sourceFile.getProject();
    this.sf = sourceFile.compilerNode;
    this.filePath = sourceFile.getFilePath();
  }

  result(pass: Pass): FileAnalysis {
    return { ...pass, dependencies: this.dependencies, typeCheckMs: this.typeCheckMs };
  }

  run(patterns: readonly CallPattern[]): Pass {
    const byName = new Map<string, CallPattern[]>();
    for (const p of patterns) byName.set(p.function, [...(byName.get(p.function) ?? []), p]);
    const pass: Pass = { references: [], wrappers: [] };
    const visit = (node: ts.Node): void => {
      if (this.ts.isCallExpression(node)) this.visitCall(node, byName, pass);
      this.ts.forEachChild(node, visit);
    };
    visit(this.sf);
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
    const pattern = this.choosePattern(callee, candidates);
    if (!pattern) return;
    const keyArg = call.arguments[pattern.keyArgument];
    if (!keyArg) return; // `useFlag()` without a key is not a flag reference.

    let resolved: Resolved = ts.isSpreadElement(keyArg)
      ? { kind: 'unresolved', reason: 'the key is passed with a spread argument', tryChecker: false }
      : this.resolve(keyArg, 0);
    if (resolved.kind === 'unresolved' && resolved.tryChecker && this.options.useTypeChecker !== false) {
      resolved = this.resolveWithChecker(keyArg) ?? resolved;
    }
    if (resolved.kind === 'unresolved' && resolved.parameter && this.options.detectWrappers !== false) {
      const wrapper = this.wrapperFor(call, pattern, resolved.parameter, keyArg);
      if (wrapper) {
        pass.wrappers.push(wrapper);
        return;
      }
    }
    const defaultArg =
      pattern.defaultArgument === 'last'
        ? call.arguments.length >= 2
          ? call.arguments[call.arguments.length - 1]
          : undefined
        : pattern.defaultArgument === undefined
          ? undefined
          : call.arguments[pattern.defaultArgument];
    const start = call.getStart(this.sf);
    const enclosingSymbol = this.enclosingSymbol(call);
    pass.references.push({
      key: resolved.kind === 'string' ? resolved.value : undefined,
      keyExpression: keyArg.getText(this.sf),
      ...(resolved.kind === 'string' ? {} : { unresolvedReason: describeUnresolved(resolved) }),
      file: this.filePath,
      range: this.rangeOf(start, call.end),
      start,
      end: call.end,
      keyStart: keyArg.getStart(this.sf),
      keyEnd: keyArg.end,
      callKind: pattern.callKind,
      sdk: pattern.sdk,
      method: name,
      ...(pattern.valueType ? { valueType: pattern.valueType } : {}),
      returns: pattern.returns,
      ...(defaultArg ? { defaultValue: defaultArg.getText(this.sf) } : {}),
      ...(enclosingSymbol ? { enclosingSymbol } : {}),
    });
  }

  /** A pattern restricted to a module wins when the callee comes from that module; else the last unrestricted one. */
  private choosePattern(callee: ts.Expression, candidates: readonly CallPattern[]): CallPattern | undefined {
    const restricted = candidates.filter((p) => p.module !== undefined);
    if (restricted.length > 0) {
      const modules = this.modulesOfCallee(callee);
      const match = restricted.find((p) => modules.some((m) => p.module === m || `${p.module}/index` === m));
      if (match) return match;
    }
    return candidates.findLast((p) => p.module === undefined);
  }

  /**
   * The identities of the module a callee comes from: the bare specifier of a package import and/or the
   * absolute path without extension of the file it resolves to (a relative or `paths`-aliased import, or this
   * file for a local function). Empty when the callee is not an import or a local function.
   */
  private modulesOfCallee(callee: ts.Expression): string[] {
    const ts = this.ts;
    const target = ts.isPropertyAccessExpression(callee) ? skipOuter(ts, callee.expression) : callee;
    if (!ts.isIdentifier(target)) return [];
    const decl = this.findDeclaration(target.text, target);
    if (!decl) return [];
    if (decl.kind === 'import') {
      // A method call's receiver must be a namespace import (`import * as flags`); a plain call's callee a named one.
      if (ts.isPropertyAccessExpression(callee) !== (decl.importedName === undefined)) return [];
      const file = this.resolveModuleFile(decl.specifier, this.sf);
      const resolved = file
        ? modulePathOf(file.fileName)
        : isRelative(decl.specifier)
          ? modulePathOf(joinPath(dirnameOf(this.sf.fileName), decl.specifier))
          : undefined;
      return [...(isRelative(decl.specifier) ? [] : [decl.specifier]), ...(resolved === undefined ? [] : [resolved])];
    }
    if (ts.isIdentifier(callee) && (decl.kind === 'function' || decl.kind === 'variable')) {
      return [modulePathOf(this.filePath)];
    }
    return [];
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
      module: modulePathOf(this.filePath),
      keyArgument: parameter.index,
      ...(defaultIndex === undefined ? {} : { defaultArgument: defaultIndex }),
      callKind: inner.callKind,
      ...(inner.valueType ? { valueType: inner.valueType } : {}),
      returns: inner.returns,
    };
    const start = call.getStart(this.sf);
    const callee = skipOuter(ts, call.expression);
    const forwardsTo = ts.isPropertyAccessExpression(callee) ? callee.name.getText(this.sf) : callee.getText(this.sf);
    return { pattern, file: this.filePath, range: this.rangeOf(start, call.end), forwardsTo };
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
    const decl = this.findDeclaration(inner2.text, inner2);
    return decl?.kind === 'parameter' && decl.fn === fn ? decl.index : undefined;
  }

  private resolveWithChecker(keyArg: ts.Expression): Resolved | undefined {
    const started = performance.now();
    try {
      this.beforeTypeCheck?.();
      const checker = this.project.getTypeChecker().compilerObject;
      const type = checker.getTypeAtLocation(keyArg);
      return type.isStringLiteral() ? { kind: 'string', value: type.value } : undefined;
    } finally {
      this.typeCheckMs += performance.now() - started;
    }
  }

  private resolve(expr: ts.Expression, depth: number): Resolved {
    const ts = this.ts;
    if (depth > MAX_DEPTH) return unresolved('the key is defined through too many indirections');
    const node = skipOuter(ts, expr);
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      return { kind: 'string', value: node.text };
    }
    if (ts.isTemplateExpression(node)) {
      let value = node.head.text;
      for (const span of node.templateSpans) {
        const part = this.resolve(span.expression, depth + 1);
        if (part.kind !== 'string') {
          return unresolved(`the template literal has a dynamic part \`\${${span.expression.getText()}}\``);
        }
        value += part.value + span.literal.text;
      }
      return { kind: 'string', value };
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      const left = this.resolve(node.left, depth + 1);
      const right = this.resolve(node.right, depth + 1);
      if (left.kind === 'string' && right.kind === 'string') return { kind: 'string', value: left.value + right.value };
      return left.kind === 'unresolved' ? left : right.kind === 'unresolved' ? right : unresolved('not a string');
    }
    if (ts.isObjectLiteralExpression(node)) return { kind: 'object', node };
    if (ts.isIdentifier(node)) return this.resolveName(node.text, node, depth);
    if (ts.isPropertyAccessExpression(node)) {
      return this.member(this.resolve(node.expression, depth + 1), node.name.text, node, depth);
    }
    if (ts.isElementAccessExpression(node)) {
      const index = this.resolve(node.argumentExpression, depth + 1);
      if (index.kind !== 'string') {
        return index.kind === 'unresolved' ? index : unresolved('the element access index is not a string');
      }
      return this.member(this.resolve(node.expression, depth + 1), index.value, node, depth);
    }
    if (ts.isCallExpression(node)) return unresolved(`the key is computed by a call (${node.expression.getText()})`);
    return unresolved(`the key is a ${ts.SyntaxKind[node.kind]}, not a string the scanner can evaluate`);
  }

  /** Resolves the identifier `name` as seen from `at`. */
  private resolveName(name: string, at: ts.Node, depth: number): Resolved {
    const decl = this.findDeclaration(name, at);
    if (!decl) return unresolved(`"${name}" is not declared in this file`, true);
    switch (decl.kind) {
      case 'variable':
        if (!decl.isConst) return unresolved(`"${name}" is a let/var variable; declare it with const`);
        if (!decl.node.initializer) return unresolved(`"${name}" has no initializer`, true);
        return this.resolve(decl.node.initializer, depth + 1);
      case 'parameter':
        return {
          kind: 'unresolved',
          reason: `the key is the parameter "${name}" of ${functionName(this.ts, decl.fn) ?? 'an anonymous function'}`,
          tryChecker: false,
          parameter: { fn: decl.fn, index: decl.index },
        };
      case 'enum':
        return { kind: 'enum', node: decl.node };
      case 'function':
        return unresolved(`"${name}" is a function`);
      case 'import':
        return this.resolveImport(decl.specifier, decl.importedName, at.getSourceFile(), depth);
      case 'other':
        return unresolved(`"${name}" is ${decl.what}`);
    }
  }

  private resolveImport(
    specifier: string,
    importedName: string | undefined,
    from: ts.SourceFile,
    depth: number,
  ): Resolved {
    const file = this.resolveModuleFile(specifier, from);
    if (!file) return unresolved(`the module "${specifier}" was not found`, true);
    if (importedName === undefined) return { kind: 'module', file };
    return this.exported(file, importedName, depth + 1);
  }

  /** The value of export `name` of `file`, following `export { x as name }` and `export … from` syntactically. */
  private exported(file: ts.SourceFile, name: string, depth: number): Resolved {
    const ts = this.ts;
    if (depth > MAX_DEPTH) return unresolved('the key is re-exported through too many modules');
    const starExports: ts.ExportDeclaration[] = [];
    for (const statement of file.statements) {
      if (ts.isVariableStatement(statement) && hasExportModifier(ts, statement)) {
        for (const d of statement.declarationList.declarations) {
          if (ts.isIdentifier(d.name) && d.name.text === name) {
            if (!(statement.declarationList.flags & ts.NodeFlags.Const)) {
              return unresolved(`"${name}" is an exported let/var; declare it with const`);
            }
            return d.initializer
              ? this.resolve(d.initializer, depth + 1)
              : unresolved(`"${name}" has no initializer`, true);
          }
        }
      } else if (ts.isEnumDeclaration(statement) && hasExportModifier(ts, statement) && statement.name.text === name) {
        return { kind: 'enum', node: statement };
      } else if (ts.isExportAssignment(statement) && !statement.isExportEquals && name === 'default') {
        return this.resolve(statement.expression, depth + 1);
      } else if (ts.isExportDeclaration(statement) && !statement.isTypeOnly) {
        const clause = statement.exportClause;
        if (!clause) {
          starExports.push(statement);
        } else if (ts.isNamedExports(clause)) {
          const element = clause.elements.find((e) => e.name.text === name);
          if (!element) continue;
          const local = (element.propertyName ?? element.name).text;
          const spec = statement.moduleSpecifier;
          if (spec && ts.isStringLiteral(spec)) return this.resolveImport(spec.text, local, file, depth + 1);
          return this.resolveName(local, element, depth + 1);
        }
      }
    }
    for (const star of starExports) {
      const spec = star.moduleSpecifier;
      if (!spec || !ts.isStringLiteral(spec)) continue;
      const target = this.resolveModuleFile(spec.text, file);
      if (!target) continue;
      const found = this.exported(target, name, depth + 1);
      if (found.kind !== 'unresolved' || !found.reason.startsWith('no export')) return found;
    }
    return unresolved(`no export "${name}" found in ${file.fileName}`, true);
  }

  private member(base: Resolved, name: string, at: ts.Node, depth: number): Resolved {
    const ts = this.ts;
    switch (base.kind) {
      case 'unresolved':
        return base;
      case 'string':
        return unresolved(`"${at.getText()}" reads a property of a string`);
      case 'module':
        return this.exported(base.file, name, depth + 1);
      case 'enum': {
        const member = base.node.members.find((m) => propertyNameText(ts, m.name) === name);
        if (!member) return unresolved(`the enum ${base.node.name.text} has no member "${name}"`);
        const init = member.initializer;
        if (init && (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init))) {
          return { kind: 'string', value: init.text };
        }
        return unresolved(`the enum member ${base.node.name.text}.${name} is not a string`);
      }
      case 'object': {
        // Later properties override earlier ones (and spreads), so look from the end.
        for (const property of [...base.node.properties].reverse()) {
          if (ts.isPropertyAssignment(property) && propertyNameText(ts, property.name) === name) {
            return this.resolve(property.initializer, depth + 1);
          }
          if (ts.isShorthandPropertyAssignment(property) && property.name.text === name) {
            return this.resolveName(property.name.text, property, depth + 1);
          }
          if (ts.isSpreadAssignment(property)) {
            const spread = this.member(this.resolve(property.expression, depth + 1), name, at, depth + 1);
            if (spread.kind !== 'unresolved' || !spread.reason.startsWith('no property')) return spread;
          }
        }
        return unresolved(`no property "${name}" in the object literal`);
      }
    }
  }

  /**
   * The declaration `name` refers to at `at`, by walking up the enclosing scopes (blocks, functions, the file).
   * Syntactic and approximate (no hoisting subtleties), which is what key constants need.
   */
  private findDeclaration(name: string, at: ts.Node): Declaration | undefined {
    const ts = this.ts;
    for (let scope: ts.Node | undefined = at.parent; scope; scope = scope.parent) {
      if (ts.isFunctionLike(scope)) {
        const index = scope.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === name);
        if (index >= 0) return { kind: 'parameter', fn: scope, index };
      }
      if (
        (ts.isForOfStatement(scope) || ts.isForInStatement(scope) || ts.isForStatement(scope)) &&
        scope.initializer &&
        ts.isVariableDeclarationList(scope.initializer) &&
        scope.initializer.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name)
      ) {
        return { kind: 'other', what: 'a loop variable' };
      }
      if (ts.isCatchClause(scope) && scope.variableDeclaration?.name.getText() === name) {
        return { kind: 'other', what: 'a caught error' };
      }
      const statements =
        ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope) || ts.isCaseOrDefaultClause(scope)
          ? scope.statements
          : undefined;
      if (!statements) continue;
      for (const statement of statements) {
        const found = this.declarationIn(statement, name);
        if (found) return found;
      }
    }
    return undefined;
  }

  private declarationIn(statement: ts.Statement, name: string): Declaration | undefined {
    const ts = this.ts;
    if (ts.isVariableStatement(statement)) {
      const isConst = (statement.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const d of statement.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.name.text === name) return { kind: 'variable', node: d, isConst };
        if (!ts.isIdentifier(d.name) && bindsName(ts, d.name, name)) {
          return { kind: 'other', what: 'bound by destructuring' };
        }
      }
    } else if (ts.isEnumDeclaration(statement) && statement.name.text === name) {
      return { kind: 'enum', node: statement };
    } else if (ts.isFunctionDeclaration(statement) && statement.name?.text === name) {
      return { kind: 'function', node: statement };
    } else if (ts.isImportDeclaration(statement) && statement.importClause && !statement.importClause.isTypeOnly) {
      const spec = statement.moduleSpecifier;
      if (!ts.isStringLiteral(spec)) return undefined;
      const clause = statement.importClause;
      if (clause.name?.text === name) return { kind: 'import', specifier: spec.text, importedName: 'default' };
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings) && bindings.name.text === name) {
        return { kind: 'import', specifier: spec.text, importedName: undefined };
      }
      if (bindings && ts.isNamedImports(bindings)) {
        const element = bindings.elements.find((e) => e.name.text === name);
        if (element) {
          return { kind: 'import', specifier: spec.text, importedName: (element.propertyName ?? element.name).text };
        }
      }
    } else if (ts.isClassDeclaration(statement) && statement.name?.text === name) {
      return { kind: 'other', what: 'a class' };
    }
    return undefined;
  }

  /**
   * The source file a module specifier points to, parsed into the Project when not there yet. Relative
   * specifiers are resolved by trying the source extensions (cheap); others (`paths` aliases, packages) by
   * TypeScript's module resolution with the project's compiler options. Undefined when nothing is found.
   */
  private resolveModuleFile(specifier: string, from: ts.SourceFile): ts.SourceFile | undefined {
    if (!isRelative(specifier)) {
      // Files of the Project may exist only in memory (unsaved, or an in-memory file system): ask it first.
      const fs = this.project.getFileSystem();
      const inProject = (path: string) => this.project.getSourceFile(path);
      const resolved = this.ts.resolveModuleName(specifier, from.fileName, this.project.getCompilerOptions(), {
        fileExists: (path) => inProject(path) !== undefined || fs.fileExistsSync(path),
        readFile: (path) =>
          inProject(path)?.getFullText() ?? (fs.fileExistsSync(path) ? fs.readFileSync(path) : undefined),
      }).resolvedModule?.resolvedFileName;
      return resolved === undefined ? undefined : this.sourceFileAt([resolved]);
    }
    const base = joinPath(dirnameOf(from.fileName), specifier);
    // `./keys.js` in TypeScript source means `./keys.ts`; `./keys` means one of the extensions.
    const stem = base.replace(/\.(m|c)?jsx?$/, '');
    return this.sourceFileAt([
      ...(/\.[mc]?tsx?$/.test(base) ? [base] : []),
      ...SOURCE_EXTENSIONS.map((ext) => stem + ext),
      ...SOURCE_EXTENSIONS.map((ext) => `${base}/index${ext}`),
    ]);
  }

  /** The first of `candidates` that exists, from the Project or parsed from disk; recorded as a dependency. */
  private sourceFileAt(candidates: readonly string[]): ts.SourceFile | undefined {
    for (const candidate of candidates) {
      const file = this.project.getSourceFile(candidate) ?? this.project.addSourceFileAtPathIfExists(candidate);
      if (file) {
        const path = file.getFilePath();
        if (path !== this.filePath) this.dependencies.add(path);
        return file.compilerNode;
      }
    }
    return undefined;
  }

  /** `Class.method`, or the innermost named function / variable around `node`. */
  private enclosingSymbol(node: ts.Node): string | undefined {
    const ts = this.ts;
    let inner: string | undefined;
    for (let n: ts.Node | undefined = node.parent; n && !ts.isSourceFile(n); n = n.parent) {
      if (inner === undefined) {
        inner = declarationName(ts, n);
        const isMember = ts.isClassElement(n);
        if (inner !== undefined && !isMember) return inner;
      } else if (ts.isClassLike(n)) {
        return n.name ? `${n.name.text}.${inner}` : inner;
      }
    }
    return inner;
  }

  private rangeOf(start: number, end: number): SourceRange {
    const s = this.sf.getLineAndCharacterOfPosition(start);
    const e = this.sf.getLineAndCharacterOfPosition(end);
    return { start: { line: s.line, character: s.character }, end: { line: e.line, character: e.character } };
  }
}

function unresolved(reason: string, tryChecker = false): Resolved {
  return { kind: 'unresolved', reason, tryChecker };
}

function describeUnresolved(resolved: Resolved): string {
  switch (resolved.kind) {
    case 'unresolved':
      return resolved.reason;
    case 'object':
      return 'the key is an object, not a string';
    case 'enum':
      return 'the key is an enum, not one of its members';
    case 'module':
      return 'the key is a module namespace';
    case 'string':
      return '';
  }
}

/** Strips parentheses, `as`, `satisfies`, `!` and `<T>x`, which do not change a key's value. */
function skipOuter(ts: Ts, expr: ts.Expression): ts.Expression {
  let node = expr;
  while (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isTypeAssertionExpression(node)
  ) {
    node = node.expression;
  }
  return node;
}

function functionName(ts: Ts, fn: ts.SignatureDeclaration): string | undefined {
  if (ts.isFunctionDeclaration(fn)) return fn.name?.text;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent)) {
    return ts.isIdentifier(fn.parent.name) ? fn.parent.name.text : undefined;
  }
  return undefined;
}

function declarationName(ts: Ts, n: ts.Node): string | undefined {
  if (ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n)) return n.name?.text;
  if (ts.isMethodDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n) || ts.isPropertyDeclaration(n)) {
    return propertyNameText(ts, n.name);
  }
  // `const on = useFlag(…)` is not an enclosing symbol; `const useX = () => useFlag(…)` is.
  if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
    const init = n.initializer;
    if (ts.isArrowFunction(init) || ts.isFunctionExpression(init) || ts.isClassExpression(init)) return n.name.text;
  }
  return undefined;
}

function propertyNameText(ts: Ts, name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  if (ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name)) {
    const inner = name.expression;
    if (ts.isStringLiteral(inner) || ts.isNoSubstitutionTemplateLiteral(inner)) return inner.text;
  }
  return undefined;
}

function bindsName(ts: Ts, pattern: ts.BindingName, name: string): boolean {
  if (ts.isIdentifier(pattern)) return pattern.text === name;
  return pattern.elements.some((e) => !ts.isOmittedExpression(e) && bindsName(ts, e.name, name));
}

function hasExportModifier(ts: Ts, node: ts.Statement): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..';
}

function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Joins a `/`-separated directory and a relative specifier, resolving `.` and `..`. */
function joinPath(dir: string, relative: string): string {
  const parts = dir.split('/');
  for (const segment of relative.split('/')) {
    if (segment === '..') parts.pop();
    else if (segment !== '.' && segment !== '') parts.push(segment);
  }
  return parts.join('/') || '/';
}
