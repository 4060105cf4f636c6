import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import {
  environmentKeySchema,
  flagKeySchema,
  guardrailSchema,
  parseInput,
  rolloutPlanSchema,
} from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import { performWrite, reasonField, writeResultShape, type ServerDeps } from '../writes.ts';

/**
 * The plan as published: guardrails are named with their metric and limits only (their other fields, such as a
 * Prometheus query, are in docs/rollout.md); the whole plan is validated when the tool runs.
 */
const planInput = rolloutPlanSchema.omit({ state: true, guardrails: true }).extend({
  guardrails: z
    .array(
      z.looseObject(guardrailSchema.pick({ name: true, metric: true, max: true, maxRelativeDegradation: true }).shape),
    )
    .max(20)
    .optional()
    .describe('default: error rate at most 5% and 25% worse than control'),
});

/** Registers `start-rollout`: hand a flag's rollout in one environment to the guarded, step-by-step controller. */
export function registerStartRolloutTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'start-rollout',
    {
      title: 'Start progressive rollout',
      description:
        'Starts a guarded progressive rollout in one environment: steps (default 1,5,10,25,50,100 %) advance ' +
        'while guardrails (default: error rate) hold; a breach rolls back. A step may be an audience: ' +
        '{"segment":"internal"} or {"segments":["beta"],"percentage":5}. The flag must be on.',
      input: {
        key: flagKeySchema,
        environment: environmentKeySchema,
        plan: planInput
          .optional()
          .describe(
            'e.g. {"variant":"on","steps":[5,25,50,100],"minStepDurationMinutes":60}; "approveBefore":[50] (protected environments) makes a human approve 25 % → 50 %.',
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
        {
          action: 'rollout.start',
          flagKey: key,
          environment,
          ...(plan ? { plan: parseInput(rolloutPlanSchema.omit({ state: true }), plan, 'plan') } : {}),
        },
        reason,
        extra,
      ),
  );
}
