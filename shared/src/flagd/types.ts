/**
 * Types of a flagd flag-definition document (https://flagd.dev/schema/v0/flags.json), as Rollgate writes it
 * and as any OpenFeature flagd provider reads it.
 */
import type { JsonValue } from '../flags/model.ts';

/** The flagd flag-definition schema; compiled documents name it in `$schema` for editor validation. */
export const FLAGD_SCHEMA_URL = 'https://flagd.dev/schema/v0/flags.json';

/** A flagd flag's state; DISABLED flags are not evaluated (see docs/flagd.md for what they serve). */
export type FlagdState = 'ENABLED' | 'DISABLED';

/** Flag metadata values flagd allows. */
export type FlagdMetadata = Record<string, string | number | boolean>;

/** One flag of a flagd document. */
export interface FlagdFlag {
  state: FlagdState;
  variants: Record<string, JsonValue>;
  /** null/absent: the code default is served when targeting yields no variant (reason DEFAULT). */
  defaultVariant?: string | null;
  /** JsonLogic rule returning a variant name (or null to fall through to the default variant). */
  targeting?: Record<string, JsonValue>;
  metadata?: FlagdMetadata;
}

/** A flagd flag-definition document: the content of a `.flagd.json` file. */
export interface FlagdDocument {
  $schema?: string;
  flags: Record<string, FlagdFlag>;
  /** Shared JsonLogic fragments referenced by `{"$ref": name}` from targeting. */
  $evaluators?: Record<string, JsonValue>;
  /** Flag-set metadata, merged under each flag's own metadata. */
  metadata?: FlagdMetadata;
}
