/**
 * `.rollgate/policy.yaml`: the repo's thresholds for stale-flag detection. Every field is optional; missing
 * ones take the defaults below (lifetimes from {@link EXPECTED_LIFETIME_DAYS}).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { FlagError } from '../errors.ts';
import { EXPECTED_LIFETIME_DAYS, FlagKind, flagKindSchema, environmentKeySchema } from '../flags/model.ts';
import { parseYamlConfig } from '../yaml-config.ts';

/** Where the stale policy lives, relative to the workspace root. */
export const POLICY_PATH = '.rollgate/policy.yaml';

/** Days a flag must serve one variant everywhere, unchanged, before it is stale (default). */
export const DEFAULT_SINGLE_VARIANT_DAYS = 14;

/** The content of `.rollgate/policy.yaml`. */
export const stalePolicySchema = z
  .object({
    /** Expected lifetime per kind in days; `null` = never stale by age. Kinds left out keep the defaults. */
    lifetimeDays: z.partialRecord(flagKindSchema, z.number().int().min(1).nullable()).default({}),
    /** Days of serving one variant to everyone in every environment, without a change, before it is stale. */
    singleVariantDays: z.number().int().min(0).default(DEFAULT_SINGLE_VARIANT_DAYS),
    /** Kinds that may serve one variant forever (a kill switch is "on" by design). */
    singleVariantExemptKinds: z.array(flagKindSchema).default([FlagKind.killSwitch, FlagKind.permission]),
    /** Environments that must all serve the same single variant; default: every environment of the store. */
    environments: z.array(environmentKeySchema).min(1).optional(),
  })
  .strict();

/** A resolved stale policy: every threshold has a value. */
export interface StalePolicy {
  /** Expected lifetime per kind in days; `undefined` = never stale by age. */
  readonly lifetimeDays: Readonly<Record<FlagKind, number | undefined>>;
  readonly singleVariantDays: number;
  readonly singleVariantExemptKinds: readonly FlagKind[];
  readonly environments?: readonly string[];
}

/** The policy used when a repo has no `.rollgate/policy.yaml`. */
export const DEFAULT_STALE_POLICY: StalePolicy = toPolicy(stalePolicySchema.parse({}));

/** Parses the text of a policy file. Throws PARSE_ERROR with file:line on invalid YAML or values. */
export function parseStalePolicy(text: string, file: string): StalePolicy {
  return toPolicy(parseYamlConfig(text, file, stalePolicySchema, 'docs/scanner.md'));
}

/**
 * Reads `<root>/.rollgate/policy.yaml`; a missing file gives {@link DEFAULT_STALE_POLICY}.
 * Throws PARSE_ERROR on invalid content, STORE_IO when the file exists but cannot be read.
 */
export async function loadStalePolicy(root: string): Promise<StalePolicy> {
  const file = join(root, POLICY_PATH);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_STALE_POLICY;
    throw new FlagError(
      'STORE_IO',
      `Cannot read ${file}.`,
      { file, hint: 'Check the file permissions.' },
      { cause: e },
    );
  }
  return parseStalePolicy(text, file);
}

function toPolicy(parsed: z.output<typeof stalePolicySchema>): StalePolicy {
  const lifetimeDays = { ...EXPECTED_LIFETIME_DAYS };
  for (const [kind, days] of Object.entries(parsed.lifetimeDays) as [FlagKind, number | null | undefined][]) {
    if (days !== undefined) lifetimeDays[kind] = days ?? undefined;
  }
  return {
    lifetimeDays,
    singleVariantDays: parsed.singleVariantDays,
    singleVariantExemptKinds: parsed.singleVariantExemptKinds,
    ...(parsed.environments ? { environments: parsed.environments } : {}),
  };
}
