/**
 * Segments: named, reusable audiences of the store document (`segments`, schema in model.ts), referred to by flag
 * rules (`{segment: key}`), rollouts and rollout plan steps, compiled to flagd `$evaluators` (flagd/compile.ts).
 * This file holds their operations (create, update, delete; audit `segment.*` with changes under
 * `/segments/<key>`), their serializable form for remote mode ({@link segmentChangeSchema}) and the queries callers
 * need (who uses a segment, whether a change alters who is in it). docs/segments.md describes them.
 */
import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';
import { FlagError } from '../errors.ts';
import { describeOperation } from './descriptor.ts';
import { diffValues } from './diff.ts';
import { segmentKeySchema, segmentSchema } from './model.ts';
import type { Segment, StoreDocument } from './model.ts';
import { auditEntry, parseInput, validated, type Operation } from './operations.ts';
import { segmentReferences, type SegmentReference } from './segment-check.ts';
import { didYouMean } from './suggest.ts';

const keyList = segmentSchema.shape.included.removeDefault();
const segmentRules = segmentSchema.shape.rules.removeDefault();

/** Input of {@link createSegment}: a key and at least one way in (keys or rules). */
export const createSegmentInputSchema = segmentSchema
  .extend({ included: keyList.optional(), excluded: keyList.optional(), rules: segmentRules.optional() })
  .strict();
export type CreateSegmentInput = z.input<typeof createSegmentInputSchema>;

/**
 * A partial change to a segment: `name` / `description` replaced (`null` removes), `included` / `excluded` / `rules`
 * replaced as whole lists, `addKeys` / `removeKeys` add targeting keys to (or take them out of) `included`.
 */
export const segmentUpdateSchema = z
  .object({
    name: z.string().max(200).nullable(),
    description: z.string().max(2000).nullable(),
    included: keyList,
    excluded: keyList,
    rules: segmentRules,
    addKeys: keyList,
    removeKeys: keyList,
  })
  .partial()
  .strict();
export type SegmentUpdate = z.input<typeof segmentUpdateSchema>;

/** The segment `key` of `document`, or undefined. */
export function getSegment(document: StoreDocument, key: string): Segment | undefined {
  return document.segments?.find((s) => s.key === key);
}

/** The segment `key`; FLAG_NOT_FOUND with a did-you-mean (or the declared segments) when there is none. */
export function getSegmentOrThrow(document: StoreDocument, key: string): Segment {
  const segment = getSegment(document, key);
  if (segment) return segment;
  const keys = (document.segments ?? []).map((s) => s.key);
  const suggestion = didYouMean(key, keys);
  throw new FlagError('FLAG_NOT_FOUND', `Segment "${key}" not found.`, {
    segment: key,
    hint: suggestion ?? (keys.length ? `Declared segments: ${keys.join(', ')}.` : 'No segment exists yet; create one.'),
  });
}

/** Where flags refer to segment `key` (rules, rollouts, plan steps), in document order. Never throws. */
export function segmentUsage(document: StoreDocument, key: string): SegmentReference[] {
  return segmentReferences(document.flags).filter((r) => r.segment === key);
}

/** `new-checkout (production, staging), beta-banner (staging)`: the flags of some references. */
export function describeUsage(references: readonly SegmentReference[]): string {
  const byFlag = new Map<string, Set<string>>();
  for (const r of references) byFlag.set(r.flagKey, (byFlag.get(r.flagKey) ?? new Set()).add(r.environment));
  return [...byFlag].map(([flag, envs]) => `${flag} (${[...envs].join(', ')})`).join(', ');
}

/**
 * A segment change in serializable form: what remote mode sends to a server (flags/descriptor.ts), which rebuilds
 * the operation with {@link segmentOperationFor}.
 */
export const segmentChangeSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('segment.create'), segment: createSegmentInputSchema }).strict(),
  z.object({ action: z.literal('segment.update'), key: segmentKeySchema, patch: segmentUpdateSchema }).strict(),
  z.object({ action: z.literal('segment.delete'), key: segmentKeySchema }).strict(),
]);
export type SegmentChange = z.infer<typeof segmentChangeSchema>;
/** What {@link segmentChangeSchema} accepts (defaults not yet filled in). */
export type SegmentChangeInput = z.input<typeof segmentChangeSchema>;

/** The operation that carries out `change`. */
export function segmentOperationFor(change: SegmentChange): Operation {
  switch (change.action) {
    case 'segment.create':
      return createSegment(change.segment);
    case 'segment.update':
      return updateSegment(change.key, change.patch);
    case 'segment.delete':
      return deleteSegment(change.key);
  }
}

/** The key of the segment `change` is about. */
export function segmentKeyOf(change: SegmentChangeInput): string {
  return change.action === 'segment.create' ? change.segment.key : change.key;
}

/** Who is in a segment: what decides the users it matches (not its name or description). */
function membership(segment: Segment | undefined): unknown {
  return segment && { included: segment.included, excluded: segment.excluded, rules: segment.rules };
}

/** Whether going from `before` to `after` changes who is in segment `key` (its keys or rules; not its name). */
export function changesMembership(before: StoreDocument, after: StoreDocument, key: string): boolean {
  return !isDeepStrictEqual(membership(getSegment(before, key)), membership(getSegment(after, key)));
}

/**
 * Where segment `key` decides who gets a flag that is on (and not archived) in a protected environment: there,
 * changing who is in the segment changes who gets the flag, without the flag's approval flow. Never throws.
 */
export function protectedLiveUsage(document: StoreDocument, key: string): SegmentReference[] {
  return segmentUsage(document, key).filter((u) => {
    const isProtected = document.environments.find((e) => e.key === u.environment)?.protected === true;
    const flag = document.flags.find((f) => f.key === u.flagKey);
    return isProtected && flag?.environments[u.environment]?.enabled === true && !flag.archived;
  });
}

/** Creates a segment. Audit: `segment.create`. Errors: INVALID_INPUT (invalid input, or the key exists). */
export function createSegment(input: CreateSegmentInput): Operation {
  return describe({ action: 'segment.create', segment: input }, (document, context) => {
    const parsed = parseInput(createSegmentInputSchema, input, 'segment');
    if (getSegment(document, parsed.key)) {
      throw new FlagError('INVALID_INPUT', `Segment "${parsed.key}" already exists.`, {
        segment: parsed.key,
        hint: 'Change it with a segment update, or choose another key.',
      });
    }
    const segment: Segment = {
      ...parsed,
      included: parsed.included ?? [],
      excluded: parsed.excluded ?? [],
      rules: parsed.rules ?? [],
    };
    return commit(document, context, 'segment.create', parsed.key, undefined, segment);
  });
}

/**
 * Changes a segment (merge rules at {@link segmentUpdateSchema}); every flag using it serves the new audience.
 * Audit: `segment.update`. Errors: FLAG_NOT_FOUND (no such segment, did-you-mean), INVALID_INPUT (invalid or empty
 * patch), INVALID_RULE (a rule the model rejects).
 */
export function updateSegment(key: string, patch: SegmentUpdate): Operation {
  return describe({ action: 'segment.update', key, patch }, (document, context) => {
    const before = getSegmentOrThrow(document, key);
    const parsed = parseInput(segmentUpdateSchema, patch, 'patch');
    if (Object.keys(parsed).length === 0) {
      throw new FlagError('INVALID_INPUT', 'The update names no field to change.', {
        segment: key,
        hint: 'Pass at least one field, e.g. {"addKeys": ["user-42"]}.',
      });
    }
    const { name, description, addKeys, removeKeys, ...replaced } = parsed;
    const after: Segment = { ...structuredClone(before), ...replaced };
    if (name === null) delete after.name;
    else if (name !== undefined) after.name = name;
    if (description === null) delete after.description;
    else if (description !== undefined) after.description = description;
    const removed = new Set(removeKeys ?? []);
    after.included = [...new Set([...after.included, ...(addKeys ?? [])])].filter((k) => !removed.has(k));
    return commit(document, context, 'segment.update', key, before, after);
  });
}

/**
 * Deletes a segment no flag refers to. Audit: `segment.delete`. Errors: FLAG_NOT_FOUND (no such segment),
 * INVALID_INPUT (still used: the message lists the flags and environments; remove those references first).
 */
export function deleteSegment(key: string): Operation {
  return describe({ action: 'segment.delete', key }, (document, context) => {
    const before = getSegmentOrThrow(document, key);
    const usage = segmentUsage(document, key);
    if (usage.length > 0) {
      throw new FlagError('INVALID_INPUT', `Segment "${key}" is used by ${describeUsage(usage)}.`, {
        segment: key,
        usedBy: [...new Set(usage.map((u) => u.flagKey))],
        hint: "Remove it from those flags' rules, rollouts and plans first, then delete it.",
      });
    }
    return commit(document, context, 'segment.delete', key, before, undefined);
  });
}

/** `operation`, sendable to a server as `change` (remote mode). */
function describe(change: SegmentChangeInput, operation: Operation): Operation {
  return describeOperation(operation, { descriptor: { kind: 'segment', change } });
}

/** Replaces (or adds, or with `after` undefined removes) segment `key`, validates, and audits `action`. */
function commit(
  document: StoreDocument,
  context: Parameters<Operation>[1],
  action: string,
  key: string,
  before: Segment | undefined,
  after: Segment | undefined,
): ReturnType<Operation> {
  const existing = document.segments ?? [];
  const segments = before
    ? existing.flatMap((s) => (s.key !== key ? [s] : after ? [after] : []))
    : [...existing, ...(after ? [after] : [])];
  // The flags are not changed: keep their objects (as every operation does), so a store sees no flag to rewrite.
  const next = { ...validated({ ...document, segments }), flags: document.flags };
  if (next.segments?.length === 0) delete next.segments;
  const stored = getSegment(next, key);
  return {
    document: next,
    audit: [auditEntry(context, action, { changes: diffValues(before, stored, `/segments/${key}`) })],
  };
}
