/**
 * Seeded generators of store documents and evaluation contexts for the differential and schema tests: every
 * condition operator, rule splits, rollouts (0 %, 100 %, fractional percentages), disabled, archived and unconfigured
 * flags, and contexts with missing, falsy, nested and wrongly typed attributes.
 */
import type { Condition, FlagType, JsonValue, StoreDocument } from '../../src/flags/model.ts';
import { ConditionOperator } from '../../src/flags/model.ts';
import { booleanFlag, storeDocument } from './documents.ts';
import type { FlagInput } from './documents.ts';

/** mulberry32: a small, fast, seedable PRNG; the same seed always yields the same sequence. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number): number => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick, chance: (p) => next() < p };
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, max). */
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

const PLANS = ['free', 'pro', 'enterprise'];
const COUNTRIES = ['de', 'fr', 'us', 'jp'];
const EMAILS = ['ann@acme.io', 'bob@example.com', 'admin@acme.io', 'carl@corp.example'];
const VERSIONS = ['1.0.0', '1.2.3', '2.0.0', '2.1.0-rc.1', '2.1.0', '3.0.0', 'v2.1.0', '2.1'];
const GROUPS = [['beta'], ['alpha', 'beta'], [], ['staff']];

const VARIANTS: Record<FlagType, Record<string, JsonValue>> = {
  boolean: { on: true, off: false },
  string: { control: 'control', treatment: 'treatment', blue: 'blue' },
  number: { low: 1, mid: 2.5, high: 100 },
  object: { a: { layout: 'grid', cols: 3 }, b: { layout: 'list' }, c: {} },
};

function condition(random: Random): Condition {
  const operator = random.pick(Object.values(ConditionOperator));
  switch (operator) {
    case 'equals':
    case 'not_equals':
      return random.pick<Condition>([
        { attribute: 'plan', operator, value: random.pick(PLANS) },
        { attribute: 'age', operator, value: random.pick([18, 30, 0]) },
        { attribute: 'beta', operator, value: random.pick([true, false]) },
        { attribute: 'org.tier', operator, value: random.pick(['gold', 'silver']) },
      ]);
    case 'in':
    case 'not_in':
      return random.pick<Condition>([
        { attribute: 'country', operator, value: COUNTRIES.filter(() => random.chance(0.5)) },
        { attribute: 'age', operator, value: [18, 30, 45] },
        { attribute: 'targetingKey', operator, value: ['user-1', 'user-2', 'user-3'] },
      ]);
    case 'contains':
      return random.pick<Condition>([
        { attribute: 'email', operator, value: random.pick(['acme', 'example', '@']) },
        { attribute: 'groups', operator, value: random.pick(['beta', 'staff']) },
      ]);
    case 'starts_with':
    case 'ends_with':
      return { attribute: 'email', operator, value: random.pick(['admin', 'ann', '@acme.io', '.com']) };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return random.pick<Condition>([
        { attribute: 'age', operator, value: random.pick([0, 18, 30, 65]) },
        { attribute: 'signup', operator, value: random.pick(['2025-01-01', '2026-06-30']) },
      ]);
    case 'semver_eq':
    case 'semver_gt':
    case 'semver_gte':
    case 'semver_lt':
    case 'semver_lte':
      return { attribute: 'version', operator, value: random.pick(['1.2.3', '2.0.0', 'v2.1.0', '2.1', 2]) };
    case 'exists':
      return { attribute: random.pick(['beta', 'age', 'org.tier', 'email']), operator };
  }
}

function serve(random: Random, variants: string[]): Record<string, unknown> {
  if (random.chance(0.6)) return { variant: random.pick(variants) };
  const buckets = variants
    .filter(() => random.chance(0.8))
    .map((variant) => ({ variant, weight: random.pick([0, 1, 2.5, 10, 33.3, 50]) }));
  if (!buckets.some((b) => b.weight > 0)) buckets.push({ variant: random.pick(variants), weight: 1 });
  return { split: buckets };
}

function environmentConfig(random: Random, variants: string[]): Record<string, unknown> {
  const config: Record<string, unknown> = {
    enabled: random.chance(0.85),
    defaultVariant: random.pick(variants),
    rules: Array.from({ length: random.int(4) }, () => ({
      conditions: Array.from({ length: 1 + random.int(3) }, () => condition(random)),
      serve: serve(random, variants),
    })),
  };
  if (random.chance(0.6)) {
    config.rollout = {
      variant: random.pick(variants),
      percentage: random.pick([0, 0.5, 1, 5, 12.345, 50, 99.9999, 100]),
    };
  }
  return config;
}

/** A valid store document of `count` flags of every type, reproducible from `seed`. */
export function generateStoreDocument(seed: number, count: number): StoreDocument {
  const random = createRandom(seed);
  const flags: FlagInput[] = [];
  for (let i = 0; i < count; i++) {
    const type = random.pick<FlagType>(['boolean', 'string', 'number', 'object']);
    const variants = VARIANTS[type];
    const names = Object.keys(variants);
    const environments: Record<string, unknown> = {};
    for (const env of ['development', 'staging', 'production']) {
      if (random.chance(0.8)) environments[env] = environmentConfig(random, names);
    }
    flags.push(
      booleanFlag(`flag-${seed}-${i}`, {
        kind: random.pick(['release', 'experiment', 'kill-switch']),
        type,
        variants,
        environments,
        archived: random.chance(0.05),
        ...(random.chance(0.5) ? { owner: random.pick(['team-web', 'team-api']) } : {}),
      }),
    );
  }
  return storeDocument(flags);
}

/** An evaluation context reproducible from `random`: sometimes without targetingKey, with odd attribute values. */
export function generateContext(random: Random): Record<string, JsonValue> {
  const context: Record<string, JsonValue> = {};
  if (random.chance(0.85)) context.targetingKey = `user-${random.int(5000)}`;
  const maybe = (key: string, value: () => JsonValue): void => {
    if (random.chance(0.7)) context[key] = value();
  };
  maybe('plan', () => random.pick(PLANS));
  maybe('country', () => random.pick(COUNTRIES));
  maybe('email', () => random.pick(EMAILS));
  // Wrongly typed values are rare: they make numeric comparisons an evaluation error in flagd.
  maybe('age', () => (random.chance(0.95) ? random.pick([0, 17, 18, 30, 64, 65]) : random.pick(['30', 'abc', null])));
  maybe('signup', () => random.pick(['2024-12-31', '2025-01-01', '2026-07-01']));
  maybe('version', () => random.pick([...VERSIONS, 'garbage']));
  // A number where `contains` expects a string or array: an evaluation error in flagd.
  maybe('groups', () => (random.chance(0.95) ? random.pick(GROUPS) : 7));
  maybe('beta', () => random.pick([true, false, 0, '', null]));
  maybe('org', (): JsonValue => (random.chance(0.8) ? { tier: random.pick(['gold', 'silver']) } : {}));
  return context;
}
