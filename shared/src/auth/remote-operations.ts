/**
 * The server side of remote mode: an operation a client sent as its descriptor (flags/descriptor.ts), validated,
 * rebuilt, checked against the caller's roles and the approval policy, and run against the store as the caller's
 * identity. Every rule is checked on the document the operation commits against, so a concurrent change cannot slip
 * a write past a role or a protected environment.
 */
import * as z from 'zod';
import { FlagError } from '../errors.ts';
import {
  approveChangeRequest,
  impactOf,
  proposeChange,
  proposedChangeSchema,
  rejectChangeRequest,
  withdrawChangeRequest,
  type ProposedChange,
} from '../flags/change-requests.ts';
import { applyExposureReduction, reducesExposure } from '../flags/exposure.ts';
import { formatPath } from '../flags/diff.ts';
import type { ChangeRequest, StoreDocument } from '../flags/model.ts';
import { applyOperation, type ChangeContext, type Operation } from '../flags/operations.ts';
import type { AuditEntryInput, FlagStore, StoreSnapshot } from '../store/types.ts';
import { authorize, type Identity } from './roles.ts';

const requestIdSchema = z.string().regex(/^cr-\d+$/, 'a change request id such as cr-3');

/** What a client sends to run an operation (`POST /api/v1/operations`). */
export const remoteOperationRequestSchema = z
  .object({
    operation: z.discriminatedUnion('kind', [
      z.object({ kind: z.enum(['apply', 'reduce-exposure', 'propose']), change: proposedChangeSchema }).strict(),
      z.object({ kind: z.enum(['approve', 'reject', 'withdraw']), id: requestIdSchema }).strict(),
    ]),
    reason: z.string().trim().min(1).max(500).optional(),
    /** Revision the client last read: the operation is refused when what it changes moved on since. */
    baseRevision: z.number().int().min(0).optional(),
    /** Exact version the client decided on: any change since is a conflict. */
    expectedVersion: z.string().optional(),
  })
  .strict();
export type RemoteOperationRequest = z.infer<typeof remoteOperationRequestSchema>;

/** What running a remote operation produced. */
export interface RemoteOperationOutcome {
  readonly snapshot: StoreSnapshot;
  /** The change request created, merged into or decided. */
  readonly request?: ChangeRequest;
  readonly merged?: boolean;
  /** True when an `apply` was filed as a change request instead (it raises exposure in a protected environment). */
  readonly pending?: boolean;
}

/**
 * Validates `body` and runs its operation on `store` as `identity` (the audit actor), with the caller's reason.
 * Roles: a change needs `editor` in every environment it touches (an environment-less change such as create,
 * rename or archive touches all of them); deciding a request needs `approver` in each of its environments (and the
 * four-eyes rules of the policy); withdrawing is the requester's. An `apply` that raises exposure in a protected
 * environment is filed as a change request (`pending`); one that only reduces exposure is applied at once.
 * Errors: INVALID_INPUT (malformed body, a protected change without reason), FORBIDDEN, STORE_CONFLICT (what the
 * operation changes moved on since `baseRevision`, or the version is not `expectedVersion`), plus whatever the
 * operation throws.
 */
export async function executeRemoteOperation(
  store: FlagStore,
  identity: Identity,
  body: unknown,
  now: () => Date,
): Promise<RemoteOperationOutcome> {
  const parsed = remoteOperationRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FlagError(
      'INVALID_INPUT',
      `Invalid operation at ${formatPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid value'}.`,
      { hint: 'Use a client (CLI, MCP server) of the same Rollgate version as the server.' },
    );
  }
  const request = parsed.data;
  const context: ChangeContext = {
    actor: identity.name,
    now,
    ...(request.reason === undefined ? {} : { reason: request.reason }),
  };
  const changedSince = request.baseRevision === undefined ? [] : await auditSince(store, request.baseRevision);
  let captured: { request: ChangeRequest; merged: boolean } | undefined;
  let pending = false;
  const capture = (r: ChangeRequest, merged = false): void => {
    captured = { request: r, merged };
  };
  const { operation } = request;
  const run: Operation = (document, ctx) => {
    // Reset per attempt: applyOperation may run the operation again on a fresher document.
    pending = false;
    captured = undefined;
    switch (operation.kind) {
      case 'apply':
      case 'reduce-exposure':
      case 'propose': {
        const { change } = operation;
        for (const environment of touchedEnvironments(document, change)) authorize(identity, 'write', environment);
        const impact = impactOf(document, change, ctx);
        const isProtected = impact.environments.some((e) => e.protected);
        if (
          operation.kind === 'reduce-exposure' ||
          (operation.kind === 'apply' && isProtected && reducesExposure(document, change))
        ) {
          // A reduction is re-checked on the current document, so it applies whatever moved since the client's read.
          return applyExposureReduction(change)(document, ctx);
        }
        // Four eyes: whoever asks, raising exposure in a protected environment waits for an approver.
        pending = operation.kind === 'apply' && isProtected;
        const result =
          operation.kind === 'propose' || pending ? proposeChange(change, capture)(document, ctx) : impact.result;
        checkUnchangedSince(changedSince, result.audit);
        return result;
      }
      case 'approve':
      case 'reject': {
        const target = document.changeRequests?.find((r) => r.id === operation.id);
        for (const environment of target?.environments ?? []) authorize(identity, 'approve', environment);
        const decide = operation.kind === 'approve' ? approveChangeRequest : rejectChangeRequest;
        return decide(operation.id, capture)(document, ctx);
      }
      case 'withdraw':
        return withdrawChangeRequest(operation.id)(document, ctx);
    }
  };
  const snapshot = await applyOperation(store, run, context, {
    ...(request.expectedVersion === undefined ? {} : { expectedVersion: request.expectedVersion }),
  });
  return { snapshot, ...(captured ?? {}), ...(pending ? { pending } : {}) };
}

/**
 * The environments `change` touches: the one it names, else (create, update, archive change the flag everywhere)
 * every environment of the document.
 */
function touchedEnvironments(document: StoreDocument, change: ProposedChange): string[] {
  return 'environment' in change ? [change.environment] : document.environments.map((e) => e.key);
}

/** Audit entries committed after `revision`: what changed since the client's read. */
async function auditSince(store: FlagStore, revision: number): Promise<AuditEntryInput[]> {
  const current = await store.read();
  if (current.revision <= revision) return [];
  return (await store.readAudit()).filter((e) => e.revision > revision);
}

/**
 * Throws STORE_CONFLICT when a path `audit` changes was changed by one of `since` (same flag, one path inside the
 * other): the client decided on a value that is gone. Changes to other paths do not matter (operations are
 * semantic, so they re-apply cleanly on the current document). Change request bookkeeping (approvals, merges)
 * records no paths and never clashes.
 */
function checkUnchangedSince(since: readonly AuditEntryInput[], audit: readonly AuditEntryInput[]): void {
  for (const entry of audit) {
    const paths = pathsOf(entry);
    const clash = since.find(
      (other) =>
        other.flagKey === entry.flagKey &&
        pathsOf(other).some((p) => paths.some((q) => p.startsWith(q) || q.startsWith(p))),
    );
    if (clash) {
      throw new FlagError(
        'STORE_CONFLICT',
        `${entry.flagKey === undefined ? 'The environments' : `Flag "${entry.flagKey}"`} changed since you read it (${clash.action} by ${clash.actor} at ${clash.at}).`,
        {
          ...(entry.flagKey === undefined ? {} : { flagKey: entry.flagKey }),
          hint: 'Read it again and decide on the current state.',
        },
      );
    }
  }
}

/** The paths an entry changed, relative to its flag, with a trailing slash so `/a` does not contain `/ab`. */
function pathsOf(entry: AuditEntryInput): string[] {
  return entry.changes.map((c) => `${c.path}/`);
}
