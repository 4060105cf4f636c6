import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { flagKeySchema } from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import {
  environmentFields,
  environmentsOf,
  perEnvironment,
  performWrites,
  reasonField,
  writeResultShape,
  type ServerDeps,
} from '../writes.ts';

/** Registers `toggle-flag`: turn a flag on or off in one environment (the kill switch). */
export function registerToggleFlagTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'toggle-flag',
    {
      title: 'Toggle flag',
      description:
        'Turns a flag on or off in one or more environments. Off is the kill switch (apps get their code ' +
        'default), applied at once everywhere; turning on in a protected environment needs approval.',
      input: {
        key: flagKeySchema,
        ...environmentFields,
        enabled: z.boolean(),
        reason: reasonField,
      },
      output: writeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    deps,
    async ({ key, enabled, reason, ...named }, extra) =>
      performWrites(
        server,
        deps,
        perEnvironment(
          environmentsOf(named),
          (environment) => ({ action: 'flag.toggle', flagKey: key, environment, enabled }),
          false,
        ),
        reason,
        extra,
      ),
  );
}
