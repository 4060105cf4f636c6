/**
 * The one place tool results and tool errors are made. Every tool registers through {@link defineTool}: zod input
 * and output shapes, annotations, and a handler that returns data or throws a FlagError with a hint.
 */
import type { McpServer, RegisteredTool, ToolCallback } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { FlagError, errorMessage } from '@rollgate/shared/errors';
import type { FlagStore } from '@rollgate/shared/store';
import { describeFlagError } from './error-text.ts';
import { recordTool } from './tool-list.ts';

/** Request context the SDK hands to a tool handler (abort signal, client requests such as elicitation). */
export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What a tool returns on success: a one-line summary for the model and the structured result. */
export interface ToolSuccess<T> {
  readonly summary: string;
  readonly data: T;
}

/** What {@link defineTool} registers: the tool's metadata and zod shapes. */
export interface ToolDefinition<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  readonly title: string;
  /** Tells the model when to use the tool (and when another one fits better). */
  readonly description: string;
  readonly input: I;
  readonly output: O;
  readonly annotations: Omit<ToolAnnotations, 'title'>;
}

/** Writes a line to stderr (stdout carries the protocol in stdio mode). */
export type Logger = (message: string) => void;

/** What {@link defineTool} needs of the server's deps: the log, and the store's crash repairs to pass on. */
export interface ToolDeps {
  readonly log: Logger;
  readonly store: Pick<FlagStore, 'takeRecoveries'>;
}

/**
 * Registers a tool whose handler returns {@link ToolSuccess} or throws. A thrown FlagError becomes a tool error
 * (`isError`) with its message and fix hint; anything else is logged to stderr and reported as an internal error,
 * so a bug never crashes the server or leaks a stack to the model. What the store repaired after a crash since the
 * last reply (a dead writer's lock, a commit left in the journal) is logged and told once, after the result text.
 */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  server: McpServer,
  name: string,
  definition: ToolDefinition<I, O>,
  deps: ToolDeps,
  handler: (args: z.infer<z.ZodObject<I>>, extra: ToolExtra) => Promise<ToolSuccess<z.infer<z.ZodObject<O>>>>,
): RegisteredTool {
  const callback = async (args: z.infer<z.ZodObject<I>>, extra: ToolExtra): Promise<CallToolResult> => {
    const result = await run(args, extra);
    const repairs = (deps.store.takeRecoveries?.() ?? []).map((r) => r.message);
    for (const repair of repairs) deps.log(`store repaired after a crash: ${repair}`);
    if (repairs.length === 0) return result;
    const note = repairs.map((repair) => `Note: the flag store was repaired after a crash. ${repair}`).join('\n');
    return { ...result, content: [...result.content, { type: 'text', text: note }] };
  };
  const run = async (args: z.infer<z.ZodObject<I>>, extra: ToolExtra): Promise<CallToolResult> => {
    try {
      const { summary, data } = await handler(args, extra);
      return {
        content: [{ type: 'text', text: `${summary}\n${JSON.stringify(data, null, 2)}` }],
        structuredContent: data,
      };
    } catch (e) {
      if (FlagError.is(e)) return toolError(describeFlagError(e));
      deps.log(`[${name}] unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return toolError(`Internal error in ${name}: ${errorMessage(e)}. The server log has details; retry once.`);
    }
  };
  recordTool(server, name, definition);
  return server.registerTool(
    name,
    {
      title: definition.title,
      description: definition.description,
      inputSchema: definition.input,
      outputSchema: definition.output,
      annotations: { title: definition.title, ...definition.annotations },
    },
    callback as unknown as ToolCallback<I>,
  );
}

/** A tool error result the model can act on. */
export function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/** Annotations of a tool that only reads. */
export const READ_ONLY: ToolDefinition<z.ZodRawShape, z.ZodRawShape>['annotations'] = {
  readOnlyHint: true,
  openWorldHint: false,
};
