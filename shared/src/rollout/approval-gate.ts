/**
 * Approval gates on plan steps (`approveBefore`): in a protected environment, when the guardrails would move a plan
 * onto a gated step, the controller holds instead and files a change request to advance it (`rollout.control`
 * `advance`, requested by `controller`); the `change-request.waiting` alert tells the approvers. Approving it through
 * the ordinary change-request flow (`rollgate approve`, four eyes, the environment's policy) advances the plan, with
 * the approver as the actor. A breach still rolls back or pauses at once: gates only stop exposure from rising.
 */
import { isDeepStrictEqual } from 'node:util';
import type { RolloutPlan, StoreDocument } from '../flags/model.ts';
import type { ProposedChange } from '../flags/change-requests.ts';
import { proposeChange, rejectChangeRequest, servedState } from '../flags/change-requests.ts';
import type { Operation } from '../flags/operations.ts';
import type { ControllerDecision, RolloutTarget } from './plan.ts';
import { approvalGateOf } from './plan.ts';
import { formatStep } from './audience-steps.ts';

/** The reason code of a hold at an approval gate. */
export const AWAITING_APPROVAL = 'awaiting-approval';

/** What the controller does at an approval gate. */
export interface GateAction {
  /** The hold recorded instead of the advance. */
  readonly decision: ControllerDecision;
  /**
   * Runs after the hold, in the same commit: files the change request (rejecting one that went stale first).
   * Undefined while a current request waits.
   */
  readonly then?: Operation;
}

function advanceChange(target: RolloutTarget): ProposedChange {
  return { action: 'rollout.control', flagKey: target.flagKey, environment: target.environment, command: 'advance' };
}

/** `operation` with its own audit reason. */
function withReason(operation: Operation, reason: string): Operation {
  return (document, context) => operation(document, { ...context, reason });
}

/** Runs `first`, then `second` on its result: one commit with both audit trails. */
export function chain(first: Operation, second: Operation): Operation {
  return (document, context) => {
    const a = first(document, context);
    const b = second(a.document, context);
    return { document: b.document, audit: [...a.audit, ...b.audit] };
  };
}

/**
 * The gate action for a plan the controller would advance (or that already waits at a gate), or undefined when no
 * gate applies: an unprotected environment, no gate in front of the next step, or a decision that lowers exposure
 * (rollback, pause, lock) or holds for another reason while nothing waits.
 */
export function approvalGateAction(
  document: StoreDocument,
  target: RolloutTarget,
  plan: RolloutPlan,
  decision: ControllerDecision,
): GateAction | undefined {
  const protectedEnvironment = document.environments.find((e) => e.key === target.environment)?.protected === true;
  const gate = approvalGateOf(plan, protectedEnvironment);
  if (gate === undefined) return undefined;
  const change = advanceChange(target);
  const pending = (document.changeRequests ?? []).filter(
    (r) => r.status === 'pending' && isDeepStrictEqual(r.change, change),
  );
  // A request is current while the environment still serves what it recorded (the plan still waits at this step).
  const served = servedState(document, target.flagKey, target.environment);
  const current = pending.find((r) => isDeepStrictEqual(r.before[target.environment], served));
  const wantsToAdvance = decision.decision === 'advance' || decision.decision === 'complete';
  if (!(wantsToAdvance || (current !== undefined && decision.decision === 'hold'))) return undefined;
  const hold = (reason: string): ControllerDecision => ({
    decision: 'hold',
    codes: [AWAITING_APPROVAL],
    reasons: [reason],
    data: decision.data,
  });
  if (current) {
    return { decision: hold(`waiting for approval of ${current.id} to advance to ${gate}%`) };
  }
  const stale = pending.map((r) =>
    withReason(rejectChangeRequest(r.id), 'the rollout moved on since this approval gate request was filed'),
  );
  const file = withReason(
    proposeChange(change),
    `approval gate: every guardrail passed at ${formatStep(plan.steps[plan.state.stepIndex] ?? 0)}; approve to advance to ${gate}%`,
  );
  return {
    decision: hold(`guardrails pass; advancing to ${gate}% needs a human approval (change request filed)`),
    then: [...stale, file].reduce(chain),
  };
}
