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
import {
  applyOperation,
  environmentChangeSchema,
  environmentOperationFor,
  type ChangeContext,
  type Operation,
} from '../flags/operations.ts';
import {
  changesMembership,
  describeUsage,
  protectedLiveUsage,
  segmentChangeSchema,
  segmentKeyOf,
  segmentOperationFor,
} from '../flags/segments.ts';
import type { AuditEntryInput, FlagStore, StoreSnapshot } from '../store/types.ts';
import { authorize, can, type Identity } from './roles.ts';

const requestIdSchema = z.string().regex(/^cr-\d+$/, 'a change request id such as cr-3');

/** What a client sends to run an operation (`POST /api/v1/operations`). */
export const remoteOperationRequestSchema = z
  .object({
    operation: z.discriminatedUnion('kind', [
      z.object({ kind: z.enum(['apply', 'reduce-exposure', 'propose']), change: proposedChangeSchema }).strict(),
      z.object({ kind: z.enum(['approve', 'reject', 'withdraw']), id: requestIdSchema }).strict(),
      z.object({ kind: z.literal('segment'), change: segmentChangeSchema }).strict(),
      z.object({ kind: z.literal('environment'), change: environmentChangeSchema }).strict(),
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
 * rename or archive touches all of them, and so does any segment change: segments are store-wide); deciding a
 * request needs `approver` in each of its environments (and the four-eyes rules of the policy); withdrawing is the
 * requester's; adding or changing an environment (its protection is the approval policy) needs `admin`. An `apply`
 * that raises exposure in a protected environment is filed as a change request (`pending`); one that only reduces
 * exposure is applied at once. A segment change that alters who gets a flag that is on in a protected environment
 * cannot wait as a change request (those are per flag): it needs `admin` there and a reason
 * ({@link checkProtectedMembership}).
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
      case 'segment': {
        // A segment is compiled into every environment's flagd file and any environment's rules may use it.
        for (const environment of document.environments) authorize(identity, 'write', environment.key);
        const result = segmentOperationFor(operation.change)(document, ctx);
        checkProtectedMembership(identity, document, result.document, segmentKeyOf(operation.change), ctx.reason);
        checkUnchangedSince(changedSince, result.audit);
        return result;
      }
      case 'environment': {
        const { change } = operation;
        authorize(identity, 'admin', change.action === 'environment.update' ? change.key : undefined);
        const result = environmentOperationFor(change)(document, ctx);
        checkUnchangedSince(changedSince, result.audit);
        return result;
      }
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

/**
 * Refuses a change of who is in segment `key` (going from `before` to `after`) where the segment decides who gets a
 * flag that is on in a protected environment, unless `identity` is an admin there and gives a reason. Such a change
 * alters that environment without the flag's approval flow, and cannot be filed as a change request (requests are
 * per flag); admins set the approval policy anyway, and assistants never hold the role. Whether it widens or narrows
 * exposure is not judged: that depends on what the rules using the segment serve, so every membership change counts.
 * Errors: FORBIDDEN, INVALID_INPUT (no reason).
 */
function checkProtectedMembership(
  identity: Identity,
  before: StoreDocument,
  after: StoreDocument,
  key: string,
  reason: string | undefined,
): void {
  if (!changesMembership(before, after, key)) return;
  const live = protectedLiveUsage(before, key);
  for (const environment of new Set(live.map((u) => u.environment))) {
    if (can(identity, 'admin', environment)) continue;
    throw new FlagError(
      'FORBIDDEN',
      `Segment "${key}" decides who gets ${describeUsage(live)}: ${identity.name} may not change who is in it, ` +
        `that needs the admin role in the protected environment ${environment}.`,
      {
        environment,
        hint:
          'Ask an admin to make the change, or create a new segment and point the flag at it with `rollgate set-rule` ' +
          '(that goes through approval).',
      },
    );
  }
  if (live.length > 0 && reason === undefined) {
    throw new FlagError(
      'INVALID_INPUT',
      `Segment "${key}" decides who gets ${describeUsage(live)} in a protected environment: say why you change it.`,
      { hint: 'Give a reason for the audit log, e.g. --reason "INC-142: add the support team".' },
    );
  }
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
        `${subjectOf(entry)} changed since you read it (${clash.action} by ${clash.actor} at ${clash.at}).`,
        {
          ...(entry.flagKey === undefined ? {} : { flagKey: entry.flagKey }),
          hint: 'Read it again and decide on the current state.',
        },
      );
    }
  }
}

/** What an entry changed, for a message: its flag, else the segment or environment of its first path. */
function subjectOf(entry: AuditEntryInput): string {
  if (entry.flagKey !== undefined) return `Flag "${entry.flagKey}"`;
  const [, part, key] = entry.changes[0]?.path.split('/') ?? [];
  return part === 'segments' ? `Segment "${key}"` : `Environment "${key ?? entry.environment}"`;
}

/** The paths an entry changed, relative to its flag, with a trailing slash so `/a` does not contain `/ab`. */
function pathsOf(entry: AuditEntryInput): string[] {
  return entry.changes.map((c) => `${c.path}/`);
}
