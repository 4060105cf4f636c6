/**
 * Syntax predicates shared by the cleanup simplifier and the unused-code pass: static literal values,
 * identifier roles (declaration, reference, write) and side-effect freedom. Purely syntactic and conservative:
 * when in doubt they answer the way that leaves code unchanged.
 */
import type { ts } from 'ts-morph';
import { tsApi } from './cleanup-text.ts';

/** The value of a literal expression: a primitive, or `object` for object/array literals (truthy, identity unknown). */
export type StaticValue =
  | { readonly kind: 'primitive'; readonly value: string | number | boolean | null | undefined }
  | { readonly kind: 'object' };

/**
 * The static value of `node` when it is a literal (`true`, `'a'`, `-1`, `null`, `undefined`, `{…}`, `[…]`), else
 * undefined. (`undefined` cannot be redeclared in a module: TypeScript rejects it, error 2397.)
 */
export function staticValue(node: ts.Node): StaticValue | undefined {
  const ts = tsApi();
  const k = node.kind;
  if (k === ts.SyntaxKind.TrueKeyword || k === ts.SyntaxKind.FalseKeyword) {
    return { kind: 'primitive', value: k === ts.SyntaxKind.TrueKeyword };
  }
  if (k === ts.SyntaxKind.NullKeyword) return { kind: 'primitive', value: null };
  if (ts.isIdentifier(node) && node.text === 'undefined' && isReferenceIdentifier(node)) {
    return { kind: 'primitive', value: undefined };
  }
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    return { kind: 'primitive', value: node.text };
  }
  if (ts.isNumericLiteral(node)) return { kind: 'primitive', value: Number(node.text) };
  if (ts.isObjectLiteralExpression(node) || ts.isArrayLiteralExpression(node)) return { kind: 'object' };
  if (
    ts.isPrefixUnaryExpression(node) &&
    node.operator === ts.SyntaxKind.MinusToken &&
    ts.isNumericLiteral(node.operand)
  ) {
    return { kind: 'primitive', value: -Number(node.operand.text) };
  }
  return undefined;
}

/** JavaScript truthiness of a static value. */
export function isTruthy(value: StaticValue): boolean {
  return value.kind === 'object' || Boolean(value.value);
}

/** True when `id` is the name a declaration introduces (variable, parameter, function, class, import …). */
function isDeclarationName(id: ts.Identifier): boolean {
  const p = id.parent;
  return (
    (tsApi().isVariableDeclaration(p) ||
      tsApi().isParameter(p) ||
      tsApi().isFunctionDeclaration(p) ||
      tsApi().isFunctionExpression(p) ||
      tsApi().isClassDeclaration(p) ||
      tsApi().isClassExpression(p) ||
      tsApi().isBindingElement(p) ||
      tsApi().isImportSpecifier(p) ||
      tsApi().isImportClause(p) ||
      tsApi().isNamespaceImport(p) ||
      tsApi().isImportEqualsDeclaration(p) ||
      tsApi().isEnumDeclaration(p) ||
      tsApi().isModuleDeclaration(p)) &&
    p.name === id
  );
}

/**
 * True when `id` refers to a binding by name: not a property name, member name, label, JSX attribute name or
 * declaration name. Shorthand properties (`{ x }`) and export specifiers (`export { x }`) do refer.
 */
export function isReferenceIdentifier(id: ts.Identifier): boolean {
  const p = id.parent;
  if (isDeclarationName(id)) return false;
  if (tsApi().isPropertyAccessExpression(p) && p.name === id) return false;
  if (tsApi().isQualifiedName(p) && p.right === id) return false;
  if (
    (tsApi().isPropertyAssignment(p) ||
      tsApi().isPropertyDeclaration(p) ||
      tsApi().isPropertySignature(p) ||
      tsApi().isMethodDeclaration(p) ||
      tsApi().isMethodSignature(p) ||
      tsApi().isGetAccessorDeclaration(p) ||
      tsApi().isSetAccessorDeclaration(p) ||
      tsApi().isEnumMember(p) ||
      tsApi().isJsxAttribute(p)) &&
    p.name === id
  ) {
    return false;
  }
  if (tsApi().isBindingElement(p) && p.propertyName === id) return false;
  if ((tsApi().isImportSpecifier(p) || tsApi().isExportSpecifier(p)) && p.propertyName === id) return false;
  if (tsApi().isLabeledStatement(p) || tsApi().isBreakOrContinueStatement(p)) return false;
  return true;
}

/** Every identifier of `sf` named `name` that is a reference (see {@link isReferenceIdentifier}). */
export function referencesByName(sf: ts.SourceFile, name: string): ts.Identifier[] {
  const found: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (tsApi().isIdentifier(node) && node.text === name && isReferenceIdentifier(node)) found.push(node);
    tsApi().forEachChild(node, visit);
  };
  tsApi().forEachChild(sf, visit);
  return found;
}

/** How many reference identifiers each name has in `sf` (JSX tag names included). */
export function countReferences(sf: ts.SourceFile): Map<string, number> {
  const counts = new Map<string, number>();
  const visit = (node: ts.Node): void => {
    if (tsApi().isIdentifier(node) && isReferenceIdentifier(node)) {
      counts.set(node.text, (counts.get(node.text) ?? 0) + 1);
    }
    tsApi().forEachChild(node, visit);
  };
  tsApi().forEachChild(sf, visit);
  return counts;
}

/** Every declaration name of `sf` named `name` (to detect shadowing). */
export function declarationsByName(sf: ts.SourceFile, name: string): ts.Identifier[] {
  const found: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (tsApi().isIdentifier(node) && node.text === name && isDeclarationName(node)) found.push(node);
    tsApi().forEachChild(node, visit);
  };
  tsApi().forEachChild(sf, visit);
  return found;
}

/** The first read that stops a name from being replaced by a literal: a write, `export { x }`, `typeof x`. */
export function blocksInlining(refs: readonly ts.Identifier[]): ts.Identifier | undefined {
  const inTypeQuery = (node: ts.Node): boolean => {
    for (let n: ts.Node | undefined = node; n; n = n.parent) if (tsApi().isTypeQueryNode(n)) return true;
    return false;
  };
  return refs.find((r) => isWrite(r) || tsApi().isExportSpecifier(r.parent) || inTypeQuery(r));
}

/** True when `id` is assigned, incremented or decremented. */
export function isWrite(id: ts.Identifier): boolean {
  const p = id.parent;
  if (tsApi().isBinaryExpression(p) && p.left === id) {
    return (
      p.operatorToken.kind >= tsApi().SyntaxKind.FirstAssignment &&
      p.operatorToken.kind <= tsApi().SyntaxKind.LastAssignment
    );
  }
  return (
    (tsApi().isPrefixUnaryExpression(p) || tsApi().isPostfixUnaryExpression(p)) &&
    (p.operator === tsApi().SyntaxKind.PlusPlusToken || p.operator === tsApi().SyntaxKind.MinusMinusToken)
  );
}

/**
 * True when evaluating `node` can have no side effect and cannot throw: literals, identifiers, `this`, and
 * `!`/`typeof`/parentheses around those. Property access is excluded (getters, null receivers).
 */
export function isPure(node: ts.Expression): boolean {
  if (staticValue(node) || tsApi().isIdentifier(node) || node.kind === tsApi().SyntaxKind.ThisKeyword) return true;
  if (tsApi().isParenthesizedExpression(node)) return isPure(node.expression);
  if (tsApi().isPrefixUnaryExpression(node) && node.operator === tsApi().SyntaxKind.ExclamationToken) {
    return isPure(node.operand);
  }
  if (tsApi().isTypeOfExpression(node)) return isPure(node.expression);
  return false;
}

/** True when `node` always produces a boolean (so `node && true` ≡ `node`): `!x`, comparisons, `in`, `instanceof`. */
export function isBooleanValued(node: ts.Expression): boolean {
  if (tsApi().isParenthesizedExpression(node)) return isBooleanValued(node.expression);
  if (tsApi().isPrefixUnaryExpression(node)) return node.operator === tsApi().SyntaxKind.ExclamationToken;
  if (node.kind === tsApi().SyntaxKind.TrueKeyword || node.kind === tsApi().SyntaxKind.FalseKeyword) return true;
  if (tsApi().isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    const comparisons: ts.SyntaxKind[] = [
      tsApi().SyntaxKind.EqualsEqualsEqualsToken,
      tsApi().SyntaxKind.ExclamationEqualsEqualsToken,
      tsApi().SyntaxKind.EqualsEqualsToken,
      tsApi().SyntaxKind.ExclamationEqualsToken,
      tsApi().SyntaxKind.LessThanToken,
      tsApi().SyntaxKind.LessThanEqualsToken,
      tsApi().SyntaxKind.GreaterThanToken,
      tsApi().SyntaxKind.GreaterThanEqualsToken,
      tsApi().SyntaxKind.InKeyword,
      tsApi().SyntaxKind.InstanceOfKeyword,
    ];
    if (comparisons.includes(op)) return true;
    if (op === tsApi().SyntaxKind.AmpersandAmpersandToken || op === tsApi().SyntaxKind.BarBarToken) {
      return isBooleanValued(node.left) && isBooleanValued(node.right);
    }
  }
  return false;
}

/**
 * True when only the truthiness of `node` matters: it is (through parentheses, `&&` and `||`) the condition of
 * an `if`, loop or ternary, or the operand of `!`.
 */
export function isConditionContext(node: ts.Node): boolean {
  let n = node;
  for (;;) {
    const p = n.parent;
    if (tsApi().isParenthesizedExpression(p)) {
      n = p;
      continue;
    }
    if (
      tsApi().isBinaryExpression(p) &&
      (p.operatorToken.kind === tsApi().SyntaxKind.AmpersandAmpersandToken ||
        p.operatorToken.kind === tsApi().SyntaxKind.BarBarToken)
    ) {
      n = p;
      continue;
    }
    if (tsApi().isPrefixUnaryExpression(p)) return p.operator === tsApi().SyntaxKind.ExclamationToken;
    if ((tsApi().isIfStatement(p) || tsApi().isWhileStatement(p) || tsApi().isDoStatement(p)) && p.expression === n) {
      return true;
    }
    if (tsApi().isForStatement(p)) return p.condition === n;
    if (tsApi().isConditionalExpression(p)) return p.condition === n;
    return false;
  }
}

/** True when `node` is a statement directly in a statement list (block, file, module block, case clause). */
export function isInStatementList(node: ts.Node): boolean {
  const p = node.parent;
  return (
    tsApi().isBlock(p) ||
    tsApi().isSourceFile(p) ||
    tsApi().isModuleBlock(p) ||
    tsApi().isCaseClause(p) ||
    tsApi().isDefaultClause(p)
  );
}

/** The names a statement declares in its block scope (let/const/class/function/enum), destructuring included. */
export function blockScopedNames(statement: ts.Statement): string[] {
  if (tsApi().isVariableStatement(statement)) {
    if (!(statement.declarationList.flags & tsApi().NodeFlags.BlockScoped)) return [];
    return statement.declarationList.declarations.flatMap((d) => bindingNames(d.name));
  }
  if (
    (tsApi().isClassDeclaration(statement) ||
      tsApi().isFunctionDeclaration(statement) ||
      tsApi().isEnumDeclaration(statement)) &&
    statement.name
  ) {
    return [statement.name.text];
  }
  return [];
}

function bindingNames(name: ts.BindingName): string[] {
  if (tsApi().isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (tsApi().isOmittedExpression(e) ? [] : bindingNames(e.name)));
}
