/**
 * References that are not SDK calls: JSX flag components, destructured and read properties of flag objects and
 * maps, and string values of config-object properties that flow into an evaluator. See {@link ReferenceKind}
 * (`keyof-type` references are in flag-key-types.ts).
 */
import type { SourceFile, ts } from 'ts-morph';
import { buildReference } from './reference-builder.ts';
import { KeyResolver, isFromPackages, propertyNameText, skipOuter, unresolved } from './resolve-key.ts';
import type { FlagObjectPattern, FlagReference, ScanOptions } from './types.ts';

/** Names of flag maps read by property (`flags.messageBanner`, `uiConfig.flags['x']`, `props.featureFlags.x`). */
export const FLAG_MAP_NAMES: ReadonlySet<string> = new Set(['flags', 'featureFlags', 'uiFlags']);

/** Whitespace and comments between two tokens. */
const GAP = String.raw`(?:\s|//[^\n]*|/\*[\s\S]*?\*/)*`;

/** A character of an identifier: ASCII word characters, `$`, any non-ASCII one (`ñ`) and the `\` of an escape. */
const ID = String.raw`\w$\\\u0080-\uffff`;
const MAP_NAME = String.raw`(?:${[...FLAG_MAP_NAMES].join('|')})(?![\w$])`;
/** A line end or the start of a comment, after spaces: where a token may continue on the next line. */
const LINE_END = String.raw`[ \t]*(?:[\r\n\u2028\u2029]|/[/*]|$)`;
/**
 * The start of a non-empty object binding pattern (`{ a`, `{ a: b`, `{ ...rest`), not of an object literal whose
 * first value is a literal (`{ a: true`, `{ a: 'x'`): binding targets are names or nested patterns.
 */
const BINDING_START = String.raw`\{${GAP}(?:\.\.\.|(?:[${ID}]+|'[^']*'|"[^"]*"|\[)${GAP}(?:[,}=]|:${GAP}(?!(?:true|false|null|this)(?![\w$]))[${ID}[{]))`;

/**
 * Matches a mention of a flag map name that may be one of its reference forms, for the scanner's pre-filter: the
 * name (after any `)` and `!`) followed by a property access (`.x`, `?.`, `[`), a type wrapper (`as`,
 * `satisfies`) or a binding pattern (`flags: { a }`); or, unless a word and a space come before it (`await flags`,
 * `feature flags`: no initializer a destructure reads), followed by the end of an initializer (`;`, `,`, `)`, `}`,
 * a line end or a comment). A superset of what {@link visitReferenceForms} reports for map names; it leaves out
 * the word in prose ("feature flags are…", `'feature-flags'`) and object literals (`flags: { a: true }`), which
 * most mentions are in a feature-flag product's own code.
 */
export const FLAG_MAP_MENTION = new RegExp(
  [
    String.raw`(?<![\w$])${MAP_NAME}(?:${GAP}[)!])*${GAP}`,
    String.raw`(?:\?\.|\.${GAP}[${ID}#]|\[|as(?![\w$])|satisfies(?![\w$])|:${GAP}${BINDING_START})`,
    String.raw`|(?<![\w$]|[\w$][ \t]+)${MAP_NAME}(?:${GAP}[)!])*(?:${LINE_END}|${GAP}[;,)}])`,
  ].join(''),
);

/**
 * A property of a repo type whose values reach an evaluator (`evaluateFlag(route.flag)`): the string values given
 * to it in object literals of that type are `config-object` references. Declarations are identified by file and
 * offset.
 */
export interface ConfigSource {
  readonly name: string;
  readonly declarations: readonly { readonly file: string; readonly pos: number }[];
  /** The evaluator call, for the reference's `method`. */
  readonly evaluator: string;
}

/**
 * A read of a flag object or map whose key is a parameter of the function around it (`uiConfig.flags[flag]`): that
 * function is a wrapper candidate.
 */
export interface ParameterKeyRead {
  readonly node: ts.ElementAccessExpression;
  readonly keyNode: ts.Expression;
  readonly parameter: { readonly fn: ts.SignatureDeclaration; readonly index: number };
  readonly sdk: FlagReference['sdk'];
  readonly method: string;
}

/**
 * Adds the references of the non-call form at `node`, if it is one, to `out`. Returns the flag map read at `node`
 * when its key is a parameter (nothing is added for it).
 */
export function visitReferenceForms(
  resolver: KeyResolver,
  node: ts.Node,
  options: ScanOptions,
  out: FlagReference[],
): ParameterKeyRead | undefined {
  const ts = resolver.ts;
  if ((ts.isJsxOpeningElement(node) || ts.isJsxSelfClosingElement(node)) && options.components?.length) {
    visitJsx(resolver, node, options, out);
  } else if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer) {
    const source = flagObjectSource(resolver, node.initializer, options);
    if (source) visitDestructure(resolver, node.name, source, out);
  } else if (ts.isParameter(node) && ts.isObjectBindingPattern(node.name)) {
    // `({ flags: { newCheckout } }) => …` of a withLDConsumer component.
    for (const element of node.name.elements) {
      const prop = element.propertyName ?? element.name;
      if (ts.isIdentifier(prop) && FLAG_MAP_NAMES.has(prop.text) && ts.isObjectBindingPattern(element.name)) {
        visitDestructure(resolver, element.name, { sdk: 'custom', method: prop.text }, out);
      }
    }
  } else if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
    return visitPropertyRead(resolver, node, options, out);
  }
  return undefined;
}

function visitJsx(
  resolver: KeyResolver,
  element: ts.JsxOpeningElement | ts.JsxSelfClosingElement,
  options: ScanOptions,
  out: FlagReference[],
): void {
  const ts = resolver.ts;
  if (!ts.isIdentifier(element.tagName)) return;
  const tag = element.tagName.text;
  const candidates = options.components?.filter((c) => c.component === tag) ?? [];
  if (candidates.length === 0) return;
  const origin = resolver.originOf(element.tagName);
  const pattern = candidates.find(
    (c) => !origin || !c.packages || (origin.kind === 'package' && isFromPackages(origin.name, c.packages)),
  );
  if (!pattern) return;
  for (const attribute of element.attributes.properties) {
    if (!ts.isJsxAttribute(attribute) || attribute.name.getText() !== pattern.keyAttribute) continue;
    const init = attribute.initializer;
    if (!init) continue;
    const value = ts.isJsxExpression(init) ? init.expression : init;
    if (!value) continue;
    out.push(
      buildReference(resolver, {
        kind: 'jsx',
        node: element,
        keyNode: value,
        resolved: resolver.resolveKey(value),
        sdk: pattern.sdk,
        method: tag,
        callKind: 'boolean',
        valueType: 'boolean',
      }),
    );
  }
}

interface FlagObjectSource {
  readonly sdk: FlagReference['sdk'];
  readonly method: string;
}

/** The hook or map `expr` reads flags from: `useFlags()`, a variable holding its result, or `x.flags`. */
function flagObjectSource(
  resolver: KeyResolver,
  expr: ts.Expression,
  options: ScanOptions,
  depth = 0,
): FlagObjectSource | undefined {
  const ts = resolver.ts;
  const node = skipOuter(ts, expr);
  if (ts.isCallExpression(node)) {
    const callee = skipOuter(ts, node.expression);
    const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
    const pattern = options.flagObjects?.find(
      (o) => o.function === name && o.prop === undefined && fromPackages(resolver, callee, o),
    );
    return pattern ? { sdk: pattern.sdk, method: name } : undefined;
  }
  if (ts.isPropertyAccessExpression(node) && FLAG_MAP_NAMES.has(node.name.text)) {
    return { sdk: 'custom', method: node.name.text };
  }
  if (ts.isIdentifier(node)) {
    // Only a file that calls a flag-object function can hold a variable of its result: skip the scope walk else.
    const mayHold = depth <= 4 && mentionsFlagObjects(resolver, options);
    const decl = mayHold ? resolver.findDeclaration(node.text, node) : undefined;
    const fromInitializer =
      decl?.kind === 'variable' && decl.node.initializer
        ? flagObjectSource(resolver, decl.node.initializer, options, depth + 1)
        : undefined;
    return fromInitializer ?? (FLAG_MAP_NAMES.has(node.text) ? { sdk: 'custom', method: node.text } : undefined);
  }
  return undefined;
}

const mentions = new WeakMap<ts.SourceFile, boolean>();

function mentionsFlagObjects(resolver: KeyResolver, options: ScanOptions): boolean {
  let known = mentions.get(resolver.sf);
  if (known === undefined) {
    const text = resolver.sf.text;
    known = (options.flagObjects ?? []).some((o) => text.includes(o.function));
    mentions.set(resolver.sf, known);
  }
  return known;
}

function fromPackages(resolver: KeyResolver, callee: ts.Expression, pattern: FlagObjectPattern): boolean {
  if (!pattern.packages) return true;
  const origin = resolver.originOf(callee);
  return !origin || (origin.kind === 'package' && isFromPackages(origin.name, pattern.packages));
}

function visitDestructure(
  resolver: KeyResolver,
  pattern: ts.ObjectBindingPattern,
  source: FlagObjectSource,
  out: FlagReference[],
): void {
  const ts = resolver.ts;
  for (const element of pattern.elements) {
    if (element.dotDotDotToken) continue;
    const prop = element.propertyName ?? element.name;
    const key = ts.isIdentifier(prop) || ts.isStringLiteral(prop) ? prop.text : undefined;
    out.push(
      buildReference(resolver, {
        kind: 'destructure',
        node: element,
        keyNode: prop,
        resolved: key === undefined ? unresolved('the destructured name is computed') : { kind: 'string', value: key },
        sdk: source.sdk,
        method: source.method,
      }),
    );
  }
}

/**
 * `flags.messageBanner`, `flags['x']` on a flag object or map; not method calls (`flags.map(…)`) nor writes. Returns
 * a read whose key is a parameter.
 */
function visitPropertyRead(
  resolver: KeyResolver,
  node: ts.PropertyAccessExpression | ts.ElementAccessExpression,
  options: ScanOptions,
  out: FlagReference[],
): ParameterKeyRead | undefined {
  const ts = resolver.ts;
  const parent = node.parent;
  if (ts.isCallExpression(parent) && parent.expression === node) return undefined;
  if (
    ts.isBinaryExpression(parent) &&
    parent.left === node &&
    parent.operatorToken.kind === ts.SyntaxKind.EqualsToken
  ) {
    return undefined;
  }
  const source = flagObjectSource(resolver, node.expression, options);
  if (!source) return undefined;
  const keyNode = ts.isPropertyAccessExpression(node) ? node.name : node.argumentExpression;
  const resolved = ts.isPropertyAccessExpression(node)
    ? ({ kind: 'string', value: node.name.text } as const)
    : resolver.resolveKey(node.argumentExpression);
  if (resolved.kind === 'string') {
    out.push(
      buildReference(resolver, { kind: 'property', node, keyNode, resolved, sdk: source.sdk, method: source.method }),
    );
    return undefined;
  }
  // A dynamic index into a flag map is no evidence of any key; indexed by a parameter, it makes a wrapper.
  if (resolved.kind !== 'unresolved' || !resolved.parameter || !ts.isElementAccessExpression(node)) return undefined;
  return { node, keyNode: node.argumentExpression, parameter: resolved.parameter, ...source };
}

/**
 * The `config-object` references of `sourceFile`: string values of properties whose contextual type's property is
 * one of `sources` (`{ flag: 'enableLicense' }` in a `Route[]` when `evaluateFlag(route.flag)` reads `Route.flag`).
 * Uses the type checker (builds the program of the file's Project).
 */
export function findConfigObjectReferences(sourceFile: SourceFile, sources: readonly ConfigSource[]): FlagReference[] {
  const names = new Set(sources.map((s) => s.name));
  const resolver = new KeyResolver(sourceFile, { patterns: [] });
  const ts = resolver.ts;
  resolver.loadRelativeImports();
  const refs: FlagReference[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && ts.isObjectLiteralExpression(node.parent)) {
      const name = propertyNameText(ts, node.name);
      if (name !== undefined && names.has(name)) {
        const value = resolver.resolveKey(node.initializer);
        const source = value.kind === 'string' ? matchingSource(resolver, node.parent, name, sources) : undefined;
        if (source) {
          refs.push(
            buildReference(resolver, {
              kind: 'config-object',
              node,
              keyNode: node.initializer,
              resolved: value,
              sdk: 'custom',
              method: source.evaluator,
            }),
          );
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(resolver.sf);
  return refs;
}

function matchingSource(
  resolver: KeyResolver,
  object: ts.ObjectLiteralExpression,
  name: string,
  sources: readonly ConfigSource[],
): ConfigSource | undefined {
  return resolver.timed(() => {
    const checker = resolver.checker();
    const contextual = checker.getContextualType(object) ?? declaredElementType(resolver, object);
    const property = contextual && checker.getNonNullableType(contextual).getProperty(name);
    const declarations = (property?.declarations ?? []).map((d) => ({ file: d.getSourceFile().fileName, pos: d.pos }));
    return sources.find(
      (s) =>
        s.name === name && s.declarations.some((a) => declarations.some((b) => a.file === b.file && a.pos === b.pos)),
    );
  });
}

/**
 * The type an array's declaration gives its object elements (`const routes: Route[] = [{ … }]`), read from the type
 * annotation: the scanner's program has no lib files, so the checker cannot see through `Array<T>` itself.
 */
function declaredElementType(resolver: KeyResolver, object: ts.ObjectLiteralExpression): ts.Type | undefined {
  const ts = resolver.ts;
  let depth = 0;
  let node: ts.Node = object;
  while (ts.isArrayLiteralExpression(node.parent)) {
    node = node.parent;
    depth++;
  }
  if (depth === 0) return undefined;
  const parent = node.parent;
  let type =
    ts.isVariableDeclaration(parent) || ts.isPropertyDeclaration(parent)
      ? parent.type
      : ts.isSatisfiesExpression(parent) || ts.isAsExpression(parent)
        ? parent.type
        : undefined;
  for (; type && depth > 0; depth--) {
    if (ts.isTypeOperatorNode(type) && type.operator === ts.SyntaxKind.ReadonlyKeyword) type = type.type;
    if (ts.isArrayTypeNode(type)) type = type.elementType;
    else if (ts.isTypeReferenceNode(type) && /^(Readonly)?Array$/.test(type.typeName.getText())) {
      type = type.typeArguments?.[0];
    } else type = undefined;
  }
  return type ? resolver.checker().getTypeFromTypeNode(type) : undefined;
}
