/**
 * Human renderings of the flag model, shared by list/get/set-rule/evaluate. Conditions are printed in the same
 * syntax `--when` reads, so what `rollgate get` shows can be pasted back into `rollgate set-rule`.
 */
import { describeEnvironmentState } from '@rollgate/shared/flags';
import type { AttributeCondition, Condition, Flag, JsonValue, Rule, Serve } from '@rollgate/shared/flags';

const OPERATOR_SYMBOLS: Partial<Record<AttributeCondition['operator'], string>> = {
  equals: '==',
  not_equals: '!=',
  not_in: 'not in',
  starts_with: 'starts-with',
  ends_with: 'ends-with',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  semver_eq: 'semver==',
  semver_gt: 'semver>',
  semver_gte: 'semver>=',
  semver_lt: 'semver<',
  semver_lte: 'semver<=',
};

/** A literal as `--when` reads it back: strings that would parse as numbers or booleans get double quotes. */
function formatLiteral(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  return /^(true|false|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/.test(value) ? `"${value}"` : value;
}

/** `plan in pro,team`, `country == DE`, `beta exists`, `segment internal-users`. */
export function formatCondition(condition: Condition): string {
  if ('segment' in condition) return `segment ${condition.segment}`;
  const op = OPERATOR_SYMBOLS[condition.operator] ?? condition.operator;
  const { value } = condition;
  if (value === undefined) return `${condition.attribute} ${op}`;
  const text = Array.isArray(value) ? value.map(formatLiteral).join(',') : formatLiteral(value);
  return `${condition.attribute} ${op} ${text}`;
}

/** `on`, or `split on:10,off:90`. */
export function formatServe(serve: Serve): string {
  return 'variant' in serve ? serve.variant : `split ${serve.split.map((b) => `${b.variant}:${b.weight}`).join(',')}`;
}

/** `when plan in pro,team and country == DE serve on`. */
export function formatRule(rule: Rule): string {
  const id = rule.id === undefined ? '' : ` [${rule.id}]`;
  return `when ${rule.conditions.map(formatCondition).join(' and ')} serve ${formatServe(rule.serve)}${id}`;
}

/**
 * One-line state of a flag in an environment, in the vocabulary every client uses (`disabled`, `serves \`off\``,
 * `on → 25% get \`on\` (+1 rule)`).
 */
export function summarizeEnvironment(flag: Flag, environment: string): string {
  return describeEnvironmentState(flag, environment).summary;
}

/** A JSON value for one line of human output: `—` when absent, cut to `max` characters with `…`. */
export function formatValue(value: JsonValue | undefined, max = 100): string {
  if (value === undefined) return '—';
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
