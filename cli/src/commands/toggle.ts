import { Argument, type Command } from 'commander';
import { setFlagEnabled } from '@rollgate/shared/flags';
import { invocation, type CliDeps } from '../deps.ts';
import { summarizeEnvironment } from '../format.ts';
import { getFlagOrThrow } from '../lookup.ts';

interface ToggleOptions {
  env: string;
}

/**
 * `rollgate toggle <flag> on|off --env <env>`: turns a flag on or off in one environment. Off is the kill switch:
 * every app gets the default value written in its code (reason DISABLED), whatever the rules and rollout say.
 */
export function registerToggleCommand(program: Command, deps: CliDeps): void {
  program
    .command('toggle')
    .description('turn a flag on or off in one environment (off = kill switch: apps get their code default)')
    .argument('<flag>', 'flag key')
    .addArgument(new Argument('<state>', 'on or off').choices(['on', 'off']))
    .requiredOption('--env <env>', 'environment')
    .action(async (key: string, state: 'on' | 'off', opts: ToggleOptions, command: Command) => {
      const run = invocation(command, deps);
      const enabled = state === 'on';
      const snapshot = await run.withStore((store) =>
        run.change(store, setFlagEnabled(key, opts.env, enabled), opts.env),
      );
      const flag = getFlagOrThrow(snapshot.document, key);
      const config = flag.environments[opts.env];
      run.out.result(
        { flagKey: key, environment: opts.env, enabled, config, revision: snapshot.revision },
        enabled
          ? `${key} is ON in ${opts.env}: ${summarizeEnvironment(flag, opts.env)}`
          : `${key} is OFF in ${opts.env}: every app gets the default value in its code.`,
      );
    });
}
