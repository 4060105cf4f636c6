/**
 * Remote mode of the CLI: with ROLLGATE_URL (and ROLLGATE_TOKEN) set, commands work against a Rollgate server
 * instead of `.rollgate/` (docs/teams.md). The server runs every change as the token's identity, so `--actor` is
 * refused, and commands that work on local files (compile, keys, token, …) say so instead of touching the cwd.
 */
import type { Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import type { RemoteStore } from '@rollgate/shared/store';
import { usageError } from './errors.ts';

/** Where remote mode points: the server and the token (never written anywhere). */
export interface RemoteTarget {
  readonly url: string;
  readonly token: string;
}

/**
 * The remote target of `env`, or undefined when ROLLGATE_URL is unset (file mode). Errors: UNAUTHENTICATED when
 * ROLLGATE_URL is set without ROLLGATE_TOKEN.
 */
export function remoteTargetOf(env: Readonly<Record<string, string | undefined>>): RemoteTarget | undefined {
  const url = env.ROLLGATE_URL?.trim();
  if (!url) return undefined;
  const token = env.ROLLGATE_TOKEN?.trim();
  if (!token) {
    throw new FlagError('UNAUTHENTICATED', `ROLLGATE_URL is set (${url}) but ROLLGATE_TOKEN is not.`, {
      hint: 'Set ROLLGATE_TOKEN to your API token (an admin creates it with rollgate token create), or unset ROLLGATE_URL to use .rollgate/.',
    });
  }
  return { url, token };
}

/** Refuses the global options that make no sense against a server. Errors: INVALID_INPUT. */
export function checkRemoteOptions(target: RemoteTarget, raw: { actor?: string; store?: string }): void {
  if (raw.actor !== undefined) {
    throw usageError(
      `--actor cannot be used with ROLLGATE_URL (${target.url}): the server records the identity of your token.`,
      'Drop --actor; to act as someone else, use their token (ROLLGATE_TOKEN).',
    );
  }
  if (raw.store !== undefined) {
    throw usageError(
      `--store cannot be used with ROLLGATE_URL (${target.url}): the flags live on the server.`,
      'Drop --store, or unset ROLLGATE_URL to work on a local .rollgate/.',
    );
  }
}

/**
 * The store of remote mode; its HTTP client loads only in remote mode. Errors: INVALID_INPUT (ROLLGATE_URL is not an
 * http(s) URL).
 */
export async function openRemoteStore(target: RemoteTarget): Promise<RemoteStore> {
  const { RemoteStore } = await import('@rollgate/shared/store');
  return new RemoteStore(target);
}

/** The error of a local-files command (`rollgate compile`) run in remote mode. */
export function localOnlyError(command: Command, target: RemoteTarget): FlagError {
  return usageError(
    `\`rollgate ${commandPath(command)}\` works on a local .rollgate/ and is not available with ROLLGATE_URL (${target.url}).`,
    'Run it on the server’s machine (in its store), or unset ROLLGATE_URL.',
  );
}

/**
 * The error of a command managing what the server's store keeps beside the flags (SDK keys, API tokens) run in
 * remote mode: the API does not hand out or create those secrets.
 */
export function serverManagedError(command: Command, target: RemoteTarget): FlagError {
  return usageError(
    `\`rollgate ${commandPath(command)}\` manages the secrets of the server’s store and is not available with ROLLGATE_URL (${target.url}).`,
    'Run it where the server’s store is (its --store directory or --database), or unset ROLLGATE_URL.',
  );
}

/** `keys create` for `rollgate keys create`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
