/**
 * How a flag's live state reads in the editor: code-lens titles, tree descriptions, hovers.
 * Pure functions over the store document, unit-tested without VS Code.
 */
import type { AuditEntry, EnvironmentConfig, Flag, StoreDocument } from '@rollgate/shared/flags';
import { ENVIRONMENT_ABBREVIATIONS } from '../constants.ts';

/** Short name of an environment for lenses (`production` → `prod`). */
export function abbreviateEnvironment(key: string): string {
  return ENVIRONMENT_ABBREVIATIONS[key] ?? key;
}

function formatPercent(p: number): string {
  return `${Number.isInteger(p) ? p : p.toFixed(2).replace(/0+$/, '')}%`;
}

/** What a flag's default variant serves, in a word: `on`/`off` for booleans, the variant name otherwise. */
function servedWord(flag: Flag, variant: string): string {
  if (flag.type === 'boolean') return flag.variants[variant] === true ? 'on' : 'off';
  return variant;
}

/**
 * The state of a flag in one environment in a few characters: `disabled`, `on`, `off`, `25%`,
 * `25% blue`, `on +2 rules`, `10% · step 2/6`, `locked`.
 */
export function describeEnvironmentState(flag: Flag, config: EnvironmentConfig | undefined): string {
  if (!config || !config.enabled) return 'disabled';
  const parts: string[] = [];
  const rollout = config.rollout;
  if (rollout && rollout.percentage > 0 && rollout.percentage < 100) {
    const isBooleanOn = flag.type === 'boolean' && flag.variants[rollout.variant] === true;
    parts.push(
      isBooleanOn ? formatPercent(rollout.percentage) : `${formatPercent(rollout.percentage)} ${rollout.variant}`,
    );
  } else {
    const served = rollout && rollout.percentage === 100 ? rollout.variant : config.defaultVariant;
    parts.push(servedWord(flag, served));
  }
  if (config.rules.length > 0) parts.push(`+${config.rules.length} rule${config.rules.length === 1 ? '' : 's'}`);
  const plan = config.plan;
  if (plan) {
    const { status, stepIndex } = plan.state;
    if (status === 'running' || status === 'paused') {
      return `${parts.join(' ')} · step ${stepIndex + 1}/${plan.steps.length}${status === 'paused' ? ' paused' : ''}`;
    }
    if (status === 'locked' || status === 'rolled-back') return `${parts.join(' ')} · ${status}`;
  }
  return parts.join(' ');
}

/**
 * Environments to show, in order: the configured list (unknown ones dropped), or every environment of the store
 * from the last declared to the first, since stores declare them in promotion order and production matters most.
 */
export function selectEnvironments(document: StoreDocument, configured: readonly string[]): string[] {
  const declared = document.environments.map((e) => e.key);
  if (configured.length === 0) return [...declared].reverse();
  return configured.filter((k) => declared.includes(k));
}

/** The code-lens title over a flag call: `new-checkout · prod 25% · staging on · dev on`, with a stale marker. */
export function lensTitle(
  flag: Flag | undefined,
  key: string,
  environments: readonly string[],
  options: { stale?: boolean; archived?: boolean } = {},
): string {
  if (!flag) return `$(warning) ${key}: not in the flag store`;
  const states = environments.map(
    (env) => `${abbreviateEnvironment(env)} ${describeEnvironmentState(flag, flag.environments[env])}`,
  );
  const markers = [
    flag.archived || options.archived ? '$(archive) archived' : '',
    options.stale ? '$(clock) stale' : '',
  ];
  return [`$(flag) ${key}`, ...states, ...markers.filter(Boolean)].join(' · ');
}

/** Markdown for a hover over a flag call: description, per-environment table, rules, owner, cleanup, last change. */
export function hoverMarkdown(
  flag: Flag,
  document: StoreDocument,
  options: { lastChange?: AuditEntry; staleReasons?: readonly string[] } = {},
): string {
  const lines: string[] = [`**${flag.name}** \`${flag.key}\` — ${flag.kind}${flag.archived ? ' (archived)' : ''}`];
  if (flag.description) lines.push('', flag.description);
  lines.push('', '| environment | state | default | rules |', '|---|---|---|---|');
  for (const env of document.environments) {
    const config = flag.environments[env.key];
    lines.push(
      `| ${env.key}${env.protected ? ' 🔒' : ''} | ${describeEnvironmentState(flag, config)} | ${config?.defaultVariant ?? '—'} | ${config?.rules.length ?? 0} |`,
    );
  }
  const variants = Object.entries(flag.variants)
    .map(([name, value]) => `\`${name}\` = \`${JSON.stringify(value)}\``)
    .join(', ');
  lines.push('', `Variants: ${variants}`);
  const facts = [
    flag.owner ? `Owner: ${flag.owner}` : '',
    flag.cleanupBy ? `Clean up by: ${flag.cleanupBy}` : '',
    flag.tags.length > 0 ? `Tags: ${flag.tags.join(', ')}` : '',
  ].filter(Boolean);
  if (facts.length > 0) lines.push('', facts.join(' · '));
  if (options.lastChange) {
    const c = options.lastChange;
    lines.push(
      '',
      `Last change: ${c.action}${c.environment ? ` in ${c.environment}` : ''} by ${c.actor} at ${c.at}${c.reason ? ` — “${c.reason}”` : ''}`,
    );
  }
  if (options.staleReasons && options.staleReasons.length > 0) {
    lines.push('', '**Stale:**', ...options.staleReasons.map((r) => `- ${r}`));
  }
  return lines.join('\n');
}
