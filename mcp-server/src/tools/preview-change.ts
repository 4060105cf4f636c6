import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { FlagError } from '@rollgate/shared/errors';
import {
  diffValues,
  flagKeySchema,
  impactOf,
  jsonValueSchema,
  proposedChangeSchema,
  reducesExposure,
  type JsonValue,
  type ProposedChange,
} from '@rollgate/shared/flags';
import { contextSchema } from '../limits.ts';
import { createEvaluator } from '../evaluation.ts';
import { READ_ONLY, defineTool } from '../tool.ts';
import { actorOf, isWritable, type ServerDeps } from '../writes.ts';

const NO_VARIANT = '(code default)';

const CHANGE_ACTIONS = proposedChangeSchema.options.map((o) => o.shape.action.value) as [
  ProposedChange['action'],
  ...ProposedChange['action'][],
];

function parseChange(input: unknown): ProposedChange {
  const parsed = proposedChangeSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'change';
  throw new FlagError('INVALID_INPUT', `Invalid change.${field}: ${issue?.message ?? 'invalid value'}.`, {
    hint: 'Pass the same arguments the write tool takes, plus "action" and "flagKey".',
  });
}

const environmentPreviewSchema = z.object({
  environment: z.string(),
  protected: z.boolean(),
  diff: z
    .array(z.object({ path: z.string(), before: jsonValueSchema.optional(), after: jsonValueSchema.optional() }))
    .describe('Exact changes to what the environment serves, as paths relative to the flag.'),
  sampledUsers: z.number().int(),
  changedUsers: z.number().int(),
  changedShare: z.number().describe('changedUsers / sampledUsers, 0–1.'),
  transitions: z
    .array(z.object({ from: z.string(), to: z.string(), users: z.number().int() }))
    .describe('How many sampled users move from which variant to which.'),
  writable: z.boolean().describe('False when this server may not write the environment.'),
});

/** Registers `preview-change`: what a proposed change would do, without writing anything. */
export function registerPreviewChangeTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'preview-change',
    {
      title: 'Preview change',
      description:
        'Dry run (nothing written): per affected environment the diff and the share of sampled users whose ' +
        'variant would change. Use before raising exposure in production; quote the numbers.',
      input: {
        // Checked against the full change schema in the handler: declaring it here would add ~12 KB to tools/list.
        change: z
          .looseObject({ action: z.enum(CHANGE_ACTIONS), flagKey: flagKeySchema })
          .describe(
            'e.g. {"action":"flag.set-rollout","flagKey":"new-checkout","environment":"production","percentage":25}; ' +
              'set-targeting takes "rules", update "patch", rollout.control "command", copy "from".',
          ),
        sampleSize: z
          .number()
          .int()
          .min(100)
          .max(100_000)
          .default(10_000)
          .describe('Sampled users (targetingKey user-0…).'),
        context: contextSchema.default({}),
      },
      output: {
        flagKey: z.string(),
        environments: z.array(environmentPreviewSchema),
        needsApproval: z
          .boolean()
          .describe('True when a protected environment is affected and exposure is not only reduced.'),
      },
      annotations: READ_ONLY,
    },
    deps,
    async ({ change: input, sampleSize, context }) => {
      const change = parseChange(input);
      const { document } = await deps.store.read();
      const { result, environments: affected } = impactOf(document, change, {
        actor: actorOf(server, deps.policy),
        now: deps.now,
      });
      const environments = affected.map((impact) => {
        const before = createEvaluator(document, impact.environment, deps.now);
        const after = createEvaluator(result.document, impact.environment, deps.now);
        const transitions = new Map<string, number>();
        for (let i = 0; i < sampleSize; i++) {
          const user: Record<string, JsonValue> = { ...context, targetingKey: `user-${i}` };
          const from = before(change.flagKey, user).variant ?? NO_VARIANT;
          const to = after(change.flagKey, user).variant ?? NO_VARIANT;
          if (from !== to) transitions.set(`${from}\u0000${to}`, (transitions.get(`${from}\u0000${to}`) ?? 0) + 1);
        }
        const changedUsers = [...transitions.values()].reduce((a, b) => a + b, 0);
        return {
          environment: impact.environment,
          protected: impact.protected,
          diff: diffValues(impact.before, impact.after),
          sampledUsers: sampleSize,
          changedUsers,
          changedShare: changedUsers / sampleSize,
          transitions: [...transitions].map(([k, users]) => {
            const [from = '', to = ''] = k.split('\u0000');
            return { from, to, users };
          }),
          writable: isWritable(deps.policy, impact.environment),
        };
      });
      const summary =
        environments.length === 0
          ? 'No environment would change.'
          : environments
              .map(
                (e) =>
                  `${e.environment}: ${(e.changedShare * 100).toFixed(1)}% of ${e.sampledUsers} sampled users change variant`,
              )
              .join('; ') + '.';
      return {
        summary,
        data: {
          flagKey: change.flagKey,
          environments,
          needsApproval: environments.some((e) => e.protected) && !reducesExposure(document, change),
        },
      };
    },
  );
}
