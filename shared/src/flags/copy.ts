/**
 * Copying a flag's configuration from one environment to another ("what staging serves, production now serves"), as
 * one operation with one audit entry. It goes through the same exposure policy as any change (change-requests.ts):
 * into a protected environment it raises exposure, so from an assistant it becomes a change request.
 */
import { FlagError } from '../errors.ts';
import { requireEnvironment, requireFlag, updateFlag, type Operation } from './operations.ts';

/**
 * Sets the config of `flagKey` in `to` to its config in `from`: on/off, default variant, rules and percentage
 * rollout (with its segments). A rollout plan is live state of one environment and is not copied; the target's plan,
 * if any, stays. Audit: `flag.copy` (environment `to`, `data.from`). Errors: FLAG_NOT_FOUND; INVALID_INPUT (unknown
 * environment, `from` equal to `to`, or no config in `from`), plus what {@link updateFlag} throws.
 */
export function copyEnvironmentConfig(flagKey: string, from: string, to: string): Operation {
  return (document, context) => {
    const flag = requireFlag(document, flagKey);
    requireEnvironment(document, from);
    requireEnvironment(document, to);
    if (from === to) {
      throw new FlagError('INVALID_INPUT', `Copying "${flagKey}" from ${from} to itself changes nothing.`, {
        flagKey,
        hint: 'Name two different environments, e.g. from staging to production.',
      });
    }
    const source = flag.environments[from];
    if (!source) {
      throw new FlagError('INVALID_INPUT', `Flag "${flagKey}" has no configuration in ${from} to copy.`, {
        flagKey,
        environment: from,
        hint: `Configure it in ${from} first, or copy from another environment.`,
      });
    }
    const { enabled, defaultVariant, rules } = source;
    const patch = { enabled, defaultVariant, rules, rollout: source.rollout ?? null };
    const result = updateFlag(flagKey, { environments: { [to]: patch } })(document, context);
    return {
      document: result.document,
      audit: result.audit.map((entry) => ({ ...entry, action: 'flag.copy', data: { ...entry.data, from } })),
    };
  };
}
