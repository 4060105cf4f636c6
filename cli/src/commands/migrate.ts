import type { Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import { fileStoreRoot, invocation, type CliDeps } from '../deps.ts';

/**
 * `rollgate migrate --from <dir> --database <url>`: imports a file store (flags, environments, change requests and
 * the whole audit history) into an empty PostgreSQL database; a database that already holds a store is refused and
 * left as it was.
 */
export function registerMigrateCommand(program: Command, deps: CliDeps): void {
  program
    .command('migrate')
    .description('import a .rollgate/ file store, with its audit history, into an empty PostgreSQL database')
    .requiredOption('--from <dir>', 'directory holding the .rollgate/ to import')
    .action(async (opts: { from: string }, command: Command) => {
      const run = invocation(command, deps);
      const url = run.options.database;
      if (url === undefined) {
        throw new FlagError('INVALID_INPUT', 'rollgate migrate needs the database to import into.', {
          hint: 'Pass --database postgres://user:password@host:5432/db (or set $ROLLGATE_DATABASE_URL).',
        });
      }
      const root = await fileStoreRoot(opts.from, run.cwd, '--from');
      const { importFileStore } = await import('@rollgate/shared/store/postgres');
      const result = await importFileStore(root, url, { actor: run.options.actor, now: run.now });
      run.out.result(
        result,
        `Imported ${result.flags} flags, ${result.segments} segments and ${result.auditEntries} audit entries from ${result.from} into ` +
          `${result.to} (revision ${result.revision}).`,
      );
    });
}
