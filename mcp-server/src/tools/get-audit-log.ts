import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { auditEntrySchema, environmentKeySchema, flagKeySchema } from '@rollgate/shared/flags';
import { READ_ONLY, defineTool } from '../tool.ts';
import type { ServerDeps } from '../writes.ts';

/** Registers `get-audit-log`: who changed what, when and why. */
export function registerGetAuditLogTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'get-audit-log',
    {
      title: 'Get audit log',
      description: 'Audit-log entries (who changed which flag, where, when, why, before/after values), newest last.',
      input: {
        flagKey: flagKeySchema.optional(),
        environment: environmentKeySchema.optional(),
        since: z.iso.datetime({ offset: true }).optional().describe('ISO time, e.g. "2026-11-24T00:00:00Z".'),
        limit: z.number().int().min(1).max(500).default(50).describe('Most recent N entries.'),
      },
      output: { entries: z.array(auditEntrySchema) },
      annotations: READ_ONLY,
    },
    deps,
    async ({ flagKey, environment, since, limit }) => {
      const entries = await deps.store.readAudit({ flagKey, environment, since, limit });
      return { summary: `${entries.length} audit entries.`, data: { entries } };
    },
  );
}
