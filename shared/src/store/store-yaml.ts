/**
 * The text form of a store document (`.rollgate/flags.yaml`): deterministic YAML out, validated document in,
 * with every read error pointing at a line and column of the file.
 */
import { Document, LineCounter, isMap, isNode, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import type { z } from 'zod';
import { storeDocumentSchema } from '../flags/model.ts';
import type { EnvironmentConfig, Flag, StoreDocument } from '../flags/model.ts';
import { FlagError } from '../errors.ts';
import { formatPath } from '../flags/diff.ts';
import { suggestNearest } from '../flags/suggest.ts';
import { EXTENSION_PREFIX, checkFields, fieldSchema, hasFixedFields, isExtensionField } from './store-fields.ts';
import type { UnknownField } from './store-fields.ts';
import type { ExtensionFields } from './store-extensions.ts';

const HEADER =
  ' Rollgate flag store. Edit by hand or with the rollgate CLI / VS Code / MCP tools; it is validated on read.\n' +
  ' Comments on flags and fields are kept when a tool rewrites the file.';

/**
 * The canonical YAML text of `document`, byte-for-byte the same for equal documents: flags sorted by key, fields
 * in the model's order, a flag's environments in the order the document declares them, metadata keys sorted,
 * defaults (`description: ''`, `tags: []`, `rules: []`, `archived: false`) left out, no line folding and no
 * anchors. Variants and rules keep their order (it means something). Expects a model-valid document (the output of
 * `storeDocumentSchema`); never throws on one.
 */
export function serializeStoreDocument(document: StoreDocument): string {
  return renderStoreDocument(document).text;
}

/**
 * `document` with its flags in the order the file stores them (by key, see {@link renderStoreDocument}): what a read
 * of the written file gives back, so a committed snapshot reads the same as the next process's read of it.
 */
export function inStoredOrder(document: StoreDocument): StoreDocument {
  const flags = [...document.flags].sort((a, b) => compareKeys(a.key, b.key));
  return flags.every((f, i) => f === document.flags[i]) ? document : { ...document, flags };
}

/**
 * {@link serializeStoreDocument}, carrying the comments and blank lines of `previous` (the parsed current file)
 * over to the nodes at the same place in the new text: map entries by key, flags and environments by their `key`,
 * rules by `id`, other list items by position. Extension fields (`x-…`, see store-fields.ts) of `previous` are kept
 * the same way, at the end of their object, and so are those of `extensions` (kept elsewhere, store-extensions.ts)
 * that the object does not have yet. Returns the YAML document too, to serve as `previous` next time.
 */
export function renderStoreDocument(
  document: StoreDocument,
  previous?: Document.Parsed | Document,
  extensions?: ExtensionFields,
): { text: string; yaml: Document } {
  const envOrder = document.environments.map((e) => e.key);
  const canonical = {
    version: document.version,
    environments: document.environments.map((env) => omitUndefined({ ...env })),
    groups: document.groups,
    segments: document.segments,
    flags: inStoredOrder(document).flags.map((flag) => canonicalFlag(flag, envOrder)),
    changeRequests: document.changeRequests,
  };
  const doc = new Document(omitUndefined(canonical), { aliasDuplicateObjects: false });
  if (previous) {
    doc.commentBefore = previous.commentBefore;
    doc.comment = previous.comment;
    carryComments(previous.contents, doc.contents, storeDocumentSchema);
  } else {
    doc.commentBefore = HEADER;
  }
  if (extensions) carryComments(new Document(extensions).contents, doc.contents, storeDocumentSchema);
  return { text: doc.toString({ lineWidth: 0, indent: 2 }), yaml: doc };
}

/**
 * Copies comments from `from` (previous file) to `to` (new text) node by node, read as `schema`, and keeps the
 * extension fields (`x-…`) of objects with fixed fields, which the model does not hold (appended to their object).
 */
function carryComments(from: unknown, to: unknown, schema: z.ZodType | undefined): void {
  if (!isNode(from) || !isNode(to)) return;
  copyComments(from, to);
  if (isMap(from) && isMap(to)) {
    for (const pair of to.items) {
      const match = from.items.find((p) => scalarValue(p.key) === scalarValue(pair.key));
      if (!match) continue;
      if (isNode(match.key) && isNode(pair.key)) copyComments(match.key, pair.key);
      const key = scalarValue(pair.key);
      const child =
        schema && (typeof key === 'string' || typeof key === 'number') ? fieldSchema(schema, key) : undefined;
      carryComments(match.value, pair.value, child);
    }
    if (schema && hasFixedFields(schema)) {
      for (const pair of from.items) {
        if (isExtensionField(scalarValue(pair.key)) && !to.has(scalarValue(pair.key))) to.items.push(pair.clone());
      }
    }
  } else if (isSeq(from) && isSeq(to)) {
    to.items.forEach((item, i) => {
      const id = identityOf(item);
      const old = id === undefined ? from.items[i] : from.items.find((o) => identityOf(o) === id);
      carryComments(old, item, schema && fieldSchema(schema, i));
    });
  }
}

function copyComments(from: Node, to: Node): void {
  if (from.commentBefore) to.commentBefore = from.commentBefore;
  if (from.comment) to.comment = from.comment;
  if (from.spaceBefore) to.spaceBefore = true;
}

/** How a list item is recognized after a rewrite: flags and environments by `key`, rules by `id`. */
function identityOf(item: unknown): string | undefined {
  if (!isMap(item)) return undefined;
  const id = scalarValue(item.get('key', true)) ?? scalarValue(item.get('id', true));
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : undefined;
}

function canonicalFlag(flag: Flag, envOrder: readonly string[]): Record<string, unknown> {
  const environments: Record<string, unknown> = {};
  const envKeys = Object.keys(flag.environments).sort(
    (a, b) => rank(envOrder, a) - rank(envOrder, b) || compareKeys(a, b),
  );
  for (const key of envKeys) {
    const config = flag.environments[key];
    if (config) environments[key] = canonicalEnvironmentConfig(config);
  }
  return omitUndefined({
    key: flag.key,
    name: flag.name,
    description: flag.description === '' ? undefined : flag.description,
    kind: flag.kind,
    owner: flag.owner,
    tags: flag.tags.length === 0 ? undefined : flag.tags,
    createdAt: flag.createdAt,
    cleanupBy: flag.cleanupBy,
    type: flag.type,
    variants: flag.variants,
    environments: envKeys.length === 0 ? undefined : environments,
    archived: flag.archived ? true : undefined,
    metadata: flag.metadata && Object.fromEntries(Object.entries(flag.metadata).sort(([a], [b]) => compareKeys(a, b))),
  });
}

function canonicalEnvironmentConfig(config: EnvironmentConfig): Record<string, unknown> {
  return omitUndefined({
    enabled: config.enabled,
    defaultVariant: config.defaultVariant,
    rollout: config.rollout,
    rules: config.rules.length === 0 ? undefined : config.rules,
    plan: config.plan,
  });
}

function rank(order: readonly string[], key: string): number {
  const i = order.indexOf(key);
  return i === -1 ? order.length : i;
}

/** Code-unit order, independent of locale, so every machine sorts the same way. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function omitUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Parses and validates the text of a store file. `file` is only used in messages and `details.file`.
 * Errors: PARSE_ERROR with `details.file`, `line`, `column` (1-based), `path` (for schema errors) and a `hint` —
 * for YAML syntax errors (including duplicate keys), an empty file, a field the model does not know (strict: see
 * store-fields.ts; `details.field`, and `details.suggestion` when a known field is close) and documents that break
 * the model (`storeDocumentSchema`, including its cross-field checks). Extension fields (`x-…`) are left out.
 */
export function parseStoreDocument(text: string, file: string): StoreDocument {
  return parseStoreText(text, file).document;
}

/** {@link parseStoreDocument}, also returning the parsed YAML document (for {@link renderStoreDocument}). */
export function parseStoreText(text: string, file: string): { document: StoreDocument; yaml: Document.Parsed } {
  const lineCounter = new LineCounter();
  const yamlDoc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const syntaxError = yamlDoc.errors[0];
  if (syntaxError) {
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    const firstLine = syntaxError.message.split('\n')[0] ?? syntaxError.message;
    throw new FlagError('PARSE_ERROR', `${file}:${line}:${col}: invalid YAML: ${firstLine}`, {
      file,
      line,
      column: col,
      hint: `Fix the YAML syntax at line ${line}, column ${col} (indentation, a missing ":" or quote, a duplicate key); Rollgate does not write the file until it parses.`,
    });
  }
  if (yamlDoc.contents === null) {
    throw new FlagError('PARSE_ERROR', `${file}:1:1: the store file is empty.`, {
      file,
      line: 1,
      column: 1,
      hint: 'Restore the file from version control, or delete .rollgate/ and run `rollgate init` to start over.',
    });
  }
  const fields = checkFields(storeDocumentSchema, yamlDoc.toJS({ maxAliasCount: 1000 }));
  if (fields.unknown) throw unknownFieldError(fields.unknown, yamlDoc, lineCounter, file);
  const result = storeDocumentSchema.safeParse(fields.value);
  if (result.success) return { document: result.data, yaml: yamlDoc };
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const { node, depth } = deepestNode(yamlDoc, path);
  const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
  const where = formatPath(path);
  const missing = depth < path.length && issue.code === 'invalid_type';
  const problem = missing
    ? `"${String(path[path.length - 1])}" is missing (expected ${issue.expected})`
    : issue.message;
  throw new FlagError('PARSE_ERROR', `${file}:${line}:${col}: ${where}: ${problem}`, {
    file,
    line,
    column: col,
    path: where,
    hint: `${missing ? `Add ${where}` : `Fix the value of ${where}`} at line ${line}, column ${col}${moreIssues(result.error.issues.length)}; Rollgate does not write the file until it is valid.`,
  });
}

/** The PARSE_ERROR of a field the model does not know, at its key, with the closest known field. */
function unknownFieldError(unknown: UnknownField, doc: Document, lineCounter: LineCounter, file: string): FlagError {
  const { node } = deepestNode(doc, unknown.path);
  const pair = isMap(node) ? node.items.find((p) => scalarValue(p.key) === unknown.key) : undefined;
  const at = isNodeWithRange(pair?.key) ? pair.key : node;
  const { line, col } = lineCounter.linePos(at?.range?.[0] ?? 0);
  const where = formatPath([...unknown.path, unknown.key]);
  const suggestion = suggestNearest(unknown.key, unknown.known);
  const guess = suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`;
  const fix =
    suggestion === undefined ? `Remove or rename "${unknown.key}"` : `Rename "${unknown.key}" to "${suggestion}"`;
  return new FlagError('PARSE_ERROR', `${file}:${line}:${col}: ${where}: unknown field "${unknown.key}".${guess}`, {
    file,
    line,
    column: col,
    path: where,
    field: unknown.key,
    ...(suggestion === undefined ? {} : { suggestion }),
    hint: `${fix} at line ${line}, column ${col} (known fields here: ${unknown.known.join(', ')}; a field named "${EXTENSION_PREFIX}…" is an extension Rollgate keeps but ignores); Rollgate does not write the file until it is valid.`,
  });
}

function moreIssues(count: number): string {
  return count > 1 ? ` (and ${count - 1} more problem${count > 2 ? 's' : ''} after it)` : '';
}

/**
 * The YAML node at `path`, or the deepest existing ancestor when the path ends at a missing key; `depth` is how
 * many segments of `path` were found.
 */
function deepestNode(doc: Document, path: readonly (string | number)[]): { node: Node | undefined; depth: number } {
  let node: unknown = doc.contents;
  let found = isNodeWithRange(node) ? node : undefined;
  let depth = 0;
  for (const segment of path) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(segment),
      );
      // A key with an empty value (`name:`) has no value node: point at the key.
      next = pair ? (pair.value ?? pair.key) : undefined;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    }
    if (!isNodeWithRange(next)) break;
    node = next;
    found = next;
    depth++;
  }
  return { node: found, depth };
}

function isNodeWithRange(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value && Array.isArray(value.range);
}
