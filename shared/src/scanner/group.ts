/** Grouping of scan results, shared by stale detection and the CLI/MCP presentations. */
import type { FlagReference } from './types.ts';

/** The references of one flag key. */
export interface KeyReferences {
  readonly key: string;
  readonly references: FlagReference[];
}

/**
 * Groups resolved references by key, sorted by key, each group in the input order; unresolved references
 * (key undefined) are returned apart. Never throws.
 */
export function groupReferencesByKey(references: readonly FlagReference[]): {
  byKey: KeyReferences[];
  unresolved: FlagReference[];
} {
  const groups = new Map<string, FlagReference[]>();
  const unresolved: FlagReference[] = [];
  for (const ref of references) {
    if (ref.key === undefined) {
      unresolved.push(ref);
      continue;
    }
    let group = groups.get(ref.key);
    if (!group) groups.set(ref.key, (group = []));
    group.push(ref);
  }
  const byKey = [...groups].map(([key, refs]) => ({ key, references: refs }));
  byKey.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { byKey, unresolved };
}
