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
        'Finds flags ready for cleanup by combining the store, its audit log and a scan of the code: serving one ' +
        "variant to everyone for weeks, past cleanupBy, older than their kind's lifetime, no longer in code; plus " +
        'keys used in code but missing from the store, and archived flags still in code. Every finding is ' +
        'explained. Use it for "which flags can we remove?"; then find-flag-references and cleanup-flag.',
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
