/**
 * File-system helpers of the file store: errno → FlagError, atomic writes, paths confined to the store.
 */
import { randomBytes } from 'node:crypto';
import { open, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { FlagError } from '../errors.ts';

const ERRNO_HINTS: Readonly<Record<string, string>> = {
  ENOENT: 'Check the path; run `rollgate init` in the repository root to create a store.',
  EACCES: 'Check the permissions of the file and of the .rollgate directory.',
  EPERM: 'Check the permissions of the file and of the .rollgate directory.',
  EROFS: 'The file system is read-only; use a writable checkout.',
  ENOSPC: 'The disk is full; free some space and try again.',
  EDQUOT: 'The disk quota is exhausted; free some space and try again.',
  EMFILE: 'Too many open files; close other programs or raise the limit (ulimit -n) and try again.',
  EISDIR: 'A directory is in the way of a store file; move it aside.',
  ENOTDIR: 'A file is in the way of the .rollgate directory; move it aside.',
};

/** Maps a Node.js file-system error to FlagError STORE_IO with `details.file`, `errno` and a hint. */
export function ioError(cause: unknown, action: string, file: string): FlagError {
  if (FlagError.is(cause)) return cause;
  const errno = (cause as { code?: unknown } | null)?.code;
  const code = typeof errno === 'string' ? errno : undefined;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new FlagError(
    'STORE_IO',
    `Could not ${action} ${file}: ${reason}`,
    { file, errno: code, hint: (code && ERRNO_HINTS[code]) ?? 'Check that the path exists and is accessible.' },
    { cause },
  );
}

/**
 * Writes `data` to `file` atomically: a temp file in the same directory (so `rename` never crosses a file system)
 * is written, fsync-ed and renamed over `file`, then the directory is fsync-ed so the rename survives a crash.
 * Readers see the old or the new bytes, never a mix. The temp file is removed on failure. `durable: false` skips
 * both fsyncs, for derived files that are regenerated anyway (still atomic for readers); `mode` is the new file's
 * permission bits (default 0o644; secrets use 0o600). Errors: STORE_IO.
 */
export async function writeFileAtomic(
  file: string,
  data: string,
  { durable = true, mode = 0o644 }: { durable?: boolean; mode?: number } = {},
): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(data, 'utf8');
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw ioError(e, 'write', file);
  }
  if (durable) await syncDirectory(dirname(file));
}

async function syncDirectory(dir: string): Promise<void> {
  // Directory fsync is not supported everywhere (Windows, some network file systems); the rename itself is done.
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => {});
  await handle.close();
}

/**
 * Resolves `segments` under `root` and returns the absolute path. Errors: STORE_IO when the result leaves `root`.
 */
export function pathInside(root: string, ...segments: string[]): string {
  const target = resolve(root, ...segments);
  // Security: a key used as a file name (environment → flagd output) must not climb out of the store.
  if (!isInside(root, target)) {
    throw new FlagError('STORE_IO', `Refusing to use ${target}: it is outside ${root}.`, {
      file: target,
      hint: 'Store files must stay inside the .rollgate directory; check the environment key.',
    });
  }
  return target;
}

/**
 * Resolves symlinks of `target` (which must exist) and checks it stays inside the real `realRoot`.
 * Errors: STORE_IO when a symlink leads outside, or when `target` cannot be resolved.
 */
export async function realPathInside(realRoot: string, target: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(target);
  } catch (e) {
    throw ioError(e, 'resolve', target);
  }
  // Security: a symlinked .rollgate or flags.yaml must not make the store read or replace files elsewhere.
  if (!isInside(realRoot, real)) {
    throw new FlagError('STORE_IO', `Refusing to use ${target}: it resolves to ${real}, outside ${realRoot}.`, {
      file: target,
      hint: 'Replace the symlink with a real file or directory inside the repository.',
    });
  }
  return real;
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel));
}
