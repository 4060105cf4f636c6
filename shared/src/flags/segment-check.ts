/**
 * The document checks of segments (called by `checkDocument` in model.ts): unique keys, and every reference to a
 * segment — a rule condition `{segment}`, a rollout's `segments`, a plan step's `segment` / `segments` — naming a
 * declared one. Imports only types from model.ts, which imports this file.
 */
import type { DocumentIssue, Flag, RolloutPlan, Segment } from './model.ts';
import { didYouMean } from './suggest.ts';

/** Where a flag refers to a segment: the path from the document root and the segment key. */
export interface SegmentReference {
  readonly flagKey: string;
  readonly environment: string;
  readonly path: (string | number)[];
  readonly segment: string;
}

/** Segment keys of a plan step (none for a percentage step). */
export function stepSegments(step: RolloutPlan['steps'][number]): string[] {
  if (typeof step === 'number') return [];
  return [...(step.segment === undefined ? [] : [step.segment]), ...(step.segments ?? [])];
}

/** Every reference to a segment in `flags`, in document order. Never throws. */
export function segmentReferences(flags: readonly Flag[]): SegmentReference[] {
  const found: SegmentReference[] = [];
  flags.forEach((flag, i) => {
    for (const [environment, config] of Object.entries(flag.environments)) {
      const at = (...rest: (string | number)[]): (string | number)[] => [
        'flags',
        i,
        'environments',
        environment,
        ...rest,
      ];
      const add = (segment: string, path: (string | number)[]): void => {
        found.push({ flagKey: flag.key, environment, path, segment });
      };
      config.rules.forEach((rule, r) =>
        rule.conditions.forEach((c, n) => {
          if ('segment' in c) add(c.segment, at('rules', r, 'conditions', n, 'segment'));
        }),
      );
      config.rollout?.segments?.forEach((s, n) => add(s, at('rollout', 'segments', n)));
      config.plan?.steps.forEach((step, n) => stepSegments(step).forEach((s) => add(s, at('plan', 'steps', n))));
    }
  });
  return found;
}

/** Issues of the document's segments and of every reference to one (empty when all is well). Never throws. */
export function checkSegments(doc: { flags: Flag[]; segments?: Segment[] | undefined }): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  const keys = new Set<string>();
  (doc.segments ?? []).forEach((segment, i) => {
    if (keys.has(segment.key)) {
      issues.push({ path: ['segments', i, 'key'], message: `duplicate segment "${segment.key}"` });
    }
    keys.add(segment.key);
  });
  for (const ref of segmentReferences(doc.flags)) {
    if (keys.has(ref.segment)) continue;
    const suggestion = didYouMean(ref.segment, keys);
    issues.push({
      path: ref.path,
      message:
        `unknown segment "${ref.segment}"; ${suggestion ? `${suggestion} ` : ''}` +
        (keys.size ? `declared segments: ${[...keys].join(', ')}` : 'no segment is declared (create it first)'),
    });
  }
  return issues;
}
