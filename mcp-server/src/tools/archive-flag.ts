import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { flagKeySchema } from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import { performWrite, reasonField, writeResultShape, type ServerDeps } from '../writes.ts';

/** Registers `archive-flag`: retire a flag (kept for history, no longer served). */
export function registerArchiveFlagTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'archive-flag',
    {
      title: 'Archive flag',
      description:
        'Archives a flag: kept in the store, no longer served (apps get their code default). Only once the ' +
        'code no longer uses it (find-flag-references).',
      input: { key: flagKeySchema, reason: reasonField },
      output: writeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    deps,
    async ({ key, reason }, extra) =>
      performWrite(server, deps, { action: 'flag.archive', flagKey: key }, reason, extra),
  );
}
