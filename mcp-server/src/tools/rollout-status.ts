import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import {
  environmentKeySchema,
  flagKeySchema,
  rolloutCheckSchema,
  rolloutPlanSchema,
  rolloutStatusSchema,
} from '@rollgate/shared/flags';
import { renderRolloutPage, rolloutStatusOf } from '@rollgate/shared/rollout';
import { requireFlag } from '../lookup.ts';
import { READ_ONLY, defineTool } from '../tool.ts';
import type { ServerDeps } from '../writes.ts';

/** Registers `rollout-status`: where a progressive rollout stands, with its rollout page. */
export function registerRolloutStatusTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'rollout-status',
    {
      title: 'Rollout status',
      description:
        'A progressive rollout in one environment: status, step, served percentage, latest guardrail check, ' +
        'and the rollout page (markdown). Use before control-rollout.',
      input: { key: flagKeySchema, environment: environmentKeySchema },
      output: {
        status: rolloutStatusSchema,
        variant: z.string(),
        controlVariant: z.string(),
        steps: rolloutPlanSchema.shape.steps.removeDefault(),
        stepIndex: z.number().int(),
        percentage: z.number(),
        segments: z.array(z.string()).describe('Served whatever the percentage (audience steps).'),
        flagEnabled: z.boolean(),
        stepStartedAt: z.string().optional(),
        reason: z.string().optional(),
        lastCheck: rolloutCheckSchema.optional(),
        page: z.string().describe('The rollout page, markdown.'),
      },
      annotations: READ_ONLY,
    },
    deps,
    async ({ key, environment }) => {
      const { document } = await deps.store.read();
      const flag = requireFlag(document, key);
      const report = rolloutStatusOf(document, { flagKey: key, environment });
      const audit = await deps.store.readAudit({ flagKey: key, environment });
      return {
        summary: `Rollout of "${key}" in ${environment}: ${report.status}, ${[...report.segments, `${report.percentage}%`].join(' + ')} on ${report.variant}.`,
        data: {
          status: report.status,
          variant: report.variant,
          controlVariant: report.controlVariant,
          steps: [...report.steps],
          stepIndex: report.stepIndex,
          percentage: report.percentage,
          segments: [...report.segments],
          flagEnabled: report.flagEnabled,
          ...(report.stepStartedAt ? { stepStartedAt: report.stepStartedAt } : {}),
          ...(report.reason ? { reason: report.reason } : {}),
          ...(report.lastCheck ? { lastCheck: report.lastCheck } : {}),
          page: renderRolloutPage(flag, environment, audit),
        },
      };
    },
  );
}
