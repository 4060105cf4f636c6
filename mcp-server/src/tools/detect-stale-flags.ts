import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { scanWorkspace } from '../code.ts';
import { READ_ONLY, defineTool } from '../tool.ts';
import type { ServerDeps } from '../writes.ts';

/** Registers `detect-stale-flags`: flags that outlived their purpose, with the reasons. */
export function registerDetectStaleFlagsTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'detect-stale-flags',
    {
      title: 'Detect stale flags',
      description:
        'Finds flags ready for removal (store, audit log, code): one variant for weeks, past cleanupBy or ' +
        'lifetime, gone from code; plus code keys missing from the store. Explains each.',
      input: {},
      output: {
        flags: z.array(
          z.object({
            key: z.string(),
            reasons: z.array(z.object({ code: z.string(), message: z.string() })),
            references: z.number().int().describe('Resolved references in code.'),
            servedToEveryone: z.string().optional().describe('For SINGLE_VARIANT: the variant to keep in code.'),
          }),
        ),
        unresolvedReferences: z.number().int(),
      },
      annotations: READ_ONLY,
    },
    deps,
    async () => {
      const [snapshot, audit] = await Promise.all([deps.store.read(), deps.store.readAudit()]);
      // The store's keys drive the text pass: a key still written anywhere (YAML, Go, …) is not unreferenced.
      const { scanner, result } = await scanWorkspace(
        deps.workspaceRoot,
        snapshot.document.flags.map((f) => f.key),
      );
      const report = scanner.detectStaleFlags({
        document: snapshot.document,
        references: result.references,
        audit,
        now: deps.now(),
        policy: await scanner.loadStalePolicy(deps.workspaceRoot),
      });
      const flags = report.flags.map((f) => {
        const single = f.reasons.find((r) => r.code === 'SINGLE_VARIANT');
        return {
          key: f.key,
          reasons: f.reasons.map((r) => ({ code: r.code, message: r.message })),
          references: f.references.length,
          ...(single?.variant ? { servedToEveryone: single.variant } : {}),
        };
      });
      return {
        summary: `${flags.length} flag(s) reported; ${report.unresolved.length} reference(s) with unresolved keys.`,
        data: { flags, unresolvedReferences: report.unresolved.length },
      };
    },
  );
}
