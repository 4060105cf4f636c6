/** Builds {@link FlagReference} records from AST nodes, the one place that knows their shape. */
import type { ts } from 'ts-morph';
import type { KeyResolver, Resolved } from './resolve-key.ts';
import { describeUnresolved } from './resolve-key.ts';
import type { CallKind, FlagReference, ReferenceKind, Sdk } from './types.ts';

/** What varies between references; the location comes from `node` and `keyNode`. */
export interface ReferenceSpec {
  readonly kind: ReferenceKind;
  readonly node: ts.Node;
  readonly keyNode: ts.Node;
  readonly resolved: Resolved;
  readonly sdk: Sdk;
  readonly method: string;
  readonly callKind?: CallKind;
  readonly valueType?: FlagReference['valueType'];
  readonly returns?: FlagReference['returns'];
  readonly defaultValue?: string;
}

/** A reference of `resolver`'s file at `spec.node`; key undefined (with the reason) unless resolved to a string. */
export function buildReference(resolver: KeyResolver, spec: ReferenceSpec): FlagReference {
  const sf = spec.node.getSourceFile();
  const start = spec.node.getStart(sf);
  const enclosingSymbol = resolver.enclosingSymbol(spec.node);
  const { resolved } = spec;
  return {
    kind: spec.kind,
    key: resolved.kind === 'string' ? resolved.value : undefined,
    keyExpression: spec.keyNode.getText(sf),
    ...(resolved.kind === 'string' ? {} : { unresolvedReason: describeUnresolved(resolved) }),
    file: sf === resolver.sf ? resolver.filePath : sf.fileName,
    range: rangeOf(sf, start, spec.node.end),
    start,
    end: spec.node.end,
    keyStart: spec.keyNode.getStart(sf),
    keyEnd: spec.keyNode.end,
    callKind: spec.callKind ?? 'unknown',
    sdk: spec.sdk,
    method: spec.method,
    ...(spec.valueType ? { valueType: spec.valueType } : {}),
    returns: spec.returns ?? 'value',
    ...(spec.defaultValue === undefined ? {} : { defaultValue: spec.defaultValue }),
    ...(enclosingSymbol ? { enclosingSymbol } : {}),
  };
}

/** The 0-based range of offsets `start`–`end` of `sf`. */
export function rangeOf(sf: ts.SourceFile, start: number, end: number): FlagReference['range'] {
  const s = sf.getLineAndCharacterOfPosition(start);
  const e = sf.getLineAndCharacterOfPosition(end);
  return { start: { line: s.line, character: s.character }, end: { line: e.line, character: e.character } };
}
