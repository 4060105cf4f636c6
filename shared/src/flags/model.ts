/**
 * The flag model: zod schemas for everything a store holds, and the types inferred from them.
 * zod runs at boundaries only (store file read, MCP/CLI input); inside the core these types are trusted.
 */
import * as z from 'zod';
import { checkSegments } from './segment-check.ts';
import { ENVIRONMENT_KEY_PATTERN, ENVIRONMENT_KEY_RULE } from './keys.ts';

/**
 * Flag keys: what flagd accepts (`flags` of flagd-schemas `json/flags.json` has `patternProperties` `^.{1,}$`): any
 * string of at least one character without a line break, case preserved (`new-checkout`, `automatedActions`,
 * `team.Feature`, `UPPER_CASE`, `with space`). The one exception is `__proto__`, which a JavaScript object cannot
 * hold as an ordinary key (flagd JSON and the evaluator key objects by flag key). See docs/scanner.md.
 */
export const FLAG_KEY_PATTERN = /^(?!__proto__$).+$/;

export const flagKeySchema = z
  .string()
  .regex(FLAG_KEY_PATTERN, 'use at least one character, no line break (flagd\'s rule), and not "__proto__"');
export const environmentKeySchema = z.string().regex(ENVIRONMENT_KEY_PATTERN, ENVIRONMENT_KEY_RULE);
export const variantNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use 1–64 characters of letters, digits, ".", "_" or "-"');

export const FlagKind = {
  release: 'release',
  experiment: 'experiment',
  operational: 'operational',
  killSwitch: 'kill-switch',
  permission: 'permission',
} as const;
export type FlagKind = (typeof FlagKind)[keyof typeof FlagKind];
export const flagKindSchema = z.enum(Object.values(FlagKind) as [FlagKind, ...FlagKind[]]);

/**
 * How long a flag of each kind is expected to live, in days; `undefined` means it is meant to stay
 * (kill switches and permissions are never stale by age). Repo policy in `.rollgate/` may override these.
 */
export const EXPECTED_LIFETIME_DAYS: Readonly<Record<FlagKind, number | undefined>> = {
  release: 40,
  experiment: 40,
  operational: 7,
  'kill-switch': undefined,
  permission: undefined,
};

export const FlagType = { boolean: 'boolean', string: 'string', number: 'number', object: 'object' } as const;
export type FlagType = (typeof FlagType)[keyof typeof FlagType];
export const flagTypeSchema = z.enum(Object.values(FlagType) as [FlagType, ...FlagType[]]);

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValueSchema),
    z.record(z.string(), jsonValueSchema),
  ]),
);
/** A variant's value; its JS type must match the flag's {@link FlagType} (object = JSON object). */
export const variantValueSchema = z.union([z.boolean(), z.string(), z.number(), z.record(z.string(), jsonValueSchema)]);
export type VariantValue = z.infer<typeof variantValueSchema>;

/** Condition operators over one context attribute; each compiles to flagd JsonLogic. */
export const ConditionOperator = {
  equals: 'equals',
  notEquals: 'not_equals',
  in: 'in',
  notIn: 'not_in',
  contains: 'contains',
  startsWith: 'starts_with',
  endsWith: 'ends_with',
  greaterThan: 'gt',
  greaterOrEqual: 'gte',
  lessThan: 'lt',
  lessOrEqual: 'lte',
  semverEquals: 'semver_eq',
  semverGreaterThan: 'semver_gt',
  semverGreaterOrEqual: 'semver_gte',
  semverLessThan: 'semver_lt',
  semverLessOrEqual: 'semver_lte',
  exists: 'exists',
} as const;
export type ConditionOperator = (typeof ConditionOperator)[keyof typeof ConditionOperator];
export const conditionOperatorSchema = z.enum(
  Object.values(ConditionOperator) as [ConditionOperator, ...ConditionOperator[]],
);

export const attributeConditionSchema = z.object({
  /** Context attribute, e.g. `email`, `plan`, `targetingKey`; dotted paths reach nested attributes. */
  attribute: z.string().min(1),
  operator: conditionOperatorSchema,
  /** Compared value; a list for `in` / `not_in`; omitted for `exists`. */
  value: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]).optional(),
});
export type AttributeCondition = z.infer<typeof attributeConditionSchema>;

/** Segment keys: like environment keys (lowercase, digits, `.`, `_`, `-`; 1–100 characters). */
export const segmentKeySchema = z.string().regex(ENVIRONMENT_KEY_PATTERN, ENVIRONMENT_KEY_RULE);
/** A condition that holds for the users of a segment (see `segmentSchema` and flags/segments.ts). */
export const segmentConditionSchema = z.object({ segment: segmentKeySchema }).strict();
export type SegmentCondition = z.infer<typeof segmentConditionSchema>;

/** One condition of a rule: on a context attribute, or membership of a segment (`{segment: "beta-users"}`). */
export const conditionSchema = z.union([segmentConditionSchema, attributeConditionSchema]);
export type Condition = z.infer<typeof conditionSchema>;

/** One weighted bucket of a percentage split; weights are relative (they need not add up to 100). */
export const splitBucketSchema = z.object({ variant: variantNameSchema, weight: z.number().min(0) });
export type SplitBucket = z.infer<typeof splitBucketSchema>;

/** What a rule serves: one variant, or a percentage split bucketed by flag key + targetingKey. */
export const serveSchema = z.union([
  z.object({ variant: variantNameSchema }).strict(),
  z.object({ split: z.array(splitBucketSchema).min(1) }).strict(),
]);
export type Serve = z.infer<typeof serveSchema>;

/** A targeting rule: all conditions must hold (AND); rules are tried in order, first match wins. */
export const ruleSchema = z.object({
  id: z.string().min(1).optional(),
  description: z.string().optional(),
  conditions: z.array(conditionSchema).min(1),
  serve: serveSchema,
});
export type Rule = z.infer<typeof ruleSchema>;

/**
 * Percentage rollout for users no rule matched: `percentage` % get `variant`, the rest the default variant.
 * Compiles to flagd `fractional` seeded by the flag key, so raising the percentage only adds users.
 */
export const rolloutSchema = z.object({
  variant: variantNameSchema,
  percentage: z.number().min(0).max(100),
  /** Segments whose users get `variant` whatever the percentage (staged audiences of a plan, flags/segments.ts). */
  segments: z.array(segmentKeySchema).min(1).optional(),
});
export type Rollout = z.infer<typeof rolloutSchema>;

/** A guardrail metric of a progressive rollout (see `shared/src/rollout` and docs/rollout.md). */
export const guardrailSchema = z.object({
  name: z.string().min(1),
  /**
   * error-rate: errors / requests; latency: a percentile in ms; ratio: counter / counter (a proportion, e.g.
   * retries / requests); business: a proportion where higher is better by default (e.g. conversions / sessions).
   */
  metric: z.enum(['error-rate', 'latency', 'ratio', 'business']),
  /** Latency percentile (e.g. 95) for `latency`; default 95. */
  percentile: z.number().min(1).max(99.9).optional(),
  /** Where the numbers come from: the built-in OpenFeature hook, or a Prometheus server. */
  source: z.enum(['builtin', 'prometheus']).default('builtin'),
  /**
   * PromQL template for `prometheus`; `{{variant}}`, `{{flag}}`, `{{environment}}` and `{{window}}` are substituted.
   * Proportions: the numerator count over the window (e.g. errors); latency: histogram bucket counts with an `le` label.
   */
  query: z.string().optional(),
  /** PromQL template of the denominator count (e.g. requests) for proportion metrics from `prometheus`. */
  denominatorQuery: z.string().optional(),
  /** Built-in source, `ratio` / `business`: the outcome counter counted as events (e.g. `conversion`). */
  counter: z.string().min(1).optional(),
  /** Built-in source, `ratio` / `business`: the counter used as denominator; default: all recorded outcomes. */
  denominatorCounter: z.string().min(1).optional(),
  /** Hard limit on the treatment's value, e.g. 0.005 for a 0.5% error rate. */
  max: z.number().optional(),
  /** Hard lower limit for metrics where higher is better. */
  min: z.number().optional(),
  /** Relative limit against control, e.g. 0.2 = treatment may be at most 20% worse. */
  maxRelativeDegradation: z.number().min(0).optional(),
  /** Which way is worse; default lower-is-better, except `business` (higher-is-better). */
  direction: z.enum(['lower-is-better', 'higher-is-better']).optional(),
  /**
   * Smallest regression that must be caught fast, as a relative change: vs control for a relative limit (must
   * exceed maxRelativeDegradation), vs the limit for max/min and latency. Tunes the sequential test; default 1.
   */
  minDetectableEffect: z.number().gt(0).optional(),
  /** Per-segment tests: attribute → the values tested on their own, e.g. `{ platform: [desktop, mobile] }`. */
  slices: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).optional(),
});
export type Guardrail = z.infer<typeof guardrailSchema>;

export const DEFAULT_ROLLOUT_STEPS: readonly number[] = [1, 5, 10, 25, 50, 100];

/**
 * A plan step that reaches segments: their users get the variant from this step on, plus `percentage` % of the
 * rest (default: the percentage of the step before).
 */
export const audienceStepSchema = z
  .object({
    segment: segmentKeySchema.optional(),
    segments: z.array(segmentKeySchema).min(1).optional(),
    percentage: z.number().min(0).max(100).optional(),
  })
  .strict()
  .refine((s) => s.segment !== undefined || s.segments !== undefined, 'name a segment (or segments)');
export type AudienceStep = z.infer<typeof audienceStepSchema>;

/**
 * Status of a progressive rollout plan. `rolled-back` (guardrail breach) and `locked` (kill switch) are stopped
 * until a human resumes.
 */
export const rolloutStatusSchema = z.enum(['pending', 'running', 'paused', 'completed', 'rolled-back', 'locked']);
export type RolloutStatus = z.infer<typeof rolloutStatusSchema>;

/** The controller's latest check of a running plan (written when its outcome or reasons change). */
export const rolloutCheckSchema = z.object({
  at: z.iso.datetime({ offset: true }),
  /** What the controller did: hold, advance, complete, rollback, pause (breach or sample-ratio mismatch), lock. */
  decision: z.enum(['hold', 'advance', 'complete', 'rollback', 'pause', 'lock']),
  /** Stable reason codes (e.g. `min-duration`, `source-error:prometheus`), used to record holds only on change. */
  codes: z.array(z.string()).default([]),
  /** Human-readable reasons, with numbers. */
  reasons: z.array(z.string()).default([]),
});
export type RolloutCheck = z.infer<typeof rolloutCheckSchema>;

/** A progressive rollout plan for one flag in one environment, with its live state. */
export const rolloutPlanSchema = z.object({
  /** The variant being rolled out. */
  variant: variantNameSchema,
  /** Percentages, or audience steps `{segment}` / `{segments, percentage}` (rollout/audience-steps.ts). */
  steps: z
    .array(z.union([z.number().gt(0).max(100), audienceStepSchema]))
    .min(1)
    .default([...DEFAULT_ROLLOUT_STEPS]),
  /** Minimum time a step is held before it may advance, in minutes. */
  minStepDurationMinutes: z.number().min(0).default(30),
  /** Minimum evaluations of the new variant per step before it may advance. */
  minSamplesPerStep: z.number().int().min(0).default(1000),
  guardrails: z.array(guardrailSchema).default([]),
  /** What a guardrail breach does: roll back to 0% and lock, or pause at the current step. */
  onBreach: z.enum(['rollback', 'pause']).default('rollback'),
  /** Bound on the probability that a healthy release is stopped by a false alarm over the whole plan. */
  falseAlarmRate: z.number().gt(0).max(0.2).default(0.05),
  /**
   * Approval gates: steps (percentages) the plan moves onto only after a human approves, e.g. `[50]` for "a human
   * approves 25% → 50%". Protected environments only; the controller files a change request and holds.
   */
  approveBefore: z.array(z.number().gt(0).max(100)).min(1).optional(),
  state: z
    .object({
      status: rolloutStatusSchema,
      /** Index into `steps` of the current step; -1 before the first. */
      stepIndex: z.number().int().min(-1),
      /** ISO time the current step started. */
      stepStartedAt: z.string().optional(),
      /** ISO time the plan was (last) started. */
      startedAt: z.string().optional(),
      /** Why the plan is paused, locked or rolled back. */
      reason: z.string().optional(),
      lastCheck: rolloutCheckSchema.optional(),
    })
    .default({ status: 'pending', stepIndex: -1 }),
});
export type RolloutPlan = z.infer<typeof rolloutPlanSchema>;

/** A flag's configuration in one environment. */
export const environmentConfigSchema = z.object({
  /** Off = flagd state DISABLED: apps get the default value from their code (reason DISABLED). */
  enabled: z.boolean(),
  /** Variant served when no rule matches and no rollout applies. */
  defaultVariant: variantNameSchema,
  rules: z.array(ruleSchema).default([]),
  rollout: rolloutSchema.optional(),
  plan: rolloutPlanSchema.optional(),
});
export type EnvironmentConfig = z.infer<typeof environmentConfigSchema>;

const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();

export const flagSchema = z.object({
  key: flagKeySchema,
  name: z.string().min(1).max(200),
  description: z.string().default(''),
  kind: flagKindSchema,
  owner: z.string().optional(),
  tags: z.array(z.string().min(1)).default([]),
  createdAt: isoDateTime,
  /** Date (YYYY-MM-DD) by which the flag should be removed from code. */
  cleanupBy: isoDate.optional(),
  type: flagTypeSchema,
  variants: z.record(variantNameSchema, variantValueSchema),
  /** Per-environment config; an environment without an entry serves the flag as disabled. */
  environments: z.record(environmentKeySchema, environmentConfigSchema).default({}),
  archived: z.boolean().default(false),
  /** Free-form metadata copied into the flagd flag's `metadata`. */
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type Flag = z.infer<typeof flagSchema>;

/** Name of a group of approvers (`group:<name>` in an approval policy). */
export const groupNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'use a-z, 0-9, ".", "_" or "-"');

/** Who approves change requests for a protected environment, and how many of them must. */
export const approvalPolicySchema = z.object({
  /** Distinct approvers a request needs; its requester never counts. */
  required: z.number().int().min(1).max(5).default(1),
  /** People (their audit names) or groups (`group:<name>`, see the document's `groups`); absent: anyone may. */
  approvers: z.array(z.string().trim().min(1).max(100)).min(1).max(100).optional(),
});
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;

export const environmentSchema = z.object({
  key: environmentKeySchema,
  name: z.string().optional(),
  /** Writes need a reason, are capped per step and (from the MCP server) need human approval. */
  protected: z.boolean().default(false),
  /** Approval rules of a protected environment; default: one approval by anyone but the requester. */
  approval: approvalPolicySchema.optional(),
});
export type Environment = z.infer<typeof environmentSchema>;

export const DEFAULT_ENVIRONMENTS: readonly Environment[] = [
  { key: 'development', protected: false },
  { key: 'staging', protected: false },
  { key: 'production', protected: true },
];

/**
 * A change to protected environments waiting for a human (the approval flow, see `flags/change-requests.ts`, which
 * also validates `change`). `before`/`after` hold what each affected environment served when it was proposed, so an
 * approval whose base has moved on is refused instead of applied blindly.
 */
export const changeRequestSchema = z.object({
  id: z.string().regex(/^cr-[0-9]+$/),
  /** `withdrawn`: taken back by the one who asked before anyone decided. */
  status: z.enum(['pending', 'applied', 'rejected', 'withdrawn']),
  createdAt: isoDateTime,
  createdBy: z.string().min(1),
  reason: z.string().min(1),
  flagKey: flagKeySchema,
  environments: z.array(environmentKeySchema).min(1),
  change: z.record(z.string(), jsonValueSchema),
  before: z.record(environmentKeySchema, jsonValueSchema),
  after: z.record(environmentKeySchema, jsonValueSchema),
  decidedAt: isoDateTime.optional(),
  decidedBy: z.string().min(1).optional(),
  decisionNote: z.string().optional(),
  /** Approvals so far, when the environment's policy needs more than one. */
  approvals: z.array(z.object({ by: z.string().min(1), at: isoDateTime, note: z.string().optional() })).optional(),
});
export type ChangeRequest = z.infer<typeof changeRequestSchema>;

/**
 * A segment: a named, reusable audience. A user is in it when their targeting key is in `included`, or all
 * conditions of any of its `rules` hold; and their key is not in `excluded`. Compiles to a flagd `$evaluators` entry.
 */
export const segmentSchema = z.object({
  key: segmentKeySchema,
  name: z.string().max(200).optional(),
  description: z.string().max(2000).optional(),
  /** Targeting keys always in the segment. */
  included: z.array(z.string().min(1).max(200)).max(10_000).default([]),
  /** Targeting keys never in the segment (wins over `included` and rules). */
  excluded: z.array(z.string().min(1).max(200)).max(10_000).default([]),
  /** Any rule matches (OR); a rule matches when all its attribute conditions hold (AND). */
  rules: z
    .array(z.object({ conditions: z.array(attributeConditionSchema).min(1).max(20) }))
    .max(50)
    .default([]),
});
export type Segment = z.infer<typeof segmentSchema>;

/** The whole content of a store, as held in `.rollgate/flags.yaml` or a database. */
export const storeDocumentSchema = z
  .object({
    version: z.literal(1),
    environments: z.array(environmentSchema).min(1),
    flags: z.array(flagSchema).default([]),
    /** Change requests of the approval flow; absent until the first one. */
    changeRequests: z.array(changeRequestSchema).optional(),
    /** Named groups of approvers (audit names), referred to as `group:<name>` in approval policies. */
    groups: z.record(groupNameSchema, z.array(z.string().trim().min(1).max(100)).max(500)).optional(),
    /** Named audiences that rules, rollouts and plan steps refer to (flags/segments.ts); absent until the first. */
    segments: z.array(segmentSchema).optional(),
  })
  .superRefine((doc, ctx) => {
    for (const issue of checkDocument(doc)) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  });
export type StoreDocument = z.infer<typeof storeDocumentSchema>;

/** A semantic problem in a store document, with the path to the offending value. */
export interface DocumentIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * Cross-field checks zod's shape cannot express: unique keys, variant values matching the flag type,
 * every referenced variant and environment existing. Returns all issues (empty when the document is valid).
 */
export function checkDocument(doc: {
  environments: Environment[];
  flags: Flag[];
  groups?: Record<string, string[]> | undefined;
  segments?: Segment[] | undefined;
}): DocumentIssue[] {
  const issues: DocumentIssue[] = checkSegments(doc);
  const envKeys = new Set<string>();
  doc.environments.forEach((env, i) => {
    if (envKeys.has(env.key)) {
      issues.push({ path: ['environments', i, 'key'], message: `duplicate environment "${env.key}"` });
    }
    envKeys.add(env.key);
    env.approval?.approvers?.forEach((approver, a) => {
      const group = approver.startsWith('group:') ? approver.slice('group:'.length) : undefined;
      if (group !== undefined && !doc.groups?.[group]) {
        issues.push({
          path: ['environments', i, 'approval', 'approvers', a],
          message: `unknown group "${group}"; declared groups: ${Object.keys(doc.groups ?? {}).join(', ') || 'none (add them under groups:)'}`,
        });
      }
    });
  });
  const flagKeys = new Set<string>();
  doc.flags.forEach((flag, i) => {
    const at = (...rest: (string | number)[]): (string | number)[] => ['flags', i, ...rest];
    if (flagKeys.has(flag.key)) issues.push({ path: at('key'), message: `duplicate flag key "${flag.key}"` });
    flagKeys.add(flag.key);
    const variantNames = Object.keys(flag.variants);
    if (variantNames.length === 0) issues.push({ path: at('variants'), message: 'a flag needs at least one variant' });
    for (const [name, value] of Object.entries(flag.variants)) {
      if (!variantMatchesType(value, flag.type)) {
        issues.push({ path: at('variants', name), message: `variant "${name}" is not a ${flag.type} value` });
      }
    }
    const checkVariant = (variant: string, path: (string | number)[]): void => {
      if (!(variant in flag.variants)) {
        issues.push({ path, message: `unknown variant "${variant}"; declared variants: ${variantNames.join(', ')}` });
      }
    };
    for (const [envKey, config] of Object.entries(flag.environments)) {
      if (!envKeys.has(envKey)) {
        issues.push({
          path: at('environments', envKey),
          message: `unknown environment "${envKey}"; declared environments: ${[...envKeys].join(', ')}`,
        });
      }
      checkVariant(config.defaultVariant, at('environments', envKey, 'defaultVariant'));
      config.rules.forEach((rule, r) => {
        const servePath = at('environments', envKey, 'rules', r, 'serve');
        if ('variant' in rule.serve) {
          checkVariant(rule.serve.variant, [...servePath, 'variant']);
        } else {
          rule.serve.split.forEach((b, s) => checkVariant(b.variant, [...servePath, 'split', s]));
        }
      });
      if (config.rollout) checkVariant(config.rollout.variant, at('environments', envKey, 'rollout', 'variant'));
      if (config.plan) checkVariant(config.plan.variant, at('environments', envKey, 'plan', 'variant'));
    }
  });
  return issues;
}

/** True when `value` is a valid variant value for a flag of `type`. */
export function variantMatchesType(value: VariantValue, type: FlagType): boolean {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

/** An empty store document with the default environments (development, staging, production[protected]). */
export function createEmptyDocument(): StoreDocument {
  return { version: 1, environments: DEFAULT_ENVIRONMENTS.map((e) => ({ ...e })), flags: [] };
}

/** One entry of the append-only audit log. */
export const auditEntrySchema = z.object({
  /** Store revision this change produced. */
  revision: z.number().int().min(0),
  at: isoDateTime,
  /** Who: `cli:alice`, `mcp:claude-desktop`, `vscode:bob`, `controller`. */
  actor: z.string().min(1),
  /** What, verb-first: `flag.create`, `flag.toggle`, `flag.set-rollout`, `rollout.advance`, … */
  action: z.string().min(1),
  flagKey: flagKeySchema.optional(),
  environment: environmentKeySchema.optional(),
  reason: z.string().optional(),
  /** The changed values, as JSON-pointer-like paths relative to the flag (or document). */
  changes: z
    .array(z.object({ path: z.string(), before: jsonValueSchema.optional(), after: jsonValueSchema.optional() }))
    .default([]),
  /** Numbers behind an automated decision (rollout controller), free-form. */
  data: z.record(z.string(), jsonValueSchema).optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;
