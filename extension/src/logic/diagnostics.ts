/**
 * Which flag references deserve a diagnostic, and what it says: unknown keys (with "did you mean"),
 * archived flags still in code, stale flags with their reasons. Pure, unit-tested without VS Code.
 */
import { suggestNearest, type StoreDocument } from '@rollgate/shared/flags';
import type { FlagReference } from '@rollgate/shared/scanner';

export const FlagDiagnosticCode = {
  unknownFlag: 'unknown-flag',
  archivedFlag: 'archived-flag',
  staleFlag: 'stale-flag',
} as const;
export type FlagDiagnosticCode = (typeof FlagDiagnosticCode)[keyof typeof FlagDiagnosticCode];

export interface FlagDiagnostic {
  readonly reference: FlagReference;
  readonly key: string;
  readonly code: FlagDiagnosticCode;
  readonly severity: 'error' | 'warning' | 'information';
  readonly message: string;
  /** For unknown keys: the nearest existing key. */
  readonly suggestion?: string;
}

/**
 * Diagnostics for `references` given the store and, per flag key, the stale reasons (human sentences).
 * Unresolved keys get none: the code lens already says the key could not be resolved.
 */
export function computeDiagnostics(
  references: readonly FlagReference[],
  document: StoreDocument,
  staleReasons: ReadonlyMap<string, readonly string[]>,
): FlagDiagnostic[] {
  const flags = new Map(document.flags.map((f) => [f.key, f]));
  const keys = [...flags.keys()];
  const out: FlagDiagnostic[] = [];
  for (const reference of references) {
    const key = reference.key;
    if (key === undefined) continue;
    const flag = flags.get(key);
    if (!flag) {
      const suggestion = suggestNearest(key, keys);
      out.push({
        reference,
        key,
        code: FlagDiagnosticCode.unknownFlag,
        severity: 'error',
        message: `Flag "${key}" is not in the flag store${suggestion ? `. Did you mean "${suggestion}"?` : '; create it or fix the key.'}`,
        ...(suggestion ? { suggestion } : {}),
      });
      continue;
    }
    if (flag.archived) {
      out.push({
        reference,
        key,
        code: FlagDiagnosticCode.archivedFlag,
        severity: 'warning',
        message: `Flag "${key}" is archived but still evaluated here; providers no longer serve it, so this returns the code default. Remove the flag's code.`,
      });
      continue;
    }
    const reasons = staleReasons.get(key);
    if (reasons && reasons.length > 0) {
      out.push({
        reference,
        key,
        code: FlagDiagnosticCode.staleFlag,
        severity: 'warning',
        message: `Flag "${key}" is stale: ${reasons.join(' ')}`,
      });
    }
  }
  return out;
}
