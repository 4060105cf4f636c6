import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { flagKeySchema, flagUpdateSchema } from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import { performWrite, reasonField, writeResultShape, type ServerDeps } from '../writes.ts';

/** Registers `update-flag`: change a flag's descriptive fields or variants; unnamed fields stay. */
export function registerUpdateFlagTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'update-flag',
    {
      title: 'Update flag',
      description:
        "Changes a flag's descriptive fields or variants (only those passed; variants/metadata merge by name, " +
        "null removes), or copies one environment's configuration to others (copy). For on/off, rollout, " +
        'rules use toggle-flag, set-rollout, set-targeting.',
      input: {
        key: flagKeySchema,
        changes: flagUpdateSchema
          .pick({
            name: true,
            description: true,
            kind: true,
            owner: true,
            tags: true,
            cleanupBy: true,
            variants: true,
            metadata: true,
          })
          .describe(
            'Only the fields to change. variants/metadata merge by name (null removes one); owner/cleanupBy null removes.',
          ),
        reason: reasonField,
      },
      output: writeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    deps.log,
    async ({ key, changes, reason }, extra) =>
      performWrite(server, deps, { action: 'flag.update', flagKey: key, patch: changes }, reason, extra),
  );
}
