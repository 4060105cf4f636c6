/**
 * TypeScript module resolution with one cache per ts-morph Project, shared by the type-checker program (each
 * import of each file) and by key resolution (`paths` aliases): the `node_modules` folders up the tree are looked
 * up once per folder instead of once per import. The scanner resets it when a scan or rescan starts, so files
 * created or deleted since are seen.
 */
import type { Project, ts } from 'ts-morph';
import { getTsMorphOrThrow } from './ts-morph-runtime.ts';

const caches = new WeakMap<Project, ts.ModuleResolutionCache>();

/** TypeScript's resolution of `specifier` imported from `containingFile`, through the project's cache. */
export function resolveModule(
  project: Project,
  specifier: string,
  containingFile: string,
  host: ts.ModuleResolutionHost,
): ts.ResolvedModuleFull | undefined {
  const tsModule = getTsMorphOrThrow().ts;
  const options = project.getCompilerOptions();
  let cache = caches.get(project);
  if (!cache) {
    cache = tsModule.createModuleResolutionCache(project.getFileSystem().getCurrentDirectory(), (f) => f, options);
    caches.set(project, cache);
  }
  return tsModule.resolveModuleName(specifier, containingFile, options, host, cache).resolvedModule;
}

/** Forgets the resolutions of `project` (files may have been created or deleted). */
export function resetModuleResolution(project: Project): void {
  caches.delete(project);
}
