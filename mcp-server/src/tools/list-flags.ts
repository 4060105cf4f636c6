import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { environmentKeySchema, flagKindSchema, type Flag, type StoreDocument } from '@rollgate/shared/flags';
import { loadScanner } from '../code.ts';
import { requireEnvironment } from '../lookup.ts';
import { READ_ONLY, defineTool } from '../tool.ts';
import type { ServerDeps } from '../writes.ts';

/** Reasons the store alone can give (no code scan): see detect-stale-flags for the code-based ones. */
const STORE_REASONS = new Set(['SINGLE_VARIANT', 'PAST_CLEANUP_DATE', 'OLDER_THAN_LIFETIME']);

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
  staleReasons: z
    .array(z.string())
    .optional()
    .describe('With the stale filter: why the flag looks stale from the store alone (empty when it does not).'),
});

/** Registers `list-flags`: a compact, filterable overview of the flags. */
export function registerListFlagsTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'list-flags',
    {
      title: 'List flags',
      description:
        'Flags with their state per environment (on/off, default variant, rules, rollout %). Filters: ' +
        "environment, kind, tag, stale (past cleanupBy or their kind's lifetime).",
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
    deps,
    async ({ environment, kind, tag, stale, includeArchived }) => {
      const { document } = await deps.store.read();
      if (environment) requireEnvironment(document, environment);
      const reasons = stale === undefined ? undefined : await staleReasons(deps, document);
      const flags = document.flags
        .filter((f) => includeArchived || !f.archived)
        .filter((f) => !environment || f.environments[environment] !== undefined)
        .filter((f) => !kind || f.kind === kind)
        .filter((f) => !tag || f.tags.includes(tag))
        .filter((f) => stale === undefined || stale === (reasons?.get(f.key) ?? []).length > 0)
        .map((f) => summarize(f, reasons?.get(f.key)));
      const absent = deps.setup && !(await deps.setup.exists());
      return {
        summary: absent
          ? `No Rollgate store yet (${deps.setup?.location}). Start with create-flag: the first write creates the ` +
            'store there, with environments development, staging and production (protected).'
          : `${flags.length} of ${document.flags.length} flags.`,
        data: { flags, total: document.flags.length },
      };
    },
  );
}

/** Store-only staleness per flag key, from the scanner's stale rules (its stale module does not load ts-morph). */
async function staleReasons(deps: ServerDeps, document: StoreDocument): Promise<Map<string, string[]>> {
  const scanner = await loadScanner();
  const report = scanner.detectStaleFlags({
    document,
    references: [],
    audit: await deps.store.readAudit(),
    now: deps.now(),
    policy: await scanner.loadStalePolicy(deps.workspaceRoot),
  });
  return new Map(
    report.flags.map((f) => [f.key, f.reasons.filter((r) => STORE_REASONS.has(r.code)).map((r) => r.message)]),
  );
}

function summarize(flag: Flag, staleReasons: string[] | undefined): z.infer<typeof flagSummarySchema> {
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
    ...(staleReasons ? { staleReasons } : {}),
  };
}
