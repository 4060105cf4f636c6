import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { flagKeySchema, listChangeRequests } from '@rollgate/shared/flags';
import { summarizeUsage, usageSignals } from '@rollgate/shared/telemetry/usage-store';
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
        'One flag in full: variants, per environment state, rules, rollout, plan; pending change requests; ' +
        'usage and stale signals. Read it before changing a flag.',
      input: { key: flagKeySchema.describe('Flag key, e.g. "new-checkout".') },
      output: {
        // Loose on purpose: the full flag schema would add ~8 KB to tools/list; the shape is the store's.
        flag: z.looseObject({ key: z.string(), environments: z.record(z.string(), z.looseObject({})) }),
        pendingChangeRequests: z.array(z.looseObject({ id: z.string() })),
        revision: z.number().int(),
        usage: z.object({
          environments: z.array(
            z.object({
              environment: z.string(),
              total: z.number(),
              variants: z.record(z.string(), z.number()),
              firstSeen: z.string(),
              lastSeen: z.string(),
              providers: z.array(z.string()),
              sdks: z.array(z.string()),
            }),
          ),
          signals: z.array(
            z.object({ code: z.string(), message: z.string(), days: z.number(), variant: z.string().optional() }),
          ),
        }),
      },
      annotations: READ_ONLY,
    },
    deps,
    async ({ key }) => {
      const { document, revision } = await deps.store.read();
      const flag = requireFlag(document, key);
      const pendingChangeRequests = listChangeRequests(document, { status: 'pending', flagKey: key });
      const days = (await deps.usage?.flagUsage(key)) ?? [];
      const usage = { environments: summarizeUsage(days), signals: usageSignals(days, deps.now()) };
      const pending = pendingChangeRequests.length ? `; ${pendingChangeRequests.length} change request(s) pending` : '';
      return {
        summary: `Flag "${key}" (${flag.kind}, ${flag.type})${flag.archived ? ', archived' : ''}${pending}${usage.signals.map((s) => `; ${s.message}`).join('')}.`,
        data: { flag, pendingChangeRequests, revision, usage },
      };
    },
  );
}
