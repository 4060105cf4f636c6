import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createFlagInputSchema } from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import { performWrite, reasonField, writeResultShape, type ServerDeps } from '../writes.ts';

/** Registers `create-flag`: a new flag, off in every environment. */
export function registerCreateFlagTool(server: McpServer, deps: ServerDeps): void {
  const { key, ...flag } = createFlagInputSchema.shape;
  defineTool(
    server,
    'create-flag',
    {
      title: 'Create flag',
      description:
        'Creates a flag, off in every environment (apps keep their code default until you turn it on). A boolean ' +
        'flag gets variants on/off; for string/number/object flags pass variants, e.g. {"control":"blue",' +
        '"treatment":"green"}. kind: release, experiment, operational, kill-switch or permission. Then use ' +
        'set-rollout / set-targeting / toggle-flag per environment, and generate-snippet for the code.',
      input: {
        key: key.describe('Flag key, e.g. "new-checkout" (lowercase, digits, . _ -).'),
        ...flag,
        reason: reasonField,
      },
      output: writeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    deps,
    async ({ key: flagKey, reason, ...input }, extra) =>
      performWrite(server, deps, { action: 'flag.create', flagKey, flag: input }, reason, extra),
  );
}
