/**
 * Size limits on the free-text and map fields users (and assistants) write, stated in the schemas so callers see
 * them up front. A value past a limit is refused with INVALID_INPUT naming the field and the limit; stored documents
 * are not checked against them (only new input is).
 */
import * as z from 'zod';

const MAP_ENTRIES = 50;
/** Largest JSON size of one object variant's value, in characters. */
const OBJECT_VARIANT_CHARS = 10_000;

/** Bounded input schemas of flag fields (see createFlagInputSchema and flagUpdateSchema in operations.ts). */
export const INPUT_LIMITS = {
  description: z.string().max(2000, 'keep the description under 2,000 characters; link to a document for more'),
  owner: z.string().max(100),
  tags: z.array(z.string().min(1).max(50)).max(20, 'at most 20 tags'),
  /** Variants: at most 50, each object value at most 10,000 characters of JSON. */
  variants: <K extends z.ZodType<string>, V extends z.ZodType>(key: K, value: V) =>
    z
      .record(key, value)
      .refine((r) => Object.keys(r).length <= MAP_ENTRIES, `at most ${MAP_ENTRIES} variants`)
      .refine(
        (r) => Object.values(r).every((v) => JSON.stringify(v ?? null).length <= OBJECT_VARIANT_CHARS),
        `a variant value may hold at most ${OBJECT_VARIANT_CHARS} characters of JSON`,
      ),
  /** Metadata: at most 50 entries, keys up to 100 characters. */
  metadata: <V extends z.ZodType>(value: V) =>
    z
      .record(z.string().max(100), value)
      .refine((r) => Object.keys(r).length <= MAP_ENTRIES, `at most ${MAP_ENTRIES} metadata entries`),
} as const;
