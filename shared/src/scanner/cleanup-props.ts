/**
 * Props that became constant: when the flag's literal reaches a JSX attribute of a component that is local to the
 * file, and every use of that component now passes the same literal for that prop, the prop goes: from each use,
 * from the component's destructured parameter (and its inline type), and each read inside the component becomes
 * the literal, which the simplifier keeps folding (`subtle ? 'badge--subtle' : 'badge'` → `'badge--subtle'`).
 */
import type { ts } from 'ts-morph';
import { listElementRemoval, readsReplaced, removalSpan, tsApi, type TextEdit } from './cleanup-text.ts';
import {
  blocksInlining,
  declarationsByName,
  referencesByName,
  staticValue,
  type StaticValue,
} from './cleanup-syntax.ts';
import { referencesOfDeclaration } from './cleanup-scope.ts';

/**
 * The edits removing the prop `attribute` sets from a local component, or undefined when that is not certain to
 * keep behaviour. Local: declared once at the top level of this file as a function (declaration, arrow or
 * function expression), not exported, used only as a JSX tag here, never with a spread attribute; its first
 * parameter destructures the prop by name, with no rest element; its type is inline or declares the prop optional.
 */
export function constantPropEdits(
  sf: ts.SourceFile,
  attribute: ts.JsxAttribute,
  value: StaticValue,
): TextEdit[] | undefined {
  const ts = tsApi();
  if (value.kind !== 'primitive' || !ts.isIdentifier(attribute.name)) return undefined;
  const prop = attribute.name.text;
  const tag = attribute.parent.parent.tagName;
  if (!ts.isIdentifier(tag) || !/^[A-Z]/.test(tag.text)) return undefined;
  const component = localComponent(sf, tag.text);
  const pattern = component?.parameters[0]?.name;
  if (!component || !pattern || !ts.isObjectBindingPattern(pattern)) return undefined;
  if (pattern.elements.some((e) => e.dotDotDotToken)) return undefined;
  const element = pattern.elements.find((e) => !e.propertyName && ts.isIdentifier(e.name) && e.name.text === prop);
  if (!element || !ts.isIdentifier(element.name)) return undefined;
  const uses = componentUses(sf, tag.text);
  if (!uses?.every((u) => passes(u, prop, value))) return undefined;
  const typeEdits = typeMemberEdits(sf, component.parameters[0]!.type, prop);
  if (!typeEdits) return undefined;
  const reads = referencesOfDeclaration(sf, element as ts.BindingElement & { name: ts.Identifier });
  if (blocksInlining(reads)) return undefined;
  const literal = attribute.initializer ? literalText(sf, attribute.initializer) : 'true';
  return [
    ...uses.map((u) => {
      const a = propAttribute(u, prop)!;
      return { start: a.pos, end: a.end, text: '' };
    }),
    { ...listElementRemoval(sf, pattern.elements, pattern.elements.indexOf(element), pattern.end - 1), text: '' },
    ...typeEdits,
    ...readsReplaced(sf, reads, literal),
  ];
}

type FunctionComponent = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

/** The function declared once at the top level as `name`, not exported; undefined otherwise. */
function localComponent(sf: ts.SourceFile, name: string): FunctionComponent | undefined {
  const ts = tsApi();
  if (declarationsByName(sf, name).length !== 1) return undefined;
  for (const statement of sf.statements) {
    const exported = ts.canHaveModifiers(statement)
      ? ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      : false;
    if (ts.isFunctionDeclaration(statement) && statement.name?.text === name) {
      return exported || !statement.body ? undefined : statement;
    }
    if (ts.isVariableStatement(statement)) {
      const decl = statement.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === name);
      const init = decl?.initializer;
      if (!decl) continue;
      return !exported && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) ? init : undefined;
    }
  }
  return undefined;
}

/** The opening tags of every use of `name`, or undefined when it is also used otherwise (exported, passed …). */
function componentUses(
  sf: ts.SourceFile,
  name: string,
): (ts.JsxOpeningElement | ts.JsxSelfClosingElement)[] | undefined {
  const ts = tsApi();
  const uses: (ts.JsxOpeningElement | ts.JsxSelfClosingElement)[] = [];
  for (const ref of referencesByName(sf, name)) {
    const p = ref.parent;
    if ((ts.isJsxOpeningElement(p) || ts.isJsxSelfClosingElement(p)) && p.tagName === ref) uses.push(p);
    else if (!(ts.isJsxClosingElement(p) && p.tagName === ref)) return undefined;
  }
  return uses;
}

function propAttribute(
  use: ts.JsxOpeningElement | ts.JsxSelfClosingElement,
  prop: string,
): ts.JsxAttribute | undefined {
  const ts = tsApi();
  return use.attributes.properties.find(
    (a): a is ts.JsxAttribute => ts.isJsxAttribute(a) && ts.isIdentifier(a.name) && a.name.text === prop,
  );
}

/** True when `use` sets `prop` to `value` as a literal, with no spread attribute that could set it too. */
function passes(use: ts.JsxOpeningElement | ts.JsxSelfClosingElement, prop: string, value: StaticValue): boolean {
  const ts = tsApi();
  if (use.attributes.properties.some((a) => ts.isJsxSpreadAttribute(a))) return false;
  const attribute = propAttribute(use, prop);
  if (!attribute) return false;
  const init = attribute.initializer;
  const passed = !init
    ? true
    : ts.isStringLiteral(init)
      ? init.text
      : ts.isJsxExpression(init) && init.expression
        ? staticValue(init.expression)
        : undefined;
  const actual = typeof passed === 'object' ? (passed.kind === 'primitive' ? passed.value : passed) : passed;
  return value.kind === 'primitive' && actual === value.value && (actual !== undefined || init !== undefined);
}

function literalText(sf: ts.SourceFile, init: ts.JsxAttributeValue): string {
  const ts = tsApi();
  if (ts.isJsxExpression(init) && init.expression) return init.expression.getText(sf);
  return init.getText(sf);
}

/**
 * Edits dropping `prop` from the parameter's type: its member when the type is an inline literal; none when the
 * type is missing or a name (then the prop must be optional there, which only a same-file declaration shows).
 */
function typeMemberEdits(sf: ts.SourceFile, type: ts.TypeNode | undefined, prop: string): TextEdit[] | undefined {
  const ts = tsApi();
  if (!type) return [];
  const named = (m: ts.TypeElement): boolean => m.name !== undefined && m.name.getText(sf) === prop;
  if (ts.isTypeLiteralNode(type)) {
    const member = type.members.find(named);
    if (!member) return undefined;
    return [{ ...memberRemoval(sf, type.members, member, type.end - 1), text: '' }];
  }
  if (!ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName)) return undefined;
  const typeName = type.typeName.text;
  for (const statement of sf.statements) {
    const members = ts.isInterfaceDeclaration(statement)
      ? statement.name.text === typeName && statement.members
      : ts.isTypeAliasDeclaration(statement) && statement.name.text === typeName && ts.isTypeLiteralNode(statement.type)
        ? statement.type.members
        : undefined;
    if (members) return members.find(named)?.questionToken ? [] : undefined;
  }
  return undefined;
}

/**
 * The span removing a type member: its whole lines when it has lines of its own; else like a list element, the
 * separator (`;` or `,`) of the member before it going too when it is the last (`{ a: string; b?: boolean }` →
 * `{ a: string }`).
 */
function memberRemoval(
  sf: ts.SourceFile,
  members: ts.NodeArray<ts.TypeElement>,
  member: ts.TypeElement,
  close: number,
) {
  const own = removalSpan(sf, member, true);
  if (sf.text[own.end - 1] === '\n') return own;
  const index = members.indexOf(member);
  const span = listElementRemoval(sf, members, index, close);
  const previous = members[index - 1];
  const separated = previous !== undefined && index === members.length - 1 && /[;,]$/.test(previous.getText(sf));
  return separated ? { start: span.start - 1, end: span.end } : span;
}
