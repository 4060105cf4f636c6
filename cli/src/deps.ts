/**
 * What every command gets: the global options (`--store`, `--database`, `--json`, `--actor`, `--reason`) resolved
 * for this invocation, an output writer honouring --json, the clock, and store helpers that open the right store and
 * apply operations with the protected-environment rule. Commands stay small and never touch process.* directly.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import { applyOperation, type ChangeContext, type Operation } from '@rollgate/shared/flags';
import type { FlagStore, StoreServices, StoreSnapshot } from '@rollgate/shared/store';
import type { UsageReader } from '@rollgate/shared/telemetry/usage-store';
// The file store's own module, not the store index: the index also holds the remote store and the services, which
// load only when used (below).
import { FileStore, findStoreRoot, openFileStore } from '@rollgate/shared/store/file';
import { STORE_DIR_NAME } from '@rollgate/shared/store/dir';
import { getEnvironmentOrThrow } from './lookup.ts';
import { createOutput, type Output, type Writer } from './output.ts';
import { reportRecoveries } from './recovery.ts';
import { checkRemoteOptions, localOnlyError, openRemoteStore, remoteTargetOf, serverManagedError } from './remote.ts';

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
  /** `--database <url>` (else $ROLLGATE_DATABASE_URL unless --store is given): the PostgreSQL store. */
  readonly database?: string;
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
   * Opens the store (remote mode: the server of ROLLGATE_URL; else --database, else --store, else the nearest
   * `.rollgate/` upwards from cwd), runs `fn`, disposes the store.
   */
  withStore<T>(fn: (store: FlagStore) => Promise<T>): Promise<T>;
  /**
   * {@link withStore} with the store's SDK keys, usage counts and API tokens (files beside `.rollgate/`, or tables
   * in PostgreSQL), for managing them. Refused in remote mode (INVALID_INPUT: managed where the server's store is).
   */
  withServices<T>(fn: (store: FlagStore, services: StoreServices) => Promise<T>): Promise<T>;
  /**
   * {@link withStore} with the usage counts apps reported, read-only: in remote mode the server's (of the
   * environments the token may read), else the store's.
   */
  withUsage<T>(fn: (store: FlagStore, usage: UsageReader) => Promise<T>): Promise<T>;
  /**
   * {@link withStore} for commands about `.rollgate/` files (compiled outputs, local config). Errors: INVALID_INPUT
   * on a PostgreSQL store or in remote mode, with a hint.
   */
  withFileStore<T>(fn: (store: FileStore) => Promise<T>): Promise<T>;
  /**
   * Applies `operation` to `store` as the --actor with the --reason. A change to a `protected` environment
   * without --reason is refused (INVALID_INPUT) before anything is written.
   */
  change(store: FlagStore, operation: Operation, environment?: string): Promise<StoreSnapshot>;
}

/** The {@link Invocation} of the command `command` (whose parents carry the global options). */
export function invocation(command: Command, deps: CliDeps): Invocation {
  const raw = command.optsWithGlobals<{
    store?: string;
    database?: string;
    json?: boolean;
    actor?: string;
    reason?: string;
  }>();
  if (raw.store !== undefined && raw.database !== undefined) {
    throw new FlagError('INVALID_INPUT', 'Both --store and --database name a store.', {
      hint: 'Pass one of them: --store <dir> for .rollgate/ files, --database <url> for PostgreSQL.',
    });
  }
  // Not $DATABASE_URL: a developer's shell often holds their app's database there, and `rollgate list` in a repo
  // with .rollgate/ must not turn to it (nor create tables in it). `rollgate server` also reads $DATABASE_URL.
  const database = raw.database ?? (raw.store === undefined ? deps.env.ROLLGATE_DATABASE_URL || undefined : undefined);
  const remote = remoteTargetOf(deps.env);
  if (remote) checkRemoteOptions(remote, raw);
  const options: GlobalOptions = {
    ...(raw.store === undefined ? {} : { store: raw.store }),
    ...(database === undefined ? {} : { database }),
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
      return using(remote ? await openRemoteStore(remote) : (await openStore(options, deps.cwd)).store, fn);
    },
    async withServices(fn) {
      if (remote) throw serverManagedError(command, remote);
      const { store, services } = await openStore(options, deps.cwd);
      return using(store, async (s) => fn(s, await services()));
    },
    async withUsage(fn) {
      if (remote) return using(await openRemoteStore(remote), (store) => fn(store, store.usage()));
      const { store, services } = await openStore(options, deps.cwd);
      return using(store, async (s) => fn(s, (await services()).usage));
    },
    async withFileStore(fn) {
      if (remote) throw localOnlyError(command, remote);
      return using((await openStore(options, deps.cwd)).store, (store) => {
        if (!(store instanceof FileStore)) {
          throw new FlagError(
            'INVALID_INPUT',
            `This command works on a .rollgate/ directory, not on ${store.location}.`,
            {
              hint: 'Run it with --store <dir>, or write the database to files first with `rollgate export --to <dir>`.',
            },
          );
        }
        return fn(store);
      });
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
 * Opens the PostgreSQL store of `--database <url>`, or the file store of `--store <dir>` (a repository root, or its
 * `.rollgate/` directory), or else the nearest one upwards from `cwd`, with a getter of its services. Errors:
 * FLAG_NOT_FOUND when there is no store there, and whatever opening throws.
 */
async function openStore(
  options: GlobalOptions,
  cwd: string,
): Promise<{ store: FlagStore; services: () => Promise<StoreServices> }> {
  if (options.database !== undefined) {
    // The PostgreSQL client loads only when a command uses the database.
    const { openPostgresStore } = await import('@rollgate/shared/store/postgres');
    const store = await openPostgresStore(options.database);
    return { store, services: () => Promise.resolve(store.services()) };
  }
  const store = await openFileDirectory(options.store, cwd);
  // The SDK keys and usage counts (and their schemas) load only for the commands that use them.
  const services = async (): Promise<StoreServices> =>
    (await import('@rollgate/shared/store')).fileStoreServices(store);
  return { store, services };
}

/** The file store of `dir` (or the nearest upwards from `cwd`). Errors: FLAG_NOT_FOUND, those of openFileStore. */
async function openFileDirectory(dir: string | undefined, cwd: string): Promise<FileStore> {
  if (dir !== undefined) return openFileStore(await fileStoreRoot(dir, cwd, '--store'));
  const root = await findStoreRoot(cwd);
  if (root === undefined) {
    throw new FlagError('FLAG_NOT_FOUND', `No Rollgate store (.rollgate/) in ${cwd} or any folder above it.`, {
      hint: 'Run `rollgate init` in your repository root, or pass --store <dir>.',
    });
  }
  return openFileStore(root);
}

/**
 * The repository root of the file store `dir` names (a root, or its `.rollgate/` directory), relative to `cwd`;
 * `option` names where `dir` came from, for the hint. Errors: FLAG_NOT_FOUND when `dir` holds no store.
 */
export async function fileStoreRoot(dir: string, cwd: string, option: string): Promise<string> {
  const given = resolve(cwd, dir);
  const root = basename(given) === STORE_DIR_NAME ? dirname(given) : given;
  const isStore = await stat(join(root, STORE_DIR_NAME)).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isStore) {
    throw new FlagError('FLAG_NOT_FOUND', `No Rollgate store (.rollgate/) in ${root}.`, {
      hint: `Check ${option}, or create one with \`rollgate init ${dir}\`.`,
    });
  }
  return root;
}
