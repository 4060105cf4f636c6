/**
 * The cleanup simplifier: starting from the literals that replaced flag evaluations, it folds what became
 * constant — `!`, `&&`/`||`/`??`, `===`/`!==`, parentheses, ternaries, JSX `{x && <A/>}`, `if`/`else`, early
 * returns and the dead code after them, and `const` variables that only held the flag value (literals in JSX
 * attributes, hook dependency lists and spreads: `cleanup-containers.ts`) — one step at a time, re-parsing after
 * each edit. It only ever climbs from those literals, so code unrelated to the flag is never touched, and where a
 * step would not be provably behaviour-preserving it stops and leaves a note.
 */
import type { ts } from 'ts-morph';
import {
  applyEdits,
  findNodeBySpan,
  lineIndent,
  parseSource,
  keepOnly,
  listElementRemoval,
  literalEdit,
  needsParens,
  nodeSpan,
  readsReplaced,
  removalSpan,
  removalSpanOf,
  tsApi,
  type LiteralSpan,
  type Span,
  type Step,
  type TextEdit,
} from './cleanup-text.ts';
import {
  blockScopedNames,
  declarationsByName,
  isBooleanValued,
  isConditionContext,
  isInStatementList,
  isPure,
  isTruthy,
  blocksInlining,
  staticValue,
  type StaticValue,
} from './cleanup-syntax.ts';
import { referencesOfDeclaration } from './cleanup-scope.ts';
import { isHookDependencyList, jsxAttributeStep, spreadStep } from './cleanup-containers.ts';
import type { TypeFact } from './cleanup-types.ts';

/** Something the simplifier deliberately left alone, at an offset of the simplified text. */
export interface SimplifyNote {
  readonly offset: number;
  readonly message: string;
}

/** Result of {@link simplifyFromLiterals}: the simplified text and what was left alone. */
export interface SimplifyResult {
  readonly text: string;
  readonly notes: SimplifyNote[];
}

/** What the type checker knew about a node of the current text, if anything. */
type FactLookup = (node: ts.Node) => TypeFact | undefined;

interface Tracked extends LiteralSpan {
  readonly message?: string;
  readonly work?: boolean;
  readonly fact?: TypeFact;
}

/**
 * Simplifies `text` outward from the literal `spans` (typically where flag evaluations were just replaced by
 * the kept value) until nothing more folds. `facts` are what the type checker knew about expressions of `text`
 * (see `cleanup-types.ts`); they move with the text and let `x && true` fold to `x` when `x` is a boolean.
 * Returns the new text and notes about constructs left unchanged.
 */
export function simplifyFromLiterals(
  fileName: string,
  text: string,
  spans: readonly Span[],
  facts: readonly TypeFact[] = [],
): SimplifyResult {
  let current = text;
  let work: LiteralSpan[] = [...spans].sort((a, b) => a.start - b.start);
  let notes: Tracked[] = [];
  let known: Tracked[] = facts.map((fact) => ({ start: fact.start, end: fact.end, fact }));
  // Each step removes or shrinks code, so the loop ends; the bound is a guard against a bug looping forever.
  for (let guard = 0; work.length > 0 && guard < 10_000; guard++) {
    const span = work.shift()!;
    const sf = parseSource(fileName, current);
    const node = findNodeBySpan(sf, span);
    const value = node && staticValue(node);
    if (!node || !value) continue;
    const factOf = (n: ts.Node): TypeFact | undefined => {
      const start = n.getStart(sf);
      return known.find((k) => k.start === start && k.end === n.end)?.fact;
    };
    const step = simplifyStep(sf, node as ts.Expression, value, span.user ?? false, factOf);
    if (!('edits' in step)) {
      if (step.note) notes.push({ start: span.start, end: span.end, message: step.note });
      continue;
    }
    const tracked: Tracked[] = [...work, ...(step.track ?? [])].map((w) => ({ ...w, work: true }));
    const mapped = applyEdits<Tracked>(current, step.edits, [...tracked, ...notes, ...known]);
    current = mapped.text;
    work = [...mapped.tracked.filter((t) => t.work), ...mapped.literals].sort((a, b) => a.start - b.start);
    notes = mapped.tracked.filter((t) => t.message !== undefined);
    known = mapped.tracked.filter((t) => t.fact !== undefined);
  }
  return { text: current, notes: notes.map((n) => ({ offset: n.start, message: n.message ?? '' })) };
}

function simplifyStep(
  sf: ts.SourceFile,
  lit: ts.Expression,
  value: StaticValue,
  user: boolean,
  factOf: FactLookup,
): Step {
  const parent = lit.parent;
  if (tsApi().isParenthesizedExpression(parent)) {
    // `({ … });` (an evaluation whose result was unused) has no effect either.
    if (tsApi().isExpressionStatement(parent.parent) && isInStatementList(parent.parent)) {
      return { edits: [{ ...removalSpan(sf, parent.parent, true), text: '' }] };
    }
    if (parensNeeded(parent, lit)) return {};
    return replaceNode(sf, parent, lit);
  }
  if (tsApi().isPrefixUnaryExpression(parent) && parent.operator === tsApi().SyntaxKind.ExclamationToken) {
    return replaceWithLiteral(parent, String(!isTruthy(value)));
  }
  if (tsApi().isBinaryExpression(parent)) return binaryStep(sf, parent, lit, value, factOf);
  if (tsApi().isConditionalExpression(parent) && parent.condition === lit) {
    return replaceNode(sf, parent, isTruthy(value) ? parent.whenTrue : parent.whenFalse);
  }
  if (tsApi().isIfStatement(parent) && parent.expression === lit) return ifStep(sf, parent, isTruthy(value));
  if (tsApi().isSwitchStatement(parent) && parent.expression === lit) return switchStep(sf, parent, value);
  if (tsApi().isExpressionStatement(parent) && isInStatementList(parent)) {
    return { edits: [{ ...removalSpan(sf, parent, true), text: '' }] };
  }
  if (tsApi().isJsxExpression(parent) && tsApi().isJsxAttribute(parent.parent)) {
    return jsxAttributeStep(sf, parent.parent, value);
  }
  if (tsApi().isJsxExpression(parent) && isJsxChild(parent) && rendersNothing(value)) {
    return { edits: [{ ...removalSpanOf(sf, { start: parent.getStart(sf), end: parent.end }), text: '' }] };
  }
  if (tsApi().isArrayLiteralExpression(parent) && value.kind === 'primitive' && isHookDependencyList(parent)) {
    // The same primitive at every render never changes whether the hook reruns.
    return {
      edits: [{ ...listElementRemoval(sf, parent.elements, parent.elements.indexOf(lit), parent.end - 1), text: '' }],
    };
  }
  if (tsApi().isSpreadElement(parent) || tsApi().isSpreadAssignment(parent)) return spreadStep(sf, parent, lit, value);
  if (tsApi().isVariableDeclaration(parent) && parent.initializer === lit && !user) {
    // A literal the author wrote in a kept branch is their constant, not the flag's value: it is not inlined.
    return inlineStep(sf, parent, lit, value);
  }
  return {};
}

function binaryStep(
  sf: ts.SourceFile,
  parent: ts.BinaryExpression,
  lit: ts.Expression,
  value: StaticValue,
  factOf: FactLookup,
): Step {
  const op = parent.operatorToken.kind;
  const isLeft = parent.left === lit;
  const otherValue = staticValue(isLeft ? parent.right : parent.left);
  if (
    op === tsApi().SyntaxKind.AmpersandAmpersandToken ||
    op === tsApi().SyntaxKind.BarBarToken ||
    op === tsApi().SyntaxKind.QuestionQuestionToken
  ) {
    const leftValue = isLeft ? value : otherValue;
    if (leftValue) {
      const keepLeft =
        op === tsApi().SyntaxKind.AmpersandAmpersandToken
          ? !isTruthy(leftValue)
          : op === tsApi().SyntaxKind.BarBarToken
            ? isTruthy(leftValue)
            : !(leftValue.kind === 'primitive' && (leftValue.value === null || leftValue.value === undefined));
      return replaceNode(sf, parent, keepLeft ? parent.left : parent.right);
    }
    if (op === tsApi().SyntaxKind.QuestionQuestionToken) return {};
    return logicalStep(sf, parent, value, factOf);
  }
  const equality = [
    tsApi().SyntaxKind.EqualsEqualsEqualsToken,
    tsApi().SyntaxKind.ExclamationEqualsEqualsToken,
    tsApi().SyntaxKind.EqualsEqualsToken,
    tsApi().SyntaxKind.ExclamationEqualsToken,
  ];
  if (equality.includes(op) && otherValue?.kind === 'primitive' && value.kind === 'primitive') {
    const [a, b] = isLeft ? [value.value, otherValue.value] : [otherValue.value, value.value];
    const strict =
      op === tsApi().SyntaxKind.EqualsEqualsEqualsToken || op === tsApi().SyntaxKind.ExclamationEqualsEqualsToken;
    // Loose comparisons across types coerce; fold only the cases where `==` means `===`.
    if (!strict && typeof a !== typeof b) return {};
    const negated =
      op === tsApi().SyntaxKind.ExclamationEqualsEqualsToken || op === tsApi().SyntaxKind.ExclamationEqualsToken;
    const result = (a === b) !== negated;
    return replaceWithLiteral(parent, String(result));
  }
  return {};
}

/**
 * `x && <literal>` / `x || <literal>` (the literal on the right, `x` not a literal). A neutral literal
 * (`x && true`, `x || false`) goes when only the truthiness of the result matters (a condition, or the left
 * operand of the same operator: `a && true && b` is `a && b`), when `x` is a comparison, or when the type
 * checker says the literal is `x`'s only truthy (falsy) value. An absorbing one (`x && false`) wins when `x` is
 * pure and the result's value is the literal either way (a condition, or `x` is boolean by its type).
 */
function logicalStep(sf: ts.SourceFile, parent: ts.BinaryExpression, value: StaticValue, factOf: FactLookup): Step {
  const and = parent.operatorToken.kind === tsApi().SyntaxKind.AmpersandAmpersandToken;
  const left = parent.left.getText(sf);
  const fact = factOf(skipParentheses(parent.left));
  const exactly = (b: boolean): boolean => value.kind === 'primitive' && value.value === b;
  const absorbing = and !== isTruthy(value);
  const condition = isConditionContext(parent);
  if (!absorbing) {
    const typed = and ? exactly(true) && fact?.onlyTruthyIsTrue : exactly(false) && fact?.onlyFalsyIsFalse;
    if (condition || typed || isBooleanValued(parent.left) || isLeftOfSameOperator(parent)) {
      return replaceNode(sf, parent, parent.left);
    }
    return { note: `\`${parent.getText(sf)}\` left as is: it equals \`${left}\` only when that is a boolean.` };
  }
  const typed = and ? exactly(false) && fact?.onlyFalsyIsFalse : exactly(true) && fact?.onlyTruthyIsTrue;
  if ((condition || typed) && isPure(parent.left)) return replaceWithLiteral(parent, String(isTruthy(value)));
  return {
    note:
      condition || typed
        ? `\`${parent.getText(sf)}\` left as is: \`${left}\` may have side effects, remove it by hand if not.`
        : `\`${parent.getText(sf)}\` left as is: its value depends on \`${left}\`.`,
  };
}

/** True when `node` (through parentheses) is the left operand of a binary expression with the same operator. */
function isLeftOfSameOperator(node: ts.BinaryExpression): boolean {
  let n: ts.Node = node;
  while (tsApi().isParenthesizedExpression(n.parent)) n = n.parent;
  const p = n.parent;
  return tsApi().isBinaryExpression(p) && p.left === n && p.operatorToken.kind === node.operatorToken.kind;
}

function skipParentheses(node: ts.Expression): ts.Expression {
  return tsApi().isParenthesizedExpression(node) ? skipParentheses(node.expression) : node;
}

/** `if (<literal>)`: keep the taken branch (unwrapped when its declarations cannot clash), drop the other. */
function ifStep(sf: ts.SourceFile, stmt: ts.IfStatement, truthy: boolean): Step {
  const branch = truthy ? stmt.thenStatement : stmt.elseStatement;
  const span = nodeSpan(sf, stmt);
  const indent = lineIndent(sf.text, span.start);
  if (!isInStatementList(stmt)) {
    const outer = stmt.parent;
    if (!branch && tsApi().isIfStatement(outer) && outer.elseStatement === stmt) {
      return { edits: [{ start: outer.thenStatement.end, end: stmt.end, text: '' }] };
    }
    return { edits: branch ? keepOnly(sf, span, nodeSpan(sf, branch), indent) : [{ ...span, text: '{}' }] };
  }
  const statements = !branch ? [] : tsApi().isBlock(branch) ? [...branch.statements] : [branch];
  if (!branch || statements.length === 0) {
    return { edits: [{ ...removalSpan(sf, stmt, true), text: '' }] };
  }
  const unwrap = !tsApi().isBlock(branch) || !clashes(sf, branch, branch.statements);
  const kept = unwrap && tsApi().isBlock(branch) ? blockContent(sf, branch) : nodeSpan(sf, branch);
  const edits = keepOnly(sf, span, kept, indent);
  if (unwrap && exits(statements.at(-1)!)) edits.push(...deadCodeAfter(sf, stmt));
  return { edits };
}

/** Removes the statements after `stmt` in its list (unreachable); function declarations stay (hoisted). */
function deadCodeAfter(sf: ts.SourceFile, stmt: ts.Statement): TextEdit[] {
  const list = (stmt.parent as ts.Block).statements;
  const after = list.slice(list.indexOf(stmt) + 1);
  const edits: TextEdit[] = [];
  let group: ts.Statement[] = [];
  const flush = (): void => {
    if (group.length === 0) return;
    const first = removalSpan(sf, group[0]!, true);
    const last = removalSpan(sf, group.at(-1)!, false);
    edits.push({ start: first.start, end: Math.max(first.end, last.end), text: '' });
    group = [];
  };
  for (const s of after) {
    if (tsApi().isFunctionDeclaration(s)) flush();
    else group.push(s);
  }
  flush();
  return edits;
}

function exits(stmt: ts.Statement): boolean {
  if (tsApi().isBlock(stmt)) return stmt.statements.length > 0 && exits(stmt.statements.at(-1)!);
  return (
    tsApi().isReturnStatement(stmt) ||
    tsApi().isThrowStatement(stmt) ||
    tsApi().isBreakStatement(stmt) ||
    tsApi().isContinueStatement(stmt)
  );
}

/** True when unwrapping `scope` would put one of its block-scoped names next to a same-named declaration. */
function clashes(sf: ts.SourceFile, scope: ts.Block | ts.CaseBlock, statements: readonly ts.Statement[]): boolean {
  return statements
    .flatMap(blockScopedNames)
    .some((name) => declarationsByName(sf, name).some((d) => d.pos < scope.pos || d.end > scope.end));
}

/**
 * `switch (<literal>)` whose cases are all literals: keep the statements of the matching clause (or `default`),
 * without its final `break`. Left alone (with a note) when a case is not a literal, the clause falls through, or
 * it breaks out of the switch from inside.
 */
function switchStep(sf: ts.SourceFile, stmt: ts.SwitchStatement, value: StaticValue): Step {
  const ts = tsApi();
  const clauses = stmt.caseBlock.clauses;
  if (value.kind !== 'primitive' || !isInStatementList(stmt)) return {};
  const nonLiteral = clauses.find((c) => ts.isCaseClause(c) && staticValue(c.expression)?.kind !== 'primitive');
  if (nonLiteral && ts.isCaseClause(nonLiteral)) {
    return { note: `\`switch\` left as is: case \`${nonLiteral.expression.getText(sf)}\` is not a literal.` };
  }
  const matches = (c: ts.CaseOrDefaultClause): boolean => {
    const v = ts.isCaseClause(c) ? staticValue(c.expression) : undefined;
    return v?.kind === 'primitive' && v.value === value.value;
  };
  const chosen = clauses.find(matches) ?? clauses.find((c) => ts.isDefaultClause(c));
  if (!chosen) return { edits: [{ ...removalSpan(sf, stmt, true), text: '' }] };
  // `case 'a': case 'b': …` — empty clauses fall through to the first one with statements.
  const body = clauses.slice(clauses.indexOf(chosen)).find((c) => c.statements.length > 0);
  const statements = body ? [...body.statements] : [];
  const last = statements.at(-1);
  const endsWithBreak = last !== undefined && ts.isBreakStatement(last) && !last.label;
  if (last && !endsWithBreak && !exits(last) && body !== clauses.at(-1)) {
    return { note: '`switch` left as is: the matching case falls through to the next one.' };
  }
  const kept = endsWithBreak ? statements.slice(0, -1) : statements;
  if (kept.some(breaksOut)) {
    return { note: '`switch` left as is: the matching case leaves the switch with `break` from inside.' };
  }
  if (kept.length === 0) return { edits: [{ ...removalSpan(sf, stmt, true), text: '' }] };
  if (clashes(sf, stmt.caseBlock, kept)) {
    return { note: '`switch` left as is: the matching case declares a name that exists outside it.' };
  }
  const span = { start: kept[0]!.getStart(sf), end: kept.at(-1)!.end };
  const edits = keepOnly(sf, nodeSpan(sf, stmt), span, lineIndent(sf.text, stmt.getStart(sf)));
  if (exits(kept.at(-1)!)) edits.push(...deadCodeAfter(sf, stmt));
  return { edits };
}

/** True when `node` contains an unlabelled `break` that leaves the enclosing switch (not one of a nested loop). */
function breaksOut(node: ts.Node): boolean {
  const ts = tsApi();
  if (ts.isBreakStatement(node)) return !node.label;
  if (ts.isIterationStatement(node, false) || ts.isSwitchStatement(node) || ts.isFunctionLike(node)) return false;
  return ts.forEachChild(node, breaksOut) ?? false;
}

/** The span of a block's content: from its first non-blank character after `{` to its last before `}`. */
function blockContent(sf: ts.SourceFile, block: ts.Block): Span {
  const text = sf.text;
  let start = block.getStart(sf) + 1;
  let end = block.end - 1;
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return { start, end };
}

/** `const x = <literal>` holding the flag value: replace every read of `x` with the literal, drop the declaration. */
function inlineStep(sf: ts.SourceFile, decl: ts.VariableDeclaration, lit: ts.Expression, value: StaticValue): Step {
  const list = decl.parent;
  const stmt = list.parent;
  if (
    !tsApi().isIdentifier(decl.name) ||
    !tsApi().isVariableDeclarationList(list) ||
    !tsApi().isVariableStatement(stmt)
  ) {
    return {};
  }
  const name = decl.name.text;
  if (value.kind === 'object') return {};
  if (stmt.modifiers?.some((m) => m.kind === tsApi().SyntaxKind.ExportKeyword)) {
    return { note: `\`${name}\` kept: it is exported, so other modules may read it.` };
  }
  if (!(list.flags & tsApi().NodeFlags.Const)) {
    return { note: `\`${name}\` kept: only \`const\` variables are inlined.` };
  }
  const refs = referencesOfDeclaration(sf, decl as ts.VariableDeclaration & { name: ts.Identifier });
  const blocker = blocksInlining(refs);
  if (blocker) return { note: `\`${name}\` kept: it is used in \`${blocker.parent.getText(sf)}\`.` };
  const literal = lit.getText(sf);
  const declSpan =
    list.declarations.length === 1
      ? removalSpan(sf, stmt, true)
      : listElementRemoval(sf, list.declarations, list.declarations.indexOf(decl), list.end);
  return { edits: [{ ...declSpan, text: '' }, ...readsReplaced(sf, refs, literal)] };
}

/** Replace `target` with `literal` text (parenthesised where the grammar needs it), tracking it for more steps. */
function replaceWithLiteral(target: ts.Node, literal: string): Step {
  return { edits: [literalEdit(target, literal)] };
}

/**
 * Replace `target` with `replacement`, one of its sub-expressions, kept in place (so literals inside stay
 * tracked). A JSX element replacing the whole expression of a JSX child container (`{x && <A/>}`) replaces the
 * container itself, re-indented. A literal `replacement` is tracked for further steps as the author's.
 */
function replaceNode(sf: ts.SourceFile, target: ts.Node, replacement: ts.Expression): Step {
  let inner: ts.Expression = replacement;
  while (tsApi().isParenthesizedExpression(inner)) inner = inner.expression;
  const container = target.parent;
  if (isJsx(inner) && tsApi().isJsxExpression(container) && isJsxChild(container)) {
    const span = nodeSpan(sf, container);
    return { edits: keepOnly(sf, span, nodeSpan(sf, inner), lineIndent(sf.text, span.start)) };
  }
  const kept = nodeSpan(sf, replacement);
  const parens = needsParens(target, replacement.getText(sf));
  const edits = keepOnly(
    sf,
    nodeSpan(sf, target),
    kept,
    lineIndent(sf.text, target.getStart(sf)),
    parens ? '(' : '',
    parens ? ')' : '',
  );
  return { edits, track: staticValue(replacement) ? [{ ...kept, user: true }] : [] };
}

function isJsx(node: ts.Node): boolean {
  return tsApi().isJsxElement(node) || tsApi().isJsxSelfClosingElement(node) || tsApi().isJsxFragment(node);
}

function isJsxChild(node: ts.JsxExpression): boolean {
  return tsApi().isJsxElement(node.parent) || tsApi().isJsxFragment(node.parent);
}

/** `{true}`, `{false}`, `{null}` and `{undefined}` render nothing in JSX. */
function rendersNothing(value: StaticValue): boolean {
  return (
    value.kind === 'primitive' &&
    (typeof value.value === 'boolean' || value.value === null || value.value === undefined)
  );
}

/** Whether the parentheses around `lit` must stay (see {@link needsParens}). */
function parensNeeded(paren: ts.ParenthesizedExpression, lit: ts.Expression): boolean {
  return needsParens(paren, lit.getText());
}
