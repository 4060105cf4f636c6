import type { Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import { invocation, type CliDeps } from '../deps.ts';

interface CompileOptions {
  check?: boolean;
}

const VERB = { fresh: 'unchanged', stale: 'written  ', extra: 'removed  ' } as const;

/**
 * `rollgate compile [--check]`: rewrites `.rollgate/flagd/<env>.flagd.json` from flags.yaml under the store lock
 * (every change through Rollgate does this already; compile repairs hand edits and merges). `--check` writes nothing
 * and exits 3 when an output is stale, for CI.
 */
export function registerCompileCommand(program: Command, deps: CliDeps): void {
  program
    .command('compile')
    .description('rewrite the flagd outputs (.rollgate/flagd/<env>.flagd.json) from flags.yaml')
    .option('--check', 'write nothing; exit 3 when an output is stale (for CI)')
    .action(async (opts: CompileOptions, command: Command) => {
      const run = invocation(command, deps);
      await run.withFileStore(async (store) => {
        if (opts.check === true) {
          const outputs = await store.checkCompiledOutputs();
          const stale = outputs.filter((o) => o.state !== 'fresh');
          if (stale.length > 0) {
            throw new FlagError(
              'STORE_CONFLICT',
              `flagd outputs out of date with flags.yaml: ${stale.map((o) => o.path).join(', ')}`,
              { hint: 'Run `rollgate compile` and commit the result.' },
            );
          }
          run.out.result({ outputs, written: [] }, `All ${outputs.length} flagd outputs are up to date.`);
          return;
        }
        const outputs = await store.writeCompiledOutputs();
        run.out.result(
          { outputs, written: outputs.filter((o) => o.state !== 'fresh').map((o) => o.path) },
          outputs.map((o) => `${VERB[o.state]} ${o.path}`).join('\n'),
        );
      });
    });
}
