import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { EXPECTED_LIFETIME_DAYS, environmentKeySchema, flagKindSchema, type Flag } from '@rollgate/shared/flags';
import { requireEnvironment } from '../lookup.ts';
import { READ_ONLY, defineTool } from '../tool.ts';
import type { ServerDeps } from '../writes.ts';

const DAY_MS = 86_400_000;

const flagSummarySchema = z.object({
  key: z.string(),
  name: z.string(),
  kind: flagKindSchema,
  type: z.string(),
  tags: z.array(z.string()),
  archived: z.boolean(),
  environments: z.record(
    z.string(),
    z.object({
      enabled: z.boolean(),
      defaultVariant: z.string(),
      rules: z.number().int(),
      rolloutPercentage: z.number().optional(),
    }),
  ),
  staleReason: z.string().optional().describe('Why the flag looks stale by age; absent when it does not.'),
});

/** Registers `list-flags`: a compact, filterable overview of the flags. */
export function registerListFlagsTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'list-flags',
    {
      title: 'List flags',
      description:
        'Lists flags with their per-environment state (on/off, default variant, rule count, rollout %). Filter by ' +
        "environment (only flags configured there), kind, tag, or stale=true (past cleanupBy or their kind's " +
        'expected lifetime). Use get-flag for one flag in full; detect-stale-flags also checks code references.',
      input: {
        environment: environmentKeySchema.optional(),
        kind: flagKindSchema.optional(),
        tag: z.string().min(1).optional(),
        stale: z.boolean().optional().describe('true: only stale flags; false: only fresh ones.'),
        includeArchived: z.boolean().default(false),
      },
      output: { flags: z.array(flagSummarySchema), total: z.number().int() },
      annotations: READ_ONLY,
    },
    deps.log,
    async ({ environment, kind, tag, stale, includeArchived }) => {
      const { document } = await deps.store.read();
      if (environment) requireEnvironment(document, environment);
      const now = deps.now();
      const flags = document.flags
        .filter((f) => includeArchived || !f.archived)
        .filter((f) => !environment || f.environments[environment] !== undefined)
        .filter((f) => !kind || f.kind === kind)
        .filter((f) => !tag || f.tags.includes(tag))
        .map((f) => summarize(f, now))
        .filter((f) => stale === undefined || stale === (f.staleReason !== undefined));
      return {
        summary: `${flags.length} of ${document.flags.length} flags.`,
        data: { flags, total: document.flags.length },
      };
    },
  );
}

function summarize(flag: Flag, now: Date): z.infer<typeof flagSummarySchema> {
  const staleReason = staleByAge(flag, now);
  return {
    key: flag.key,
    name: flag.name,
    kind: flag.kind,
    type: flag.type,
    tags: flag.tags,
    archived: flag.archived,
    environments: Object.fromEntries(
      Object.entries(flag.environments).map(([env, c]) => [
        env,
        {
          enabled: c.enabled,
          defaultVariant: c.defaultVariant,
          rules: c.rules.length,
          ...(c.rollout ? { rolloutPercentage: c.rollout.percentage } : {}),
        },
      ]),
    ),
    ...(staleReason ? { staleReason } : {}),
  };
}

function staleByAge(flag: Flag, now: Date): string | undefined {
  if (flag.cleanupBy && flag.cleanupBy < now.toISOString().slice(0, 10)) {
    return `past its cleanupBy date ${flag.cleanupBy}`;
  }
  const lifetime = EXPECTED_LIFETIME_DAYS[flag.kind];
  if (lifetime === undefined) return undefined;
  const ageDays = Math.floor((now.getTime() - Date.parse(flag.createdAt)) / DAY_MS);
  return ageDays > lifetime
    ? `${ageDays} days old; ${flag.kind} flags are expected to live ${lifetime} days`
    : undefined;
}
