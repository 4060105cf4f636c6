/**
 * What every command gets: the global options (`--store`, `--json`, `--actor`, `--reason`) resolved for this
 * invocation, an output writer honouring --json, the clock, and store helpers that open the right store and
 * apply operations with the protected-environment rule. Commands stay small and never touch process.* directly.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import { applyOperation, type ChangeContext, type Operation } from '@rollgate/shared/flags';
import type { FileStore, FlagStore, StoreSnapshot } from '@rollgate/shared/store';
import { findStoreRoot, openFileStore, STORE_DIR_NAME } from '@rollgate/shared/store';
import { getEnvironmentOrThrow } from './lookup.ts';
import { createOutput, type Output, type Writer } from './output.ts';
import { reportRecoveries } from './recovery.ts';
import { checkRemoteOptions, localOnlyError, openRemoteStore, remoteTargetOf } from './remote.ts';

/** Process-level facts main.ts injects; tests may pass their own. */
export interface CliDeps {
  readonly stdout: Writer;
  /** Where notices outside the command's result go (store repairs after a crash). */
  readonly stderr: Writer;
  readonly now: () => Date;
  readonly cwd: string;
  /** Actor when --actor is absent, e.g. `cli:alice`. */
  readonly defaultActor: string;
  /** The process environment, for secrets a command needs (alert receivers); never written anywhere. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The global options, after defaults. */
export interface GlobalOptions {
  /** `--store <dir>`: the directory holding `.rollgate/` (or the `.rollgate/` directory itself). */
  readonly store?: string;
  readonly json: boolean;
  readonly actor: string;
  readonly reason?: string;
}

/** One command invocation: its options, output and store access. */
export interface Invocation {
  readonly options: GlobalOptions;
  readonly out: Output;
  readonly now: () => Date;
  readonly cwd: string;
  /**
   * Opens the store (remote mode: the server of ROLLGATE_URL; else --store, or the nearest `.rollgate/` upwards from
   * cwd), runs `fn`, disposes the store.
   */
  withStore<T>(fn: (store: FlagStore) => Promise<T>): Promise<T>;
  /** {@link withStore} for commands that work on the local files of `.rollgate/`; refused in remote mode. */
  withFileStore<T>(fn: (store: FileStore) => Promise<T>): Promise<T>;
  /**
   * Applies `operation` to `store` as the --actor with the --reason. A change to a `protected` environment
   * without --reason is refused (INVALID_INPUT) before anything is written.
   */
  change(store: FlagStore, operation: Operation, environment?: string): Promise<StoreSnapshot>;
}

/** The {@link Invocation} of the command `command` (whose parents carry the global options). */
export function invocation(command: Command, deps: CliDeps): Invocation {
  const raw = command.optsWithGlobals<{ store?: string; json?: boolean; actor?: string; reason?: string }>();
  const remote = remoteTargetOf(deps.env);
  if (remote) checkRemoteOptions(remote, raw);
  const options: GlobalOptions = {
    ...(raw.store === undefined ? {} : { store: raw.store }),
    json: raw.json === true,
    actor: raw.actor ?? deps.defaultActor,
    ...(raw.reason === undefined || raw.reason.trim() === '' ? {} : { reason: raw.reason.trim() }),
  };
  const context: ChangeContext = {
    actor: options.actor,
    now: deps.now,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
  };
  /** Runs `fn` on `store`, then disposes it; tells the repairs made by the open, then by the command's writes. */
  async function using<S extends FlagStore, T>(store: S, fn: (store: S) => Promise<T>): Promise<T> {
    reportRecoveries(store, deps.stderr, options.json);
    try {
      return await fn(store);
    } finally {
      reportRecoveries(store, deps.stderr, options.json);
      store.dispose();
    }
  }

  return {
    options,
    out: createOutput(deps.stdout, options.json),
    now: deps.now,
    cwd: deps.cwd,
    async withStore(fn) {
      return using(remote ? openRemoteStore(remote) : await openStore(options.store, deps.cwd), fn);
    },
    async withFileStore(fn) {
      if (remote) throw localOnlyError(command, remote);
      return using(await openStore(options.store, deps.cwd), fn);
    },
    async change(store, operation, environment) {
      if (environment !== undefined) {
        const { document } = await store.read();
        if (getEnvironmentOrThrow(document, environment).protected && options.reason === undefined) {
          throw new FlagError(
            'INVALID_INPUT',
            `The environment "${environment}" is protected: changes to it need a reason for the audit log.`,
            { environment, hint: 'Say why with --reason "<why>", e.g. --reason "INC-142: checkout errors".' },
          );
        }
      }
      return applyOperation(store, operation, context);
    },
  };
}

/**
 * Opens the store of `--store <dir>` (a repository root, or its `.rollgate/` directory), or else the nearest one
 * upwards from `cwd`. Errors: FLAG_NOT_FOUND when there is no store there, and whatever openFileStore throws.
 */
async function openStore(dir: string | undefined, cwd: string): Promise<FileStore> {
  if (dir !== undefined) {
    const given = resolve(cwd, dir);
    const root = basename(given) === STORE_DIR_NAME ? dirname(given) : given;
    const isStore = await stat(join(root, STORE_DIR_NAME)).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isStore) {
      throw new FlagError('FLAG_NOT_FOUND', `No Rollgate store (.rollgate/) in ${root}.`, {
        hint: `Check --store, or create one with \`rollgate init ${dir}\`.`,
      });
    }
    return openFileStore(root);
  }
  const root = await findStoreRoot(cwd);
  if (root === undefined) {
    throw new FlagError('FLAG_NOT_FOUND', `No Rollgate store (.rollgate/) in ${cwd} or any folder above it.`, {
      hint: 'Run `rollgate init` in your repository root, or pass --store <dir>.',
    });
  }
  return openFileStore(root);
}
