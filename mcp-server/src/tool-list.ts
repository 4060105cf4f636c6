/**
 * The tools/list reply, kept small: every byte of it sits in the model's context for the whole session (issue 12:
 * at most 25 KB, mcp-server/test/tool-list.test.ts). Tools keep their full zod shapes, which validate every call
 * and type the handlers; what is published is the JSON Schema of those shapes without what only a validator needs:
 * `$schema`, regex `pattern`s (a bad key gets an error naming the fix), JavaScript's safe-integer bounds, `propertyNames`
 * that only say "string", the recursive definition of a JSON value (published as "any"), output schemas below their
 * top-level fields (the write result is described once in the server instructions), and annotations equal to the
 * MCP defaults.
 */
import { isDeepStrictEqual } from 'node:util';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ToolDefinition } from './tool.ts';

type JsonSchema = { [key: string]: unknown };

const definitions = new WeakMap<McpServer, Map<string, ToolDefinition<z.ZodRawShape, z.ZodRawShape>>>();

/** Records a tool for {@link publishToolList} (called by `defineTool`). */
export function recordTool(
  server: McpServer,
  name: string,
  definition: ToolDefinition<z.ZodRawShape, z.ZodRawShape>,
): void {
  const tools = definitions.get(server) ?? new Map<string, ToolDefinition<z.ZodRawShape, z.ZodRawShape>>();
  tools.set(name, definition);
  definitions.set(server, tools);
}

/** The tools of `server` as tools/list publishes them (see the file comment). */
export function listTools(server: McpServer): Tool[] {
  return [...(definitions.get(server) ?? [])].map(([name, d]) => ({
    name,
    title: d.title,
    description: d.description,
    inputSchema: compact(jsonSchema(d.input, 'input')) as Tool['inputSchema'],
    outputSchema: topLevel(jsonSchema(d.output, 'output')) as Tool['outputSchema'],
    annotations: withoutDefaults(d.annotations),
  }));
}

/** MCP's defaults of the tool annotations (a client assumes them when a hint is absent). */
const ANNOTATION_DEFAULTS: Readonly<Record<string, boolean>> = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
};

function withoutDefaults(
  annotations: ToolDefinition<z.ZodRawShape, z.ZodRawShape>['annotations'],
): Tool['annotations'] {
  // A read-only tool's destructive and idempotent hints mean nothing (the spec ignores them).
  const ignored = annotations.readOnlyHint ? ['destructiveHint', 'idempotentHint'] : [];
  return Object.fromEntries(
    Object.entries(annotations).filter(([key, value]) => !ignored.includes(key) && ANNOTATION_DEFAULTS[key] !== value),
  );
}

/** Replaces the SDK's tools/list handler by {@link listTools}; call after the last tool is registered. */
export function publishToolList(server: McpServer): void {
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listTools(server) }));
}

function jsonSchema(shape: z.ZodRawShape, io: 'input' | 'output'): JsonSchema {
  return z.toJSONSchema(z.object(shape), { target: 'draft-7', io, unrepresentable: 'any' });
}

const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/** The schema without what only a validator needs (see the file comment), recursively. */
function compact(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(compact);
  if (typeof node !== 'object' || node === null) return node;
  // zod's recursive JSON value: a reference into `definitions`, published as "any value".
  if ('$ref' in node) return {};
  const kept = Object.fromEntries(
    Object.entries(node)
      .map(([key, value]) => [key, key === 'properties' ? mapValues(value, compact) : compact(value)] as const)
      .filter(([key, value]) => {
        if (key === '$schema' || key === 'pattern' || key === 'definitions') return false;
        if (key === 'propertyNames' || key === 'additionalProperties') {
          // `{type: string}` names and `{}` values are what JSON objects allow anyway.
          return !isDeepStrictEqual(value, { type: 'string' }) && !isDeepStrictEqual(value, {});
        }
        return !((key === 'maximum' || key === 'minimum') && SAFE_INTEGER_BOUNDS.has(value as number));
      }),
  );
  return Array.isArray(kept.anyOf) ? mergeAnyOf(kept as JsonSchema & { anyOf: unknown[] }) : kept;
}

/** `properties` maps names to schemas: its keys are field names, never keywords to drop. */
function mapValues(value: unknown, f: (v: unknown) => unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, f(v)]));
}

/** Keywords that constrain every value whatever its type, so members holding them cannot be merged. */
const UNTYPED_KEYWORDS = new Set(['enum', 'const', 'anyOf', 'oneOf', 'allOf', 'not', 'description', 'default']);

/**
 * `{anyOf: [{type: a, …}, {type: b, …}]}` → `{type: [a, b], …}` when every member names other types and only
 * type-specific keywords (maxLength, items, …), none twice: the same set of values, fewer bytes. Nested `anyOf`
 * members are flattened first.
 */
function mergeAnyOf(schema: JsonSchema & { anyOf: unknown[] }): JsonSchema {
  const { anyOf, ...rest } = schema;
  const members = anyOf.flatMap((m) => {
    const member = m as JsonSchema;
    return Array.isArray(member.anyOf) && Object.keys(member).length === 1 ? (member.anyOf as JsonSchema[]) : [member];
  });
  const types: unknown[] = [];
  const merged: JsonSchema = {};
  for (const member of members) {
    const { type, ...keywords } = member;
    const memberTypes: unknown[] = Array.isArray(type) ? type : [type];
    const clash = Object.keys(keywords).some((k) => UNTYPED_KEYWORDS.has(k) || k in merged || k in rest);
    if (type === undefined || clash || memberTypes.some((t) => types.includes(t))) return { ...rest, anyOf: members };
    types.push(...memberTypes);
    Object.assign(merged, keywords);
  }
  return { ...rest, type: types, ...merged };
}

/** An output schema cut to its top-level fields and their types, so clients can still check the result's shape. */
function topLevel(schema: JsonSchema): JsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return {
    type: 'object',
    properties: Object.fromEntries(
      Object.entries(properties).map(([key, p]) => [key, p.type === undefined ? {} : { type: p.type }]),
    ),
  };
}
