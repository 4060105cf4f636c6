/**
 * The composition root: one McpServer with Rollgate's tools, resources and prompts over the injected store.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerFlagResources } from './resources.ts';
import { registerPrompts } from './prompts.ts';
import { registerArchiveFlagTool } from './tools/archive-flag.ts';
import { registerControlRolloutTool } from './tools/control-rollout.ts';
import { registerCleanupFlagTool } from './tools/cleanup-flag.ts';
import { registerCreateFlagTool } from './tools/create-flag.ts';
import { registerDetectStaleFlagsTool } from './tools/detect-stale-flags.ts';
import { registerEvaluateFlagTool } from './tools/evaluate-flag.ts';
import { registerFindFlagReferencesTool } from './tools/find-flag-references.ts';
import { registerGenerateSnippetTool } from './tools/generate-snippet.ts';
import { registerGetAuditLogTool } from './tools/get-audit-log.ts';
import { registerGetFlagTool } from './tools/get-flag.ts';
import { registerListEnvironmentsTool } from './tools/list-environments.ts';
import { registerListChangeRequestsTool } from './tools/list-change-requests.ts';
import { registerListFlagsTool } from './tools/list-flags.ts';
import { registerListSegmentsTool } from './tools/list-segments.ts';
import { registerManageSegmentTool } from './tools/manage-segment.ts';
import { registerPreviewChangeTool } from './tools/preview-change.ts';
import { registerRolloutStatusTool } from './tools/rollout-status.ts';
import { registerSetRolloutTool } from './tools/set-rollout.ts';
import { registerSetTargetingTool } from './tools/set-targeting.ts';
import { registerStartRolloutTool } from './tools/start-rollout.ts';
import { registerToggleFlagTool } from './tools/toggle-flag.ts';
import { registerUpdateFlagTool } from './tools/update-flag.ts';
import { registerWithdrawChangeRequestTool } from './tools/withdraw-change-request.ts';
import type { ServerDeps } from './writes.ts';
import { SERVER_INFO, instructions } from './instructions.ts';
import { publishToolList } from './tool-list.ts';

/** A server and the way to stop it. */
export interface RollgateServer {
  readonly server: McpServer;
  /** Closes the connection and stops listening to the store (idempotent). Does not dispose the store. */
  readonly close: () => Promise<void>;
}

type Registration = (server: McpServer, deps: ServerDeps) => void;

const READ_TOOLS: readonly Registration[] = [
  registerListFlagsTool,
  registerGetFlagTool,
  registerEvaluateFlagTool,
  registerPreviewChangeTool,
  registerGetAuditLogTool,
  registerListEnvironmentsTool,
  registerRolloutStatusTool,
  registerFindFlagReferencesTool,
  registerDetectStaleFlagsTool,
  registerGenerateSnippetTool,
  registerListChangeRequestsTool,
  registerListSegmentsTool,
];

const WRITE_TOOLS: readonly Registration[] = [
  registerCreateFlagTool,
  registerUpdateFlagTool,
  registerToggleFlagTool,
  registerSetRolloutTool,
  registerSetTargetingTool,
  registerArchiveFlagTool,
  registerStartRolloutTool,
  registerControlRolloutTool,
  registerCleanupFlagTool,
  registerWithdrawChangeRequestTool,
  registerManageSegmentTool,
];

/**
 * Creates the server. In read-only mode write tools are not registered at all, so the model never sees them.
 * One server serves one connection; the HTTP transport creates one per session.
 */
export function createServer(deps: ServerDeps): RollgateServer {
  const server = new McpServer(SERVER_INFO, { instructions: instructions(deps.policy) });
  for (const register of [...READ_TOOLS, ...(deps.policy.readOnly ? [] : WRITE_TOOLS)]) register(server, deps);
  publishToolList(server);
  registerFlagResources(server, deps);
  registerPrompts(server, deps);
  const subscription = deps.store.onDidChange(() => {
    if (server.isConnected()) server.sendResourceListChanged();
  });
  let closing: Promise<void> | undefined;
  return {
    server,
    close: () => {
      // Idempotent: a transport closing calls it, and so may the process shutting down.
      closing ??= (async () => {
        subscription.dispose();
        await server.close();
      })();
      return closing;
    },
  };
}
