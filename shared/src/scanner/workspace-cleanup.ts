/**
 * Cleanup of a whole workspace from a store flag and a variant name: the one entry point the CLI, the MCP server
 * and the extension share, so they build the ts-morph project and pick the kept value the same way.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FlagError } from '../errors.ts';
import type { StoreDocument } from '../flags/model.ts';
import { suggestNearest } from '../flags/suggest.ts';
import { planCleanup, type CleanupPlan } from './cleanup.ts';
import { loadTsMorph } from './ts-morph-runtime.ts';
import type { FlagReference } from './types.ts';

export interface WorkspaceCleanupOptions {
  /**
   * Workspace root. The type check after applying uses the nearest `tsconfig.json` above the edited files when
   * they share one, else the root's (when present).
   */
  readonly root: string;
  readonly document: StoreDocument;
  readonly flagKey: string;
  /** Name of the variant whose value replaces every evaluation of the flag. */
  readonly keepVariant: string;
  /** References from a scan of `root` (other flags' references are ignored). */
  readonly references: readonly FlagReference[];
}

/**
 * Plans the removal of `flagKey` from the code of `root`, keeping `keepVariant` (a dry run: nothing is written;
 * pass the plan to `applyCleanup` to write it). Only the files that reference the flag are loaded.
 * Errors: FLAG_NOT_FOUND (with a "did you mean" hint), INVALID_INPUT for an unknown variant.
 */
export async function planWorkspaceCleanup(options: WorkspaceCleanupOptions): Promise<CleanupPlan> {
  const { document, flagKey, keepVariant, root } = options;
  const flag = document.flags.find((f) => f.key === flagKey);
  if (!flag) {
    const nearest = suggestNearest(
      flagKey,
      document.flags.map((f) => f.key),
    );
    throw new FlagError('FLAG_NOT_FOUND', `Flag "${flagKey}" is not in the flag store.`, {
      flagKey,
      hint: nearest ? `Did you mean "${nearest}"?` : 'List flags with `rollgate list`.',
    });
  }
  const value = flag.variants[keepVariant];
  if (value === undefined) {
    throw new FlagError('INVALID_INPUT', `Flag "${flagKey}" has no variant "${keepVariant}".`, {
      flagKey,
      hint: `Keep one of: ${Object.keys(flag.variants).join(', ')}.`,
    });
  }
  const { Project } = await loadTsMorph();
  const files = new Set(options.references.filter((r) => r.key === flagKey).map((r) => r.file));
  const tsconfig = tsconfigFor(root, files);
  // Without a tsconfig, JavaScript files still take part in the type check after applying.
  const project = tsconfig
    ? new Project({ tsConfigFilePath: tsconfig, skipAddingFilesFromTsConfig: true })
    : new Project({ compilerOptions: { allowJs: true, noEmit: true } });
  for (const file of files) project.addSourceFileAtPath(file);
  return planCleanup({ project, flagKey, keep: { variant: keepVariant, value }, references: options.references, root });
}

/**
 * The tsconfig.json the type check after applying uses: the nearest one above the edited files when they share
 * it (in a monorepo, `frontend/tsconfig.json` carries the paths and JSX settings the root one lacks), else the
 * root's, else none.
 */
function tsconfigFor(root: string, files: ReadonlySet<string>): string | undefined {
  const nearest = new Set([...files].map((file) => nearestTsconfig(root, dirname(file))));
  const [only] = nearest;
  if (nearest.size === 1 && only !== undefined) return only;
  const atRoot = join(root, 'tsconfig.json');
  return existsSync(atRoot) ? atRoot : undefined;
}

function nearestTsconfig(root: string, dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (resolve(current) === resolve(root) || dirname(current) === current) return undefined;
  }
}
