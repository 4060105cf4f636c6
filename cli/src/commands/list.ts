import type { Command } from 'commander';
import { flagKindSchema, type Flag } from '@rollgate/shared/flags';
import { invocation, type CliDeps } from '../deps.ts';
import { usageError } from '../errors.ts';
import { summarizeEnvironment } from '../format.ts';
import { getEnvironmentOrThrow } from '../lookup.ts';
import { formatTable } from '../output.ts';
import { collect } from '../parse.ts';

interface ListOptions {
  env?: string;
  kind?: string;
  tag: string[];
  archived?: boolean;
}

/** `rollgate list [--env <env>] [--kind <kind>] [--tag <tag>]… [--archived]`: the flags, one per line. */
export function registerListCommand(program: Command, deps: CliDeps): void {
  program
    .command('list')
    .description('list flags with their state per environment')
    .option('--env <env>', 'show only this environment')
    .option('--kind <kind>', `only flags of this kind (${flagKindSchema.options.join(', ')})`)
    .option('--tag <tag>', 'only flags with this tag (repeat to require several)', collect, [])
    .option('--archived', 'list archived flags instead of active ones')
    .action(async (opts: ListOptions, command: Command) => {
      const run = invocation(command, deps);
      if (opts.kind !== undefined && !flagKindSchema.safeParse(opts.kind).success) {
        throw usageError(`Unknown kind "${opts.kind}".`, `Use one of: ${flagKindSchema.options.join(', ')}.`);
      }
      const { document } = await run.withStore((store) => store.read());
      if (opts.env !== undefined) getEnvironmentOrThrow(document, opts.env);
      const flags = document.flags.filter(
        (f: Flag) =>
          f.archived === (opts.archived === true) &&
          (opts.kind === undefined || f.kind === opts.kind) &&
          opts.tag.every((t) => f.tags.includes(t)),
      );
      const shownEnvs = opts.env === undefined ? document.environments.map((e) => e.key) : [opts.env];
      const text =
        flags.length === 0
          ? 'No flags match.'
          : formatTable(
              ['KEY', 'KIND', 'TYPE', ...shownEnvs.map((e) => e.toUpperCase())],
              flags.map((f) => [f.key, f.kind, f.type, ...shownEnvs.map((e) => summarizeEnvironment(f, e))]),
            );
      run.out.result({ flags }, text);
    });
}
