/**
 * Parsers for the CLI's own argument syntax: conditions (`--when "plan in pro,team"`), splits
 * (`--split on:10,off:90`), percentages, JSON arguments and evaluation contexts. Each turns bad input into an
 * INVALID_INPUT FlagError whose hint shows the right syntax.
 */
import {
  ConditionOperator,
  ruleSchema,
  type Condition,
  type JsonValue,
  type Rule,
  type SplitBucket,
} from '@rollgate/shared/flags';
import { usageError } from './errors.ts';

type Literal = string | number | boolean;

/**
 * Reads a value typed on the command line: `30`, `-1.5` → number; `true` / `false` → boolean; `"30"` (double
 * quotes) → the string inside; anything else → the string as written.
 */
export function parseLiteral(text: string): Literal {
  const trimmed = text.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(trimmed)) return Number(trimmed);
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) return trimmed.slice(1, -1);
  return trimmed;
}

/** Operator spellings accepted by `--when`: the model's names, their dashed forms, and the usual symbols. */
const OPERATOR_ALIASES: ReadonlyMap<string, ConditionOperator> = new Map<string, ConditionOperator>([
  ...Object.values(ConditionOperator).flatMap((op): [string, ConditionOperator][] => [
    [op, op],
    [op.replaceAll('_', '-'), op],
  ]),
  ['==', 'equals'],
  ['=', 'equals'],
  ['!=', 'not_equals'],
  ['not in', 'not_in'],
  ['>', 'gt'],
  ['>=', 'gte'],
  ['<', 'lt'],
  ['<=', 'lte'],
  ['semver==', 'semver_eq'],
  ['semver>', 'semver_gt'],
  ['semver>=', 'semver_gte'],
  ['semver<', 'semver_lt'],
  ['semver<=', 'semver_lte'],
]);

const CONDITION_HINT =
  'Write --when "<attribute> <operator> <value>", e.g. --when "plan in pro,team", --when "country == DE", ' +
  '--when "version semver>= 2.1.0", --when "beta exists", --when "segment beta-users". Operators: ==, !=, in, not in, contains, starts-with, ' +
  'ends-with, >, >=, <, <=, semver==, semver>, semver>=, semver<, semver<=, exists.';

/**
 * Parses one `--when` condition: `<attribute> <operator> [<value>]` (`in` / `not in` take a comma list), or
 * `segment <key>` for the users of a segment.
 */
export function parseCondition(text: string): Condition {
  const segment = /^\s*segment\s+(\S+)\s*$/i.exec(text)?.[1];
  if (segment !== undefined && !OPERATOR_ALIASES.has(segment.toLowerCase())) return { segment };
  const match = /^\s*(\S+)\s+(not\s+in|\S+)(?:\s+(.*?))?\s*$/i.exec(text);
  const attribute = match?.[1];
  const opText = match?.[2]?.toLowerCase().replace(/\s+/, ' ');
  const valueText = match?.[3];
  if (attribute === undefined || opText === undefined) {
    throw usageError(`Cannot read the condition "${text}".`, CONDITION_HINT);
  }
  const operator = OPERATOR_ALIASES.get(opText);
  if (operator === undefined) {
    throw usageError(`Unknown operator "${match?.[2] ?? ''}" in the condition "${text}".`, CONDITION_HINT);
  }
  if (operator === 'exists') {
    if (valueText !== undefined) {
      throw usageError(`"exists" takes no value, but the condition "${text}" has one.`, CONDITION_HINT);
    }
    return { attribute, operator };
  }
  if (valueText === undefined || valueText === '') {
    throw usageError(`The condition "${text}" has no value to compare with.`, CONDITION_HINT);
  }
  if (operator === 'in' || operator === 'not_in') {
    const items = valueText.split(',').map((item) => parseLiteral(item));
    const list = items.map((item) => (typeof item === 'boolean' ? String(item) : item));
    if (list.some((item) => item === '')) {
      throw usageError(
        `The list in "${text}" has an empty item.`,
        'Separate items with single commas: "plan in pro,team".',
      );
    }
    return { attribute, operator, value: list };
  }
  const value = parseLiteral(valueText);
  if (['gt', 'gte', 'lt', 'lte'].includes(operator) && typeof value !== 'number') {
    throw usageError(`"${opText}" compares numbers, but "${valueText}" is not a number.`, CONDITION_HINT);
  }
  if (operator.startsWith('semver_') || ['contains', 'starts_with', 'ends_with'].includes(operator)) {
    return { attribute, operator, value: String(value) };
  }
  return { attribute, operator, value };
}

const SPLIT_HINT = 'Write --split <variant>:<weight>,…, e.g. --split on:10,off:90 (weights are relative).';

/** Parses `--split on:10,off:90` into weighted buckets. */
export function parseSplit(text: string): SplitBucket[] {
  return text.split(',').map((part) => {
    const match = /^\s*([^:\s]+)\s*:\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(part);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw usageError(`Cannot read "${part}" in the split "${text}".`, SPLIT_HINT);
    }
    return { variant: match[1], weight: Number(match[2]) };
  });
}

/** Parses a percentage between 0 and 100, written `25`, `2.5` or `25%`. */
export function parsePercentage(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const value = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!(value >= 0 && value <= 100)) {
    throw usageError(`"${text}" is not a percentage.`, 'Give a number from 0 to 100, e.g. 25 or 2.5.');
  }
  return value;
}

/** Parses the JSON text of option `option`; the error names the option and the position JSON.parse reports. */
export function parseJsonOption(text: string, option: string, example: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const reason = e instanceof SyntaxError ? e.message : String(e);
    throw usageError(
      `${option} is not valid JSON: ${reason}.`,
      `Quote the JSON for your shell, e.g. ${option} '${example}'.`,
    );
  }
}

/** Formats zod issues as `path: message` items for an error message. */
export function formatIssues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

const RULE_EXAMPLE = '{"conditions":[{"attribute":"plan","operator":"in","value":["pro"]}],"serve":{"variant":"on"}}';

/** Parses and validates `--rule-json`. */
export function parseRuleJson(text: string): Rule {
  const parsed = ruleSchema.safeParse(parseJsonOption(text, '--rule-json', RULE_EXAMPLE));
  if (!parsed.success) {
    throw usageError(
      `--rule-json is not a valid rule: ${formatIssues(parsed.error)}.`,
      `A rule looks like ${RULE_EXAMPLE}.`,
    );
  }
  return parsed.data;
}

/** An OpenFeature evaluation context: `targetingKey` plus attributes. */
export type EvaluationContext = Record<string, JsonValue>;

const CONTEXT_EXAMPLE = '{"targetingKey":"u1","plan":"pro"}';

/**
 * Builds the evaluation context from `--context <json>`, then `--key` (targetingKey) and `--attr name=value`
 * (values read with {@link parseLiteral}), later ones overriding earlier ones.
 */
export function parseEvaluationContext(input: {
  context?: string;
  key?: string;
  attrs: readonly string[];
}): EvaluationContext {
  const context: EvaluationContext = {};
  if (input.context !== undefined) {
    // JSON.parse only yields JSON values, so an object here is an EvaluationContext.
    const parsed = parseJsonOption(input.context, '--context', CONTEXT_EXAMPLE);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw usageError('--context must be a JSON object.', `Pass e.g. --context '${CONTEXT_EXAMPLE}'.`);
    }
    Object.assign(context, parsed as EvaluationContext);
  }
  if (input.key !== undefined) context.targetingKey = input.key;
  for (const attr of input.attrs) {
    const eq = attr.indexOf('=');
    if (eq <= 0) {
      throw usageError(`Cannot read --attr "${attr}".`, 'Write --attr <name>=<value>, e.g. --attr plan=pro.');
    }
    context[attr.slice(0, eq)] = parseLiteral(attr.slice(eq + 1));
  }
  return context;
}

/** The items of a comma-separated option (`--include alice, bob`), trimmed, empty ones left out. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Commander reducer for repeatable options (`--when a --when b`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
