import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { environmentKeySchema, flagKeySchema, variantNameSchema } from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import { performWrite, reasonField, writeResultShape, type ServerDeps } from '../writes.ts';

/** Registers `set-rollout`: the percentage of users (not matched by a rule) who get a variant in one environment. */
export function registerSetRolloutTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'set-rollout',
    {
      title: 'Set rollout percentage',
      description:
        'Sets the percentage of users (those no targeting rule matched) who get a variant in one environment; ' +
        'the rest get the default variant. Raising it only adds users (sticky bucketing). In a protected ' +
        'environment the step is capped (default +25 points) and a change request is created for a human to ' +
        'approve; give a reason. Run preview-change first to see how many users would switch.',
      input: {
        key: flagKeySchema,
        environment: environmentKeySchema,
        percentage: z.number().min(0, 'use 0–100').max(100, 'use 0–100').describe('0–100; decimals allowed.'),
        variant: variantNameSchema
          .optional()
          .describe(
            'Variant to roll out; default: the current rollout variant, else "on", else the first non-default variant.',
          ),
        reason: reasonField,
      },
      output: writeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    deps.log,
    async ({ key, environment, percentage, variant, reason }, extra) =>
      performWrite(
        server,
        deps,
        { action: 'flag.set-rollout', flagKey: key, environment, percentage, ...(variant ? { variant } : {}) },
        reason,
        extra,
      ),
  );
}
