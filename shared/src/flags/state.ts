/**
 * The one vocabulary for what a flag serves in one environment, as users read it in every client (code lens,
 * hover, Flags view, CLI, MCP replies): `production: disabled`, `production: on → 1% get \`on\``,
 * `staging: serves \`off\``. "disabled" (the kill switch: apps get their code default) is never worded like
 * "serves `off`" (the flag is live and hands out its `off` variant).
 */
import type { Flag } from './model.ts';

/** A flag's effective state in one environment, in words. */
export interface EnvironmentStateDescription {
  /** The state without the environment, e.g. `on → 25% get \`on\` · step 4/6` or `disabled`. */
  readonly summary: string;
  /** One line, `<environment>: <summary>`, e.g. `production: on → 25% get \`on\` · step 4/6`. */
  readonly short: string;
  /** A sentence saying who gets what, e.g. `production: on; 25% get \`on\`, the rest get \`off\` (…)`. */
  readonly long: string;
  /** True when the environment serves the flag at all (not archived, configured, enabled). */
  readonly live: boolean;
}

const CODE_DEFAULT = 'nobody gets a variant, apps use the default value in their code';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatPercent(p: number): string {
  return `${Number.isInteger(p) ? p : Number(p.toFixed(2))}%`;
}

/**
 * Describes what `flag` serves in `environment` (an environment key, used as given in the text): archived,
 * not configured, disabled (apps get their code default), or on with its rules, percentage rollout, rollout plan
 * and default variant. Pure; never throws.
 */
export function describeEnvironmentState(flag: Flag, environment: string): EnvironmentStateDescription {
  const config = flag.environments[environment];
  const off = (summary: string, why: string): EnvironmentStateDescription => ({
    summary,
    short: `${environment}: ${summary}`,
    long: `${environment}: ${why}; ${CODE_DEFAULT}`,
    live: false,
  });
  if (flag.archived) return off('archived', 'the flag is archived');
  if (!config) return off('not configured', 'the flag is not configured here');
  if (!config.enabled) return off('disabled', 'disabled (kill switch)');

  const rules = config.rules.length;
  const rulesShort = rules > 0 ? ` (+${plural(rules, 'rule')})` : '';
  const rulesLong = rules > 0 ? `${plural(rules, 'targeting rule')} first, then ` : '';
  const plan = config.plan;
  const status = plan?.state.status;
  let planShort = '';
  let planLong = '';
  if (plan && status && status !== 'pending') {
    const step = `step ${plan.state.stepIndex + 1}/${plan.steps.length}`;
    planShort =
      status === 'running'
        ? ` · ${step}`
        : status === 'completed'
          ? ' · plan completed'
          : ` · ${step} ${status === 'rolled-back' ? 'rolled back' : status}`;
    planLong = ` (rollout plan ${status === 'rolled-back' ? 'rolled back' : status}, step ${plan.state.stepIndex + 1} of ${plan.steps.length})`;
  }
  const rollout = config.rollout;
  const segments = rollout?.segments ?? [];
  if (
    rollout &&
    (rollout.percentage > 0 || segments.length > 0) &&
    rollout.percentage < 100 &&
    rollout.variant !== config.defaultVariant
  ) {
    // Staged audiences: the segments' users, plus the percentage of everyone else.
    const pct = formatPercent(rollout.percentage);
    const who = segments.length === 0 ? pct : `${segments.join(' + ')}${rollout.percentage > 0 ? ` + ${pct}` : ''}`;
    const summary = `on → ${who} get \`${rollout.variant}\`${rulesShort}${planShort}`;
    return {
      summary,
      short: `${environment}: ${summary}`,
      long: `${environment}: on; ${rulesLong}${who} get \`${rollout.variant}\`, the rest get \`${config.defaultVariant}\`${planLong}`,
      live: true,
    };
  }
  // A 100 % rollout hands everyone (after the rules) its variant.
  const served = rollout && rollout.percentage >= 100 ? rollout.variant : config.defaultVariant;
  const summary = `serves \`${served}\`${rulesShort}${planShort}`;
  return {
    summary,
    short: `${environment}: ${summary}`,
    long: `${environment}: on; ${rulesLong}${rules > 0 ? 'everyone else gets' : 'everyone gets'} \`${served}\`${planLong}`,
    live: true,
  };
}
