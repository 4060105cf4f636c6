/**
 * Runs the BUILT CLI (cli/dist/rollgate.mjs) as a child process, the way users and CI run it. The bundle is
 * rebuilt with the project's own `node esbuild.mjs cli` when it is missing or older than the sources; a lock
 * directory keeps two test files (run in parallel) from building over each other.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt as ensureBundle } from '../../scripts/ensure-built.ts';
import type { RolloutStatusReport } from '@rollgate/shared/rollout';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'cli', 'dist', 'rollgate.mjs');
/** The fixed clock every CLI run in the tests uses (ROLLGATE_NOW). */
export const NOW = '2026-11-25T12:00:00.000Z';

/** Builds the CLI bundle unless it is fresh. Throws with esbuild's output when the build fails. */
export function ensureBuilt(): void {
  ensureBundle('cli');
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

/** {@link rollgate} without blocking the test's event loop (for runs that talk to servers the test runs). */
export function rollgateAsync(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, ROLLGATE_NOW: NOW, USER: 'tester', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
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

/** `minutes` after NOW, as an ISO timestamp. */
export const at = (minutes: number): string => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();
/** The error-rate guardrail the rollout tests start with. */
export const guardrail = '{"name":"errors","metric":"error-rate","max":0.05,"maxRelativeDegradation":0.25}';

/** Initialises `dir` with `new-checkout` on in staging and a running 10/50/100 rollout plan there. */
export function storeWithRunningRollout(dir: string): RolloutStatusReport {
  rollgateJson(dir, ['init']);
  rollgateJson(dir, ['create', 'new-checkout']);
  rollgateJson(dir, ['toggle', 'new-checkout', 'on', '--env', 'staging']);
  return rollgateJson<RolloutStatusReport>(dir, [
    'rollout',
    'start',
    'new-checkout',
    '--env',
    'staging',
    '--steps',
    '10,50,100',
    '--min-duration',
    '5',
    '--min-samples',
    '200',
    '--guardrail',
    guardrail,
  ]);
}
