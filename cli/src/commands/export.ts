import { resolve } from 'node:path';
import type { Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import { invocation, type CliDeps } from '../deps.ts';

/**
 * `rollgate export --database <url> [--to <dir>]`: writes the PostgreSQL store to a new `.rollgate/` (flags.yaml,
 * audit.jsonl with the whole history, the compiled flagd files), so the flags can live in git again.
 */
export function registerExportCommand(program: Command, deps: CliDeps): void {
  program
    .command('export')
    .description('write the PostgreSQL store (with its audit history) to a new .rollgate/ directory')
    .option('--to <dir>', 'directory to create .rollgate/ in (default: the current directory)')
    .action(async (opts: { to?: string }, command: Command) => {
      const run = invocation(command, deps);
      const url = run.options.database;
      if (url === undefined) {
        throw new FlagError('INVALID_INPUT', 'rollgate export needs the database to export.', {
          hint: 'Pass --database postgres://user:password@host:5432/db (or set $ROLLGATE_DATABASE_URL).',
        });
      }
      const { exportToFileStore } = await import('@rollgate/shared/store/postgres');
      const result = await exportToFileStore(url, resolve(run.cwd, opts.to ?? '.'), {
        actor: run.options.actor,
        now: run.now,
      });
      run.out.result(
        result,
        `Exported ${result.flags} flags, ${result.segments} segments and ${result.auditEntries} audit entries from ${result.from} to ${result.to}.`,
      );
    });
}
