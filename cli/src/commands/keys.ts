import type { Command } from 'commander';
import type { SdkKey } from '@rollgate/shared/store';
import { invocation, type CliDeps } from '../deps.ts';
import { getEnvironmentOrThrow } from '../lookup.ts';
import { formatTable } from '../output.ts';

interface CreateOptions {
  env: string;
  label?: string;
}

function row(key: SdkKey): string[] {
  return [key.id, key.environment, `…${key.hint}`, key.createdAt, key.revokedAt ?? 'active', key.label ?? ''];
}

/**
 * `rollgate keys create|list|revoke`: SDK keys of `rollgate server` (read-only, one environment each). Only a hash is
 * stored (in .rollgate/sdk-keys.json, gitignored, or the sdk_keys table with --database); `create` prints the key once.
 */
export function registerKeysCommand(program: Command, deps: CliDeps): void {
  const keys = program.command('keys').description('SDK keys of the server: create, list, revoke (docs/server.md)');

  keys
    .command('create')
    .description('create a read-only SDK key for one environment; the key is printed once')
    .requiredOption('--env <env>', 'environment the key reads')
    .option('--label <text>', 'what uses the key, e.g. checkout-service')
    .action(async (opts: CreateOptions, command: Command) => {
      const run = invocation(command, deps);
      await run.withServices(async (store, { keys }) => {
        getEnvironmentOrThrow((await store.read()).document, opts.env);
        const created = await keys.create({
          environment: opts.env,
          ...(opts.label === undefined ? {} : { label: opts.label }),
          now: run.now(),
        });
        run.out.result(
          { key: created.key, secret: created.secret },
          `${created.secret}\n\nSDK key ${created.key.id} for "${opts.env}". Store it now: it is not shown again ` +
            '(only its hash is kept). Send it as `Authorization: Bearer <key>` (OFREP, flagd JSON) or as the flagd selector.',
        );
      });
    });

  keys
    .command('list')
    .description('list SDK keys (never the keys themselves)')
    .option('--env <env>', 'only the keys of this environment')
    .action(async (opts: { env?: string }, command: Command) => {
      const run = invocation(command, deps);
      await run.withServices(async (_store, { keys }) => {
        const list = await keys.list(opts.env);
        run.out.result(
          { keys: list },
          list.length === 0
            ? 'No SDK keys. Create one with `rollgate keys create --env <env>`.'
            : formatTable(['ID', 'ENV', 'KEY', 'CREATED', 'STATUS', 'LABEL'], list.map(row)),
        );
      });
    });

  keys
    .command('revoke')
    .description('revoke an SDK key (the server refuses it within about a second)')
    .argument('<id>', 'key id, from `rollgate keys list`')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const run = invocation(command, deps);
      await run.withServices(async (_store, { keys }) => {
        const key = await keys.revoke(id, run.now());
        run.out.result({ key }, `Revoked SDK key ${key.id} of "${key.environment}".`);
      });
    });
}
