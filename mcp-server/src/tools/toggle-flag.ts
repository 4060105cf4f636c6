import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { environmentKeySchema, flagKeySchema } from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import { performWrite, reasonField, writeResultShape, type ServerDeps } from '../writes.ts';

/** Registers `toggle-flag`: turn a flag on or off in one environment (the kill switch). */
export function registerToggleFlagTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'toggle-flag',
    {
      title: 'Toggle flag',
      description:
        'Turns a flag on or off in one environment. Off is the kill switch: apps then get the default value from ' +
        'their code. In a protected environment (production) this creates a change request a human must approve; ' +
        'give a reason. Use set-rollout to change the share of users instead.',
      input: {
        key: flagKeySchema,
        environment: environmentKeySchema.describe('e.g. "development", "staging", "production".'),
        enabled: z.boolean(),
        reason: reasonField,
      },
      output: writeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    deps.log,
    async ({ key, environment, enabled, reason }, extra) =>
      performWrite(server, deps, { action: 'flag.toggle', flagKey: key, environment, enabled }, reason, extra),
  );
}
