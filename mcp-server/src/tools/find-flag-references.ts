import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { flagKeySchema } from '@rollgate/shared/flags';
import { reportReference, scanWorkspace } from '../code.ts';
import { READ_ONLY, defineTool } from '../tool.ts';
import type { ServerDeps } from '../writes.ts';

const referenceSchema = z.object({
  key: z.string().optional(),
  file: z.string().describe('Relative to the workspace root.'),
  line: z.number().int(),
  column: z.number().int(),
  method: z.string(),
  keyExpression: z.string(),
  enclosingSymbol: z.string().optional(),
  unresolvedReason: z.string().optional(),
});

/** Registers `find-flag-references`: where the code evaluates a flag. */
export function registerFindFlagReferencesTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'find-flag-references',
    {
      title: 'Find flag references',
      description:
        'Where the workspace code (TS/JS: OpenFeature calls, React hooks, wrappers) evaluates a flag (all ' +
        'flags without key), plus calls with unresolved keys. Use before archiving.',
      input: { key: flagKeySchema.optional() },
      output: {
        references: z.array(referenceSchema),
        unresolved: z.array(referenceSchema).describe('Calls whose flag key the scanner could not resolve.'),
        filesScanned: z.number().int(),
      },
      annotations: READ_ONLY,
    },
    deps,
    async ({ key }) => {
      const { result } = await scanWorkspace(deps.workspaceRoot);
      const references = result.references
        .filter((r) => r.key !== undefined && (key === undefined || r.key === key))
        .map((r) => reportReference(deps.workspaceRoot, r));
      const unresolved = result.unresolved.map((r) => reportReference(deps.workspaceRoot, r));
      return {
        summary: `${references.length} reference(s)${key ? ` to "${key}"` : ''} in ${result.filesScanned} files; ${unresolved.length} unresolved.`,
        data: { references, unresolved, filesScanned: result.filesScanned },
      };
    },
  );
}
