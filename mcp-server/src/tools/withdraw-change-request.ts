import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { applyOperation, withdrawChangeRequest } from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import { actorOf, reasonField, type ServerDeps } from '../writes.ts';

/** Registers `withdraw-change-request`: take back a pending request this session's actor filed. */
export function registerWithdrawChangeRequestTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'withdraw-change-request',
    {
      title: 'Withdraw change request',
      description: "Withdraws a pending change request you filed (someone else's: ask a human to reject it).",
      input: { id: z.string().regex(/^cr-[0-9]+$/, 'use an id such as "cr-3"'), reason: reasonField },
      output: { id: z.string(), status: z.string(), revision: z.number() },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    deps,
    async ({ id, reason }) => {
      const context = { actor: actorOf(server, deps.policy), now: deps.now, reason };
      const snapshot = await applyOperation(deps.store, withdrawChangeRequest(id), context);
      return { summary: `Withdrew ${id}.`, data: { id, status: 'withdrawn', revision: snapshot.revision } };
    },
  );
}
