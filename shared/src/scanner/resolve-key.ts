/**
 * Resolves the value of a flag-key expression in one parsed source file: syntactically first, following const
 * declarations, object maps, enums and relative imports into other files of the same Project; the type checker
 * is asked only when syntax cannot decide (a non-relative import such as a `paths` alias, a global declaration).
 * Also answers where a callee comes from (for module-restricted patterns) and names enclosing declarations.
 */
import type { Project, SourceFile, ts } from 'ts-morph';
import type { ScanOptions, SourceRange } from './types.ts';
import { getTsMorphOrThrow } from './ts-morph-runtime.ts';
import { resolveModule } from './module-resolution.ts';

/** File path without its TypeScript/JavaScript extension: the identity wrappers' `module` is compared with. */
export function modulePathOf(filePath: string): string {
  return filePath.replace(/(\.d)?\.(tsx?|jsx?|mts|cts|mjs|cjs)$/, '');
}

/** What an expression evaluates to, as far as the scanner can tell. */
export type Resolved =
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

/** Where a value comes from (see {@link KeyResolver.originOf}). */
export type Origin = { readonly kind: 'package'; readonly name: string } | { readonly kind: 'repo' };

/** True when `specifier` (`pkg`, `pkg/sub`) is one of `packages` (`pkg`, or `@scope/*` for a whole scope). */
export function isFromPackages(specifier: string, packages: readonly string[]): boolean {
  return packages.some((p) =>
    p.endsWith('/*') ? specifier.startsWith(p.slice(0, -1)) : specifier === p || specifier.startsWith(`${p}/`),
  );
}

/** What a name is bound to in its scope. */
export type Declaration =
  | { readonly kind: 'variable'; readonly node: ts.VariableDeclaration; readonly isConst: boolean }
  | { readonly kind: 'parameter'; readonly fn: ts.SignatureDeclaration; readonly index: number }
  | { readonly kind: 'enum'; readonly node: ts.EnumDeclaration }
  | { readonly kind: 'function'; readonly node: ts.FunctionDeclaration }
  | { readonly kind: 'import'; readonly specifier: string; readonly importedName: string | undefined }
  | { readonly kind: 'other'; readonly what: string };

export type Ts = typeof ts;

const MAX_DEPTH = 24;
const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.d.ts', '.js', '.jsx', '.mjs', '.cjs'];

/**
 * Key resolution for one source file. Records the other files it read (`dependencies`) and the time spent in the
 * type checker (`typeCheckMs`).
 */
export class KeyResolver {
  readonly ts: Ts;
  readonly project: Project;
  readonly sf: ts.SourceFile;
  readonly filePath: string;
  /** Absolute paths of other files read to resolve keys. */
  readonly dependencies = new Set<string>();
  /** Time spent in the type checker, in ms. */
  typeCheckMs = 0;
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

  /** The value of `expr`: syntax first, then the type checker when syntax gave up on something it may know. */
  resolveKey(expr: ts.Expression): Resolved {
    const resolved = this.resolve(expr, 0);
    if (resolved.kind === 'unresolved' && resolved.tryChecker && this.options.useTypeChecker !== false) {
      return this.resolveWithChecker(expr) ?? resolved;
    }
    return resolved;
  }

  /** The checker's type of `node` (builds the program on first use; timed). */
  typeAt(node: ts.Node): ts.Type {
    const started = performance.now();
    try {
      this.beforeTypeCheck?.();
      return this.project.getTypeChecker().compilerObject.getTypeAtLocation(node);
    } finally {
      this.typeCheckMs += performance.now() - started;
    }
  }

  /** The checker itself, for symbol questions (builds the program on first use; time it with {@link timed}). */
  checker(): ts.TypeChecker {
    this.beforeTypeCheck?.();
    return this.project.getTypeChecker().compilerObject;
  }

  /** Runs `fn` and adds its duration to `typeCheckMs`. */
  timed<T>(fn: () => T): T {
    const started = performance.now();
    try {
      return fn();
    } finally {
      this.typeCheckMs += performance.now() - started;
    }
  }

  /** Whether the options allow the type checker. */
  checkerAllowed(): boolean {
    return this.options.useTypeChecker !== false;
  }

  /**
   * Parses the files this file imports relatively into the Project, so that the type checker (whose program does
   * not follow imports) sees the types they declare.
   */
  loadRelativeImports(): void {
    const ts = this.ts;
    for (const statement of this.sf.statements) {
      if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
        if (isRelative(statement.moduleSpecifier.text)) this.resolveModuleFile(statement.moduleSpecifier.text, this.sf);
      }
    }
  }

  /**
   * When `keyArg` reads a property of a repo type (`route.flag` with `route: Route`), that property: its values in
   * config objects are the keys. Undefined when the checker is off or the property is not declared in the repo.
   */
  configSourceOf(
    keyArg: ts.Expression,
  ): { name: string; declarations: { file: string; pos: number }[]; evaluator: string } | undefined {
    const ts = this.ts;
    const node = skipOuter(ts, keyArg);
    if (!ts.isPropertyAccessExpression(node) || !this.checkerAllowed()) return undefined;
    this.loadRelativeImports();
    const symbol = this.timed(() => this.checker().getSymbolAtLocation(node.name));
    const declarations = (symbol?.declarations ?? []).filter(
      (d) =>
        (ts.isPropertySignature(d) || ts.isPropertyDeclaration(d)) &&
        !d.getSourceFile().fileName.includes('/node_modules/'),
    );
    if (declarations.length === 0) return undefined;
    let call: ts.Node = node;
    while (!ts.isCallExpression(call) && call.parent) call = call.parent;
    const callee = ts.isCallExpression(call) ? skipOuter(ts, call.expression) : undefined;
    const evaluator = callee && ts.isPropertyAccessExpression(callee) ? callee.name.text : (callee?.getText() ?? '');
    return {
      name: node.name.text,
      declarations: declarations.map((d) => ({ file: d.getSourceFile().fileName, pos: d.pos })),
      evaluator,
    };
  }

  private resolveWithChecker(keyArg: ts.Expression): Resolved | undefined {
    const type = this.typeAt(keyArg);
    return type.isStringLiteral() ? { kind: 'string', value: type.value } : undefined;
  }

  /**
   * Where the value of `expr` comes from, followed through variables, calls, `new`, `await`, property reads and
   * parameter type annotations: a `package` (an import of a package or one of its subpaths, or a re-export of one
   * by a repo file), `repo` (declared in the repo), or undefined when syntax cannot tell (a global, an untyped
   * parameter).
   */
  originOf(expr: ts.Expression, depth = 0): Origin | undefined {
    const ts = this.ts;
    if (depth > MAX_DEPTH) return undefined;
    let node = skipOuter(ts, expr);
    if (ts.isAwaitExpression(node)) node = skipOuter(ts, node.expression);
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) return this.originOf(node.expression, depth + 1);
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      return this.originOf(node.expression, depth + 1);
    }
    if (!ts.isIdentifier(node)) return undefined;
    const decl = this.findDeclaration(node.text, node);
    if (!decl) return this.typeImportOrigin(node.text);
    switch (decl.kind) {
      case 'import':
        return this.importOrigin(decl.specifier, decl.importedName);
      case 'variable':
        if (decl.node.initializer) return this.originOf(decl.node.initializer, depth + 1);
        return decl.node.type ? this.typeOrigin(decl.node.type) : undefined;
      case 'parameter': {
        const type = decl.fn.parameters[decl.index]?.type;
        return type ? this.typeOrigin(type) : undefined;
      }
      case 'function':
      case 'enum':
        return { kind: 'repo' };
      case 'other':
        return decl.what === 'a class' ? { kind: 'repo' } : undefined;
    }
  }

  private typeOrigin(type: ts.TypeNode): Origin | undefined {
    const ts = this.ts;
    if (!ts.isTypeReferenceNode(type)) return undefined;
    const name = ts.isIdentifier(type.typeName) ? type.typeName : leftmost(ts, type.typeName);
    return this.typeImportOrigin(name.text);
  }

  /** The origin of a name imported for its type (`import type { Unleash } from 'unleash-client'`). */
  private typeImportOrigin(name: string): Origin | undefined {
    const ts = this.ts;
    for (const statement of this.sf.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const clause = statement.importClause;
      const bindings = clause?.namedBindings;
      const imported =
        clause?.name?.text === name ||
        (bindings && ts.isNamespaceImport(bindings) && bindings.name.text === name) ||
        (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => e.name.text === name));
      if (imported) {
        return isRelative(statement.moduleSpecifier.text)
          ? undefined
          : this.importOrigin(statement.moduleSpecifier.text, name);
      }
    }
    return undefined;
  }

  /** A package import is that package, unless a `paths` alias maps it into the repo; a repo file's re-export of a package is the package. */
  private importOrigin(specifier: string, importedName: string | undefined): Origin {
    // A bare specifier is a package unless a `paths` alias maps it into the repo: without `paths`, resolving it
    // would only parse the package's .d.ts files for nothing.
    const options = this.project.getCompilerOptions();
    if (!isRelative(specifier) && options.paths === undefined) return { kind: 'package', name: specifier };
    const file = this.resolveModuleFile(specifier, this.sf);
    if (!isRelative(specifier) && (!file || file.fileName.includes('/node_modules/'))) {
      return { kind: 'package', name: specifier };
    }
    if (!file) return { kind: 'repo' };
    const ts = this.ts;
    for (const statement of file.statements) {
      if (!ts.isExportDeclaration(statement) || !statement.moduleSpecifier) continue;
      if (!ts.isStringLiteral(statement.moduleSpecifier) || isRelative(statement.moduleSpecifier.text)) continue;
      const clause = statement.exportClause;
      const reexports =
        !clause || (ts.isNamedExports(clause) && clause.elements.some((e) => e.name.text === importedName));
      if (reexports) return { kind: 'package', name: statement.moduleSpecifier.text };
    }
    return { kind: 'repo' };
  }

  modulesOfCallee(callee: ts.Expression): string[] {
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
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : decl.importedName!;
      return [
        ...(isRelative(decl.specifier) ? [] : [decl.specifier]),
        ...(resolved === undefined ? [] : [resolved]),
        ...(file ? this.reexportOrigins(file, name, 0) : []),
      ];
    }
    if (ts.isIdentifier(callee) && (decl.kind === 'function' || decl.kind === 'variable')) {
      return [modulePathOf(this.filePath)];
    }
    return [];
  }

  /**
   * The repo modules `file` re-exports `name` from (`export { name } from './x'`, `export { y as name } from`,
   * `export * from './x'`), followed through barrels: a wrapper imported from an index file is still that wrapper.
   */
  private reexportOrigins(file: ts.SourceFile, name: string, depth: number): string[] {
    const ts = this.ts;
    if (depth > MAX_DEPTH) return [];
    const origins: string[] = [];
    for (const statement of file.statements) {
      if (!ts.isExportDeclaration(statement) || !statement.moduleSpecifier) continue;
      if (!ts.isStringLiteral(statement.moduleSpecifier) || !isRelative(statement.moduleSpecifier.text)) continue;
      const clause = statement.exportClause;
      const element =
        clause && ts.isNamedExports(clause) ? clause.elements.find((e) => e.name.text === name) : undefined;
      const inner = !clause ? name : element ? (element.propertyName ?? element.name).text : undefined;
      if (inner === undefined) continue;
      const target = this.resolveModuleFile(statement.moduleSpecifier.text, file);
      if (target) origins.push(modulePathOf(target.fileName), ...this.reexportOrigins(target, inner, depth + 1));
    }
    return origins;
  }

  resolve(expr: ts.Expression, depth: number): Resolved {
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
  resolveName(name: string, at: ts.Node, depth: number): Resolved {
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

  member(base: Resolved, name: string, at: ts.Node, depth: number): Resolved {
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
  findDeclaration(name: string, at: ts.Node): Declaration | undefined {
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
  resolveModuleFile(specifier: string, from: ts.SourceFile): ts.SourceFile | undefined {
    if (!isRelative(specifier)) {
      // Files of the Project may exist only in memory (unsaved, or an in-memory file system): ask it first.
      const fs = this.project.getFileSystem();
      const inProject = (path: string) => this.project.getSourceFile(path);
      const resolved = resolveModule(this.project, specifier, from.fileName, {
        fileExists: (path) => inProject(path) !== undefined || fs.fileExistsSync(path),
        readFile: (path) =>
          inProject(path)?.getFullText() ?? (fs.fileExistsSync(path) ? fs.readFileSync(path) : undefined),
      })?.resolvedFileName;
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
  enclosingSymbol(node: ts.Node): string | undefined {
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

  rangeOf(start: number, end: number): SourceRange {
    const s = this.sf.getLineAndCharacterOfPosition(start);
    const e = this.sf.getLineAndCharacterOfPosition(end);
    return { start: { line: s.line, character: s.character }, end: { line: e.line, character: e.character } };
  }
}

export function unresolved(reason: string, tryChecker = false): Resolved {
  return { kind: 'unresolved', reason, tryChecker };
}

export function describeUnresolved(resolved: Resolved): string {
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
export function skipOuter(ts: Ts, expr: ts.Expression): ts.Expression {
  let node = expr;
  while (isOuterExpression(ts, node)) node = node.expression;
  return node;
}

/** Parentheses, `as`, `satisfies`, `!` or `<T>x` around an expression (what {@link skipOuter} strips). */
export function isOuterExpression(
  ts: Ts,
  node: ts.Node,
): node is
  ts.ParenthesizedExpression | ts.AsExpression | ts.SatisfiesExpression | ts.NonNullExpression | ts.TypeAssertion {
  return (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isTypeAssertionExpression(node)
  );
}

export function functionName(ts: Ts, fn: ts.SignatureDeclaration): string | undefined {
  if (ts.isFunctionDeclaration(fn)) return fn.name?.text;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent)) {
    return ts.isIdentifier(fn.parent.name) ? fn.parent.name.text : undefined;
  }
  return undefined;
}

export function declarationName(ts: Ts, n: ts.Node): string | undefined {
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

export function propertyNameText(ts: Ts, name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  if (ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name)) {
    const inner = name.expression;
    if (ts.isStringLiteral(inner) || ts.isNoSubstitutionTemplateLiteral(inner)) return inner.text;
  }
  return undefined;
}

export function bindsName(ts: Ts, pattern: ts.BindingName, name: string): boolean {
  if (ts.isIdentifier(pattern)) return pattern.text === name;
  return pattern.elements.some((e) => !ts.isOmittedExpression(e) && bindsName(ts, e.name, name));
}

export function hasExportModifier(ts: Ts, node: ts.Statement): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function leftmost(ts: Ts, name: ts.EntityName): ts.Identifier {
  return ts.isIdentifier(name) ? name : leftmost(ts, name.left);
}

export function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..';
}

export function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Joins a `/`-separated directory and a relative specifier, resolving `.` and `..`. */
export function joinPath(dir: string, relative: string): string {
  const parts = dir.split('/');
  for (const segment of relative.split('/')) {
    if (segment === '..') parts.pop();
    else if (segment !== '.' && segment !== '') parts.push(segment);
  }
  return parts.join('/') || '/';
}
