import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { flagKeySchema, listChangeRequests } from '@rollgate/shared/flags';
import { requireFlag } from '../lookup.ts';
import { READ_ONLY, defineTool } from '../tool.ts';
import type { ServerDeps } from '../writes.ts';

/** Registers `get-flag`: one flag's full definition plus its pending change requests. */
export function registerGetFlagTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'get-flag',
    {
      title: 'Get flag',
      description:
        'Returns one flag in full: variants, and per environment whether it is on, default variant, targeting ' +
        'rules, percentage rollout and rollout plan; plus change requests still waiting for approval. Use it ' +
        'before changing a flag; use list-flags to find keys.',
      input: { key: flagKeySchema.describe('Flag key, e.g. "new-checkout".') },
      output: {
        // Loose on purpose: the full flag schema would add ~8 KB to tools/list; the shape is the store's.
        flag: z.looseObject({ key: z.string(), environments: z.record(z.string(), z.looseObject({})) }),
        pendingChangeRequests: z.array(z.looseObject({ id: z.string() })),
        revision: z.number().int(),
      },
      annotations: READ_ONLY,
    },
    deps.log,
    async ({ key }) => {
      const { document, revision } = await deps.store.read();
      const flag = requireFlag(document, key);
      const pendingChangeRequests = listChangeRequests(document, { status: 'pending', flagKey: key });
      const pending = pendingChangeRequests.length ? `; ${pendingChangeRequests.length} change request(s) pending` : '';
      return {
        summary: `Flag "${key}" (${flag.kind}, ${flag.type})${flag.archived ? ', archived' : ''}${pending}.`,
        data: { flag, pendingChangeRequests, revision },
      };
    },
  );
}
