import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { environmentKeySchema, flagKeySchema, jsonValueSchema } from '@rollgate/shared/flags';
import { evaluateInEnvironment } from '../evaluation.ts';
import { requireEnvironment, requireFlag } from '../lookup.ts';
import { contextSchema } from '../limits.ts';
import { READ_ONLY, defineTool } from '../tool.ts';
import type { ServerDeps } from '../writes.ts';

/** Registers `evaluate-flag`: what a given user gets in one environment, and why. */
export function registerEvaluateFlagTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'evaluate-flag',
    {
      title: 'Evaluate flag',
      description:
        'Evaluates a flag for one context in one environment as a flagd provider would: value, variant, ' +
        'reason. Answers "does user X see Y in production?".',
      input: {
        key: flagKeySchema,
        environment: environmentKeySchema,
        context: contextSchema.default({}),
      },
      output: {
        value: jsonValueSchema.describe(
          "Served value; when the flag is off or not found, the flag's default variant value.",
        ),
        variant: z.string().optional(),
        reason: z.string(),
        errorCode: z.string().optional(),
      },
      annotations: READ_ONLY,
    },
    deps,
    async ({ key, environment, context }) => {
      const { document } = await deps.store.read();
      requireEnvironment(document, environment);
      requireFlag(document, key);
      const result = evaluateInEnvironment(document, environment, key, context, deps.now);
      return {
        summary: `"${key}" in ${environment}: ${result.variant ?? 'no variant'} (${result.reason}).`,
        data: result,
      };
    },
  );
}
