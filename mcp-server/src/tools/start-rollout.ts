import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { environmentKeySchema, flagKeySchema, rolloutPlanSchema } from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import { performWrite, reasonField, writeResultShape, type ServerDeps } from '../writes.ts';

/** Registers `start-rollout`: hand a flag's rollout in one environment to the guarded, step-by-step controller. */
export function registerStartRolloutTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'start-rollout',
    {
      title: 'Start progressive rollout',
      description:
        'Starts a progressive rollout of a variant in one environment: the first step (default 1%) is served now, ' +
        'and the rollout controller advances through the steps (default 1, 5, 10, 25, 50, 100 %) while the ' +
        'guardrails (default: error rate) hold, rolling back on a breach. Use it instead of repeated set-rollout ' +
        'calls for a guarded rollout; omit plan to start a plan already stored on the environment. The flag must ' +
        'be on in that environment. Protected environments create a change request; give a reason.',
      input: {
        key: flagKeySchema,
        environment: environmentKeySchema,
        plan: rolloutPlanSchema
          .omit({ state: true })
          .optional()
          .describe(
            'e.g. {"variant":"on","steps":[5,25,50,100],"minStepDurationMinutes":60}; guardrails default to the built-in error rate; "approveBefore":[50] (protected environments) makes a human approve 25 % → 50 %.',
          ),
        reason: reasonField,
      },
      output: writeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    deps,
    async ({ key, environment, plan, reason }, extra) =>
      performWrite(
        server,
        deps,
        { action: 'rollout.start', flagKey: key, environment, ...(plan ? { plan } : {}) },
        reason,
        extra,
      ),
  );
}
