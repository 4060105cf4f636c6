/**
 * The last pass of flag cleanup: removes imports and side-effect-free, non-exported `const`s that the cleanup
 * made unused — names that had references in the original text and have none now. Anything unused before the
 * cleanup is not ours to remove and stays.
 */
import type { ts } from 'ts-morph';
import { applyEdits, parseSource, removalSpan, tsApi, type Span, type TextEdit } from './cleanup-text.ts';
import { countReferences } from './cleanup-syntax.ts';

/** Result of {@link removeNewlyUnused}: the text, the names whose declarations or imports were removed, moved spans. */
export interface TidyResult<T extends Span> {
  readonly text: string;
  readonly removed: string[];
  readonly tracked: T[];
}

/**
 * Removes what became unused between `original` and `text` (both the full text of `fileName`); `tracked` spans
 * are mapped to the result (dropped when removed).
 */
export function removeNewlyUnused<T extends Span>(
  fileName: string,
  original: string,
  text: string,
  tracked: readonly T[],
): TidyResult<T> {
  const before = countReferences(parseSource(fileName, original));
  const removed: string[] = [];
  let current = text;
  let spans = [...tracked];
  // Removing a constant can orphan an import (`OpenFeature` of `OpenFeature.getClient()`): repeat until stable.
  for (;;) {
    const sf = parseSource(fileName, current);
    const after = countReferences(sf);
    const orphaned = (name: string): boolean => (before.get(name) ?? 0) > 0 && (after.get(name) ?? 0) === 0;
    const edits = [...constantEdits(sf, orphaned, removed), ...importEdits(sf, orphaned, removed)];
    if (edits.length === 0) return { text: current, removed, tracked: spans };
    ({ text: current, tracked: spans } = applyEdits(current, edits, spans));
  }
}

function constantEdits(sf: ts.SourceFile, orphaned: (name: string) => boolean, removed: string[]): TextEdit[] {
  const edits: TextEdit[] = [];
  const visit = (node: ts.Node): void => {
    if (tsApi().isVariableStatement(node) && node.declarationList.flags & tsApi().NodeFlags.Const) {
      const exported = node.modifiers?.some((m) => m.kind === tsApi().SyntaxKind.ExportKeyword);
      const decls = node.declarationList.declarations;
      const only = decls.length === 1 ? decls[0] : undefined;
      if (
        !exported &&
        only &&
        tsApi().isIdentifier(only.name) &&
        orphaned(only.name.text) &&
        only.initializer &&
        isSideEffectFree(only.initializer)
      ) {
        removed.push(only.name.text);
        edits.push({ ...removalSpan(sf, node, true), text: '' });
        return;
      }
    }
    tsApi().forEachChild(node, visit);
  };
  tsApi().forEachChild(sf, visit);
  return edits;
}

/**
 * Initializers whose evaluation can be dropped: literals, names, property paths, `as`/`satisfies`, and
 * OpenFeature's `getClient(…)` with literal arguments (it only looks up or creates a client object).
 */
function isSideEffectFree(node: ts.Expression): boolean {
  if (tsApi().isAsExpression(node) || tsApi().isSatisfiesExpression(node) || tsApi().isParenthesizedExpression(node)) {
    return isSideEffectFree(node.expression);
  }
  if (
    tsApi().isStringLiteralLike(node) ||
    tsApi().isNumericLiteral(node) ||
    tsApi().isIdentifier(node) ||
    node.kind === tsApi().SyntaxKind.TrueKeyword ||
    node.kind === tsApi().SyntaxKind.FalseKeyword
  ) {
    return true;
  }
  if (tsApi().isPropertyAccessExpression(node)) return isSideEffectFree(node.expression);
  if (tsApi().isObjectLiteralExpression(node)) {
    return node.properties.every((p) => tsApi().isPropertyAssignment(p) && isSideEffectFree(p.initializer));
  }
  return (
    tsApi().isCallExpression(node) &&
    tsApi().isPropertyAccessExpression(node.expression) &&
    node.expression.name.text === 'getClient' &&
    tsApi().isIdentifier(node.expression.expression) &&
    node.arguments.every((a) => tsApi().isStringLiteralLike(a))
  );
}

function importEdits(sf: ts.SourceFile, orphaned: (name: string) => boolean, removed: string[]): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const decl of sf.statements) {
    const clause = tsApi().isImportDeclaration(decl) ? decl.importClause : undefined;
    if (!clause) continue;
    const named =
      clause.namedBindings && tsApi().isNamedImports(clause.namedBindings) ? clause.namedBindings : undefined;
    const namespace =
      clause.namedBindings && tsApi().isNamespaceImport(clause.namedBindings) ? clause.namedBindings : undefined;
    const dropDefault = clause.name !== undefined && orphaned(clause.name.text);
    const dropNamespace = namespace !== undefined && orphaned(namespace.name.text);
    const keptNamed = named?.elements.filter((e) => !orphaned(e.name.text)) ?? [];
    const droppedNamed = named?.elements.filter((e) => orphaned(e.name.text)) ?? [];
    if (!dropDefault && !dropNamespace && droppedNamed.length === 0) continue;
    if (dropDefault) removed.push(clause.name.text);
    if (dropNamespace) removed.push(namespace.name.text);
    removed.push(...droppedNamed.map((e) => e.name.text));
    const parts = [
      clause.name && !dropDefault ? clause.name.text : undefined,
      namespace && !dropNamespace ? namespace.getText(sf) : undefined,
      named && keptNamed.length > 0 ? `{ ${keptNamed.map((e) => e.getText(sf)).join(', ')} }` : undefined,
    ].filter((p) => p !== undefined);
    if (parts.length === 0) {
      // Not with its leading comments: the first import often carries the file header.
      edits.push({ ...removalSpan(sf, decl, false), text: '' });
    } else {
      const start = clause.name?.getStart(sf) ?? clause.namedBindings!.getStart(sf);
      edits.push({ start, end: clause.end, text: parts.join(', ') });
    }
  }
  return edits;
}
