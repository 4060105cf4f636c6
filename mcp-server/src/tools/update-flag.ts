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
        "Changes a flag's name, description, kind, owner, tags, cleanupBy date, variants or metadata. Only the " +
        'fields you pass change; nothing else is dropped (tags are replaced as a whole, variants merged by name). ' +
        'For on/off, rollout or targeting use toggle-flag, set-rollout, set-targeting. Changing variant values of ' +
        'a flag configured in a protected environment creates a change request; give a reason.',
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
    deps,
    async ({ key, changes, reason }, extra) =>
      performWrite(server, deps, { action: 'flag.update', flagKey: key, patch: changes }, reason, extra),
  );
}
