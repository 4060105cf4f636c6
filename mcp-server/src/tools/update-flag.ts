import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { FlagError } from '@rollgate/shared/errors';
import { environmentKeySchema, flagKeySchema, flagUpdateSchema } from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import { performWrite, performWrites, reasonField, writeResultShape, type ServerDeps } from '../writes.ts';

/**
 * Registers `update-flag`: change a flag's descriptive fields or variants (unnamed fields stay), or copy one
 * environment's configuration to others (one `flag.copy` change per target, under the write policy).
 */
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
          .optional()
          .describe('Only the fields to change; owner/cleanupBy null removes.'),
        copy: z
          .object({ from: environmentKeySchema, to: z.array(environmentKeySchema).min(1).max(20) })
          .optional()
          .describe('e.g. {"from":"staging","to":["production"]}: on/off, default variant, rules, rollout'),
        reason: reasonField,
      },
      output: writeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    deps,
    async ({ key, changes, copy, reason }, extra) => {
      if ((changes === undefined) === (copy === undefined)) {
        throw new FlagError('INVALID_INPUT', 'Pass either changes or copy.', {
          hint: 'changes edits the flag\'s fields; copy: {"from": "staging", "to": ["production"]} copies a configuration.',
        });
      }
      if (copy) {
        const copies = copy.to.map((environment) => ({
          action: 'flag.copy' as const,
          flagKey: key,
          from: copy.from,
          environment,
        }));
        return performWrites(server, deps, copies, reason, extra);
      }
      return performWrite(server, deps, { action: 'flag.update', flagKey: key, patch: changes ?? {} }, reason, extra);
    },
  );
}
