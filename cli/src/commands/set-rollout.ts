import type { Command } from 'commander';
import { setRollout } from '@rollgate/shared/flags';
import { invocation, type CliDeps } from '../deps.ts';
import { summarizeEnvironment } from '../format.ts';
import { getFlagOrThrow } from '../lookup.ts';
import { parsePercentage } from '../parse.ts';

interface SetRolloutOptions {
  env: string;
  variant?: string;
}

/**
 * `rollgate set-rollout <flag> <percent> --env <env> [--variant <v>]`: serves `variant` to `percent` % of the users
 * no rule matched. Buckets are sticky (hash of flag key + targetingKey): raising the percentage only adds users.
 */
export function registerSetRolloutCommand(program: Command, deps: CliDeps): void {
  program
    .command('set-rollout')
    .description('serve a variant to a percentage of users (sticky: raising it only adds users)')
    .argument('<flag>', 'flag key')
    .argument('<percent>', 'percentage of users, 0–100 (e.g. 5 or 2.5)')
    .requiredOption('--env <env>', 'environment')
    .option(
      '--variant <variant>',
      'the variant rolled out (default: the current rollout’s, or the flag’s other variant)',
    )
    .action(async (key: string, percentText: string, opts: SetRolloutOptions, command: Command) => {
      const run = invocation(command, deps);
      const percentage = parsePercentage(percentText);
      const snapshot = await run.withStore((store) =>
        run.change(store, setRollout(key, opts.env, percentage, opts.variant), opts.env),
      );
      const flag = getFlagOrThrow(snapshot.document, key);
      const config = flag.environments[opts.env];
      run.out.result(
        { flagKey: key, environment: opts.env, rollout: config?.rollout ?? null, config, revision: snapshot.revision },
        `${key} in ${opts.env}: ${summarizeEnvironment(flag, opts.env)}`,
      );
    });
}
