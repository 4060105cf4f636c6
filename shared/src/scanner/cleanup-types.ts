/**
 * What the type checker knows that cleanup's syntax rules cannot see: whether `x && true` is `x` (its only
 * truthy value is `true`) or `x || false` is `x` (its only falsy value is `false`). Facts are computed once on
 * the original file, for the operands of `&&`/`||`, and then move with the text while it is simplified: removing
 * a flag only removes paths through the code, so a type can only narrow and a fact stays true.
 */
import type { Project, ts } from 'ts-morph';
import type { Span } from './cleanup-text.ts';
import { staticValue } from './cleanup-syntax.ts';
import { tsApi } from './cleanup-text.ts';

/** What the type checker says about one expression of the original text. */
export interface TypeFact extends Span {
  /** Every value of its type that is truthy is `true` (`boolean`, `boolean | undefined` …): `x && true` is `x`. */
  readonly onlyTruthyIsTrue: boolean;
  /** Every value of its type that is falsy is `false` (`boolean`, `true | object` …): `x || false` is `x`. */
  readonly onlyFalsyIsFalse: boolean;
}

/**
 * Type facts about the operands of every `&&`/`||` of `file`, when `project` holds the file with exactly `text`
 * (else none: the cleanup then falls back to syntax). Builds the project's program on first use.
 */
export function typeFactsOf(project: Project, file: string, text: string): TypeFact[] {
  const sourceFile = project.getSourceFile(file);
  if (!sourceFile || sourceFile.getFullText() !== text) return [];
  const ts = tsApi();
  const sf = sourceFile.compilerNode;
  let checker: ts.TypeChecker | undefined;
  const facts: TypeFact[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      (node.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ||
        node.operatorToken.kind === ts.SyntaxKind.BarBarToken)
    ) {
      for (const operand of [node.left, node.right]) {
        const expression = skipParentheses(operand);
        if (staticValue(expression)) continue;
        checker ??= project.getTypeChecker().compilerObject;
        const members = unionMembers(checker.getTypeAtLocation(expression));
        const fact = {
          start: expression.getStart(sf),
          end: expression.end,
          onlyTruthyIsTrue: members.every(onlyFalsyOrTrue),
          onlyFalsyIsFalse: members.every(onlyTruthyOrFalse),
        };
        if (fact.onlyTruthyIsTrue || fact.onlyFalsyIsFalse) facts.push(fact);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return facts;
}

function skipParentheses(node: ts.Expression): ts.Expression {
  return tsApi().isParenthesizedExpression(node) ? skipParentheses(node.expression) : node;
}

function unionMembers(type: ts.Type): readonly ts.Type[] {
  return type.isUnion() ? type.types : [type];
}

/** `true`, or a type whose every value is falsy (`false`, `null`, `undefined`, `void`, `''`, `0`). */
function onlyFalsyOrTrue(type: ts.Type): boolean {
  const flags = tsApi().TypeFlags;
  if (type.flags & (flags.BooleanLiteral | flags.Undefined | flags.Null | flags.Void)) return true;
  return type.isLiteral() && !literalTruthy(type);
}

/** `false`, or a type whose every value is truthy (`true`, `object`, non-empty string and non-zero literals). */
function onlyTruthyOrFalse(type: ts.Type): boolean {
  const flags = tsApi().TypeFlags;
  if (type.flags & (flags.BooleanLiteral | flags.NonPrimitive)) return true;
  return type.isLiteral() && literalTruthy(type);
}

function literalTruthy(type: ts.LiteralType): boolean {
  const value = type.value;
  return typeof value === 'object' ? value.base10Value !== '0' : Boolean(value);
}
