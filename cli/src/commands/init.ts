import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { FlagError, errorMessage } from '@rollgate/shared/errors';
import { initStore, type FileStore } from '@rollgate/shared/store';
import { invocation, type CliDeps } from '../deps.ts';

/** `rollgate init [dir]`: creates `.rollgate/` (flags.yaml, audit log, flagd outputs) in dir, --store, or cwd. */
export function registerInitCommand(program: Command, deps: CliDeps): void {
  program
    .command('init')
    .description('create a store (.rollgate/) with the environments development, staging and production')
    .argument('[dir]', 'the repository root to create .rollgate/ in (default: --store, or the current directory)')
    .action(async (dir: string | undefined, _opts: unknown, command: Command) => {
      const run = invocation(command, deps);
      const store = await createStore(resolve(run.cwd, dir ?? run.options.store ?? '.'));
      try {
        const { document } = await store.read();
        const environments = document.environments;
        run.out.result(
          { store: store.location, environments },
          [
            `Created ${store.location}`,
            `  environments: ${environments.map((e) => (e.protected ? `${e.key} (protected)` : e.key)).join(', ')}`,
            'Next: rollgate create <flag-key>',
          ].join('\n'),
        );
      } finally {
        store.dispose();
      }
    });
}

/**
 * Creates `root` when it does not exist yet (like `git init <dir>`), then a store in it.
 * Errors: STORE_IO when the folder cannot be created, and those of initStore (INVALID_INPUT: a store exists).
 */
export async function createStore(root: string): Promise<FileStore> {
  try {
    await mkdir(root, { recursive: true });
  } catch (e) {
    throw new FlagError(
      'STORE_IO',
      `Cannot create ${root}: ${errorMessage(e)}`,
      {
        file: root,
        hint: 'Pick a folder you can write to.',
      },
      { cause: e },
    );
  }
  return initStore(root);
}
