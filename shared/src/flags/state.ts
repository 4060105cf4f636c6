/**
 * The shared vocabulary for what a flag serves in one environment, as users read it: `production: off`,
 * `staging: on → 10% get \`on\``, `development: serves \`on\``. Every client (MCP replies, CLI, editor) words
 * states the same way.
 */
import type { Flag } from './model.ts';

/** A flag's effective state in one environment, in words. */
export interface EnvironmentStateDescription {
  /** One line, e.g. `production: on → 10% get \`on\``. */
  readonly short: string;
  /** A sentence saying who gets what, e.g. `staging: flag is off, nobody gets it (apps use their code default)`. */
  readonly long: string;
  /** True when the environment serves the flag at all (on, not archived, configured). */
  readonly live: boolean;
}

/**
 * Describes what `flag` serves in `environment`: off / not configured / archived (apps get their code default), or
 * on with its rules, percentage rollout, rollout plan and default variant. Never throws.
 */
export function describeEnvironmentState(flag: Flag, environment: string): EnvironmentStateDescription {
  const config = flag.environments[environment];
  if (flag.archived) {
    return off(environment, 'archived', 'flag is archived, nobody gets it (apps use their code default)');
  }
  if (!config) {
    return off(environment, 'not configured', 'flag is not configured, nobody gets it (apps use their code default)');
  }
  if (!config.enabled) return off(environment, 'off', 'flag is off, nobody gets it (apps use their code default)');

  const rules = config.rules.length;
  const rulesText = rules === 0 ? '' : `${rules} targeting rule${rules === 1 ? '' : 's'} first, then `;
  const plan = config.plan;
  const planText =
    plan && plan.state.status !== 'pending'
      ? ` (rollout plan ${plan.state.status}, step ${plan.state.stepIndex + 1} of ${plan.steps.length})`
      : '';
  const rollout = config.rollout;
  if (rollout && rollout.percentage > 0 && rollout.variant !== config.defaultVariant) {
    return {
      short: `${environment}: on → ${rollout.percentage}% get \`${rollout.variant}\``,
      long:
        `${environment}: flag is on; ${rulesText}${rollout.percentage}% get \`${rollout.variant}\`, the rest get ` +
        `\`${config.defaultVariant}\`${planText}`,
      live: true,
    };
  }
  return {
    short: `${environment}: serves \`${config.defaultVariant}\`${rules ? ` (+${rules} rule${rules === 1 ? '' : 's'})` : ''}`,
    long: `${environment}: flag is on; ${rulesText || ''}${rulesText ? 'everyone else gets' : 'everyone gets'} \`${config.defaultVariant}\`${planText}`,
    live: true,
  };
}

function off(environment: string, short: string, long: string): EnvironmentStateDescription {
  return { short: `${environment}: ${short}`, long: `${environment}: ${long}`, live: false };
}
