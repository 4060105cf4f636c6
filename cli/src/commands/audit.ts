import type { Command } from 'commander';
import type { AuditEntry } from '@rollgate/shared/flags';
import type { AuditQuery } from '@rollgate/shared/store';
import { invocation, type CliDeps } from '../deps.ts';
import { usageError } from '../errors.ts';
import { formatValue } from '../format.ts';
import { formatTable } from '../output.ts';

interface AuditOptions {
  flag?: string;
  env?: string;
  since?: string;
  limit?: string;
}

/** `rollgate audit [--flag <key>] [--env <env>] [--since <time>] [--limit <n>]`: who changed what, when and why. */
export function registerAuditCommand(program: Command, deps: CliDeps): void {
  program
    .command('audit')
    .description('show the audit log: who changed what, when and why (oldest first)')
    .option('--flag <key>', 'only changes of this flag')
    .option('--env <env>', 'only changes in this environment')
    .option('--since <time>', 'only changes at or after an ISO time, or within a duration such as 90m, 24h, 7d')
    .option('--limit <n>', 'only the most recent n entries')
    .action(async (opts: AuditOptions, command: Command) => {
      const run = invocation(command, deps);
      const query: AuditQuery = {
        ...(opts.flag === undefined ? {} : { flagKey: opts.flag }),
        ...(opts.env === undefined ? {} : { environment: opts.env }),
        ...(opts.since === undefined ? {} : { since: parseSince(opts.since, run.now()) }),
        ...(opts.limit === undefined ? {} : { limit: parseLimit(opts.limit) }),
      };
      const entries = await run.withStore((store) => store.readAudit(query));
      run.out.result({ entries }, entries.length === 0 ? 'No audit entries match.' : formatAudit(entries));
    });
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: an ISO time, or a duration (`90m`, `24h`, `7d`) back from `now`; returned as an ISO time. */
export function parseSince(text: string, now: Date): string {
  const duration = /^(\d+)([mhd])$/.exec(text.trim());
  if (duration?.[1] !== undefined && duration[2] !== undefined) {
    return new Date(now.getTime() - Number(duration[1]) * (DURATION_UNITS_MS[duration[2]] ?? 0)).toISOString();
  }
  const time = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time.getTime())) {
    throw usageError(
      `--since "${text}" is neither a time nor a duration.`,
      'Use e.g. --since 2026-11-01, --since 2026-11-01T09:00:00Z or --since 24h.',
    );
  }
  return time.toISOString();
}

function parseLimit(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw usageError(`--limit "${text}" is not a positive whole number.`, 'Use e.g. --limit 20.');
  }
  return Number(text);
}

/** The audit log as a table; each change on an indented line below its entry. */
function formatAudit(entries: readonly AuditEntry[]): string {
  const rows = entries.map((e) => [
    String(e.revision),
    e.at,
    e.actor,
    e.action,
    e.flagKey ?? '',
    e.environment ?? '',
    e.reason ?? '',
  ]);
  const [header = '', ...lines] = formatTable(['REV', 'AT', 'ACTOR', 'ACTION', 'FLAG', 'ENV', 'REASON'], rows).split(
    '\n',
  );
  return [
    header,
    ...entries.flatMap((e, i) => [
      lines[i] ?? '',
      ...e.changes.map(
        (c) => `      ${c.path === '' ? '(flag)' : c.path}: ${formatValue(c.before)} → ${formatValue(c.after)}`,
      ),
    ]),
  ].join('\n');
}
