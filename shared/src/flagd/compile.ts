/**
 * Compiles the Rollgate flag model to flagd flag-definition documents, one per environment. The output is plain
 * flagd JSON (https://flagd.dev/schema/v0/flags.json): any OpenFeature flagd provider, in any language, evaluates it
 * the same way Rollgate does. docs/flagd.md explains every mapping decision.
 */
import { FlagError } from '../errors.ts';
import { normalizeVersion } from '../eval/flagd-operators.ts';
import type {
  AttributeCondition,
  Condition,
  ConditionOperator,
  EnvironmentConfig,
  Flag,
  JsonValue,
  Rule,
  Segment,
  SplitBucket,
  StoreDocument,
} from '../flags/model.ts';
import { FLAGD_SCHEMA_URL } from './types.ts';
import type { FlagdDocument, FlagdFlag, FlagdMetadata } from './types.ts';

/**
 * Total integer weight of every compiled `fractional` (parts per million). flagd needs integer weights; a fixed total
 * makes a rollout of p % serve its variant to exactly the users whose bucket hash h (uint32) satisfies
 * h / 2^32 < round(p × 10 000) / 1 000 000, so raising p only ever adds users. Resolution: 0.0001 %.
 */
export const FLAGD_WEIGHT_SCALE = 1_000_000;

type Logic = JsonValue;

const SEMVER_OPERATORS = {
  semver_eq: '=',
  semver_gt: '>',
  semver_gte: '>=',
  semver_lt: '<',
  semver_lte: '<=',
} as const satisfies Partial<Record<ConditionOperator, string>>;

const NUMERIC_OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const satisfies Partial<
  Record<ConditionOperator, string>
>;

/** Where in the store document a compile error is, for FlagError details: a flag in an environment, or a segment. */
type Site =
  | { readonly flagKey: string; readonly environment: string; readonly path: (string | number)[] }
  | { readonly segment: string; readonly path: (string | number)[] };

function invalidRule(site: Site, message: string, hint: string): FlagError {
  const { path } = site;
  const where = 'segment' in site ? `Segment "${site.segment}"` : `Flag "${site.flagKey}" in "${site.environment}"`;
  return new FlagError('INVALID_RULE', `${where}: ${message} (at ${path.join('.')})`, {
    ...('segment' in site ? { segment: site.segment } : { flagKey: site.flagKey, environment: site.environment }),
    path,
    hint,
  });
}

/**
 * Compiles one environment of `document` to a flagd document. Every flag becomes a flagd flag: flags without config
 * in `environment`, disabled flags and archived flags are `DISABLED` with a null `defaultVariant` (every flagd
 * evaluator then serves the app's code default; their targeting is kept, so toggling is a small diff). Rules become
 * a JsonLogic `if` chain; splits and percentage rollouts become `fractional` over {@link FLAGD_WEIGHT_SCALE}. Flags
 * come out sorted by key, and flag-set metadata is `{ environment }`. The mapping is documented in docs/flagd.md.
 * The document is trusted to be model-valid (see `storeDocumentSchema`); the compiler checks what the model cannot.
 * Errors: INVALID_INPUT when `environment` is not declared; INVALID_RULE (details: flagKey, environment, path,
 * hint) for a condition value that does not fit its operator (a list for a single-value operator, a non-list for
 * `in`, a non-string for `starts_with`, an unparsable version, a value on `exists`, …), a split whose weights add
 * up to 0, or a `$flagd.*` attribute flagd does not provide.
 */
export function compileEnvironment(document: StoreDocument, environment: string): FlagdDocument {
  if (!document.environments.some((e) => e.key === environment)) {
    throw new FlagError('INVALID_INPUT', `Unknown environment "${environment}".`, {
      environment,
      hint: `Use one of the declared environments: ${document.environments.map((e) => e.key).join(', ')}.`,
    });
  }
  const flags: Record<string, FlagdFlag> = {};
  const sorted = [...document.flags].sort((a, b) => compareKeys(a.key, b.key));
  for (const flag of sorted) flags[flag.key] = compileFlag(flag, environment);
  const segments = document.segments ?? [];
  return {
    $schema: FLAGD_SCHEMA_URL,
    metadata: { environment },
    flags,
    ...(segments.length ? { $evaluators: compileSegments(segments) } : {}),
  };
}

/**
 * Segments → flagd `$evaluators`, one per segment under its key; rules refer to them with `{"$ref": key}`, which
 * every flagd evaluator replaces by the entry. A segment is `{"or": [included keys, rule, …]}`, guarded by
 * `{"!": excluded keys}`; one with neither keys nor rules matches nobody.
 */
function compileSegments(segments: readonly Segment[]): { [key: string]: JsonValue } {
  const targetingKey = { var: 'targetingKey' };
  return Object.fromEntries(
    segments.map((segment, s) => {
      const site = (...path: (string | number)[]): Site => ({ segment: segment.key, path: ['segments', s, ...path] });
      const members: Logic[] = [
        ...(segment.included.length ? [{ in: [targetingKey, [...segment.included]] }] : []),
        ...segment.rules.map((rule, r) => compileConditions(rule.conditions, site('rules', r, 'conditions'))),
      ];
      const anyOf: Logic = members.length === 1 ? (members[0] ?? null) : { or: members.length ? members : [false] };
      const logic = segment.excluded.length
        ? { and: [{ '!': [{ in: [targetingKey, [...segment.excluded]] }] }, anyOf] }
        : anyOf;
      return [segment.key, logic];
    }),
  );
}

/**
 * Compiles every declared environment of `document` (see {@link compileEnvironment}); the map is keyed by
 * environment key, in declaration order. Errors: INVALID_RULE as in {@link compileEnvironment}.
 */
export function compileStore(document: StoreDocument): Map<string, FlagdDocument> {
  return new Map(document.environments.map((env) => [env.key, compileEnvironment(document, env.key)]));
}

/**
 * Stable text of a flagd document for files under version control: 2-space JSON with a trailing newline, top-level
 * fields in a fixed order (`$schema`, `metadata`, `flags`, `$evaluators`), flags sorted by key, each flag's fields in
 * a fixed order (`state`, `defaultVariant`, `variants`, `targeting`, `metadata`) and every other object's keys sorted.
 * Equal documents always serialize to identical text, whatever order their keys were built in. Never throws.
 */
export function serializeFlagdDocument(doc: FlagdDocument): string {
  const flags = Object.fromEntries(
    Object.entries(doc.flags)
      .sort(([a], [b]) => compareKeys(a, b))
      .map(([key, flag]) => [key, orderedFlag(flag)]),
  );
  const ordered = withoutUndefined({
    $schema: doc.$schema,
    metadata: doc.metadata && sortKeysDeep(doc.metadata),
    flags,
    $evaluators: doc.$evaluators && sortKeysDeep(doc.$evaluators),
  });
  return `${JSON.stringify(ordered, undefined, 2)}\n`;
}

function orderedFlag(flag: FlagdFlag): JsonValue {
  return withoutUndefined({
    state: flag.state,
    defaultVariant: flag.defaultVariant,
    variants: sortKeysDeep(flag.variants),
    targeting: flag.targeting && sortKeysDeep(flag.targeting),
    metadata: flag.metadata && sortKeysDeep(flag.metadata),
  });
}

// Objects are built with Object.fromEntries (own data properties), so a user key like "__proto__" stays a key.
function withoutUndefined(fields: Record<string, JsonValue | undefined>): { [key: string]: JsonValue } {
  return Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, JsonValue] => entry[1] !== undefined),
  );
}

function sortKeysDeep(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort(compareKeys)
      .map((key) => [key, sortKeysDeep(value[key] as JsonValue)]),
  );
}

/** Code-unit order, independent of the host's locale. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compileFlag(flag: Flag, environment: string): FlagdFlag {
  const metadata = flagMetadata(flag);
  const config = flag.environments[environment];
  // Off means "the app's code default" (model.ts). flagd evaluators disagree on what a DISABLED flag serves (the code
  // default, an ERROR, or — per flagd's disabled-flag ADR — its defaultVariant); a null defaultVariant is the code
  // default under all of them.
  if (!config) return { state: 'DISABLED', defaultVariant: null, variants: flag.variants, metadata };
  const site = (...path: (string | number)[]): Site => ({
    flagKey: flag.key,
    environment,
    path: ['flags', flag.key, 'environments', environment, ...path],
  });
  const { defaultVariant, targeting } = compileTargeting(config, site);
  const enabled = config.enabled && !flag.archived;
  const compiled: FlagdFlag = {
    state: enabled ? 'ENABLED' : 'DISABLED',
    defaultVariant: enabled ? defaultVariant : null,
    variants: flag.variants,
  };
  if (targeting !== undefined) compiled.targeting = targeting;
  compiled.metadata = metadata;
  return compiled;
}

function flagMetadata(flag: Flag): FlagdMetadata {
  const metadata: FlagdMetadata = { ...flag.metadata, kind: flag.kind };
  if (flag.owner !== undefined) metadata.owner = flag.owner;
  if (flag.tags.length > 0) metadata.tags = flag.tags.join(',');
  if (flag.cleanupBy !== undefined) metadata.cleanupBy = flag.cleanupBy;
  if (flag.archived) metadata.archived = true;
  return metadata;
}

/**
 * Rules → `{"if": [cond1, serve1, cond2, serve2, …, fallthrough]}`; the fallthrough is the rollout's `fractional`,
 * or `null` (flagd then serves `defaultVariant` with reason DEFAULT). A 100 % rollout moves the flagd default variant.
 */
function compileTargeting(
  config: EnvironmentConfig,
  site: (...path: (string | number)[]) => Site,
): { defaultVariant: string; targeting: { [key: string]: JsonValue } | undefined } {
  let defaultVariant = config.defaultVariant;
  let fallthrough: { [key: string]: JsonValue } | null = null;
  const rollout = config.rollout;
  if (rollout && rollout.variant !== config.defaultVariant) {
    const weight = rolloutWeight(rollout.percentage);
    if (weight >= FLAGD_WEIGHT_SCALE) {
      defaultVariant = rollout.variant;
    } else {
      if (weight > 0) {
        fallthrough = {
          fractional: [
            [rollout.variant, weight],
            [config.defaultVariant, FLAGD_WEIGHT_SCALE - weight],
          ],
        };
      }
      // Staged audiences: the rollout's segments get the variant, the percentage applies to everyone else.
      if (rollout.segments) fallthrough = { if: [anySegment(rollout.segments), rollout.variant, fallthrough] };
    }
  }
  const branches = config.rules.flatMap((rule, r) => [
    compileConditions(rule.conditions, site('rules', r, 'conditions')),
    compileServe(rule, site('rules', r, 'serve', 'split')),
  ]);
  if (branches.length === 0) {
    return { defaultVariant, targeting: fallthrough ?? undefined };
  }
  return { defaultVariant, targeting: { if: [...branches, fallthrough] } };
}

/** Weight of a rollout percentage on the {@link FLAGD_WEIGHT_SCALE}; monotonic in `percentage`. */
function rolloutWeight(percentage: number): number {
  return Math.round((percentage * FLAGD_WEIGHT_SCALE) / 100);
}

function compileServe(rule: Rule, site: Site): Logic {
  if ('variant' in rule.serve) return rule.serve.variant;
  const buckets = integerWeights(rule.serve.split, site);
  if (buckets.length === 1) return buckets[0]?.[0] ?? null;
  return { fractional: buckets };
}

/**
 * Relative split weights → integers summing to {@link FLAGD_WEIGHT_SCALE}, by rounding the cumulative boundaries
 * (so each bucket keeps its users when a later bucket changes). Buckets that end up with no weight are dropped.
 */
function integerWeights(split: SplitBucket[], site: Site): [string, number][] {
  const total = split.reduce((sum, b) => sum + b.weight, 0);
  if (!(total > 0) || !Number.isFinite(total)) {
    throw invalidRule(
      site,
      'the split weights add up to 0',
      'Give at least one bucket of the split a weight above 0, or serve a single variant instead.',
    );
  }
  const buckets: [string, number][] = [];
  let cumulative = 0;
  let boundary = 0;
  for (const bucket of split) {
    cumulative += bucket.weight;
    const next = Math.round((cumulative / total) * FLAGD_WEIGHT_SCALE);
    if (next > boundary) buckets.push([bucket.variant, next - boundary]);
    boundary = next;
  }
  return buckets;
}

function compileConditions(conditions: readonly Condition[], site: Site): Logic {
  const compiled = conditions.map((condition, c) => compileCondition(condition, { ...site, path: [...site.path, c] }));
  return compiled.length === 1 ? (compiled[0] ?? null) : { and: compiled };
}

/** Membership of any of `segments`: their `$evaluators` entries (see {@link compileSegments}). */
function anySegment(segments: readonly string[]): Logic {
  const refs = segments.map((segment) => ({ $ref: segment }));
  return refs.length === 1 ? (refs[0] ?? null) : { or: refs };
}

function compileCondition(condition: Condition, site: Site): Logic {
  if ('segment' in condition) return anySegment([condition.segment]);
  const attribute = compileAttribute(condition.attribute, site);
  const { operator, value } = condition;
  switch (operator) {
    case 'equals':
      return { '===': [attribute, scalarValue(condition, site)] };
    case 'not_equals':
      return { '!==': [attribute, scalarValue(condition, site)] };
    case 'in':
      return { in: [attribute, listValue(condition, site)] };
    case 'not_in':
      return { '!': [{ in: [attribute, listValue(condition, site)] }] };
    case 'contains': {
      const needle = scalarValue(condition, site);
      if (typeof needle === 'boolean') {
        throw invalidRule(site, '"contains" needs a string or number value', 'Set the condition value to a string.');
      }
      // JsonLogic `in` with the attribute second: substring of a string attribute, element of an array attribute.
      return { in: [needle, attribute] };
    }
    case 'starts_with':
    case 'ends_with':
      return { [operator]: [attribute, stringValue(condition, site)] };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const bound = scalarValue(condition, site);
      if (typeof bound === 'boolean') {
        throw invalidRule(site, `"${operator}" needs a number or string value`, 'Set the condition value to a number.');
      }
      // Guard: JsonLogic coerces a missing attribute (null) to 0, so `lt`/`lte` would match users without it.
      return { and: [present(attribute), { [NUMERIC_OPERATORS[operator]]: [attribute, bound] }] };
    }
    case 'semver_eq':
    case 'semver_gt':
    case 'semver_gte':
    case 'semver_lt':
    case 'semver_lte':
      return { sem_ver: [attribute, SEMVER_OPERATORS[operator], semverValue(condition, site)] };
    case 'exists':
      if (value !== undefined) {
        throw invalidRule(site, '"exists" takes no value', 'Remove the value of this condition.');
      }
      return present(attribute);
  }
}

/** True when the attribute is set to anything but null, including 0, false and "" (hence strict `!==`). */
function present(attribute: Logic): Logic {
  return { '!==': [attribute, null] };
}

function compileAttribute(attribute: string, site: Site): Logic {
  if (attribute.startsWith('$flagd.') && attribute !== '$flagd.flagKey' && attribute !== '$flagd.timestamp') {
    throw invalidRule(
      site,
      `flagd provides no attribute "${attribute}"`,
      'Use "$flagd.flagKey", "$flagd.timestamp" (Unix seconds) or an attribute of the evaluation context.',
    );
  }
  return { var: attribute };
}

function scalarValue(condition: AttributeCondition, site: Site): string | number | boolean {
  const { value, operator } = condition;
  if (value === undefined || Array.isArray(value)) {
    throw invalidRule(
      site,
      `"${operator}" needs a single value, got ${value === undefined ? 'none' : 'a list'}`,
      Array.isArray(value) ? 'Use "in" / "not_in" to compare with a list.' : 'Set the condition value.',
    );
  }
  return value;
}

function stringValue(condition: AttributeCondition, site: Site): string {
  const value = scalarValue(condition, site);
  if (typeof value !== 'string') {
    throw invalidRule(
      site,
      `"${condition.operator}" needs a string value`,
      'Quote the condition value so it is a string.',
    );
  }
  return value;
}

function listValue(condition: AttributeCondition, site: Site): (string | number)[] {
  if (!Array.isArray(condition.value)) {
    throw invalidRule(
      site,
      `"${condition.operator}" needs a list of values`,
      'Give the condition value as a list, e.g. ["de", "fr"].',
    );
  }
  return condition.value;
}

/**
 * The condition's version, normalized to strict semver text (the flagd schema requires it). Accepts what flagd's
 * `sem_ver` accepts (the engine's own reading): a `v` prefix, and partial `1` / `1.2` versions.
 */
function semverValue(condition: AttributeCondition, site: Site): string {
  const raw = condition.value;
  const parsed = typeof raw === 'string' || typeof raw === 'number' ? normalizeVersion(raw) : null;
  if (!parsed) {
    throw invalidRule(
      site,
      `"${condition.operator}" needs a semantic version, got ${JSON.stringify(raw)}`,
      'Write the version as MAJOR.MINOR.PATCH, e.g. "2.4.0".',
    );
  }
  return parsed.version;
}
