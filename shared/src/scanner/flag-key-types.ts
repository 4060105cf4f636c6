/**
 * Flag-key parameters recognised by their type: a parameter typed as a key of the repo's flag type (`flag: keyof
 * UiFlags`, `<K extends keyof Flags>(flag: K)`, `type Flag = keyof Flags; (flag: Flag)`), and the expression a
 * function returns that such a parameter flows into (`return evaluate(flag)`): what makes an app's own flag hook a
 * wrapper when it reads no SDK call and no flag map itself (see find-references.ts), and the members of such a type
 * (`keyof-type` references). Syntax only, within the file, except for those members (type checker).
 */
import type { ts } from 'ts-morph';
import { buildReference } from './reference-builder.ts';
import { FLAG_MAP_NAMES } from './reference-forms.ts';
import { isOuterExpression, skipOuter, type KeyResolver, type Ts } from './resolve-key.ts';
import type { FlagReference } from './types.ts';

/**
 * Matches a mention of a flag key type, for the scanner's pre-filter: `keyof` of a type named `flags` or `…Flags`
 * (also qualified, `keyof config.Flags`), or an indexed access of a flag map property (`Config['flags']`), which an
 * alias may give a `keyof` another name. Not quite a superset of what {@link isFlagType} accepts: a `keyof` of a
 * plain alias (`type T = UiFlags; (k: keyof T)`) in a file that mentions nothing else is not a candidate.
 */
export const FLAG_KEY_TYPE_MENTION = new RegExp(
  String.raw`keyof\s+(?:[\w$]+\.)*(?:[\w$]*Flags|flags)(?![\w$])|\[\s*['"](?:${[...FLAG_MAP_NAMES].join('|')})['"]\s*\]`,
);

/** Aliases and constraints followed from a parameter to its `keyof` (a guard against alias cycles). */
const MAX_TYPE_STEPS = 8;

/**
 * The `X` of the `keyof X` that types `parameter`, through type-parameter constraints and type aliases declared in
 * the same file; undefined when the parameter's type is no `keyof`.
 */
export function keyofOperand(ts: Ts, parameter: ts.ParameterDeclaration): ts.TypeNode | undefined {
  let type = parameter.type;
  for (let step = 0; type && step < MAX_TYPE_STEPS; step++) {
    if (ts.isTypeOperatorNode(type) && type.operator === ts.SyntaxKind.KeyOfKeyword) return type.type;
    type = ts.isParenthesizedTypeNode(type) ? type.type : localDefinition(ts, type);
  }
  return undefined;
}

/**
 * Whether `type` is the repo's flag type: a type named `flags` or `…Flags` (`UiFlags`, `IFlags`, `FeatureFlags`),
 * or an indexed access of a flag map property (`IUiConfig['flags']`, `ReturnType<typeof useConfig>['uiFlags']`),
 * directly or through same-file aliases. A type parameter (`keyof T` of a generic `get(obj, key)`) or any other
 * type is not.
 */
export function isFlagType(ts: Ts, type: ts.TypeNode): boolean {
  let node: ts.TypeNode | undefined = type;
  for (let step = 0; node && step < MAX_TYPE_STEPS; step++) {
    if (ts.isParenthesizedTypeNode(node)) {
      node = node.type;
    } else if (ts.isIndexedAccessTypeNode(node)) {
      const index = node.indexType;
      return ts.isLiteralTypeNode(index) && ts.isStringLiteral(index.literal) && FLAG_MAP_NAMES.has(index.literal.text);
    } else if (ts.isTypeReferenceNode(node)) {
      const name = ts.isIdentifier(node.typeName) ? node.typeName.text : node.typeName.right.text;
      if (name === 'flags' || name.endsWith('Flags')) return true;
      if (isTypeParameter(ts, node)) return false;
      node = localDefinition(ts, node);
    } else {
      return false;
    }
  }
  return false;
}

/**
 * The call or element read of `fn`'s returned value that `parameter` is passed to unchanged (`return
 * evaluate(flag)`, `return map[flag] || false`, `const v = check(flag); return v;`), or undefined. Uses in nested
 * functions, writes and other positions do not count.
 */
export function returnedUse(ts: Ts, fn: ts.SignatureDeclaration, parameter: ts.ParameterDeclaration): Use | undefined {
  if (!ts.isIdentifier(parameter.name) || !('body' in fn) || !fn.body) return undefined;
  const name = parameter.name.text;
  let found: Use | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && node.text === name) {
      const use = useOf(ts, node);
      if (use && enclosingFunction(ts, use.use) === fn && isReturned(ts, use.use, fn)) found = use;
      return;
    }
    // A nested function declaring its own parameter of that name shadows it; others may still use it (and are
    // rejected above by their enclosing function).
    if (ts.isFunctionLike(node) && node.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === name)) {
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(fn.body);
  return found;
}

/**
 * The members of a repo interface whose `keyof` types the key parameter of a wrapper (`useUiFlag(flag: keyof
 * UiFlags)`, also through a type parameter or alias, see {@link keyofOperand}): each is a `keyof-type` reference at
 * its declaration. Uses the type checker; empty when it is off or the type is not declared in the repo.
 */
export function keyofReferences(resolver: KeyResolver, parameter: ts.ParameterDeclaration): FlagReference[] {
  const ts = resolver.ts;
  const keyof = keyofOperand(ts, parameter);
  const operand = keyof && expandAliases(ts, keyof);
  // The scanner's program has neither lib files nor imports it did not parse: it knows an interface (or a type
  // imported relatively) but cannot compute `ReturnType<typeof useConfig>['flags']`, so the checker is asked only
  // about a named type or value (`keyof UiFlags`, `keyof typeof FLAGS`).
  const named = operand && (ts.isTypeReferenceNode(operand) || ts.isTypeQueryNode(operand));
  if (!named || !resolver.checkerAllowed()) return [];
  resolver.loadRelativeImports();
  const members = resolver.timed(() => resolver.checker().getTypeFromTypeNode(operand).getProperties());
  const refs: FlagReference[] = [];
  for (const member of members) {
    const declaration = member.valueDeclaration ?? member.declarations?.[0];
    if (!declaration || declaration.getSourceFile().fileName.includes('/node_modules/')) continue;
    const name = (declaration as ts.NamedDeclaration).name;
    if (!name) continue;
    refs.push(
      buildReference(resolver, {
        kind: 'keyof-type',
        node: declaration,
        keyNode: name,
        resolved: { kind: 'string', value: member.name },
        sdk: 'custom',
        method: operand.getText(),
      }),
    );
  }
  return refs;
}

/** A call taking a parameter as an argument, or an element read indexed by it; `keyNode` is that argument. */
export interface Use {
  readonly use: ts.CallExpression | ts.ElementAccessExpression;
  readonly keyNode: ts.Expression;
}

/** The call that takes `id` as an argument, or the element read indexed by it. */
function useOf(ts: Ts, id: ts.Identifier): Use | undefined {
  let node: ts.Expression = id;
  while (isOuterExpression(ts, node.parent) && skipOuter(ts, node.parent) === id) node = node.parent;
  const parent = node.parent;
  if (ts.isCallExpression(parent) && parent.arguments.some((a) => a === node)) return { use: parent, keyNode: node };
  if (ts.isElementAccessExpression(parent) && parent.argumentExpression === node && !isWritten(ts, parent)) {
    return { use: parent, keyNode: node };
  }
  return undefined;
}

function isWritten(ts: Ts, node: ts.Expression): boolean {
  const parent = node.parent;
  return (
    (ts.isBinaryExpression(parent) &&
      parent.left === node &&
      parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment) ||
    ts.isDeleteExpression(parent)
  );
}

/**
 * Whether `fn` returns the value of `expr`: it is the arrow's body or a `return`ed expression, possibly inside
 * parentheses, type assertions, `!`, `||` / `??` / `&&` and the branches of `?:`; or it initialises a `const`
 * that `fn` returns that way.
 */
function isReturned(ts: Ts, expr: ts.Expression, fn: ts.SignatureDeclaration, depth = 0): boolean {
  let node: ts.Node = expr;
  for (;;) {
    const parent = node.parent;
    const passesValue =
      isOuterExpression(ts, parent) ||
      (ts.isPrefixUnaryExpression(parent) && parent.operator === ts.SyntaxKind.ExclamationToken) ||
      (ts.isConditionalExpression(parent) && parent.condition !== node) ||
      (ts.isBinaryExpression(parent) &&
        [
          ts.SyntaxKind.BarBarToken,
          ts.SyntaxKind.QuestionQuestionToken,
          ts.SyntaxKind.AmpersandAmpersandToken,
        ].includes(parent.operatorToken.kind));
    if (!passesValue) break;
    node = parent;
  }
  const parent = node.parent;
  if (parent === fn) return true; // `(flag) => evaluate(flag)`
  if (ts.isReturnStatement(parent)) return enclosingFunction(ts, parent) === fn;
  if (depth === 0 && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) && isConst(ts, parent)) {
    const variable = parent.name.text;
    let returned = false;
    const visit = (n: ts.Node): void => {
      if (returned || (ts.isFunctionLike(n) && n !== fn)) return;
      if (ts.isIdentifier(n) && n.text === variable && n !== parent.name && isReturned(ts, n, fn, depth + 1)) {
        returned = true;
      }
      ts.forEachChild(n, visit);
    };
    if ('body' in fn && fn.body) visit(fn.body);
    return returned;
  }
  return false;
}

function isConst(ts: Ts, declaration: ts.VariableDeclaration): boolean {
  return ts.isVariableDeclarationList(declaration.parent) && (declaration.parent.flags & ts.NodeFlags.Const) !== 0;
}

function enclosingFunction(ts: Ts, node: ts.Node): ts.Node | undefined {
  for (let n = node.parent; n; n = n.parent) if (ts.isFunctionLike(n)) return n;
  return undefined;
}

/** `type` with same-file aliases (and parentheses) replaced by what they stand for. */
function expandAliases(ts: Ts, type: ts.TypeNode): ts.TypeNode {
  let node = type;
  for (let step = 0; step < MAX_TYPE_STEPS; step++) {
    const next = ts.isParenthesizedTypeNode(node) ? node.type : localDefinition(ts, node);
    if (!next) return node;
    node = next;
  }
  return node;
}

/** The type a type-parameter constraint or a same-file type alias named by `type` stands for. */
function localDefinition(ts: Ts, type: ts.TypeNode): ts.TypeNode | undefined {
  if (!ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName) || type.typeArguments) return undefined;
  const name = type.typeName.text;
  const typeParameter = typeParameterNamed(ts, type, name);
  if (typeParameter) return typeParameter.constraint;
  const alias = type
    .getSourceFile()
    .statements.find((s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === name);
  return alias && !alias.typeParameters ? alias.type : undefined;
}

function isTypeParameter(ts: Ts, type: ts.TypeReferenceNode): boolean {
  return ts.isIdentifier(type.typeName) && typeParameterNamed(ts, type, type.typeName.text) !== undefined;
}

function typeParameterNamed(ts: Ts, at: ts.Node, name: string): ts.TypeParameterDeclaration | undefined {
  for (let node = at.parent; node && !ts.isSourceFile(node); node = node.parent) {
    const declarations = (node as { typeParameters?: ts.NodeArray<ts.TypeParameterDeclaration> }).typeParameters;
    const found = declarations?.find((p) => p.name.text === name);
    if (found) return found;
  }
  return undefined;
}
