/**
 * Types of a flagd flag-definition document (https://flagd.dev/schema/v0/flags.json), as Rollgate writes it
 * and as any OpenFeature flagd provider reads it.
 */
import type { JsonValue } from '../flags/model.ts';

export const FLAGD_SCHEMA_URL = 'https://flagd.dev/schema/v0/flags.json';

export type FlagdState = 'ENABLED' | 'DISABLED';

/** Flag metadata values flagd allows. */
export type FlagdMetadata = Record<string, string | number | boolean>;

export interface FlagdFlag {
  state: FlagdState;
  variants: Record<string, JsonValue>;
  /** null/absent: with no targeting match the provider falls back to the code default (reason DEFAULT). */
  defaultVariant?: string | null;
  /** JsonLogic rule returning a variant name (or null to fall through to the default variant). */
  targeting?: Record<string, JsonValue>;
  metadata?: FlagdMetadata;
}

export interface FlagdDocument {
  $schema?: string;
  flags: Record<string, FlagdFlag>;
  /** Shared JsonLogic fragments referenced by `{"$ref": name}` from targeting. */
  $evaluators?: Record<string, JsonValue>;
  /** Flag-set metadata, merged under each flag's own metadata. */
  metadata?: FlagdMetadata;
}
