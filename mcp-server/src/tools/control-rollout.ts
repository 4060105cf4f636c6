import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { environmentKeySchema, flagKeySchema } from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import { performWrite, reasonField, writeResultShape, type ServerDeps } from '../writes.ts';

/** Registers `control-rollout`: pause, resume, advance or roll back a running progressive rollout. */
export function registerControlRolloutTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'control-rollout',
    {
      title: 'Pause, resume, advance or roll back a rollout',
      description:
        'Steers a progressive rollout: pause, resume (a paused, locked or rolled-back plan), advance (next ' +
        'step now), rollback (0% and stop). Check rollout-status first.',
      input: {
        key: flagKeySchema,
        environment: environmentKeySchema,
        command: z.enum(['pause', 'resume', 'advance', 'rollback']),
        reason: reasonField,
      },
      output: writeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    deps,
    async ({ key, environment, command, reason }, extra) =>
      performWrite(server, deps, { action: 'rollout.control', flagKey: key, environment, command }, reason, extra),
  );
}
