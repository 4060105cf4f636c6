import { basename, dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { findStoreRoot, STORE_DIR_NAME } from '@rollgate/shared/store';
import { FlagScanner, groupReferencesByKey, type FlagReference, type ScanResult } from '@rollgate/shared/scanner';
import { invocation, type CliDeps, type Invocation } from '../deps.ts';

/** `rollgate scan [dir]`: every flag reference in the code, grouped by flag; unresolved keys listed apart. */
export function registerScanCommand(program: Command, deps: CliDeps): void {
  program
    .command('scan')
    .description('find flag references in the code (OpenFeature, configured SDKs and wrappers), grouped by flag')
    .argument('[dir]', 'workspace to scan (default: the folder holding .rollgate/, else the current folder)')
    .action(async (dir: string | undefined, _opts: unknown, command: Command) => {
      const run = invocation(command, deps);
      const root = await scanRoot(run, dir);
      const result = await scanWorkspace(root);
      const { byKey, unresolved } = groupReferencesByKey(result.references);
      run.out.result(
        {
          root,
          flags: byKey,
          unresolved,
          wrappers: result.wrappers,
          filesScanned: result.filesScanned,
          filesParsed: result.filesParsed,
          timings: result.timings,
        },
        formatScan(root, result),
      );
    });
}

/**
 * The folder to scan: `dir` when given, else the folder holding the store (--store or the nearest `.rollgate/`
 * upwards), else the current folder.
 */
export async function scanRoot(run: Invocation, dir: string | undefined): Promise<string> {
  if (dir !== undefined) return resolve(run.cwd, dir);
  const store = run.options.store === undefined ? undefined : resolve(run.cwd, run.options.store);
  // --store may name the .rollgate/ folder itself; the code lives beside it.
  if (store !== undefined) return basename(store) === STORE_DIR_NAME ? dirname(store) : store;
  return (await findStoreRoot(run.cwd)) ?? run.cwd;
}

/**
 * Scans `root` once with its `.rollgate/scanner.yaml` and returns the result. `keys` (the store's) turn on the text
 * pass over every tracked file.
 */
export async function scanWorkspace(root: string, keys?: readonly string[]): Promise<ScanResult> {
  const scanner = await FlagScanner.create(root);
  try {
    return scanner.scan(keys === undefined ? {} : { keys });
  } finally {
    scanner.dispose();
  }
}

/** `src/app.ts:12:5`, relative to `root`, 1-based. */
export function formatLocation(root: string, ref: FlagReference): string {
  return `${relative(root, ref.file)}:${ref.range.start.line + 1}:${ref.range.start.character + 1}`;
}

function formatScan(root: string, result: ScanResult): string {
  const { byKey, unresolved } = groupReferencesByKey(result.references);
  const lines: string[] = [];
  for (const { key, references } of byKey) {
    lines.push(`${key} (${references.length})`);
    for (const ref of references) {
      const facts = [
        ref.kind === 'call' ? ref.method : `${ref.kind} (${ref.method})`,
        ...(ref.defaultValue === undefined ? [] : [`default ${ref.defaultValue}`]),
        ...(ref.enclosingSymbol === undefined ? [] : [`in ${ref.enclosingSymbol}`]),
      ];
      lines.push(`  ${formatLocation(root, ref)}  ${facts.join('  ')}`);
    }
  }
  if (byKey.length === 0) lines.push('No flag references found.');
  if (unresolved.length > 0) {
    lines.push('', `Unresolved keys (${unresolved.length}):`);
    for (const ref of unresolved) {
      lines.push(`  ${formatLocation(root, ref)}  ${ref.method}(${ref.keyExpression}): ${ref.unresolvedReason ?? ''}`);
    }
  }
  if (result.wrappers.length > 0) {
    lines.push(
      '',
      `Wrappers detected: ${result.wrappers.map((w) => `${w.pattern.function} → ${w.forwardsTo}`).join(', ')}`,
    );
  }
  for (const warning of result.warnings ?? []) lines.push('', `Warning: ${warning}`);
  lines.push(
    '',
    `${result.references.length} references to ${byKey.length} flags; scanned ${result.filesScanned} files, parsed ${result.filesParsed}, in ${Math.round(result.timings.totalMs)} ms.`,
  );
  return lines.join('\n');
}
