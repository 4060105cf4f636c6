import { relative } from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { flagKeySchema, variantNameSchema } from '@rollgate/shared/flags';
import { scanWorkspace } from '../code.ts';
import { defineTool } from '../tool.ts';
import type { ServerDeps } from '../writes.ts';

const findingSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  message: z.string(),
});

/** Registers `cleanup-flag`: remove a flag's evaluations from the code, keeping one variant. */
export function registerCleanupFlagTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'cleanup-flag',
    {
      title: 'Clean up flag in code',
      description:
        "Removes a flag from the code: evaluations become the kept variant's value, dead branches and imports " +
        'go. apply=false returns diffs; get a yes before apply=true (writes, type-checks).',
      input: {
        key: flagKeySchema,
        keep: variantNameSchema.describe('Variant whose value the code keeps, e.g. "on" after a full rollout.'),
        apply: z.boolean().default(false).describe('false: preview diffs only; true: write the files.'),
      },
      output: {
        files: z.array(z.object({ file: z.string(), diff: z.string(), replaced: z.number().int() })),
        manual: z.array(findingSchema).describe('Evaluations to change by hand.'),
        unresolved: z.array(findingSchema).describe('Calls that might evaluate the flag; check them.'),
        applied: z.boolean(),
        written: z.array(z.string()),
        newTypeErrors: z.array(z.object({ file: z.string(), line: z.number().int(), message: z.string() })),
        typeCheck: z
          .string()
          .optional()
          .describe('How complete the type check after apply was (partial when imports are unresolved).'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    deps,
    async ({ key, keep, apply }) => {
      const root = deps.workspaceRoot;
      const { scanner, result } = await scanWorkspace(root);
      const plan = await scanner.planWorkspaceCleanup({
        root,
        document: (await deps.store.read()).document,
        flagKey: key,
        keepVariant: keep,
        references: result.references,
      });
      const outcome = apply ? await scanner.applyCleanup(plan) : undefined;
      const relativeTo = (file: string): string => relative(root, file).split('\\').join('/');
      const files = plan.files.map((f) => ({ file: relativeTo(f.file), diff: f.diff, replaced: f.replaced }));
      return {
        summary: apply
          ? `Cleaned up "${key}" in ${outcome?.written.length ?? 0} file(s)${outcome ? `; ${scanner.describeTypeCheck(outcome)}` : '.'}`
          : `Preview: ${files.length} file(s) would change; call again with apply=true to write them.`,
        data: {
          files,
          manual: [...plan.manual],
          unresolved: [...plan.unresolved],
          applied: outcome !== undefined,
          written: (outcome?.written ?? []).map(relativeTo),
          newTypeErrors: (outcome?.newDiagnostics ?? []).map((d) => ({
            file: relativeTo(d.file),
            line: d.line,
            message: d.message,
          })),
          ...(outcome ? { typeCheck: scanner.describeTypeCheck(outcome) } : {}),
        },
      };
    },
  );
}
