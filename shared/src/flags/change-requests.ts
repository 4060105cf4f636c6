/**
 * Change requests: the approval flow for protected environments. An assistant (or anyone without the right to
 * change production directly) proposes a {@link ProposedChange}; it is stored, pending, in the store document;
 * a human approves it (CLI `rollgate approve`, the extension) and only then is it applied, through the same
 * operations as a direct change, with the approver as actor. A request whose base has moved on is refused.
 */
import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';
import { FlagError } from '../errors.ts';
import { diffValues } from './diff.ts';
import { describeOperation } from './descriptor.ts';
import type { AuditEntryInput, FlagStore } from '../store/types.ts';
import {
  applyOperation,
  archiveFlag,
  createFlag,
  createFlagInputSchema,
  flagUpdateSchema,
  setDefaultVariant,
  setFlagEnabled,
  setRollout,
  setRules,
  updateFlag,
  type ChangeContext,
  type Operation,
  type OperationResult,
} from './operations.ts';
import { copyEnvironmentConfig } from './copy.ts';
import {
  advanceRolloutOperation,
  pauseRolloutOperation,
  resumeRolloutOperation,
  rollbackRolloutOperation,
  startRolloutOperation,
} from '../rollout/plan.ts';
import {
  environmentKeySchema,
  flagKeySchema,
  rolloutPlanSchema,
  ruleSchema,
  variantNameSchema,
  type ChangeRequest,
  type JsonValue,
  type StoreDocument,
} from './model.ts';

/**
 * A change in serializable form, so it can wait in the store for approval and be re-applied later. Each action
 * maps to one operation of `operations.ts` ({@link operationFor}).
 */
export const proposedChangeSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('flag.toggle'),
      flagKey: flagKeySchema,
      environment: environmentKeySchema,
      enabled: z.boolean(),
    })
    .strict(),
  z
    .object({
      action: z.literal('flag.set-rollout'),
      flagKey: flagKeySchema,
      environment: environmentKeySchema,
      percentage: z.number().min(0).max(100),
      /** Default: the current rollout's variant, else `on`, else the first variant that is not the default. */
      variant: variantNameSchema.optional(),
    })
    .strict(),
  z
    .object({
      action: z.literal('flag.set-targeting'),
      flagKey: flagKeySchema,
      environment: environmentKeySchema,
      rules: z.array(ruleSchema),
    })
    .strict(),
  z
    .object({
      action: z.literal('flag.set-default-variant'),
      flagKey: flagKeySchema,
      environment: environmentKeySchema,
      variant: variantNameSchema,
    })
    .strict(),
  z
    .object({
      action: z.literal('flag.create'),
      flagKey: flagKeySchema,
      flag: createFlagInputSchema.omit({ key: true }),
    })
    .strict(),
  z.object({ action: z.literal('flag.update'), flagKey: flagKeySchema, patch: flagUpdateSchema }).strict(),
  z.object({ action: z.literal('flag.archive'), flagKey: flagKeySchema }).strict(),
  z
    .object({
      action: z.literal('rollout.start'),
      flagKey: flagKeySchema,
      environment: environmentKeySchema,
      /** Absent: start the pending plan stored on the environment. */
      plan: rolloutPlanSchema.omit({ state: true }).optional(),
    })
    .strict(),
  z
    .object({
      action: z.literal('rollout.control'),
      flagKey: flagKeySchema,
      environment: environmentKeySchema,
      command: z.enum(['pause', 'resume', 'advance', 'rollback']),
    })
    .strict(),
  z
    .object({
      action: z.literal('flag.copy'),
      flagKey: flagKeySchema,
      /** The environment whose configuration is copied into `environment`. */
      from: environmentKeySchema,
      environment: environmentKeySchema,
    })
    .strict(),
]);
/** See {@link proposedChangeSchema}. */
export type ProposedChange = z.infer<typeof proposedChangeSchema>;
/** What {@link proposedChangeSchema} accepts (defaults not yet filled in). */
export type ProposedChangeInput = z.input<typeof proposedChangeSchema>;

const ROLLOUT_COMMANDS = {
  pause: pauseRolloutOperation,
  resume: resumeRolloutOperation,
  advance: advanceRolloutOperation,
  rollback: rollbackRolloutOperation,
} as const;

/** The operation that carries out `change`. */
export function operationFor(change: ProposedChange): Operation {
  switch (change.action) {
    case 'flag.toggle':
      return setFlagEnabled(change.flagKey, change.environment, change.enabled);
    case 'flag.set-rollout':
      return setRollout(change.flagKey, change.environment, change.percentage, change.variant);
    case 'flag.set-targeting':
      return setRules(change.flagKey, change.environment, change.rules);
    case 'flag.set-default-variant':
      return setDefaultVariant(change.flagKey, change.environment, change.variant);
    case 'flag.create':
      return createFlag({ ...change.flag, key: change.flagKey });
    case 'flag.update':
      return updateFlag(change.flagKey, change.patch);
    case 'flag.archive':
      return archiveFlag(change.flagKey);
    case 'rollout.start':
      return startRolloutOperation({ flagKey: change.flagKey, environment: change.environment, plan: change.plan });
    case 'rollout.control':
      return ROLLOUT_COMMANDS[change.command]({ flagKey: change.flagKey, environment: change.environment });
    case 'flag.copy':
      return copyEnvironmentConfig(change.flagKey, change.from, change.environment);
  }
}

/**
 * What one environment serves of a flag, as far as a change can affect it: `null` when the flag or its config
 * in that environment does not exist, else the flag's archived state, type, variants and the environment config.
 * Two equal states serve every user the same. A rollout plan's bookkeeping (when it and its step started, the
 * controller's last check) is left out: a rollout change approved later starts its step then, and is the same change.
 */
export function servedState(document: StoreDocument, flagKey: string, environment: string): JsonValue {
  const flag = document.flags.find((f) => f.key === flagKey);
  const config = flag?.environments[environment];
  if (!flag || !config) return null;
  const plan = config.plan && {
    ...config.plan,
    state: { ...config.plan.state, startedAt: undefined, stepStartedAt: undefined, lastCheck: undefined },
  };
  // JSON round trip drops `undefined` members so states compare by content.
  return JSON.parse(
    JSON.stringify({ archived: flag.archived, type: flag.type, variants: flag.variants, config: { ...config, plan } }),
  ) as JsonValue;
}

function isEnabled(state: JsonValue): boolean {
  const config = typeof state === 'object' && state !== null && !Array.isArray(state) ? state.config : undefined;
  return typeof config === 'object' && config !== null && !Array.isArray(config) && config.enabled === true;
}

/** How a change alters what one environment serves. */
export interface EnvironmentImpact {
  readonly environment: string;
  readonly protected: boolean;
  readonly before: JsonValue;
  readonly after: JsonValue;
}

/** The result of a dry run: the operation's outcome and every environment whose served state it changes. */
export interface ChangeImpact {
  readonly result: OperationResult;
  readonly environments: readonly EnvironmentImpact[];
}

/**
 * Dry-runs `change` on `document` (nothing is written) and reports which environments it affects. A new flag
 * that is off in an environment does not affect it: apps get their code default there before and after.
 * Errors: whatever the operation throws (FLAG_NOT_FOUND, INVALID_INPUT, TYPE_MISMATCH, INVALID_RULE).
 */
export function impactOf(document: StoreDocument, change: ProposedChange, context: ChangeContext): ChangeImpact {
  const result = operationFor(change)(document, context);
  const environments = document.environments.flatMap((env): EnvironmentImpact[] => {
    const before = servedState(document, change.flagKey, env.key);
    const after = servedState(result.document, change.flagKey, env.key);
    const unaffected = isDeepStrictEqual(before, after) || (before === null && !isEnabled(after));
    return unaffected ? [] : [{ environment: env.key, protected: env.protected, before, after }];
  });
  return { result, environments };
}

/** Filter of {@link listChangeRequests}. */
export interface ChangeRequestQuery {
  readonly status?: ChangeRequest['status'];
  readonly flagKey?: string;
}

/** The change requests of `document`, oldest first. */
export function listChangeRequests(document: StoreDocument, query: ChangeRequestQuery = {}): ChangeRequest[] {
  return (document.changeRequests ?? []).filter(
    (r) => (!query.status || r.status === query.status) && (!query.flagKey || r.flagKey === query.flagKey),
  );
}

/** The change of a stored request, validated (stored data may have been edited by hand). */
export function changeOf(request: ChangeRequest): ProposedChange {
  const parsed = proposedChangeSchema.safeParse(request.change);
  if (!parsed.success) {
    throw new FlagError('PARSE_ERROR', `Change request ${request.id} holds an invalid change.`, {
      hint: `Reject it (rollgate reject ${request.id}) and propose the change again.`,
      issues: parsed.error.issues.map((i) => i.message),
    });
  }
  return parsed.data;
}

/**
 * Operation that stores `change` as a pending request instead of applying it. Records what each protected
 * environment it affects serves now and would serve after. A pending request for the identical change is not filed
 * twice: the asker and reason are audited as `change-request.merge` on it instead. `onCreated` receives the stored
 * (or merged-into) request (called again if the operation is retried on a concurrent commit; the last call is the
 * committed one).
 * Errors: INVALID_INPUT (no reason, or the change affects no protected environment: apply it directly),
 * plus whatever the change's operation throws.
 */
export function proposeChange(
  change: ProposedChange,
  onCreated?: (request: ChangeRequest, merged: boolean) => void,
): Operation {
  const operation: Operation = (document, context) => {
    const reason = context.reason?.trim();
    if (!reason) {
      throw new FlagError('INVALID_INPUT', 'A change to a protected environment needs a reason.', {
        flagKey: change.flagKey,
        hint: 'Say why the change is needed (it goes to the approver and the audit log).',
      });
    }
    const affected = impactOf(document, change, context).environments.filter((e) => e.protected);
    if (affected.length === 0) {
      throw new FlagError('INVALID_INPUT', 'This change affects no protected environment; it needs no approval.', {
        flagKey: change.flagKey,
        hint: 'Apply it directly.',
      });
    }
    const existing = document.changeRequests ?? [];
    const twin = existing.find((r) => r.status === 'pending' && isDeepStrictEqual(r.change, change));
    if (twin) {
      // The same change is already waiting: record who else asked for it instead of filing it twice.
      onCreated?.(twin, true);
      return {
        document,
        audit: [{ ...auditBase(twin, context, 'change-request.merge'), reason, data: { requestId: twin.id } }],
      };
    }
    const nextNumber = Math.max(0, ...existing.map((r) => Number(r.id.slice('cr-'.length)))) + 1;
    const request: ChangeRequest = {
      id: `cr-${nextNumber}`,
      status: 'pending',
      createdAt: context.now().toISOString(),
      createdBy: context.actor,
      reason,
      flagKey: change.flagKey,
      environments: affected.map((e) => e.environment),
      change,
      before: Object.fromEntries(affected.map((e) => [e.environment, e.before])),
      after: Object.fromEntries(affected.map((e) => [e.environment, e.after])),
    };
    onCreated?.(request, false);
    return {
      document: { ...document, changeRequests: [...existing, request] },
      audit: [
        {
          ...auditBase(request, context, 'change-request.create'),
          reason,
          changes: affected.flatMap((e) => diffValues(e.before, e.after, `/environments/${e.environment}`)),
        },
      ],
    };
  };
  return describeOperation(operation, {
    descriptor: { kind: 'propose', change },
    ...(onCreated === undefined ? {} : { receive: onCreated }),
  });
}

/** What the environments of `request` ask of its approvers: the strictest count, and every list that restricts. */
export function approvalRulesFor(
  document: StoreDocument,
  request: Pick<ChangeRequest, 'environments'>,
): { required: number; approverLists: { environment: string; approvers: readonly string[] }[] } {
  let required = 1;
  const approverLists: { environment: string; approvers: readonly string[] }[] = [];
  for (const key of request.environments) {
    const policy = document.environments.find((e) => e.key === key)?.approval;
    if (!policy) continue;
    required = Math.max(required, policy.required);
    if (policy.approvers) approverLists.push({ environment: key, approvers: policy.approvers });
  }
  return { required, approverLists };
}

/** True when `actor` is one of `approvers`, by name or through a `group:<name>` of the document. */
function isListedApprover(document: StoreDocument, approvers: readonly string[], actor: string): boolean {
  return approvers.some((entry) =>
    entry.startsWith('group:')
      ? (document.groups?.[entry.slice('group:'.length)] ?? []).includes(actor)
      : entry === actor,
  );
}

/**
 * Four eyes: refuses (FORBIDDEN) an approval by the requester, by someone the environments' policies do not list,
 * or a second approval by the same person (INVALID_INPUT).
 */
function checkApprover(document: StoreDocument, request: ChangeRequest, actor: string): void {
  if (actor === request.createdBy) {
    throw new FlagError('FORBIDDEN', `${actor} requested ${request.id} and cannot approve it.`, {
      flagKey: request.flagKey,
      hint: 'Four eyes: another approver must decide it. You may withdraw it (reject) instead.',
    });
  }
  for (const { environment, approvers } of approvalRulesFor(document, request).approverLists) {
    if (!isListedApprover(document, approvers, actor)) {
      throw new FlagError('FORBIDDEN', `${actor} may not approve changes to ${environment}.`, {
        flagKey: request.flagKey,
        environment,
        hint: `Approvers of ${environment}: ${approvers.join(', ')}.`,
      });
    }
  }
  if ((request.approvals ?? []).some((a) => a.by === actor)) {
    throw new FlagError('INVALID_INPUT', `${actor} already approved ${request.id}.`, {
      flagKey: request.flagKey,
      hint: 'It waits for another approver.',
    });
  }
}

/**
 * Operation that approves a pending request as `context.actor`. When the environments' policies need more approvals
 * than it now has, the approval is recorded and the request keeps waiting; the last needed approval applies the
 * change with the approver as actor and marks the request applied, in one commit. Refuses (STORE_CONFLICT) when
 * what the affected environments serve, or would serve after the change, is no longer what the request recorded:
 * the request was computed on a stale base. It rebases onto changes of other paths: it is refused only when it would
 * no longer change exactly the recorded paths from the recorded values to the recorded values.
 * Errors: FLAG_NOT_FOUND (no such request), INVALID_INPUT (already decided, or already approved by this actor),
 * FORBIDDEN (the requester, or someone the policy does not list), STORE_CONFLICT, PARSE_ERROR, plus whatever the
 * change's operation throws.
 */
export function approveChangeRequest(id: string, onApplied?: (request: ChangeRequest) => void): Operation {
  const operation: Operation = (document, context) => {
    const request = pendingRequest(document, id);
    checkApprover(document, request, context.actor);
    const change = changeOf(request);
    const approvalContext: ChangeContext = {
      ...context,
      reason: `${request.reason} (approved ${request.id}, requested by ${request.createdBy}${
        context.reason ? `; ${context.reason}` : ''
      })`,
    };
    const { result } = impactOf(document, change, approvalContext);
    for (const environment of request.environments) {
      const now = servedState(document, request.flagKey, environment);
      const next = servedState(result.document, request.flagKey, environment);
      // Rebase: the request still applies when it changes the same paths from the same values to the same values,
      // whatever else moved meanwhile (a kill switch turning the flag off does not stale a pending ramp-up).
      const expected = diffValues(request.before[environment], request.after[environment]);
      if (!isDeepStrictEqual(diffValues(now, next), expected)) {
        throw new FlagError(
          'STORE_CONFLICT',
          `Change request ${request.id} no longer applies cleanly: flag "${request.flagKey}" in ${environment} changed since it was requested.`,
          {
            flagKey: request.flagKey,
            environment,
            hint: `Reject it (rollgate reject ${request.id}) and propose the change again on the current state.`,
          },
        );
      }
    }
    const approvals = [
      ...(request.approvals ?? []),
      { by: context.actor, at: context.now().toISOString(), ...(context.reason ? { note: context.reason } : {}) },
    ];
    const { required } = approvalRulesFor(document, request);
    if (approvals.length < required) {
      const waiting: ChangeRequest = { ...request, approvals };
      onApplied?.(waiting);
      return {
        document: replaceRequest(document, waiting),
        audit: [
          {
            ...auditBase(waiting, context, 'change-request.approval'),
            data: { requestId: request.id, environments: request.environments, approvals: approvals.length, required },
          },
        ],
      };
    }
    const decided = { ...decide(request, 'applied', context), ...(required > 1 ? { approvals } : {}) };
    onApplied?.(decided);
    return {
      document: replaceRequest(result.document, decided),
      audit: [...result.audit, auditBase(decided, context, 'change-request.approve')],
    };
  };
  return describeOperation(operation, {
    descriptor: { kind: 'approve', id },
    ...(onApplied === undefined ? {} : { receive: onApplied }),
  });
}

/**
 * Operation that rejects a pending request (`context.reason` is the note). Errors: FLAG_NOT_FOUND, INVALID_INPUT.
 */
export function rejectChangeRequest(id: string, onRejected?: (request: ChangeRequest) => void): Operation {
  const operation: Operation = (document, context) => {
    const decided = decide(pendingRequest(document, id), 'rejected', context);
    onRejected?.(decided);
    return {
      document: replaceRequest(document, decided),
      audit: [{ ...auditBase(decided, context, 'change-request.reject'), reason: context.reason }],
    };
  };
  return describeOperation(operation, {
    descriptor: { kind: 'reject', id },
    ...(onRejected === undefined ? {} : { receive: onRejected }),
  });
}

/**
 * Operation that withdraws a pending request; only its requester (`createdBy` = `context.actor`) may. Audit:
 * `change-request.withdraw` with `context.reason`. Errors: FLAG_NOT_FOUND (no such request), INVALID_INPUT (already
 * decided, or someone else's request).
 */
export function withdrawChangeRequest(id: string): Operation {
  const operation: Operation = (document, context) => {
    const request = pendingRequest(document, id);
    if (request.createdBy !== context.actor) {
      throw new FlagError(
        'INVALID_INPUT',
        `Change request ${id} was filed by ${request.createdBy}; only they can withdraw it.`,
        {
          hint: `Ask a human to reject it instead (rollgate reject ${id}).`,
        },
      );
    }
    const decided = decide(request, 'withdrawn', context);
    return {
      document: replaceRequest(document, decided),
      audit: [{ ...auditBase(decided, context, 'change-request.withdraw'), reason: context.reason }],
    };
  };
  return describeOperation(operation, { descriptor: { kind: 'withdraw', id } });
}

/**
 * Stores a pending request for `change` (see {@link proposeChange}) and returns it; `merged` when an identical
 * pending request took it.
 */
export async function submitChangeRequest(
  store: FlagStore,
  change: ProposedChange,
  context: ChangeContext,
): Promise<ChangeRequest & { readonly merged: boolean }> {
  let created: (ChangeRequest & { merged: boolean }) | undefined;
  await applyOperation(
    store,
    proposeChange(change, (r, merged) => (created = { ...r, merged })),
    context,
  );
  if (!created) throw new FlagError('GENERAL', 'The change request operation did not run.');
  return created;
}

/**
 * Approves or rejects a pending request against a store (see {@link approveChangeRequest},
 * {@link rejectChangeRequest}) and returns the request after the decision: applied, rejected, or still pending
 * with one more approval when the policy needs several.
 */
export async function decideChangeRequest(
  store: FlagStore,
  id: string,
  decision: 'approve' | 'reject',
  context: ChangeContext,
): Promise<ChangeRequest> {
  let decided: ChangeRequest | undefined;
  const capture = (r: ChangeRequest): void => {
    decided = r;
  };
  const operation = decision === 'approve' ? approveChangeRequest(id, capture) : rejectChangeRequest(id, capture);
  await applyOperation(store, operation, context);
  return definite(decided);
}

function pendingRequest(document: StoreDocument, id: string): ChangeRequest {
  const request = document.changeRequests?.find((r) => r.id === id);
  if (!request) {
    const pending = listChangeRequests(document, { status: 'pending' }).map((r) => r.id);
    throw new FlagError('FLAG_NOT_FOUND', `No change request "${id}".`, {
      hint: pending.length ? `Pending requests: ${pending.join(', ')}.` : 'There are no pending requests.',
    });
  }
  if (request.status !== 'pending') {
    throw new FlagError('INVALID_INPUT', `Change request ${id} is already ${request.status}.`, {
      hint: `It was decided by ${request.decidedBy ?? 'someone'} at ${request.decidedAt ?? 'an unknown time'}.`,
    });
  }
  return request;
}

function decide(
  request: ChangeRequest,
  status: 'applied' | 'rejected' | 'withdrawn',
  context: ChangeContext,
): ChangeRequest {
  return {
    ...request,
    status,
    decidedAt: context.now().toISOString(),
    decidedBy: context.actor,
    ...(context.reason ? { decisionNote: context.reason } : {}),
  };
}

function replaceRequest(document: StoreDocument, request: ChangeRequest): StoreDocument {
  return {
    ...document,
    changeRequests: (document.changeRequests ?? []).map((r) => (r.id === request.id ? request : r)),
  };
}

function auditBase(request: ChangeRequest, context: ChangeContext, action: string): AuditEntryInput {
  return {
    at: context.now().toISOString(),
    actor: context.actor,
    action,
    flagKey: request.flagKey,
    environment: request.environments[0],
    reason: request.reason,
    changes: [],
    data: { requestId: request.id, environments: request.environments },
  };
}

function definite(request: ChangeRequest | undefined): ChangeRequest {
  if (!request) throw new FlagError('GENERAL', 'The change request operation did not run.');
  return request;
}
