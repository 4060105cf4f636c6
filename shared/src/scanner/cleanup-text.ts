/**
 * Text-level helpers of flag cleanup: parsing, non-overlapping edits with tracked spans, line-aware removal,
 * and re-indentation. Cleanup edits text and re-parses instead of mutating an AST, so every
 * byte it does not touch (formatting, comments) stays exactly as the author wrote it.
 */
import type { ts } from 'ts-morph';
import { getTsMorphOrThrow } from './ts-morph-runtime.ts';

/** The TypeScript compiler API of the lazily loaded ts-morph (see `loadTsMorph`). */
export function tsApi(): typeof ts {
  return getTsMorphOrThrow().ts;
}

/** A half-open offset range `[start, end)` in a file's text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A tracked literal; `user` marks one the author wrote (kept from a branch) rather than one the flag produced. */
export interface LiteralSpan extends Span {
  readonly user?: boolean;
}

/** Replace `[start, end)` with `text`; `literals` are spans relative to `text` holding literals to keep simplifying. */
export interface TextEdit extends Span {
  readonly text: string;
  readonly literals?: readonly LiteralSpan[];
}

/** One simplification: edits to apply, with `track` = literals already in the text to keep simplifying from. */
export type Step = { readonly edits: TextEdit[]; readonly track?: LiteralSpan[] } | { readonly note?: string };

/** The span of `node` without its leading trivia. */
export function nodeSpan(sf: ts.SourceFile, node: ts.Node): Span {
  return { start: node.getStart(sf), end: node.end };
}

/** Parses `text` with parent pointers; the script kind follows the file extension (`.tsx`/`.jsx` allow JSX). */
export function parseSource(fileName: string, text: string): ts.SourceFile {
  const kind = /\.[jt]sx$/.test(fileName)
    ? tsApi().ScriptKind.TSX
    : /\.[cm]?js$/.test(fileName)
      ? tsApi().ScriptKind.JS
      : tsApi().ScriptKind.TS;
  return tsApi().createSourceFile(fileName, text, tsApi().ScriptTarget.Latest, true, kind);
}

/**
 * Applies non-overlapping edits to `text` and maps `tracked` spans through them: spans before or after an edit
 * move with the text, spans strictly around an edit grow or shrink with it, spans an edit overlaps otherwise are
 * dropped. `literals` are the edits' own literal spans, mapped to the result.
 */
export function applyEdits<T extends Span>(
  text: string,
  edits: readonly TextEdit[],
  tracked: readonly T[],
): { text: string; tracked: T[]; literals: LiteralSpan[] } {
  const sorted = [...edits].sort((a, b) => b.start - a.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.end > sorted[i - 1]!.start) throw new Error('cleanup produced overlapping edits');
  }
  let result = text;
  let spans: T[] = [...tracked];
  let literals: LiteralSpan[] = [];
  for (const edit of sorted) {
    const delta = edit.text.length - (edit.end - edit.start);
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
    const move = <S extends Span>(s: S): S[] => {
      if (s.end <= edit.start) return [s];
      if (s.start >= edit.end) return [{ ...s, start: s.start + delta, end: s.end + delta }];
      // An edit strictly inside (re-indenting a multi-line literal) keeps the span: the node is still there.
      if (edit.start > s.start && edit.end < s.end) return [{ ...s, end: s.end + delta }];
      return [];
    };
    spans = spans.flatMap(move);
    literals = literals.flatMap(move);
    for (const l of edit.literals ?? []) literals.push({ ...l, start: edit.start + l.start, end: edit.start + l.end });
  }
  return { text: result, tracked: spans, literals };
}

/** The deepest node spanning exactly `[start, end)` (trivia excluded), if any. */
export function findNodeBySpan(sf: ts.SourceFile, span: Span): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (node.pos > span.start || node.end < span.end) return;
    if (node.getStart(sf) === span.start && node.end === span.end) found = node;
    tsApi().forEachChild(node, visit);
  };
  tsApi().forEachChild(sf, visit);
  return found;
}

/**
 * The span to delete to remove `elements[index]` from a comma-separated list (array, arguments, properties,
 * declarations) with its comma; `close` is where the list's closing token starts, which a sole element's
 * removal runs up to (so `[ x, ]` becomes `[]`, not a hole).
 */
export function listElementRemoval(
  sf: ts.SourceFile,
  elements: readonly ts.Node[] & ts.TextRange,
  index: number,
  close: number,
): Span {
  if (elements.length === 1) return { start: elements.pos, end: close };
  if (index < elements.length - 1) {
    return { start: elements[index]!.getStart(sf), end: elements[index + 1]!.getStart(sf) };
  }
  return { start: elements[index - 1]!.end, end: elements[index]!.end };
}

/** The whitespace that starts the line containing `offset`. */
export function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/**
 * Ranges inside which lines must not be re-indented or joined: template literals and JSX text (their
 * whitespace can be significant).
 */
function verbatimRanges(sf: ts.SourceFile, span: Span): Span[] {
  const ranges: Span[] = [];
  const visit = (node: ts.Node): void => {
    if (node.end <= span.start || node.pos >= span.end) return;
    if (tsApi().isTemplateLiteral(node) || tsApi().isStringLiteral(node)) {
      ranges.push({ start: node.getStart(sf), end: node.end });
      return;
    }
    tsApi().forEachChild(node, visit);
  };
  tsApi().forEachChild(sf, visit);
  return ranges;
}

/**
 * Edits that keep `span` in place but make it the whole of `outer`: the text of `outer` around `span` is
 * deleted (`open`/`close` inserted instead, e.g. parentheses) and the lines of `span` after its first are
 * re-indented from the span's common indentation to `targetIndent`. Lines that start inside a string or template
 * literal are kept byte for byte. Everything inside `span` keeps its identity, so tracked spans survive.
 */
export function keepOnly(
  sf: ts.SourceFile,
  outer: Span,
  span: Span,
  targetIndent: string,
  open = '',
  close = '',
): TextEdit[] {
  const text = sf.text;
  const verbatim = verbatimRanges(sf, span);
  const lineStarts: number[] = [];
  for (let i = text.indexOf('\n', span.start); i !== -1 && i < span.end; i = text.indexOf('\n', i + 1)) {
    if (!verbatim.some((r) => r.start <= i && i + 1 < r.end)) lineStarts.push(i + 1);
  }
  const indentAt = (offset: number): string => /^[ \t]*/.exec(text.slice(offset))![0];
  const isBlank = (offset: number): boolean => /^[ \t]*(\r?\n|$)/.test(text.slice(offset));
  const indents = [lineIndent(text, span.start), ...lineStarts.filter((o) => !isBlank(o)).map(indentAt)];
  const base = indents.reduce((a, b) => (b.length < a.length ? b : a));
  const edits: TextEdit[] = [
    { start: outer.start, end: span.start, text: open },
    { start: span.end, end: outer.end, text: close },
  ];
  for (const offset of lineStarts) {
    const current = indentAt(offset);
    const next = isBlank(offset) ? '' : targetIndent + (current.startsWith(base) ? current.slice(base.length) : '');
    if (next !== current) edits.push({ start: offset, end: offset + current.length, text: next });
  }
  return edits.filter((e) => e.end > e.start || e.text !== '');
}

/**
 * The range to delete to remove `node` cleanly: from its own-line leading comments (when `withComments`) to its
 * end plus a same-line trailing comment, widened to whole lines when the node sits on lines of its own, and
 * swallowing one blank line when it would otherwise leave two in a row or one just inside a brace.
 */
export function removalSpan(sf: ts.SourceFile, node: ts.Node, withComments: boolean): Span {
  return removalSpanOf(sf, { start: ownLineStart(sf, node, withComments), end: node.end });
}

/** Start of `node` or of the first of its leading comments that sits on a line of its own. */
function ownLineStart(sf: ts.SourceFile, node: ts.Node, withComments: boolean): number {
  const start = node.getStart(sf);
  if (!withComments) return start;
  const comments = tsApi().getLeadingCommentRanges(sf.text, node.pos) ?? [];
  const own = comments.find((c) => sf.text.slice(node.pos, c.pos).includes('\n') || node.pos === 0);
  return own?.pos ?? start;
}

/** {@link removalSpan} for an arbitrary range. */
export function removalSpanOf(sf: ts.SourceFile, span: Span): Span {
  const text = sf.text;
  let start = span.start;
  while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  let end = span.end;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  if (text.startsWith('//', end)) end = text.indexOf('\n', end) === -1 ? text.length : text.indexOf('\n', end);
  if (text.startsWith('\r\n', end)) end++;
  const ownLines = (start === 0 || text[start - 1] === '\n') && (end === text.length || text[end] === '\n');
  if (!ownLines) return span;
  end = Math.min(end + 1, text.length);
  const prevLine = text.slice(text.lastIndexOf('\n', start - 2) + 1, start - 1);
  const nextLineEnd = text.indexOf('\n', end);
  const nextLine = text.slice(end, nextLineEnd === -1 ? text.length : nextLineEnd);
  const prevBlank = start > 0 && prevLine.trim() === '';
  const nextBlank = nextLineEnd !== -1 && nextLine.trim() === '';
  if (nextBlank && (prevBlank || start === 0 || /[{([]\s*$/.test(prevLine))) {
    end = nextLineEnd + 1;
  } else if (prevBlank && /^\s*[})\]]/.test(nextLine)) {
    start = text.lastIndexOf('\n', start - 2) + 1;
  }
  return { start, end };
}

/**
 * The edit replacing `target` with `literal` (parenthesised where the grammar needs it: `({…})` as an arrow body
 * or statement start, `(5).x`, `-(-1)`), with the literal tracked for the simplifier.
 */
export function literalEdit(target: ts.Node, literal: string): TextEdit {
  const sf = target.getSourceFile();
  const parenthesise = needsParens(target, literal);
  const text = parenthesise ? `(${literal})` : literal;
  const offset = parenthesise ? 1 : 0;
  return { ...nodeSpan(sf, target), text, literals: [{ start: offset, end: offset + literal.length }] };
}

/**
 * The edits replacing each read in `refs` with `literal` (tracked): `{ on }` becomes `{ on: true }`. Callers check
 * `blocksInlining` first.
 */
export function readsReplaced(sf: ts.SourceFile, refs: readonly ts.Identifier[], literal: string): TextEdit[] {
  return refs.map((ref) => {
    if (!tsApi().isShorthandPropertyAssignment(ref.parent)) return literalEdit(ref, literal);
    const prefix = `${ref.text}: `;
    return {
      ...nodeSpan(sf, ref),
      text: prefix + literal,
      literals: [{ start: prefix.length, end: prefix.length + literal.length }],
    };
  });
}

/** Whether `text` needs parentheses where `target` stands: `({…})` as an arrow body or statement start, `(5).x`. */
export function needsParens(target: ts.Node, text: string): boolean {
  const p = target.parent;
  if (text.startsWith('{') || text.startsWith('function') || text.startsWith('class')) {
    if (tsApi().isArrowFunction(p) && p.body === target) return true;
    for (let n: ts.Node = target; n.parent; n = n.parent) {
      if (tsApi().isExpressionStatement(n.parent)) return n.parent.getStart() === target.getStart();
      if (n.parent.getStart() !== target.getStart()) break;
    }
  }
  if (/^-?\d/.test(text)) {
    if (
      (tsApi().isPropertyAccessExpression(p) || tsApi().isElementAccessExpression(p) || tsApi().isCallExpression(p)) &&
      p.expression === target
    ) {
      return true;
    }
    if (text.startsWith('-')) {
      return (
        tsApi().isPrefixUnaryExpression(p) ||
        (tsApi().isBinaryExpression(p) && p.operatorToken.kind === tsApi().SyntaxKind.AsteriskAsteriskToken)
      );
    }
  }
  return false;
}
