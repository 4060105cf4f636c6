/**
 * Reads a small YAML config file of `.rollgate/` through a zod schema, turning both YAML syntax errors and
 * schema violations into a PARSE_ERROR that points at file:line:column of the offending value.
 */
import { LineCounter, isNode, parseDocument } from 'yaml';
import type { z } from 'zod';
import { FlagError } from './errors.ts';

/**
 * Parses `text` (the content of `file`) and validates it with `schema`. An empty file is an empty object.
 * Throws PARSE_ERROR with `details.file`, `line`, `column` (1-based) and a `hint` that points at `docs`, the page
 * describing the format.
 */
export function parseYamlConfig<T extends z.ZodType>(text: string, file: string, schema: T, docs: string): z.output<T> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const [syntaxError] = doc.errors;
  if (syntaxError) {
    const pos = lineCounter.linePos(syntaxError.pos[0]);
    throw new FlagError('PARSE_ERROR', `${file}:${pos.line}:${pos.col}: ${syntaxError.message}`, {
      file,
      line: pos.line,
      column: pos.col,
      hint: 'Fix the YAML syntax at that position.',
    });
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const issuePath = issue?.path.filter((p): p is string | number => typeof p !== 'symbol') ?? [];
  // An unknown key is reported at the key itself, not at the object holding it.
  const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = unknownKey === undefined ? issuePath : [...issuePath, unknownKey];
  // Point at the deepest node that exists: a missing key is reported at its parent.
  let offset = 0;
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      offset = node.range[0];
      break;
    }
  }
  const pos = lineCounter.linePos(offset);
  const where = issuePath.length > 0 ? issuePath.join('.') : '(top level)';
  const hint =
    unknownKey === undefined
      ? `Fix "${where}" in ${file}; see ${docs} for the format.`
      : `Remove or rename "${unknownKey}" in ${file}; see ${docs} for the accepted keys.`;
  throw new FlagError('PARSE_ERROR', `${file}:${pos.line}:${pos.col}: ${where}: ${issue?.message ?? 'invalid'}`, {
    file,
    line: pos.line,
    column: pos.col,
    path,
    hint,
  });
}
