/**
 * What a change means, written once for every store and every caller (CLI, MCP server, extension, rollout
 * controller). An operation is a pure function from a document to the next document plus its audit entries;
 * {@link applyOperation} runs it against a store with optimistic concurrency.
 */
import * as z from 'zod';
import {
  approvalPolicySchema,
  checkDocument,
  environmentKeySchema,
  environmentSchema,
  flagSchema,
  flagTypeSchema,
  groupNameSchema,
  rolloutPlanSchema,
  rolloutSchema,
  ruleSchema,
  storeDocumentSchema,
  variantNameSchema,
  variantValueSchema,
} from './model.ts';
import type {
  EnvironmentConfig,
  Environment,
  Flag,
  FlagType,
  JsonValue,
  Rollout,
  Rule,
  StoreDocument,
  VariantValue,
} from './model.ts';
import type { AuditEntryInput, FlagStore, StoreSnapshot } from '../store/types.ts';
import { FlagError } from '../errors.ts';
import { diffValues, formatPath } from './diff.ts';
import { didYouMean, suggestNearest } from './suggest.ts';
import { INPUT_LIMITS } from './limits.ts';
import { describeOperation } from './descriptor.ts';

/** Who is changing what, and why. */
export interface ChangeContext {
  /** `cli:alice`, `mcp:cursor`, `vscode:bob`, `controller`. */
  readonly actor: string;
  readonly reason?: string;
  /** Injected clock (tests pass a fixed one). */
  readonly now: () => Date;
}

/** The outcome of an operation: the next document and what to write to the audit log. */
export interface OperationResult {
  readonly document: StoreDocument;
  readonly audit: AuditEntryInput[];
}

/**
 * A change to a store document. Must not mutate its input. Throws FlagError (FLAG_NOT_FOUND, INVALID_INPUT,
 * TYPE_MISMATCH, INVALID_RULE) with a hint when the change cannot apply.
 */
export type Operation = (document: StoreDocument, context: ChangeContext) => OperationResult;

export interface ApplyOptions {
  /**
   * Version of the snapshot the caller showed the user. When given, a store that moved on since is a
   * STORE_CONFLICT (the caller decided on stale data). When absent, the operation is re-applied to the fresh
   * document on conflict, which is safe because operations are semantic ("set rollout to 25%"), not blind writes.
   */
  readonly expectedVersion?: string;
  /** Attempts before giving up with STORE_CONFLICT when `expectedVersion` is absent (default 50). */
  readonly maxAttempts?: number;
}

/**
 * Reads the store, applies `operation`, commits. Retries on concurrent commits unless `expectedVersion` is set.
 * When the store offers {@link FlagStore.update}, the read, the operation and the commit happen under the store's
 * write lock instead, so there is nothing to retry; a remote store runs it on its server ({@link FlagStore.execute}).
 * Errors: whatever the operation throws, STORE_CONFLICT, STORE_IO, PARSE_ERROR.
 */
export async function applyOperation(
  store: FlagStore,
  operation: Operation,
  context: ChangeContext,
  options: ApplyOptions = {},
): Promise<StoreSnapshot> {
  const checkBase = (base: StoreSnapshot): void => {
    if (options.expectedVersion !== undefined && base.version !== options.expectedVersion) {
      throw new FlagError('STORE_CONFLICT', `The store at ${store.location} changed since it was read.`, {
        hint: 'Reload the flags and make the change again.',
      });
    }
  };
  if (store.execute) return store.execute(operation, context, options);
  if (store.update) {
    return store.update((base) => {
      checkBase(base);
      return operation(base.document, context);
    });
  }
  const maxAttempts = options.expectedVersion === undefined ? (options.maxAttempts ?? 50) : 1;
  for (let attempt = 1; ; attempt++) {
    const base = await store.read();
    checkBase(base);
    const { document, audit } = operation(base.document, context);
    try {
      return await store.commit({ base, document, audit });
    } catch (e) {
      if (!FlagError.is(e, 'STORE_CONFLICT') || attempt >= maxAttempts) throw e;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Operations. Each validates its arguments (they may come from a user), changes a copy of the document, validates
// the whole result with the model (storeDocumentSchema, incl. checkDocument) and describes the change in one audit
// entry whose `changes` hold only the paths that changed, relative to the flag (`/environments/production/enabled`)
// or, for environment operations, to `/environments/<key>`.
// ---------------------------------------------------------------------------------------------------------------

/** Input of {@link createFlag}: the flag's fields; everything but key, name and kind has a default. */
export const createFlagInputSchema = flagSchema
  .pick({ key: true, name: true, kind: true })
  .extend({
    description: INPUT_LIMITS.description.optional(),
    owner: INPUT_LIMITS.owner.optional(),
    tags: INPUT_LIMITS.tags.optional(),
    cleanupBy: z.iso.date().optional(),
    type: flagTypeSchema.optional(),
    variants: INPUT_LIMITS.variants(variantNameSchema, variantValueSchema).optional(),
    /** The variant every environment serves by default; `off` when there is one, else the first variant. */
    defaultVariant: variantNameSchema.optional(),
    metadata: INPUT_LIMITS.metadata(z.union([z.string().max(500), z.number(), z.boolean()])).optional(),
  })
  .strict();
/** What {@link createFlag} accepts (the input side of {@link createFlagInputSchema}). */
export type CreateFlagInput = z.input<typeof createFlagInputSchema>;

/**
 * Creates a flag. Defaults: type from the variants' values (boolean without variants), variants `{on: true,
 * off: false}` for a boolean flag, `createdAt` = `context.now()`, and a config in every declared environment:
 * disabled, serving `defaultVariant` (`off`, or the first variant). Audit: `flag.create` with the whole flag as
 * one change at path ``. Errors: INVALID_INPUT (invalid input, details.path + hint; the key exists — use
 * {@link updateFlag}; a non-boolean flag without variants).
 */
export function createFlag(input: CreateFlagInput): Operation {
  const operation: Operation = (document, context) => {
    const parsed = parseInput(createFlagInputSchema, input, 'flag');
    if (document.flags.some((f) => f.key === parsed.key)) {
      throw new FlagError('INVALID_INPUT', `Flag "${parsed.key}" already exists.`, {
        flagKey: parsed.key,
        hint: 'Change the existing flag with an update, or choose another key.',
      });
    }
    const type = parsed.type ?? typeOfValue(Object.values(parsed.variants ?? {})[0]) ?? 'boolean';
    const variants = parsed.variants ?? (type === 'boolean' ? { on: true, off: false } : undefined);
    if (!variants || Object.keys(variants).length === 0) {
      throw new FlagError('INVALID_INPUT', `A ${type} flag needs variants.`, {
        flagKey: parsed.key,
        path: 'variants',
        hint: 'Pass the variants and their values, e.g. {"control": "blue", "treatment": "green"}.',
      });
    }
    const defaultVariant = parsed.defaultVariant ?? ('off' in variants ? 'off' : Object.keys(variants)[0]);
    const flag: Flag = {
      key: parsed.key,
      name: parsed.name,
      description: parsed.description ?? '',
      kind: parsed.kind,
      ...(parsed.owner === undefined ? {} : { owner: parsed.owner }),
      tags: parsed.tags ?? [],
      createdAt: context.now().toISOString(),
      ...(parsed.cleanupBy === undefined ? {} : { cleanupBy: parsed.cleanupBy }),
      type,
      variants,
      environments: Object.fromEntries(
        document.environments.map((env) => [
          env.key,
          { enabled: false, defaultVariant: defaultVariant ?? '', rules: [] },
        ]),
      ),
      archived: false,
      ...(parsed.metadata === undefined ? {} : { metadata: parsed.metadata }),
    };
    const next = withFlag(document, flag);
    const created = next.flags.at(-1);
    return {
      document: next,
      audit: [auditEntry(context, 'flag.create', { flagKey: flag.key, changes: diffValues(undefined, json(created)) })],
    };
  };
  const { key, ...fields } = input;
  return describeOperation(operation, {
    descriptor: { kind: 'apply', change: { action: 'flag.create', flagKey: key, flag: fields } },
  });
}

const environmentConfigPatchSchema = z
  .object({
    enabled: z.boolean(),
    defaultVariant: variantNameSchema,
    rules: z.array(ruleSchema),
    /** null removes the rollout. */
    rollout: rolloutSchema.nullable(),
    /** null removes the plan. */
    plan: rolloutPlanSchema.nullable(),
  })
  .partial()
  .strict();

/**
 * A partial change to a flag (input of {@link updateFlag}). Merge rules: a field left out is kept; `name`,
 * `description`, `kind`, `type`, `tags` and `archived` are replaced; `owner` / `cleanupBy` are replaced, `null`
 * removes them; `variants` and `metadata` are merged by name, `null` removes one; `environments` are merged per
 * environment and, inside one, per field (`rules` is replaced as a whole list; `rollout` / `plan` are replaced,
 * `null` removes them). An environment without a config gets one (disabled, serving the flag's default variant)
 * before the patch applies. The key cannot change.
 */
export const flagUpdateSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: INPUT_LIMITS.description,
    kind: flagSchema.shape.kind,
    owner: INPUT_LIMITS.owner.nullable(),
    tags: INPUT_LIMITS.tags,
    cleanupBy: z.iso.date().nullable(),
    type: flagTypeSchema,
    variants: INPUT_LIMITS.variants(variantNameSchema, variantValueSchema.nullable()),
    metadata: INPUT_LIMITS.metadata(z.union([z.string().max(500), z.number(), z.boolean()]).nullable()),
    archived: z.boolean(),
    environments: z.record(z.string(), environmentConfigPatchSchema),
  })
  .partial()
  .strict();
/** What {@link updateFlag} accepts (the input side of {@link flagUpdateSchema}). */
export type FlagUpdate = z.input<typeof flagUpdateSchema>;

/**
 * Changes the fields named in `patch`, keeping every other one (merge rules at {@link flagUpdateSchema}).
 * Audit: `flag.update` (with `environment` when the patch touches exactly one). Errors: FLAG_NOT_FOUND (with a
 * "did you mean" hint), INVALID_INPUT (invalid or empty patch, unknown environment, a result the model rejects —
 * e.g. removing a variant still in use), INVALID_RULE (invalid rules).
 */
export function updateFlag(flagKey: string, patch: FlagUpdate): Operation {
  const operation: Operation = (document, context) => {
    const parsed = parseInput(flagUpdateSchema, patch, 'patch');
    if (Object.keys(parsed).length === 0) {
      throw new FlagError('INVALID_INPUT', 'The update names no field to change.', {
        flagKey,
        hint: 'Pass at least one field, e.g. {"name": "New name"}.',
      });
    }
    const envKeys = Object.keys(parsed.environments ?? {});
    for (const env of envKeys) requireEnvironment(document, env);
    return changeFlag(
      document,
      context,
      flagKey,
      'flag.update',
      envKeys.length === 1 ? envKeys[0] : undefined,
      (flag) => {
        const { variants, metadata, environments, owner, cleanupBy, ...replaced } = parsed;
        Object.assign(flag, replaced);
        if (owner === null) delete flag.owner;
        else if (owner !== undefined) flag.owner = owner;
        if (cleanupBy === null) delete flag.cleanupBy;
        else if (cleanupBy !== undefined) flag.cleanupBy = cleanupBy;
        if (variants) flag.variants = mergeRecord(flag.variants, variants);
        if (metadata) {
          const merged = mergeRecord(flag.metadata ?? {}, metadata);
          if (Object.keys(merged).length === 0) delete flag.metadata;
          else flag.metadata = merged;
        }
        for (const [env, envPatch] of Object.entries(environments ?? {})) {
          const config = configOf(flag, env);
          const { rollout, plan, ...rest } = envPatch;
          Object.assign(config, rest);
          if (rollout === null) delete config.rollout;
          else if (rollout !== undefined) config.rollout = rollout;
          if (plan === null) delete config.plan;
          else if (plan !== undefined) config.plan = plan;
        }
      },
    );
  };
  return describeOperation(operation, {
    descriptor: { kind: 'apply', change: { action: 'flag.update', flagKey, patch } },
  });
}

/**
 * Turns a flag on or off in one environment; `false` is the kill switch (flagd state DISABLED: apps fall back to
 * their code default). Audit: `flag.toggle`. Errors: FLAG_NOT_FOUND, INVALID_INPUT (unknown environment; turning
 * on an archived flag, which would still serve as disabled).
 */
export function setFlagEnabled(flagKey: string, environment: string, enabled: boolean): Operation {
  const operation = envOperation(flagKey, environment, 'flag.toggle', (config, flag) => {
    if (enabled && flag.archived) {
      throw new FlagError('INVALID_INPUT', `Flag "${flagKey}" is archived; turning it on would change nothing.`, {
        flagKey,
        environment,
        hint: 'Restore (unarchive) the flag first, then turn it on.',
      });
    }
    config.enabled = enabled;
  });
  return describeOperation(operation, {
    descriptor: { kind: 'apply', change: { action: 'flag.toggle', flagKey, environment, enabled } },
  });
}

/**
 * Sets the percentage rollout of a flag in one environment: `percentage` % (0–100, fractions such as 0.5 allowed)
 * of the users no rule matches get `variant`, the rest the default variant. `variant` defaults to the current
 * rollout's variant, else `on`, else the first variant that is not the default; the current rollout's segments
 * (staged audiences) stay. Pass a whole {@link Rollout} instead (segments included), or `null` to remove it.
 * Audit: `flag.set-rollout`. Errors: FLAG_NOT_FOUND, INVALID_INPUT (percentage out of range, unknown variant or
 * environment, no variant other than the default).
 */
export function setRollout(flagKey: string, environment: string, percentage: number, variant?: string): Operation;
export function setRollout(flagKey: string, environment: string, rollout: Rollout | null): Operation;
export function setRollout(
  flagKey: string,
  environment: string,
  percentageOrRollout: number | Rollout | null,
  variant?: string,
): Operation {
  const operation = envOperation(flagKey, environment, 'flag.set-rollout', (config, flag) => {
    if (percentageOrRollout === null) {
      delete config.rollout;
      return;
    }
    const requested =
      typeof percentageOrRollout === 'number' ? { percentage: percentageOrRollout, variant } : percentageOrRollout;
    const { percentage } = requested;
    if (typeof percentage !== 'number' || !Number.isFinite(percentage) || percentage < 0 || percentage > 100) {
      throw new FlagError('INVALID_INPUT', `Rollout percentage must be between 0 and 100, got ${String(percentage)}.`, {
        flagKey,
        environment,
        hint: 'Pass a number from 0 to 100; fractions such as 0.5 are allowed.',
      });
    }
    const target = requested.variant ?? config.rollout?.variant ?? rolloutVariantOf(flag, config);
    requireVariant(flag, target, environment);
    // A whole Rollout sets its segments; a percentage keeps those of the current rollout of the same variant.
    const segments =
      typeof percentageOrRollout === 'number'
        ? config.rollout?.variant === target
          ? config.rollout.segments
          : undefined
        : percentageOrRollout.segments;
    config.rollout = { variant: target, percentage, ...(segments?.length ? { segments } : {}) };
  });
  if (percentageOrRollout === null) return operation;
  const requested =
    typeof percentageOrRollout === 'number' ? { percentage: percentageOrRollout, variant } : percentageOrRollout;
  return describeOperation(operation, {
    descriptor: {
      kind: 'apply',
      change: {
        action: 'flag.set-rollout',
        flagKey,
        environment,
        percentage: requested.percentage,
        ...(requested.variant === undefined ? {} : { variant: requested.variant }),
      },
    },
  });
}

/**
 * Replaces the targeting rules of a flag in one environment (first match wins; `[]` removes all).
 * Audit: `flag.set-rules`. Errors: FLAG_NOT_FOUND, INVALID_INPUT (unknown environment), INVALID_RULE (a rule the
 * model rejects, e.g. an unknown operator or variant; details.path + hint).
 */
export function setRules(flagKey: string, environment: string, rules: readonly Rule[]): Operation {
  const operation = envOperation(flagKey, environment, 'flag.set-rules', (config) => {
    config.rules = parseInput(z.array(ruleSchema), rules, 'rules', 'INVALID_RULE');
  });
  return describeOperation(operation, {
    descriptor: { kind: 'apply', change: { action: 'flag.set-targeting', flagKey, environment, rules: [...rules] } },
  });
}

/**
 * Sets the variant a flag serves in one environment when no rule or rollout applies. Audit:
 * `flag.set-default-variant`. Errors: FLAG_NOT_FOUND, INVALID_INPUT (unknown variant or environment).
 */
export function setDefaultVariant(flagKey: string, environment: string, variant: string): Operation {
  const operation = envOperation(flagKey, environment, 'flag.set-default-variant', (config, flag) => {
    requireVariant(flag, variant, environment);
    config.defaultVariant = variant;
  });
  return describeOperation(operation, {
    descriptor: { kind: 'apply', change: { action: 'flag.set-default-variant', flagKey, environment, variant } },
  });
}

/**
 * Archives a flag (every environment then serves it as disabled; it stays in the file for the record), or
 * restores it with `archived = false`. Audit: `flag.archive` / `flag.unarchive`. Errors: FLAG_NOT_FOUND.
 */
export function archiveFlag(flagKey: string, archived = true): Operation {
  const operation: Operation = (document, context) =>
    changeFlag(document, context, flagKey, archived ? 'flag.archive' : 'flag.unarchive', undefined, (flag) => {
      flag.archived = archived;
    });
  return archived
    ? describeOperation(operation, { descriptor: { kind: 'apply', change: { action: 'flag.archive', flagKey } } })
    : operation;
}

/** Input of {@link setRolloutPlan}: a plan; omitted fields get the model's defaults (steps 1–100 %, etc.). */
export type RolloutPlanInput = z.input<typeof rolloutPlanSchema>;

/**
 * Sets (or with `undefined` removes) the progressive rollout plan of a flag in one environment. Audit:
 * `flag.set-rollout-plan` / `flag.clear-rollout-plan`. Errors: FLAG_NOT_FOUND, INVALID_INPUT (invalid plan,
 * unknown variant or environment).
 */
export function setRolloutPlan(flagKey: string, environment: string, plan: RolloutPlanInput | undefined): Operation {
  const action = plan === undefined ? 'flag.clear-rollout-plan' : 'flag.set-rollout-plan';
  return envOperation(flagKey, environment, action, (config, flag) => {
    if (plan === undefined) {
      delete config.plan;
      return;
    }
    const parsed = parseInput(rolloutPlanSchema, plan, 'plan');
    requireVariant(flag, parsed.variant, environment);
    config.plan = parsed;
  });
}

/** Input of {@link addEnvironment}. */
export type EnvironmentInput = z.input<typeof environmentSchema>;

/**
 * Declares a new environment (appended to the list). Existing flags get no config for it, which serves them as
 * disabled there until configured. Audit: `environment.add`. Errors: INVALID_INPUT (invalid key, or it exists —
 * use {@link updateEnvironment}).
 */
export function addEnvironment(environment: EnvironmentInput): Operation {
  const operation: Operation = (document, context) => {
    const parsed = parseInput(environmentSchema, environment, 'environment');
    if (document.environments.some((e) => e.key === parsed.key)) {
      throw new FlagError('INVALID_INPUT', `Environment "${parsed.key}" already exists.`, {
        environment: parsed.key,
        hint: 'Change it with an environment update, or choose another key.',
      });
    }
    const next = validated({ ...document, environments: [...document.environments, parsed] });
    return {
      document: next,
      audit: [
        auditEntry(context, 'environment.add', {
          environment: parsed.key,
          changes: diffValues(undefined, json(parsed), `/environments/${parsed.key}`),
        }),
      ],
    };
  };
  return describeOperation(operation, {
    descriptor: { kind: 'environment', change: { action: 'environment.add', environment } },
  });
}

/** Input of {@link updateEnvironment}: `name: null` removes the display name, `approval: null` the approval policy. */
export const environmentUpdateSchema = z
  .object({ name: z.string().nullable(), protected: z.boolean(), approval: approvalPolicySchema.nullable() })
  .partial()
  .strict();
/** What {@link updateEnvironment} accepts. */
export type EnvironmentUpdate = z.input<typeof environmentUpdateSchema>;

/**
 * Changes an environment's display name, protection or approval policy; fields left out are kept. Audit:
 * `environment.update`. Errors: INVALID_INPUT (unknown environment with the declared ones in the hint, invalid patch,
 * an approver group the document does not declare).
 */
export function updateEnvironment(key: string, patch: EnvironmentUpdate): Operation {
  const operation: Operation = (document, context) => {
    const current = requireEnvironment(document, key);
    const parsed = parseInput(environmentUpdateSchema, patch, 'patch');
    const updated: Environment = { ...current };
    if (parsed.protected !== undefined) updated.protected = parsed.protected;
    if (parsed.name === null) delete updated.name;
    else if (parsed.name !== undefined) updated.name = parsed.name;
    if (parsed.approval === null) delete updated.approval;
    else if (parsed.approval !== undefined) updated.approval = parsed.approval;
    const next = validated({
      ...document,
      environments: document.environments.map((e) => (e.key === key ? updated : e)),
    });
    return {
      document: next,
      audit: [
        auditEntry(context, 'environment.update', {
          environment: key,
          changes: diffValues(json(current), json(updated), `/environments/${key}`),
        }),
      ],
    };
  };
  return describeOperation(operation, {
    descriptor: { kind: 'environment', change: { action: 'environment.update', key, patch } },
  });
}

/** Members of an approver group: audit names, as approval policies list people. */
const groupMembersSchema = z.array(z.string().trim().min(1).max(100)).min(1).max(500);

/**
 * Sets the members of the approver group `name` (approval policies name it `group:<name>`), creating it; `null`
 * removes it. Audit: `group.set`. Errors: INVALID_INPUT (invalid name or members; removing a group a policy still
 * names, with the path of that policy).
 */
export function setApproverGroup(name: string, members: readonly string[] | null): Operation {
  const operation: Operation = (document, context) => {
    const key = parseInput(groupNameSchema, name, 'group name');
    const before = document.groups?.[key];
    const groups = { ...document.groups };
    if (members === null) delete groups[key];
    else groups[key] = [...new Set(parseInput(groupMembersSchema, members, 'members'))];
    const { groups: _previous, ...rest } = document;
    const next = validated(Object.keys(groups).length === 0 ? rest : { ...rest, groups });
    return {
      document: next,
      audit: [
        auditEntry(context, 'group.set', {
          changes: diffValues(json(before), json(groups[key]), `/groups/${key}`),
        }),
      ],
    };
  };
  return describeOperation(operation, {
    descriptor: { kind: 'environment', change: { action: 'group.set', name, members: members && [...members] } },
  });
}

/**
 * An environment-policy change in serializable form (an environment, or an approver group that policies name): what
 * remote mode sends to a server (flags/descriptor.ts), which rebuilds the operation with
 * {@link environmentOperationFor}.
 */
export const environmentChangeSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('environment.add'), environment: environmentSchema }).strict(),
  z
    .object({ action: z.literal('environment.update'), key: environmentKeySchema, patch: environmentUpdateSchema })
    .strict(),
  z.object({ action: z.literal('group.set'), name: groupNameSchema, members: groupMembersSchema.nullable() }).strict(),
]);
export type EnvironmentChange = z.infer<typeof environmentChangeSchema>;
/** What {@link environmentChangeSchema} accepts (defaults not yet filled in). */
export type EnvironmentChangeInput = z.input<typeof environmentChangeSchema>;

/** The operation that carries out `change`. */
export function environmentOperationFor(change: EnvironmentChange): Operation {
  switch (change.action) {
    case 'environment.add':
      return addEnvironment(change.environment);
    case 'environment.update':
      return updateEnvironment(change.key, change.patch);
    case 'group.set':
      return setApproverGroup(change.name, change.members);
  }
}

// --- helpers --------------------------------------------------------------------------------------------------

/** An operation on one environment's config of one flag (created disabled when the flag has none there yet). */
function envOperation(
  flagKey: string,
  environment: string,
  action: string,
  change: (config: EnvironmentConfig, flag: Flag) => void,
): Operation {
  return (document, context) => {
    requireEnvironment(document, environment);
    return changeFlag(document, context, flagKey, action, environment, (flag) =>
      change(configOf(flag, environment), flag),
    );
  };
}

/** Applies `change` to a copy of the flag, validates the document and builds the audit entry. */
function changeFlag(
  document: StoreDocument,
  context: ChangeContext,
  flagKey: string,
  action: string,
  environment: string | undefined,
  change: (flag: Flag) => void,
): OperationResult {
  const before = requireFlag(document, flagKey);
  const flag = structuredClone(before);
  change(flag);
  const next = withFlag(document, flag);
  const after = next.flags.find((f) => f.key === flagKey);
  return {
    document: next,
    audit: [auditEntry(context, action, { flagKey, environment, changes: diffValues(json(before), json(after)) })],
  };
}

/** An audit entry of `action` by `context` (with its reason); `changes` relative to the flag or document. */
export function auditEntry(
  context: ChangeContext,
  action: string,
  fields: Pick<AuditEntryInput, 'flagKey' | 'environment' | 'changes'>,
): AuditEntryInput {
  return {
    at: context.now().toISOString(),
    actor: context.actor,
    action,
    ...(fields.flagKey === undefined ? {} : { flagKey: fields.flagKey }),
    ...(fields.environment === undefined ? {} : { environment: fields.environment }),
    ...(context.reason === undefined ? {} : { reason: context.reason }),
    changes: fields.changes,
  };
}

/** The flag's config in `environment`, created (disabled, serving the flag's default variant) when missing. */
function configOf(flag: Flag, environment: string): EnvironmentConfig {
  const existing = flag.environments[environment];
  if (existing) return existing;
  const created: EnvironmentConfig = { enabled: false, defaultVariant: defaultVariantOf(flag), rules: [] };
  flag.environments[environment] = created;
  return created;
}

/** What a new environment config serves: what the flag's first config serves, else `off`, else the first variant. */
function defaultVariantOf(flag: Flag): string {
  const used = Object.values(flag.environments)[0]?.defaultVariant;
  if (used !== undefined) return used;
  return 'off' in flag.variants ? 'off' : (Object.keys(flag.variants)[0] ?? 'off');
}

function rolloutVariantOf(flag: Flag, config: EnvironmentConfig): string {
  if ('on' in flag.variants && config.defaultVariant !== 'on') return 'on';
  const other = Object.keys(flag.variants).find((v) => v !== config.defaultVariant);
  if (other === undefined) {
    throw new FlagError('INVALID_INPUT', `Flag "${flag.key}" has no variant to roll out besides its default.`, {
      flagKey: flag.key,
      hint: 'Add a variant to the flag first, or name the variant to roll out.',
    });
  }
  return other;
}

/** The flag `flagKey`; FLAG_NOT_FOUND with a did-you-mean hint when there is none. */
export function requireFlag(document: StoreDocument, flagKey: string): Flag {
  const flag = document.flags.find((f) => f.key === flagKey);
  if (flag) return flag;
  const keys = document.flags.map((f) => f.key);
  const suggestion = suggestNearest(flagKey, keys);
  throw new FlagError('FLAG_NOT_FOUND', `Flag "${flagKey}" not found.`, {
    flagKey,
    ...(suggestion === undefined ? {} : { suggestion }),
    hint:
      suggestion !== undefined
        ? `Did you mean "${suggestion}"?`
        : keys.length === 0
          ? 'The store has no flags yet; create one first.'
          : 'List the flags to see their keys.',
  });
}

/** The environment `key`; INVALID_INPUT naming the declared ones (and a did-you-mean) when there is none. */
export function requireEnvironment(document: StoreDocument, key: string): Environment {
  const env = document.environments.find((e) => e.key === key);
  if (env) return env;
  const keys = document.environments.map((e) => e.key);
  const suggestion = didYouMean(key, keys);
  throw new FlagError('INVALID_INPUT', `Unknown environment "${key}".`, {
    environment: key,
    hint: `${suggestion ? `${suggestion} ` : ''}Declared environments: ${keys.join(', ')}.`,
  });
}

function requireVariant(flag: Flag, variant: string, environment: string): void {
  if (Object.hasOwn(flag.variants, variant)) return;
  const names = Object.keys(flag.variants);
  const suggestion = didYouMean(variant, names);
  throw new FlagError('INVALID_INPUT', `Flag "${flag.key}" has no variant "${variant}".`, {
    flagKey: flag.key,
    environment,
    hint: `${suggestion ? `${suggestion} ` : ''}Variants: ${names.join(', ')}.`,
  });
}

/** Parses untrusted input with `schema`; the first issue becomes a FlagError naming its path. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  code: 'INVALID_INPUT' | 'INVALID_RULE' = 'INVALID_INPUT',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = formatPath([what, ...(issue?.path ?? [])]);
  throw new FlagError(code, `Invalid ${path}: ${issue?.message ?? 'invalid value'}.`, {
    path,
    hint: `Fix ${path}${result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : ''}.`,
  });
}

/**
 * Validates a whole next document with the model (shape + checkDocument) and returns it with defaults filled.
 * A problem in a rule is INVALID_RULE, any other INVALID_INPUT; details carry the path, flagKey and a hint.
 */
export function validated(document: StoreDocument, flagKey?: string): StoreDocument {
  const result = storeDocumentSchema.safeParse(document);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw invalidChange(document, issue?.path ?? [], issue?.message, flagKey);
}

/**
 * `document` with `flag` in place of the flag with its key (appended when there is none), validating only that flag:
 * its shape (flagSchema, defaults filled) and its references (checkDocument against the environments). The other
 * flags come from a stored, validated document and are kept as they are (same objects), so a change costs the same
 * with 10 or 10,000 flags, and a store can tell the changed flag by identity. Errors as {@link validated}.
 */
function withFlag(document: StoreDocument, flag: Flag): StoreDocument {
  const index = document.flags.findIndex((f) => f.key === flag.key);
  const at = index < 0 ? document.flags.length : index;
  const flags = [...document.flags];
  flags[at] = flag;
  const shape = flagSchema.safeParse(flag);
  let issue: { path: readonly PropertyKey[]; message: string } | undefined;
  if (shape.success) {
    const found = checkDocument({
      environments: document.environments,
      flags: [shape.data],
      groups: document.groups,
      segments: document.segments,
    });
    issue = found.find((i) => i.path[0] === 'flags');
  } else {
    const first = shape.error.issues[0];
    issue = { path: ['flags', 0, ...(first?.path ?? [])], message: first?.message ?? 'invalid value' };
  }
  if (issue !== undefined || !shape.success) {
    const [, , ...rest] = issue?.path ?? [];
    throw invalidChange({ ...document, flags }, ['flags', at, ...rest], issue?.message, flag.key);
  }
  flags[at] = shape.data;
  return { ...document, flags };
}

/** The error of a change that would make `path` of `document` invalid (INVALID_RULE inside a rule). */
function invalidChange(
  document: StoreDocument,
  rawPath: readonly PropertyKey[],
  message: string | undefined,
  flagKey: string | undefined,
): FlagError {
  const path = readablePath(document, rawPath);
  return new FlagError(
    rawPath.includes('rules') ? 'INVALID_RULE' : 'INVALID_INPUT',
    `The change would make ${path} invalid: ${message ?? 'invalid value'}.`,
    { path, ...(flagKey === undefined ? {} : { flagKey }), hint: `Change the request so that ${path} stays valid.` },
  );
}

/** `flags[2].environments.x` as users read it: `flag "new-checkout" environments.x` (no internal indexes). */
function readablePath(document: StoreDocument, path: readonly PropertyKey[]): string {
  const [head, index, ...rest] = path;
  const flag = head === 'flags' && typeof index === 'number' ? document.flags[index] : undefined;
  if (!flag) return formatPath(path);
  return rest.length === 0 ? `flag "${flag.key}"` : `flag "${flag.key}" ${formatPath(rest)}`;
}

function mergeRecord<V>(base: Record<string, V>, patch: Record<string, V | null>): Record<string, V> {
  const merged = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

function typeOfValue(value: VariantValue | undefined): FlagType | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object') return 'object';
  return typeof value === 'boolean' ? 'boolean' : typeof value === 'string' ? 'string' : 'number';
}

/** Documents are JSON data; this only re-types them for diffValues. */
function json(value: unknown): JsonValue | undefined {
  return value as JsonValue | undefined;
}
