import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { getSegmentOrThrow, segmentUsage, type Segment, type StoreDocument } from '@rollgate/shared/flags';
import { READ_ONLY, defineTool } from '../tool.ts';
import type { ServerDeps } from '../writes.ts';

/** Targeting keys shown per list; the rest is counted (a segment may hold thousands). */
const SHOWN_KEYS = 50;

/** A segment as the model reads it: its definition (long key lists cut) and the flags using it. */
export function describeSegment(document: StoreDocument, segment: Segment): { key: string } & Record<string, unknown> {
  const cut = (keys: readonly string[]): Record<string, unknown> =>
    keys.length > SHOWN_KEYS ? { keys: keys.slice(0, SHOWN_KEYS), total: keys.length } : { keys: [...keys] };
  return {
    key: segment.key,
    ...(segment.name ? { name: segment.name } : {}),
    ...(segment.description ? { description: segment.description } : {}),
    included: cut(segment.included),
    excluded: cut(segment.excluded),
    rules: segment.rules,
    usedBy: segmentUsage(document, segment.key).map((u) => `${u.flagKey} (${u.environment})`),
  };
}

/** Registers `list-segments`: the store's segments, what they match and which flags use them. */
export function registerListSegmentsTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'list-segments',
    {
      title: 'List segments',
      description:
        'Segments: named audiences (targeting keys and/or attribute rules) that targeting rules ({"segment":"key"}) ' +
        'and rollout steps reuse, with the flags using each. Change them with manage-segment.',
      input: { key: z.string().max(100).optional().describe('Only this segment') },
      output: { segments: z.array(z.looseObject({ key: z.string() })) },
      annotations: READ_ONLY,
    },
    deps,
    async ({ key }) => {
      const { document } = await deps.store.read();
      const segments = key === undefined ? (document.segments ?? []) : [getSegmentOrThrow(document, key)];
      return {
        summary: segments.length
          ? `${segments.length} segment${segments.length === 1 ? '' : 's'}.`
          : 'No segments yet; create one with manage-segment.',
        data: { segments: segments.map((s) => describeSegment(document, s)) },
      };
    },
  );
}
