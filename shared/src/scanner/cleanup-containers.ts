/**
 * Cleanup steps for a literal inside a container: a JSX attribute (`prop={true}` → `prop`, `prop={undefined}`
 * removed, constant props of local components removed), a React hook's dependency list (`[on, a]` → `[a]`) and
 * a spread (`[...[x], y]` → `[x, y]`). Called by the simplifier (`cleanup-simplify.ts`) when it reaches such a
 * literal.
 */
import type { ts } from 'ts-morph';
import { keepOnly, lineIndent, listElementRemoval, nodeSpan, tsApi, type Step } from './cleanup-text.ts';
import { isPure, type StaticValue } from './cleanup-syntax.ts';
import { constantPropEdits } from './cleanup-props.ts';

/** React's hooks taking a dependency list, and the list's argument index. */
const DEPENDENCY_HOOKS: ReadonlyMap<string, number> = new Map([
  ['useEffect', 1],
  ['useLayoutEffect', 1],
  ['useInsertionEffect', 1],
  ['useMemo', 1],
  ['useCallback', 1],
  ['useImperativeHandle', 2],
]);

/**
 * True when `list` is the dependency list of a hook call: React's (`useEffect(fn, [a])`, `React.useMemo(…)`), or
 * any `useX(…, () => …, [a])` whose last argument is the list, right after an inline function (the shape of
 * custom effect hooks such as `useUpdateEffect` or `useDebouncedCallback`).
 */
export function isHookDependencyList(list: ts.ArrayLiteralExpression): boolean {
  const call = list.parent;
  if (!tsApi().isCallExpression(call)) return false;
  const callee = call.expression;
  const name = tsApi().isIdentifier(callee)
    ? callee.text
    : tsApi().isPropertyAccessExpression(callee)
      ? callee.name.text
      : '';
  const index = call.arguments.indexOf(list);
  if (DEPENDENCY_HOOKS.get(name) === index) return true;
  const previous = call.arguments[index - 1];
  return (
    /^use[A-Z0-9]/.test(name) &&
    index === call.arguments.length - 1 &&
    previous !== undefined &&
    (tsApi().isArrowFunction(previous) || tsApi().isFunctionExpression(previous))
  );
}

/**
 * A literal spread into its container: `[a, ...[b, c]]` → `[a, b, c]`, `f(...[x])` → `f(x)`,
 * `{ ...{ x: 1 }, y }` → `{ x: 1, y }`, and spreads that add nothing (`...[]`, `...{}`, `...false`, `...null`
 * in an object) removed, with the properties the spread overwrites (`{ a: 1, ...{ a: 2 } }` → `{ a: 2 }`) when
 * they are literals or names. Left alone: arrays with holes, objects with accessors, methods or `__proto__`, and
 * properties a later one overwrites (with a note).
 */
export function spreadStep(
  sf: ts.SourceFile,
  spread: ts.SpreadElement | ts.SpreadAssignment,
  lit: ts.Expression,
  value: StaticValue,
): Step {
  const ts = tsApi();
  const container = spread.parent;
  const siblings: (readonly ts.Node[] & ts.TextRange) | undefined = ts.isArrayLiteralExpression(container)
    ? container.elements
    : ts.isObjectLiteralExpression(container)
      ? container.properties
      : (ts.isCallExpression(container) || ts.isNewExpression(container)) && container.arguments
        ? container.arguments
        : undefined;
  if (!siblings) return {};
  let inner: readonly ts.Node[] | undefined;
  const overwritten: ts.Node[] = [];
  if (ts.isArrayLiteralExpression(lit) && !ts.isObjectLiteralExpression(container)) {
    if (!lit.elements.some((e) => ts.isOmittedExpression(e))) inner = lit.elements;
  } else if (ts.isObjectLiteralExpression(lit) && ts.isObjectLiteralExpression(container)) {
    const plain = lit.properties.every(
      (p) =>
        (ts.isPropertyAssignment(p) && p.name.getText(sf).replace(/['"]/g, '') !== '__proto__') ||
        ts.isShorthandPropertyAssignment(p) ||
        ts.isSpreadAssignment(p),
    );
    if (!plain) return {};
    const names = new Set(lit.properties.map((p) => p.name?.getText(sf)).filter((n) => n !== undefined));
    const index = container.properties.indexOf(spread as ts.SpreadAssignment);
    const same = container.properties.filter((p) => p !== spread && p.name && names.has(p.name.getText(sf)));
    // `{ sortBy: 'id', ...{ sortBy: 'date' } }`: the earlier property is overwritten; it goes when dropping it
    // drops nothing else (a literal or a name). A later one overwrites the spread's: merge by hand.
    const droppable = (p: ts.ObjectLiteralElementLike): boolean =>
      container.properties.indexOf(p) < index &&
      (ts.isShorthandPropertyAssignment(p) || (ts.isPropertyAssignment(p) && isPure(p.initializer)));
    if (!same.every(droppable)) {
      return { note: `\`...${lit.getText(sf)}\` left as is: the object sets the same property; merge them by hand.` };
    }
    overwritten.push(...same);
    inner = lit.properties;
  } else if (ts.isObjectLiteralExpression(container) && value.kind === 'primitive' && !value.value) {
    inner = []; // `...false`, `...null`, `...undefined`, `...0`, `...''` add no property.
  }
  if (!inner) return {};
  const close = container.end - 1;
  if (inner.length === 0) {
    return { edits: [{ ...listElementRemoval(sf, siblings, siblings.indexOf(spread), close), text: '' }] };
  }
  const kept = { start: inner[0]!.getStart(sf), end: inner.at(-1)!.end };
  const edits = keepOnly(sf, nodeSpan(sf, spread), kept, lineIndent(sf.text, spread.getStart(sf)));
  for (const p of overwritten) {
    edits.push({ ...listElementRemoval(sf, siblings, siblings.indexOf(p), close), text: '' });
  }
  return { edits };
}

/**
 * A prop a local component now always gets with this value is removed from it (`cleanup-props.ts`). Else
 * `prop={true}` → `prop`, `prop={'text'}` → `prop="text"` (when the text needs no escaping in a JSX attribute
 * string), `prop={undefined}` removed (an absent prop reads as `undefined` too) unless a spread attribute before
 * it could set the prop; other literals stay in braces.
 */
export function jsxAttributeStep(sf: ts.SourceFile, attribute: ts.JsxAttribute, value: StaticValue): Step {
  const constant = constantPropEdits(sf, attribute, value);
  if (constant) return { edits: constant };
  const name = attribute.name.getText(sf);
  const start = attribute.getStart(sf);
  if (value.kind === 'primitive' && value.value === true) return { edits: [{ start, end: attribute.end, text: name }] };
  if (value.kind === 'primitive' && value.value === undefined) {
    const siblings = attribute.parent.properties;
    const before = siblings.slice(0, siblings.indexOf(attribute));
    if (before.some((a) => tsApi().isJsxSpreadAttribute(a))) {
      return { note: `\`${name}={undefined}\` kept: a spread attribute before it may set \`${name}\`.` };
    }
    // From the end of the token before it (its `pos`), so the whitespace around it collapses to what follows.
    return { edits: [{ start: attribute.pos, end: attribute.end, text: '' }] };
  }
  if (value.kind === 'primitive' && typeof value.value === 'string' && /^[^"\\\n\r{}<>&]*$/.test(value.value)) {
    return { edits: [{ start, end: attribute.end, text: `${name}="${value.value}"` }] };
  }
  return {};
}
