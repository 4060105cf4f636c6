/**
 * `npm run test:electron -w extension`: the same extension host checks through @vscode/test-electron, for machines
 * that can download VS Code (this project's CI cannot; it uses the code-server route in test/e2e instead).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';

const extensionRoot = join(import.meta.dirname, '..', '..');
const repoRoot = join(extensionRoot, '..');
execFileSync(process.execPath, ['esbuild.mjs', 'extension'], { cwd: repoRoot, stdio: 'inherit' });
execFileSync(
  process.execPath,
  [
    join(repoRoot, 'node_modules', 'esbuild', 'bin', 'esbuild'),
    join(import.meta.dirname, 'suite.ts'),
    '--bundle',
    '--platform=node',
    '--format=cjs',
    '--external:vscode',
    `--outfile=${join(extensionRoot, 'dist', 'test', 'suite.cjs')}`,
  ],
  { stdio: 'inherit' },
);
const workspace = mkdtempSync(join(tmpdir(), 'rollgate-electron-'));
execFileSync(process.execPath, [join(repoRoot, 'cli', 'dist', 'rollgate.mjs'), 'init', '--store', workspace], {
  stdio: 'inherit',
});
await runTests({
  extensionDevelopmentPath: extensionRoot,
  extensionTestsPath: join(extensionRoot, 'dist', 'test', 'suite.cjs'),
  launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
});
