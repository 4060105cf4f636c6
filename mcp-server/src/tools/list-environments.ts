import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { READ_ONLY, defineTool } from '../tool.ts';
import { isWritable, type ServerDeps } from '../writes.ts';

/** Registers `list-environments`: the store's environments and what this server may do in each. */
export function registerListEnvironmentsTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'list-environments',
    {
      title: 'List environments',
      description:
        'The environments, which are protected (raising exposure there needs approval) and which this server ' +
        'may write.',
      input: {},
      output: {
        environments: z.array(
          z.object({
            key: z.string(),
            name: z.string().optional(),
            protected: z.boolean(),
            writable: z.boolean().describe('False when the server is read-only or the environment is not allowed.'),
          }),
        ),
      },
      annotations: READ_ONLY,
    },
    deps,
    async () => {
      const { document } = await deps.store.read();
      const environments = document.environments.map((e) => ({
        key: e.key,
        ...(e.name ? { name: e.name } : {}),
        protected: e.protected,
        writable: isWritable(deps.policy, e.key),
      }));
      return { summary: `${environments.length} environments.`, data: { environments } };
    },
  );
}
