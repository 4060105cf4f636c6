/**
 * How a flag's live state reads in the editor: code-lens titles, tree descriptions, hovers.
 * Pure functions over the store document, unit-tested without VS Code.
 */
import { describeEnvironmentState, type AuditEntry, type Flag, type StoreDocument } from '@rollgate/shared/flags';
import type { UsageSignal, UsageSummary } from '@rollgate/shared/telemetry/usage-store';
import { ENVIRONMENT_ABBREVIATIONS } from '../constants.ts';

/** Short name of an environment for lenses (`production` → `prod`). */
export function abbreviateEnvironment(key: string): string {
  return ENVIRONMENT_ABBREVIATIONS[key] ?? key;
}

/**
 * Environments a lens shows, in order: the configured list (unknown ones dropped), or just the last declared one,
 * since stores declare environments in promotion order and production matters most; the lens stays short.
 */
export function selectEnvironments(document: StoreDocument, configured: readonly string[]): string[] {
  const declared = document.environments.map((e) => e.key);
  const shown = configured.filter((k) => declared.includes(k));
  if (shown.length > 0) return shown;
  const last = declared.at(-1);
  return last === undefined ? [] : [last];
}

/** The code-lens title over a flag call: `$(flag) new-checkout · prod: on → 25% get \`on\``, with a stale marker. */
export function lensTitle(
  flag: Flag | undefined,
  key: string,
  environments: readonly string[],
  options: { stale?: boolean } = {},
): string {
  if (!flag) return `$(warning) ${key}: not in the flag store`;
  // Archived reads the same in every environment: say it once.
  const states = flag.archived
    ? ['archived']
    : environments.map((env) => `${abbreviateEnvironment(env)}: ${describeEnvironmentState(flag, env).summary}`);
  const markers = [options.stale && !flag.archived ? '$(clock) stale' : ''];
  return [`$(flag) ${key}`, ...states, ...markers.filter(Boolean)].join(' · ');
}

/** A command link in Markdown: `[title](command:id?args)`. */
export interface CommandLink {
  readonly title: string;
  readonly command: string;
  readonly args: unknown;
}

/** Renders a command link; the hover must trust exactly these commands. */
export function commandLink(link: CommandLink): string {
  return `[${link.title}](command:${link.command}?${encodeURIComponent(JSON.stringify([link.args]))})`;
}

/**
 * When something happened, relative and in the user's time zone: `3 hours ago (6 Dec 2026, 17:05)`.
 * `locale` undefined uses the runtime's.
 */
export function formatWhen(iso: string, now: Date, locale?: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 365 * 86_400],
    ['month', 30 * 86_400],
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const [unit, size] = units.find(([, size]) => Math.abs(seconds) >= size) ?? ['second', 1];
  const relative = Math.abs(seconds) < 45 ? rtf.format(0, 'second') : rtf.format(Math.round(seconds / size), unit);
  const absolute = at.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return `${relative} (${absolute})`;
}

/**
 * Markdown for a hover over a flag call: name, the state per environment in the shared vocabulary, owner, cleanup
 * date, the last change (relative, local time) and the action links. Stale reasons are not repeated here: the
 * diagnostic in the same hover already lists them.
 */
export function hoverMarkdown(
  flag: Flag,
  document: StoreDocument,
  options: {
    lastChange?: AuditEntry;
    stale?: boolean;
    references?: number;
    /** Evaluation counts apps reported to rollgate server (last 30 days) and the stale signals drawn from them. */
    usage?: FlagUsage;
    now: Date;
    actions: readonly CommandLink[];
  },
): string {
  const markers = [flag.archived ? 'archived' : '', options.stale ? 'stale' : ''].filter(Boolean);
  const lines: string[] = [
    `**${flag.name}** \`${flag.key}\` — ${flag.kind}${markers.length > 0 ? ` (${markers.join(', ')})` : ''}`,
  ];
  if (flag.description) lines.push('', flag.description);
  lines.push('');
  for (const env of document.environments) {
    const d = describeEnvironmentState(flag, env.key);
    lines.push(`- ${env.protected ? '$(lock) ' : ''}**${env.key}**: ${d.summary}`);
  }
  const variants = Object.entries(flag.variants)
    .map(([name, value]) => `\`${name}\` = \`${JSON.stringify(value)}\``)
    .join(', ');
  lines.push('', `Variants: ${variants}`);
  const facts = [
    flag.owner ? `Owner: ${flag.owner}` : '',
    flag.cleanupBy ? `Clean up by: ${flag.cleanupBy}` : '',
    flag.tags.length > 0 ? `Tags: ${flag.tags.join(', ')}` : '',
    options.references !== undefined
      ? `${options.references} reference${options.references === 1 ? '' : 's'} in code`
      : '',
  ].filter(Boolean);
  if (facts.length > 0) lines.push('', facts.join(' · '));
  if (options.usage) lines.push(...usageLines(options.usage, options.now));
  if (options.lastChange) {
    const c = options.lastChange;
    lines.push(
      '',
      `Last change: ${c.action}${c.environment ? ` in ${c.environment}` : ''} by ${c.actor}, ${formatWhen(c.at, options.now)}${c.reason ? ` — “${c.reason}”` : ''}`,
    );
  }
  if (options.actions.length > 0) lines.push('', options.actions.map(commandLink).join(' · '));
  return lines.join('\n');
}

/** A flag's recent usage as the hover shows it. */
export interface FlagUsage {
  readonly summaries: readonly UsageSummary[];
  readonly signals: readonly UsageSignal[];
}

/**
 * Usage lines of a hover: per environment the evaluations with the share of each variant and when last seen, then
 * the usage stale signals (which look further back). Nothing when no app reported (no telemetry is not evidence).
 */
export function usageLines(usage: FlagUsage, now: Date, locale?: string): string[] {
  if (usage.summaries.length === 0 && usage.signals.length === 0) return [];
  const count = new Intl.NumberFormat(locale);
  const lines = ['', usage.summaries.length > 0 ? 'Evaluations, last 30 days:' : 'Evaluations:'];
  for (const s of usage.summaries) {
    const shares = Object.entries(s.variants)
      .sort(([, a], [, b]) => b - a)
      .map(([variant, n]) => `\`${variant}\` ${Math.round((100 * n) / s.total)}%`)
      .join(', ');
    lines.push(
      `- **${s.environment}**: ${count.format(s.total)} (${shares}), last ${formatWhen(s.lastSeen, now, locale)}`,
    );
  }
  for (const signal of usage.signals) lines.push(`- $(clock) ${signal.message}`);
  return lines;
}
