/**
 * Flags as MCP resources: `rollgate://flags/{key}` (the flag as JSON) and
 * `rollgate://flags/{key}/rollout/{environment}` (the rollout page, markdown), listed and completable.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Flag, StoreDocument } from '@rollgate/shared/flags';
import { renderRolloutPage } from '@rollgate/shared/rollout';
import type { ServerDeps } from './writes.ts';

/** URI of a flag resource. */
export function flagUri(key: string): string {
  return `rollgate://flags/${encodeURIComponent(key)}`;
}

/** Registers the flag resources; the list follows the store. */
export function registerFlagResources(server: McpServer, deps: ServerDeps): void {
  const keys = async (): Promise<string[]> => (await deps.store.read()).document.flags.map((f) => f.key);
  server.registerResource(
    'flag',
    new ResourceTemplate('rollgate://flags/{key}', {
      list: async () => {
        const { document } = await deps.store.read();
        return {
          resources: document.flags.map((f) => ({
            uri: flagUri(f.key),
            name: f.key,
            title: f.name,
            mimeType: 'application/json',
            description: `${f.kind} flag${f.archived ? ' (archived)' : ''}${f.description ? `: ${f.description}` : ''}`,
          })),
        };
      },
      complete: { key: async (prefix) => (await keys()).filter((k) => k.startsWith(prefix)) },
    }),
    {
      title: 'Flag',
      description: 'One flag with variants and per-environment configuration, as stored.',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const flag = flagOf((await deps.store.read()).document, variables.key);
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(flag, null, 2) }] };
    },
  );
  server.registerResource(
    'rollout-page',
    new ResourceTemplate('rollgate://flags/{key}/rollout/{environment}', {
      list: async () => {
        const { document } = await deps.store.read();
        return {
          resources: document.flags.flatMap((f) =>
            Object.entries(f.environments)
              .filter(([, config]) => config.plan !== undefined)
              .map(([environment]) => ({
                uri: `${flagUri(f.key)}/rollout/${encodeURIComponent(environment)}`,
                name: `${f.key}/rollout/${environment}`,
                title: `Rollout of ${f.name} in ${environment}`,
                mimeType: 'text/markdown',
              })),
          ),
        };
      },
      complete: { key: async (prefix) => (await keys()).filter((k) => k.startsWith(prefix)) },
    }),
    {
      title: 'Rollout page',
      description: 'Progressive rollout of a flag in one environment: steps, guardrails and history, as markdown.',
      mimeType: 'text/markdown',
    },
    async (uri, variables) => {
      const flag = flagOf((await deps.store.read()).document, variables.key);
      const environment = decodeURIComponent(String(variables.environment));
      const audit = await deps.store.readAudit({ flagKey: flag.key, environment });
      return {
        contents: [{ uri: uri.href, mimeType: 'text/markdown', text: renderRolloutPage(flag, environment, audit) }],
      };
    },
  );
}

function flagOf(document: StoreDocument, variable: string | string[] | undefined): Flag {
  const key = decodeURIComponent(String(variable));
  const flag = document.flags.find((f) => f.key === key);
  // Resource reads have no tool-error channel: an unknown key is a protocol error the client shows as such.
  if (!flag) throw new Error(`No flag "${key}". List resources or call list-flags to see the keys.`);
  return flag;
}
