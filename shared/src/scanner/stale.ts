/**
 * Stale-flag detection: combines the store (config + audit log) with the references found in code and explains
 * every finding with a code, a sentence and the numbers behind it. Pure: no ts-morph, no I/O, injected clock.
 */
import type { AuditEntry, Flag, FlagKind, StoreDocument } from '../flags/model.ts';
import { suggestNearest } from '../flags/suggest.ts';
import { groupReferencesByKey } from './group.ts';
import { keyIdentity } from './key-words.ts';
import type { StalePolicy } from './policy.ts';
import type { FlagReference } from './types.ts';
import type { UsageSignal } from '../telemetry/usage-store.ts';

/** Why a flag (or a reference) is reported. */
export const StaleReasonCode = {
  /** Serves one variant to everyone in every environment, unchanged for at least the policy's days. */
  singleVariant: 'SINGLE_VARIANT',
  /** Today is after the flag's `cleanupBy` date. */
  pastCleanupDate: 'PAST_CLEANUP_DATE',
  /** Older than its kind's expected lifetime. */
  olderThanLifetime: 'OLDER_THAN_LIFETIME',
  /** In the store, not archived, and no resolved reference in code: ready to archive. */
  notInCode: 'NOT_IN_CODE',
  /** Used in code but not in the store: a bug or a typo. */
  unknownKey: 'UNKNOWN_KEY',
  /** Archived in the store but still used in code. */
  archivedInCode: 'ARCHIVED_IN_CODE',
  /** A reference whose key the scanner could not resolve. */
  unresolvedKey: 'UNRESOLVED_KEY',
  /** Usage telemetry: no evaluation in production for the window (`rollgate usage`). */
  notEvaluated: 'NOT_EVALUATED',
  /** Usage telemetry: evaluated in production, but one variant served for the whole window. */
  alwaysSameVariant: 'ALWAYS_SAME_VARIANT',
} as const;
export type StaleReasonCode = (typeof StaleReasonCode)[keyof typeof StaleReasonCode];

/** One explained finding. `message` is a full sentence for humans; the other fields are the numbers behind it. */
export type StaleReason =
  | {
      readonly code: 'SINGLE_VARIANT';
      readonly message: string;
      /** Days since the flag last changed (last audit entry, else its creation). */
      readonly days: number;
      readonly thresholdDays: number;
      /** The variant everyone gets; undefined when the flag is disabled everywhere (apps get their code default). */
      readonly variant: string | undefined;
      readonly environments: readonly string[];
    }
  | {
      readonly code: 'PAST_CLEANUP_DATE';
      readonly message: string;
      readonly cleanupBy: string;
      readonly daysOverdue: number;
    }
  | {
      readonly code: 'OLDER_THAN_LIFETIME';
      readonly message: string;
      readonly ageDays: number;
      readonly lifetimeDays: number;
      readonly kind: FlagKind;
    }
  | {
      readonly code: 'NOT_IN_CODE';
      readonly message: string;
      /** References with unresolved keys anywhere in the code, which could still use the flag. */
      readonly unresolvedReferences: number;
      /**
       * True only when nothing in the code can still use the flag: no reference of any kind and no unresolved
       * reference anywhere (a dynamic evaluation could be this flag's).
       */
      readonly readyToArchive: boolean;
    }
  | {
      readonly code: 'UNKNOWN_KEY';
      readonly message: string;
      readonly references: number;
      /** The nearest key in the store, when one is a plausible typo. */
      readonly suggestion?: string;
    }
  | { readonly code: 'ARCHIVED_IN_CODE'; readonly message: string; readonly references: number }
  | { readonly code: 'UNRESOLVED_KEY'; readonly message: string; readonly reference: FlagReference }
  | UsageSignal;

/** A flag key with the reasons it is reported. */
export interface StaleFlag {
  readonly key: string;
  /** The store's flag; undefined for UNKNOWN_KEY. */
  readonly flag?: Flag;
  readonly reasons: StaleReason[];
  /**
   * Resolved references to this key in code: exact keys of every kind, plus `property`, `destructure`,
   * `keyof-type` and `text` references whose key has the same words in another case or separator style
   * (`myFlag`, `MY_FLAG` for `my-flag`: LaunchDarkly camel-cases keys, other languages spell them their way).
   */
  readonly references: FlagReference[];
}

/** The outcome of {@link detectStaleFlags}. */
export interface StaleReport {
  /** Flags with at least one reason, sorted by key. */
  readonly flags: StaleFlag[];
  /** One UNRESOLVED_KEY reason per reference whose key could not be resolved. */
  readonly unresolved: Extract<StaleReason, { code: 'UNRESOLVED_KEY' }>[];
  /** ISO time the report was computed for. */
  readonly now: string;
}

/** Input of {@link detectStaleFlags}. */
export interface StaleInput {
  readonly document: StoreDocument;
  /** Every reference of a scan (resolved and unresolved). */
  readonly references: readonly FlagReference[];
  /** The audit log (any order, any flags); used to date each flag's last change. */
  readonly audit: readonly AuditEntry[];
  readonly now: Date;
  readonly policy: StalePolicy;
  /** Usage-telemetry signals per flag key (see `usageSignals`), reported beside the code signals. */
  readonly usage?: ReadonlyMap<string, readonly UsageSignal[]>;
}

/** What one environment serves when it serves one thing to everyone. */
export interface SingleServing {
  /** The variant; undefined when the environment is disabled (or has no config): apps get their code default. */
  readonly variant: string | undefined;
  readonly disabled: boolean;
}

const DAY_MS = 86_400_000;

/** Reference kinds that are evidence of use, matched across case and separators, never UNKNOWN_KEY. */
const EVIDENCE_KINDS: ReadonlySet<FlagReference['kind']> = new Set(['property', 'destructure', 'keyof-type', 'text']);

/**
 * What `flag` serves to everyone in `environment`, or undefined when different users can get different
 * variants (a rule or split serves another variant, a partial rollout, a rollout plan in progress).
 * Disabled and unconfigured environments serve the code default to everyone. Rules are assumed to match
 * someone. Never throws.
 */
export function getSingleServing(flag: Flag, environment: string): SingleServing | undefined {
  const config = flag.environments[environment];
  if (!config?.enabled) return { variant: undefined, disabled: true };
  const plan = config.plan?.state.status;
  if (plan === 'pending' || plan === 'running' || plan === 'paused') return undefined;
  const served = new Set<string>();
  const percentage = config.rollout?.percentage ?? 0;
  if (config.rollout && percentage > 0) served.add(config.rollout.variant);
  if (percentage < 100) served.add(config.defaultVariant);
  for (const rule of config.rules) {
    if ('variant' in rule.serve) {
      served.add(rule.serve.variant);
    } else {
      const weighted = rule.serve.split.filter((b) => b.weight > 0);
      for (const bucket of weighted.length > 0 ? weighted : rule.serve.split) served.add(bucket.variant);
    }
  }
  if (served.size !== 1) return undefined;
  const [variant] = served;
  return { variant, disabled: false };
}

/**
 * Explains which flags are stale and which references are suspicious. Each flag of the store gets the
 * reasons that apply (SINGLE_VARIANT, PAST_CLEANUP_DATE, OLDER_THAN_LIFETIME, NOT_IN_CODE for active flags;
 * ARCHIVED_IN_CODE for archived ones); keys used in code but missing from the store get UNKNOWN_KEY with the
 * nearest store key; unresolved references get UNRESOLVED_KEY. Pure and deterministic; never throws.
 */
export function detectStaleFlags(input: StaleInput): StaleReport {
  const { document, references, policy, now } = input;
  const grouped = groupReferencesByKey(references);
  const byKey = new Map(grouped.byKey.map((g) => [g.key, g.references]));
  const byWords = new Map<string, FlagReference[]>();
  for (const ref of references) {
    if (ref.key === undefined || !EVIDENCE_KINDS.has(ref.kind)) continue;
    const words = keyIdentity(ref.key);
    byWords.set(words, [...(byWords.get(words) ?? []), ref]);
  }
  const unresolvedRefs = grouped.unresolved;
  const lastChange = lastChangeByFlag(input.audit);
  const environments = policy.environments ?? document.environments.map((e) => e.key);
  const storeKeys = new Set(document.flags.map((f) => f.key));
  const flags: StaleFlag[] = [];

  for (const flag of document.flags) {
    const exact = byKey.get(flag.key) ?? [];
    const variants = (byWords.get(keyIdentity(flag.key)) ?? []).filter((r) => r.key !== flag.key);
    const refs = [...exact, ...variants];
    const reasons: StaleReason[] = [];
    if (flag.archived) {
      if (refs.length > 0) {
        reasons.push({
          code: 'ARCHIVED_IN_CODE',
          message: `Is archived but still used in code (${plural(refs.length, 'reference')}); apps get their code default.`,
          references: refs.length,
        });
      }
    } else {
      const single = singleVariantReason(flag, environments, lastChange.get(flag.key), now, policy);
      if (single) reasons.push(single);
      const cleanup = pastCleanupReason(flag, now);
      if (cleanup) reasons.push(cleanup);
      const age = lifetimeReason(flag, now, policy);
      if (age) reasons.push(age);
      reasons.push(...(input.usage?.get(flag.key) ?? []));
      if (refs.length === 0) {
        const readyToArchive = unresolvedRefs.length === 0;
        reasons.push({
          code: 'NOT_IN_CODE',
          message: readyToArchive
            ? 'Is not referenced in code: ready to archive.'
            : `Has no resolved reference in code, but may be referenced dynamically at ${dynamicPlaces(unresolvedRefs)}: not ready to archive (see UNRESOLVED_KEY).`,
          unresolvedReferences: unresolvedRefs.length,
          readyToArchive,
        });
      }
    }
    if (reasons.length > 0) flags.push({ key: flag.key, flag, reasons, references: refs });
  }

  for (const [key, all] of byKey) {
    if (storeKeys.has(key)) continue;
    // Evidence-only kinds (a `flags.x` read, a text match) say a store key is used; they are no call of a missing
    // flag, so they never make an UNKNOWN_KEY.
    const refs = all.filter((r) => !EVIDENCE_KINDS.has(r.kind));
    if (refs.length === 0) continue;
    const suggestion = suggestNearest(key, storeKeys);
    const where = refs[0] ? `, first at ${locationOf(refs[0])}` : '';
    flags.push({
      key,
      reasons: [
        {
          code: 'UNKNOWN_KEY',
          message:
            `"${key}" is used in code (${plural(refs.length, 'reference')}${where}) but is not in the store.` +
            (suggestion === undefined ? ' Create the flag or fix the key.' : ` Did you mean "${suggestion}"?`),
          references: refs.length,
          ...(suggestion === undefined ? {} : { suggestion }),
        },
      ],
      references: refs,
    });
  }
  flags.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const unresolved = unresolvedRefs.map((reference): Extract<StaleReason, { code: 'UNRESOLVED_KEY' }> => ({
    code: 'UNRESOLVED_KEY',
    message: `${locationOf(reference)}: the key ${reference.keyExpression} of ${reference.method}() could not be resolved: ${reference.unresolvedReason ?? 'unknown reason'}.`,
    reference,
  }));
  return { flags, unresolved, now: now.toISOString() };
}

function singleVariantReason(
  flag: Flag,
  environments: readonly string[],
  lastChangedAt: string | undefined,
  now: Date,
  policy: StalePolicy,
): StaleReason | undefined {
  if (policy.singleVariantExemptKinds.includes(flag.kind) || environments.length === 0) return undefined;
  let common: SingleServing | undefined;
  for (const env of environments) {
    const serving = getSingleServing(flag, env);
    if (!serving) return undefined;
    if (common && (common.variant !== serving.variant || common.disabled !== serving.disabled)) return undefined;
    common = serving;
  }
  const days = daysBetween(lastChangedAt ?? flag.createdAt, now);
  if (!common || days < policy.singleVariantDays) return undefined;
  const what = common.disabled
    ? 'Is disabled in every environment (apps get their code default)'
    : `Serves "${common.variant}" to everyone in every environment`;
  return {
    code: 'SINGLE_VARIANT',
    message: `${what} (${environments.join(', ')}), unchanged for ${plural(days, 'day')} (policy: ${policy.singleVariantDays}).`,
    days,
    thresholdDays: policy.singleVariantDays,
    variant: common.variant,
    environments: [...environments],
  };
}

function pastCleanupReason(flag: Flag, now: Date): StaleReason | undefined {
  if (!flag.cleanupBy) return undefined;
  // The flag may live through its cleanup day (UTC); it is overdue from the next day on.
  const daysOverdue = daysBetween(`${flag.cleanupBy}T00:00:00Z`, now);
  if (daysOverdue < 1) return undefined;
  return {
    code: 'PAST_CLEANUP_DATE',
    message: `Is past its cleanup date ${flag.cleanupBy} by ${plural(daysOverdue, 'day')}.`,
    cleanupBy: flag.cleanupBy,
    daysOverdue,
  };
}

function lifetimeReason(flag: Flag, now: Date, policy: StalePolicy): StaleReason | undefined {
  const lifetimeDays = policy.lifetimeDays[flag.kind];
  if (lifetimeDays === undefined) return undefined;
  const ageDays = daysBetween(flag.createdAt, now);
  if (ageDays <= lifetimeDays) return undefined;
  return {
    code: 'OLDER_THAN_LIFETIME',
    message: `Is ${plural(ageDays, 'day')} old; ${flag.kind} flags are expected to live ${plural(lifetimeDays, 'day')}.`,
    ageDays,
    lifetimeDays,
    kind: flag.kind,
  };
}

/** ISO time of the newest audit entry per flag key. */
function lastChangeByFlag(audit: readonly AuditEntry[]): Map<string, string> {
  const last = new Map<string, string>();
  for (const entry of audit) {
    if (entry.flagKey === undefined) continue;
    const seen = last.get(entry.flagKey);
    if (seen === undefined || Date.parse(entry.at) > Date.parse(seen)) last.set(entry.flagKey, entry.at);
  }
  return last;
}

/** Whole days from `from` (ISO) to `now`, rounded down; 0 when `from` is in the future. */
function daysBetween(from: string, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(from)) / DAY_MS));
}

/** Where dynamic evaluations are: the first three locations, then how many more. */
function dynamicPlaces(refs: readonly FlagReference[]): string {
  const shown = refs.slice(0, 3).map(locationOf).join(', ');
  return refs.length > 3 ? `${shown} and ${plural(refs.length - 3, 'more place')}` : shown;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function locationOf(ref: FlagReference): string {
  return `${ref.file}:${ref.range.start.line + 1}:${ref.range.start.character + 1}`;
}
