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
        'Archives a flag: it stays in the store and audit log but is no longer served, so apps fall back to the ' +
        'default value in their code. Use only after the code no longer depends on it (find-flag-references). ' +
        'When the flag is configured in a protected environment this creates a change request; give a reason.',
      input: { key: flagKeySchema, reason: reasonField },
      output: writeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    deps,
    async ({ key, reason }, extra) =>
      performWrite(server, deps, { action: 'flag.archive', flagKey: key }, reason, extra),
  );
}
