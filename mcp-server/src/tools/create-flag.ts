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
        'Creates a flag, off everywhere (apps keep their code default). Boolean flags get variants on/off; ' +
        'others pass variants, e.g. {"control":"blue","treatment":"green"}. Then set-rollout, set-targeting, ' +
        'toggle-flag; generate-snippet for the code.',
      input: {
        key: key.describe('e.g. "new-checkout"'),
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
