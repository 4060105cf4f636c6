import type { Command } from 'commander';
import { copyEnvironmentConfig } from '@rollgate/shared/flags';
import { invocation, type CliDeps } from '../deps.ts';
import { summarizeEnvironment } from '../format.ts';
import { getFlagOrThrow } from '../lookup.ts';

interface CopyOptions {
  from: string;
  to: string;
}

/**
 * `rollgate copy <flag> --from staging --to production`: the target environment serves what the source serves (on/off,
 * default variant, rules, rollout) in one change with one audit entry (`flag.copy`). A protected target needs
 * --reason; a rollout plan is not copied.
 */
export function registerCopyCommand(program: Command, deps: CliDeps): void {
  program
    .command('copy')
    .description("copy a flag's configuration from one environment to another (on/off, rules, rollout)")
    .argument('<flag>', 'flag key')
    .requiredOption('--from <env>', 'environment to copy from')
    .requiredOption('--to <env>', 'environment to copy to')
    .action(async (key: string, opts: CopyOptions, command: Command) => {
      const run = invocation(command, deps);
      const snapshot = await run.withStore((store) =>
        run.change(store, copyEnvironmentConfig(key, opts.from, opts.to), opts.to),
      );
      const flag = getFlagOrThrow(snapshot.document, key);
      run.out.result(
        { flagKey: key, from: opts.from, to: opts.to, config: flag.environments[opts.to], revision: snapshot.revision },
        `${key} in ${opts.to} now serves what ${opts.from} does: ${summarizeEnvironment(flag, opts.to)}`,
      );
    });
}
