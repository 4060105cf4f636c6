import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { diffValues, flagKeySchema, listChangeRequests } from '@rollgate/shared/flags';
import { READ_ONLY, defineTool } from '../tool.ts';
import type { ServerDeps } from '../writes.ts';

/** Registers `list-change-requests`: change requests of every flag, filtered. */
export function registerListChangeRequestsTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'list-change-requests',
    {
      title: 'List change requests',
      description:
        'Change requests of all flags (default: pending) with what each would change. Withdraw yours with ' +
        'withdraw-change-request; humans approve with `rollgate approve <id>`.',
      input: {
        status: z.enum(['pending', 'applied', 'rejected', 'withdrawn', 'all']).default('pending'),
        flagKey: flagKeySchema.optional(),
        environment: z.string().max(100).optional(),
        createdBy: z.string().max(200).optional().describe('e.g. "mcp:cursor".'),
        limit: z.number().int().min(1).max(200).default(50),
      },
      output: {
        requests: z.array(z.looseObject({ id: z.string(), status: z.string(), flagKey: z.string() })),
        total: z.number(),
      },
      annotations: READ_ONLY,
    },
    deps,
    async ({ status, flagKey, environment, createdBy, limit }) => {
      const { document } = await deps.store.read();
      const matching = listChangeRequests(document, {
        ...(status === 'all' ? {} : { status }),
        ...(flagKey ? { flagKey } : {}),
      })
        .filter((r) => !environment || r.environments.includes(environment))
        .filter((r) => !createdBy || r.createdBy === createdBy);
      const requests = matching.slice(-limit).map((r) => ({
        id: r.id,
        status: r.status,
        flagKey: r.flagKey,
        environments: r.environments,
        createdBy: r.createdBy,
        createdAt: r.createdAt,
        reason: r.reason,
        changes: r.environments.flatMap((env) =>
          diffValues(r.before[env], r.after[env], `/environments/${env}`).map((c) => ({ ...c })),
        ),
        ...(r.decidedBy ? { decidedBy: r.decidedBy, decidedAt: r.decidedAt } : {}),
      }));
      return {
        summary:
          matching.length === 0
            ? `No ${status === 'all' ? '' : `${status} `}change requests.`
            : `${matching.length} ${status === 'all' ? '' : `${status} `}change request(s)${matching.length > limit ? `; the last ${limit} shown` : ''}.`,
        data: { requests, total: matching.length },
      };
    },
  );
}
