import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { flagKeySchema, variantNameSchema } from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import {
  enableField,
  environmentFields,
  environmentsOf,
  perEnvironment,
  performWrites,
  reasonField,
  writeResultShape,
  type ServerDeps,
} from '../writes.ts';

/** Registers `set-rollout`: the percentage of users (not matched by a rule) who get a variant in one environment. */
export function registerSetRolloutTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'set-rollout',
    {
      title: 'Set rollout percentage',
      description:
        'Sets the % of users (no rule matched) who get a variant, in one or more environments; sticky: ' +
        'raising only adds users. Raising in a protected environment is capped and needs approval; lowering ' +
        'applies at once.',
      input: {
        key: flagKeySchema,
        ...environmentFields,
        percentage: z.number().min(0, 'use 0–100').max(100, 'use 0–100').describe('0–100; decimals allowed.'),
        variant: variantNameSchema
          .optional()
          .describe(
            'Variant to roll out; default: the current rollout variant, else "on", else the first non-default variant.',
          ),
        enable: enableField,
        reason: reasonField,
      },
      output: writeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    deps,
    async ({ key, percentage, variant, enable, reason, ...named }, extra) =>
      performWrites(
        server,
        deps,
        perEnvironment(
          environmentsOf(named),
          (environment) => ({
            action: 'flag.set-rollout',
            flagKey: key,
            environment,
            percentage,
            ...(variant ? { variant } : {}),
          }),
          enable,
        ),
        reason,
        extra,
      ),
  );
}
