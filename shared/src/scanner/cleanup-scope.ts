/**
 * Scope-aware name resolution for flag cleanup: which identifiers of a file read a given declaration. Two
 * components in one file may each declare `const on = useFlag(…)`; names alone cannot tell their reads apart, the
 * binder can. The file is bound on its own (a program of one file, no lib, no imports resolved): local scopes
 * need nothing else, and the text being simplified changes at every step, so the workspace program cannot be used.
 */
import type { ts } from 'ts-morph';
import { tsApi } from './cleanup-text.ts';
import { declarationsByName, isReferenceIdentifier, referencesByName } from './cleanup-syntax.ts';

/**
 * Every identifier of `sf` that reads the variable `decl` declares (shorthand properties `{ on }` and export
 * specifiers included), in source order. When the file declares the name only once, names are enough and no
 * binder runs.
 */
export function referencesOfDeclaration(
  sf: ts.SourceFile,
  decl: (ts.VariableDeclaration | ts.BindingElement) & { name: ts.Identifier },
): ts.Identifier[] {
  const name = decl.name.text;
  if (declarationsByName(sf, name).length <= 1) return referencesByName(sf, name);
  const checker = bindFile(sf);
  const target = checker.getSymbolAtLocation(decl.name);
  if (!target) return [];
  const found: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (tsApi().isIdentifier(node) && node.text === name && isReferenceIdentifier(node)) {
      if (symbolRead(checker, node) === target) found.push(node);
    }
    tsApi().forEachChild(node, visit);
  };
  tsApi().forEachChild(sf, visit);
  return found;
}

/** The symbol `id` reads: the value behind `{ id }` and `export { id }`, not the property or the export. */
function symbolRead(checker: ts.TypeChecker, id: ts.Identifier): ts.Symbol | undefined {
  const p = id.parent;
  if (tsApi().isShorthandPropertyAssignment(p)) return checker.getShorthandAssignmentValueSymbol(p);
  if (tsApi().isExportSpecifier(p)) return checker.getExportSpecifierLocalTargetSymbol(p);
  return checker.getSymbolAtLocation(id);
}

/** A type checker over `sf` alone: binding only, nothing read from disk. */
function bindFile(sf: ts.SourceFile): ts.TypeChecker {
  const ts = tsApi();
  const options: ts.CompilerOptions = { noLib: true, noResolve: true, types: [], allowJs: true, noEmit: true };
  const host: ts.CompilerHost = {
    getSourceFile: (fileName) => (fileName === sf.fileName ? sf : undefined),
    getDefaultLibFileName: () => 'lib.d.ts',
    writeFile: () => undefined,
    getCurrentDirectory: () => '/',
    getCanonicalFileName: (fileName) => fileName,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (fileName) => fileName === sf.fileName,
    readFile: () => undefined,
  };
  return ts.createProgram({ rootNames: [sf.fileName], options, host }).getTypeChecker();
}
