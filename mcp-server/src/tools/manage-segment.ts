import { isDeepStrictEqual } from 'node:util';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { FlagError } from '@rollgate/shared/errors';
import {
  applyOperation,
  changesMembership,
  createSegment,
  deleteSegment,
  describeOperation,
  describeUsage,
  descriptionOf,
  getSegment,
  protectedLiveUsage,
  segmentSchema,
  segmentUsage,
  updateSegment,
  type Operation,
  type StoreDocument,
} from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import { actorOf, checkAllowedEnvironment, reasonField, type ServerDeps } from '../writes.ts';
import { describeSegment } from './list-segments.ts';

const keys = z.array(z.string().min(1).max(200)).max(1000);

/**
 * Registers `manage-segment`: create, update or delete a segment. A change to who is in a segment that an enabled
 * flag uses in a protected environment is refused (it would change production without approval): a human makes it
 * with `rollgate segment update`.
 */
export function registerManageSegmentTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'manage-segment',
    {
      title: 'Manage segment',
      description:
        'Creates, updates or deletes a segment (named audience): targetingKeys in included, or users matching all ' +
        "conditions of any rule (set-targeting's), minus excluded. update: fields passed replace; addKeys/removeKeys " +
        'edit included.',
      input: {
        action: z.enum(['create', 'update', 'delete']),
        key: segmentSchema.shape.key.describe('e.g. "internal-users"'),
        name: z.string().max(200).optional(),
        description: z.string().max(2000).optional(),
        included: keys.optional(),
        excluded: keys.optional(),
        addKeys: keys.optional(),
        removeKeys: keys.optional(),
        rules: segmentSchema.shape.rules.removeDefault().optional(),
        reason: reasonField,
      },
      output: {
        status: z.enum(['applied', 'unchanged']),
        segment: z.looseObject({ key: z.string() }).optional(),
        revision: z.number(),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    deps,
    async ({ action, key, reason, ...fields }) => {
      const before = await deps.store.read();
      const operation: Operation =
        action === 'create'
          ? createSegment({ key, ...fields })
          : action === 'update'
            ? updateSegment(key, fields)
            : deleteSegment(key);
      const context = { actor: actorOf(server, deps.policy), now: deps.now, reason };
      const dryRun = operation(before.document, context).document;
      checkExposure(deps, before.document, dryRun, key);
      if (isDeepStrictEqual(dryRun, before.document)) {
        return {
          summary: `No change: segment "${key}" already is like that.`,
          data: { status: 'unchanged' as const, revision: before.revision },
        };
      }
      const snapshot = await applyOperation(deps.store, guarded(deps, operation, key), context);
      const segment = getSegment(snapshot.document, key);
      const usage = segmentUsage(snapshot.document, key);
      return {
        summary:
          action === 'delete'
            ? `Deleted segment "${key}".`
            : `${action === 'create' ? 'Created' : 'Updated'} segment "${key}"${usage.length ? `; used by ${describeUsage(usage)}` : '; use it in set-targeting as {"segment":"' + key + '"}'}.`,
        data: {
          status: 'applied' as const,
          ...(segment ? { segment: describeSegment(snapshot.document, segment) } : {}),
          revision: snapshot.revision,
        },
      };
    },
  );
}

/**
 * The operation, re-checked against the document it commits on (a flag may have started using the segment). It
 * keeps the operation's descriptor: in remote mode the server runs the operation and applies its own rules.
 */
function guarded(deps: ServerDeps, operation: Operation, key: string): Operation {
  const checked: Operation = (document, context) => {
    const result = operation(document, context);
    checkExposure(deps, document, result.document, key);
    return result;
  };
  const description = descriptionOf(operation);
  return description === undefined ? checked : describeOperation(checked, description);
}

/**
 * Refuses a change of membership of a segment that flags use in environments this server may not write, or in a
 * protected environment where the flag is on (that would change who gets it there without approval).
 */
function checkExposure(deps: ServerDeps, before: StoreDocument, after: StoreDocument, key: string): void {
  if (!changesMembership(before, after, key)) return;
  for (const u of segmentUsage(before, key)) checkAllowedEnvironment(deps.policy, u.environment);
  const live = protectedLiveUsage(before, key);
  if (live.length > 0) {
    throw new FlagError('INVALID_INPUT', `Segment "${key}" decides who gets ${describeUsage(live)}.`, {
      hint:
        'Changing who is in it would change a protected environment without approval. Ask a human to run ' +
        `\`rollgate segment update ${key} …\`, or create a new segment and point the flag at it with set-targeting ` +
        '(that goes through approval).',
    });
  }
}
