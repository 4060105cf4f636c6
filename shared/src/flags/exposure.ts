/**
 * The exposure policy every client shares: a change that only reduces who gets a flag's treatment (turn it off,
 * lower a rollout, pause or roll back a rollout plan) is applied at once, even in a protected environment, so the
 * kill switch works in an incident; a change that raises (or otherwise alters) exposure in a protected environment
 * waits for a human (a change request, see `change-requests.ts`).
 */
import { FlagError } from '../errors.ts';
import { impactOf, type ProposedChange } from './change-requests.ts';
import type { ChangeContext, Operation } from './operations.ts';
import type { StoreDocument } from './model.ts';
import { describeOperation } from './descriptor.ts';

/**
 * True when `change`, applied to `document`, can only reduce exposure: turning a flag off, lowering the rollout of
 * the variant being rolled out (or removing it by going to 0), pausing or rolling back a rollout plan. Anything else
 * (turning on, raising a rollout, new rules, another default variant, archiving, …) is not a reduction. Never throws.
 */
export function reducesExposure(document: StoreDocument, change: ProposedChange): boolean {
  switch (change.action) {
    case 'flag.toggle':
      return !change.enabled;
    case 'flag.set-rollout': {
      const rollout = document.flags.find((f) => f.key === change.flagKey)?.environments[change.environment]?.rollout;
      const sameVariant = change.variant === undefined || change.variant === rollout?.variant;
      return rollout !== undefined && sameVariant && change.percentage < rollout.percentage;
    }
    case 'rollout.control':
      return change.command === 'pause' || change.command === 'rollback';
    case 'flag.set-targeting':
    case 'flag.set-default-variant':
    case 'flag.create':
    case 'flag.update':
    case 'flag.archive':
    case 'rollout.start':
    case 'flag.copy':
      return false;
  }
}

/**
 * Operation that applies a reduction of exposure directly, in any environment, re-checked on the document it commits
 * against (a concurrent change may have made it a raise). Its audit entries say so (`data.exposure: 'reduced'`) and
 * carry `context.reason`. Errors: INVALID_INPUT when the change is not (or no longer) a reduction, plus whatever the
 * change's operation throws.
 */
export function applyExposureReduction(change: ProposedChange): Operation {
  const operation: Operation = (document, context: ChangeContext) => {
    if (!reducesExposure(document, change)) {
      throw new FlagError('INVALID_INPUT', `This change to "${change.flagKey}" does not only reduce exposure.`, {
        flagKey: change.flagKey,
        hint: 'Changes that raise exposure in a protected environment need approval: propose them as a change request.',
      });
    }
    const { result } = impactOf(document, change, context);
    return {
      document: result.document,
      audit: result.audit.map((entry) => ({ ...entry, data: { ...entry.data, exposure: 'reduced' } })),
    };
  };
  return describeOperation(operation, { descriptor: { kind: 'reduce-exposure', change } });
}
