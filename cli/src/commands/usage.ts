import type { Command } from 'commander';
import { summarizeUsage, usageSignals } from '@rollgate/shared/telemetry/usage-store';
import { invocation, type CliDeps } from '../deps.ts';
import { getFlagOrThrow } from '../lookup.ts';

interface UsageOptions {
  days?: string;
}

/**
 * `rollgate usage <flag> [--days N]`: evaluation counts the Rollgate server received from apps (per environment:
 * total, per variant, first/last seen, providers and SDKs) and the usage-based stale signals.
 */
export function registerUsageCommand(program: Command, deps: CliDeps): void {
  program
    .command('usage')
    .description('show how often apps evaluated a flag (counts sent to rollgate server), per environment and variant')
    .argument('<flag>', 'flag key')
    .option('--days <n>', 'only the last n days (default: everything recorded)')
    .action(async (key: string, opts: UsageOptions, command: Command) => {
      const run = invocation(command, deps);
      const { days, location } = await run.withUsage(async (store, usage) => {
        getFlagOrThrow((await store.read()).document, key);
        return {
          days: await usage.flagUsage(key),
          location: store.location,
        };
      });
      const now = run.now();
      const since =
        opts.days === undefined
          ? undefined
          : new Date(now.getTime() - Number(opts.days) * 86_400_000).toISOString().slice(0, 10);
      const environments = summarizeUsage(days, since);
      const signals = usageSignals(days, now);
      const lines = environments.map(
        (s) =>
          `${s.environment}: ${s.total} evaluations (${Object.entries(s.variants)
            .map(([v, n]) => `${v} ${n}`)
            .join(', ')}), first ${s.firstSeen}, last ${s.lastSeen}; ${[...s.providers, ...s.sdks].join(', ')}`,
      );
      if (lines.length === 0) lines.push(`No usage recorded for "${key}" in ${location}.`);
      for (const s of signals) lines.push(`${s.code}: ${s.message}`);
      run.out.result({ flag: key, environments, signals }, lines.join('\n'));
    });
}
