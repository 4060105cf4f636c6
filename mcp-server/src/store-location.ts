/**
 * Where the file store is: the folder `--store` names, else the nearest one above the working directory. Light on
 * purpose (node:fs only): main.ts resolves it before the server proper loads.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { STORE_DIR_NAME } from '@rollgate/shared/store/dir';

/** `--store` names the directory holding `.rollgate/`, or `.rollgate/` itself (as the CLI accepts). */
export function storeRootOf(path: string): string {
  const absolute = resolve(path);
  return basename(absolute) === STORE_DIR_NAME ? dirname(absolute) : absolute;
}

/**
 * Where the store lives when none was configured: the nearest directory above `cwd` holding `.rollgate/`, else the
 * git repository's root (the nearest directory holding `.git`), else `cwd` itself.
 */
export async function defaultStoreRoot(cwd: string): Promise<string> {
  const start = resolve(cwd);
  return (await nearestHolding(start, STORE_DIR_NAME)) ?? (await nearestHolding(start, '.git')) ?? start;
}

/** The `.rollgate/` folder of `root`, and whether it exists (without opening it). */
export async function fileStoreAt(root: string): Promise<{ location: string; exists: boolean }> {
  const location = join(root, STORE_DIR_NAME);
  return { location, exists: await isDirectory(location) };
}

/** The file store at `location` as the server's start-up log names it. */
export function describeFileStore(location: string, exists: boolean): string {
  return exists ? location : `${location} (not created yet: the first write creates it)`;
}

async function nearestHolding(start: string, name: string): Promise<string | undefined> {
  for (let dir = start; ; dir = dirname(dir)) {
    if (
      await stat(join(dir, name)).then(
        () => true,
        () => false,
      )
    ) {
      return dir;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
