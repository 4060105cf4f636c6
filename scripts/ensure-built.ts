/**
 * Test support: builds a bundle with the project's own `node esbuild.mjs <bundle>` when it is missing or older than
 * its sources, so a single test file can run on its own (`npm test` builds everything first anyway). A lock directory
 * keeps test files running in parallel from building over each other.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

const BUNDLES = {
  cli: { out: 'cli/dist/rollgate.mjs', sources: ['cli/src', 'cli/package.json'] },
  mcp: { out: 'mcp-server/dist/server.mjs', sources: ['mcp-server/src', 'mcp-server/package.json'] },
  server: { out: 'cli/dist/rollgate-server.mjs', sources: ['server/src', 'server/package.json'] },
  // The extension's bundles, among them its copy of the MCP server (ts-morph bundled in).
  extension: {
    out: 'extension/dist/mcp/server.mjs',
    sources: ['extension/src', 'extension/package.json', 'mcp-server/src'],
  },
} as const;

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    stat.mtimeMs,
    ...readdirSync(path)
      .filter((name) => name !== 'node_modules' && name !== 'dist')
      .map((name) => newestMtime(join(path, name))),
  );
}

/** Builds `bundle` unless it is fresh; throws with esbuild's output when the build fails. Returns the bundle's path. */
export function ensureBuilt(bundle: keyof typeof BUNDLES): string {
  const { out, sources } = BUNDLES[bundle];
  const outPath = join(ROOT, out);
  const stale = (): boolean => {
    try {
      const newest = Math.max(...[...sources, 'shared/src', 'esbuild.mjs'].map((p) => newestMtime(join(ROOT, p))));
      return newest > statSync(outPath).mtimeMs;
    } catch {
      return true;
    }
  };
  if (!stale()) return outPath;
  const lock = join(outPath, '..', '.build-lock');
  mkdirSync(join(lock, '..'), { recursive: true });
  for (let waited = 0; ; waited += 100) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (waited > 120_000) {
        throw new Error(`Waited 2 minutes for ${lock}; remove it if no build is running.`, { cause: e });
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    // Another test file may have built while this one waited for the lock.
    if (stale()) {
      const result = spawnSync(process.execPath, ['esbuild.mjs', bundle], { cwd: ROOT, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`node esbuild.mjs ${bundle} failed:\n${result.stderr}${result.stdout}`);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return outPath;
}
