/**
 * flagd's custom JsonLogic operations — `fractional`, `sem_ver`, `starts_with`, `ends_with` — with the semantics of
 * @openfeature/flagd-core (the flagd-testbed evaluator suite pins them): invalid input makes them return null, which
 * resolves the flag's default variant, rather than false or an error.
 */
// semver's own modules, not its index: the index loads all of semver (ranges, every function) at start-up, which
// every CLI run that compiles flags would pay for.
import type { SemVer } from 'semver';
import coerceSemver from 'semver/functions/coerce.js';
import compareSemver from 'semver/functions/compare.js';
import parseSemver from 'semver/functions/parse.js';

/**
 * A version as flagd compares it: `v`/`V` prefix stripped, strict semver, or a partial `1` / `1.2` completed with
 * zeros; numbers are read as their decimal text. Anything else (`1.2.3.4`, `not-a-version`) is null.
 */
export function normalizeVersion(raw: unknown): SemVer | null {
  const text = String(raw).replace(/^[vV]/, '');
  const strict = parseSemver(text);
  if (strict) return strict;
  // semver's coerce would pull "1" out of "build_1"; flagd only completes purely numeric partial versions.
  return /^\d+(\.\d+)?$/.test(text) ? coerceSemver(text) : null;
}

/** `sem_ver` on a parsed left side: true/false, or null for an unknown operator. */
export function compareVersions(left: SemVer, operator: unknown, right: SemVer): boolean | null {
  const result = compareSemver(left, right);
  switch (String(operator)) {
    case '=':
      return result === 0;
    case '!=':
      return result !== 0;
    case '<':
      return result < 0;
    case '<=':
      return result <= 0;
    case '>':
      return result > 0;
    case '>=':
      return result >= 0;
    case '^':
      return left.major === right.major;
    case '~':
      return left.major === right.major && left.minor === right.minor;
    default:
      return null;
  }
}

/** `sem_ver` over evaluated arguments `[version, operator, version]`; null when they are not that. */
export function semVer(args: readonly unknown[]): boolean | null {
  if (args.length !== 3) return null;
  const left = normalizeVersion(args[0]);
  const right = normalizeVersion(args[2]);
  if (!left || !right) return null;
  return compareVersions(left, args[1], right);
}

/** `starts_with` / `ends_with` over evaluated arguments: two strings, else null. */
export function stringCompare(kind: 'starts_with' | 'ends_with', args: readonly unknown[]): boolean | null {
  if (args.length !== 2) return null;
  const [text, affix] = args;
  if (typeof text !== 'string' || typeof affix !== 'string') return null;
  return kind === 'starts_with' ? text.startsWith(affix) : text.endsWith(affix);
}

/** flagd's upper bound on the sum of fractional weights (Go's math.MaxInt32). */
export const MAX_TOTAL_WEIGHT = 2147483647;

/** Buckets of a `fractional` operation, validated: variants in declaration order with their clamped weights. */
export interface BucketList {
  readonly variants: readonly (string | number | boolean | null)[];
  readonly weights: readonly number[];
  readonly totalWeight: number;
}

/**
 * Validates `fractional` bucket entries (`[variant]` or `[variant, weight]`), or returns null when one is invalid
 * or the weights add up to more than {@link MAX_TOTAL_WEIGHT}. Weight defaults to 1; negative weights count as 0.
 */
export function toBucketList(entries: readonly unknown[], start: number): BucketList | null {
  const variants: (string | number | boolean | null)[] = [];
  const weights: number[] = [];
  let totalWeight = 0;
  for (let i = start; i < entries.length; i++) {
    const entry = entries[i];
    if (!Array.isArray(entry) || entry.length === 0 || entry.length > 2) return null;
    const variant: unknown = entry[0];
    if (typeof variant === 'string' || typeof variant === 'number' || typeof variant === 'boolean') {
      variants.push(variant);
    } else if (variant === null || variant === undefined) {
      variants.push(null);
    } else {
      return null;
    }
    let weight = 1;
    if (entry.length === 2) {
      const raw: unknown = entry[1];
      if (typeof raw !== 'number' || !Number.isInteger(raw)) return null;
      weight = Math.max(0, raw);
    }
    weights.push(weight);
    totalWeight += weight;
  }
  return totalWeight > MAX_TOTAL_WEIGHT ? null : { variants, weights, totalWeight };
}

/** `floor(hash × totalWeight / 2^32)`, exactly, for an unsigned 32-bit `hash` and `totalWeight` ≤ 2^31 − 1. */
export function bucketOf(hash: number, totalWeight: number): number {
  // Below 2^21 the product stays under 2^53, so the float arithmetic is exact (division by 2^32 is exact too).
  if (totalWeight <= 0x200000) return Math.floor((hash * totalWeight) / 4294967296);
  const a = (hash >>> 16) * totalWeight;
  const b = (hash & 0xffff) * totalWeight;
  const aHigh = Math.floor(a / 65536);
  return aHigh + Math.floor(((a - aHigh * 65536) * 65536 + b) / 4294967296);
}

/** The variant of the bucket `hash` falls in (declaration order), or null when no bucket has weight. */
export function pickBucket(list: BucketList, hash: number): string | number | boolean | null {
  const bucket = bucketOf(hash, list.totalWeight);
  let sum = 0;
  for (let i = 0; i < list.weights.length; i++) {
    sum += list.weights[i] ?? 0;
    if (sum > bucket) return list.variants[i] ?? null;
  }
  return null;
}
