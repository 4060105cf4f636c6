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
        'Sets the percentage of users (those no targeting rule matched) who get a variant in one or more ' +
        'environments; the rest get the default variant. Raising it only adds users (sticky bucketing). Lowering ' +
        'it applies at once everywhere. Raising it in a protected environment is capped (default +25 points) and ' +
        'creates a change request for a human to approve; give a reason. The flag must be on to serve: pass ' +
        'enable: true. Run preview-change first to see how many users would switch.',
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
