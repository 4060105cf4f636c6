import type { Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import { detectStaleFlags, loadStalePolicy, type StaleReport } from '@rollgate/shared/scanner';
import { usageSignals, type UsageSignal } from '@rollgate/shared/telemetry/usage-store';
import { invocation, type CliDeps } from '../deps.ts';
import { formatLocation, scanRoot, scanWorkspace } from './scan.ts';

interface StaleOptions {
  failOnStale?: boolean;
}

/**
 * `rollgate stale [dir] [--fail-on-stale]`: flags to clean up, each with the reasons that apply, and keys the
 * scanner could not resolve. Exits 0 even when flags are stale, unless --fail-on-stale (for CI).
 */
export function registerStaleCommand(program: Command, deps: CliDeps): void {
  program
    .command('stale')
    .description('explain which flags are stale (store config + audit log + usage + code), per .rollgate/policy.yaml')
    .argument('[dir]', 'workspace to scan (default: the folder holding .rollgate/, else the current folder)')
    .option('--fail-on-stale', 'exit with code 1 when a flag is reported (for CI)')
    .action(async (dir: string | undefined, opts: StaleOptions, command: Command) => {
      const run = invocation(command, deps);
      const root = await scanRoot(run, dir);
      const [{ document, audit, usage }, policy] = await Promise.all([
        run.withUsage(async (store, reader) => {
          const { document } = await store.read();
          // Usage telemetry (rollgate server's POST /v1/usage), beside the code signals.
          const days = await reader.usageOf(document.flags.map((f) => f.key));
          const usage = new Map<string, UsageSignal[]>(
            [...days].map(([key, flagDays]) => [key, usageSignals(flagDays, run.now())]),
          );
          return { document, audit: await store.readAudit(), usage };
        }),
        loadStalePolicy(root),
      ]);
      // The store's keys drive the text pass: a key still written anywhere (YAML, Go, …) is not unreferenced.
      const scan = await scanWorkspace(
        root,
        document.flags.map((f) => f.key),
      );
      const report = detectStaleFlags({ document, references: scan.references, audit, now: run.now(), policy, usage });
      run.out.result(
        {
          now: report.now,
          flags: report.flags.map(({ key, reasons, references }) => ({ key, reasons, references })),
          unresolved: report.unresolved,
        },
        formatStale(root, report),
      );
      if (opts.failOnStale === true && report.flags.length > 0) {
        throw new FlagError('GENERAL', `${report.flags.length} flag(s) reported by rollgate stale (--fail-on-stale).`, {
          hint: 'Remove them from the code (rollgate cleanup <flag> --keep <variant>) and archive them, or adjust .rollgate/policy.yaml.',
        });
      }
    });
}

function formatStale(root: string, report: StaleReport): string {
  const lines: string[] = [];
  for (const { key, reasons, references } of report.flags) {
    const where = references[0] === undefined ? '' : `  (${formatLocation(root, references[0])})`;
    lines.push(`${key}${where}`);
    for (const reason of reasons) lines.push(`  ${reason.code}: ${reason.message}`);
  }
  if (report.flags.length === 0) lines.push('No stale flags.');
  if (report.unresolved.length > 0) {
    lines.push('', `Unresolved keys (${report.unresolved.length}):`);
    for (const u of report.unresolved) {
      lines.push(
        `  ${formatLocation(root, u.reference)}  ${u.reference.method}(${u.reference.keyExpression}): ${u.reference.unresolvedReason ?? ''}`,
      );
    }
  }
  return lines.join('\n');
}
