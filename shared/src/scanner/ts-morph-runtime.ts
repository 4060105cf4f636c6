/**
 * Lazy access to ts-morph. It carries a whole TypeScript compiler (~10 MB of JS), so nothing in Rollgate
 * imports it at module top level: the scanner loads it with `await import('ts-morph')` the first time it is
 * needed. Bundles keep ts-morph external (esbuild.mjs), and a dynamic import keeps it out of their start-up.
 */
import type * as TsMorph from 'ts-morph';
import { FlagError } from '../errors.ts';

let loaded: typeof TsMorph | undefined;

/**
 * Loads ts-morph once and returns the module. Call it before {@link findReferencesInSourceFile}, and use the
 * returned module (e.g. its `Project`) rather than importing ts-morph yourself, so one copy is loaded.
 */
export async function loadTsMorph(): Promise<typeof TsMorph> {
  if (loaded) return loaded;
  const module = (await import('ts-morph')) as typeof TsMorph & { readonly default?: typeof TsMorph };
  // Bundled into an ES module (the extension's copy of the MCP server), CommonJS ts-morph arrives as `default`.
  loaded = typeof module.Project === 'function' ? module : (module.default ?? module);
  return loaded;
}

/** The loaded ts-morph module; throws GENERAL when {@link loadTsMorph} has not completed yet. */
export function getTsMorphOrThrow(): typeof TsMorph {
  if (!loaded) {
    throw new FlagError('GENERAL', 'ts-morph is not loaded yet.', {
      hint: "Call `await loadTsMorph()` from '@rollgate/shared/scanner' before scanning a source file.",
    });
  }
  return loaded;
}
