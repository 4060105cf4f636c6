/**
 * Runs the BUILT CLI (cli/dist/rollgate.mjs) as a child process, the way users and CI run it. The bundle is
 * rebuilt with the project's own `node esbuild.mjs cli` when it is missing or older than the sources; a lock
 * directory keeps two test files (run in parallel) from building over each other.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'cli', 'dist', 'rollgate.mjs');
/** The fixed clock every CLI run in the tests uses (ROLLGATE_NOW). */
export const NOW = '2026-11-25T12:00:00.000Z';

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    stat.mtimeMs,
    ...readdirSync(path)
      .filter((name) => name !== 'node_modules')
      .map((name) => newestMtime(join(path, name))),
  );
}

function isStale(): boolean {
  let built: number;
  try {
    built = statSync(BIN).mtimeMs;
  } catch {
    return true;
  }
  const sources = ['cli/src', 'cli/package.json', 'shared/src', 'esbuild.mjs'].map((p) => newestMtime(join(ROOT, p)));
  return Math.max(...sources) > built;
}

/** Builds the CLI bundle unless it is fresh. Throws with esbuild's output when the build fails. */
export function ensureBuilt(): void {
  if (!isStale()) return;
  const lock = join(ROOT, 'cli', 'dist', '.build-lock');
  mkdirSync(join(ROOT, 'cli', 'dist'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() > deadline) {
        throw new Error(`Waited 2 minutes for ${lock}; remove it if no build is running.`, { cause: e });
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    // Another test file may have built while this one waited for the lock.
    if (!isStale()) return;
    const result = spawnSync(process.execPath, ['esbuild.mjs', 'cli'], { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`node esbuild.mjs cli failed:\n${result.stderr}${result.stdout}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `rollgate <args>` in `cwd` with the fixed clock and USER=tester. */
export function rollgate(cwd: string, args: readonly string[], env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ROLLGATE_NOW: NOW, USER: 'tester', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `rollgate --json <args>`, asserts exit 0 and returns the parsed stdout. */
export function rollgateJson<T = Record<string, unknown>>(cwd: string, args: readonly string[]): T {
  const result = rollgate(cwd, ['--json', ...args]);
  if (result.status !== 0) {
    throw new Error(`rollgate ${args.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout}`);
  }
  return JSON.parse(result.stdout) as T;
}

/** A fresh temp directory; removed by the returned dispose function. */
export function tempDir(prefix = 'rollgate-cli-'): { path: string; [Symbol.dispose](): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}
