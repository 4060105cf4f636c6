/**
 * The compiled flagd documents of the file store, `.rollgate/flagd/<env>.flagd.json`: derived from flags.yaml,
 * one per environment, rewritten by every commit (and by crash recovery, see journal.ts).
 */
import { unlinkSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serializeFlagdDocument } from '../flagd/compile.ts';
import type { FlagdDocument } from '../flagd/types.ts';
import { ioError, pathInside, writeFileAtomic } from './fs-util.ts';

export const FLAGD_DIR = 'flagd';
const FLAGD_SUFFIX = '.flagd.json';

/** Path of the flagd output of `environment` in the store directory `storeDir` (`<storeDir>/flagd/<env>.flagd.json`). */
export function flagdOutputPath(storeDir: string, environment: string): string {
  return join(storeDir, FLAGD_DIR, `${environment}${FLAGD_SUFFIX}`);
}

/** One flagd output file compared with flags.yaml. */
export interface CompiledOutputState {
  readonly environment: string;
  /** Absolute path of `<env>.flagd.json`. */
  readonly path: string;
  /** `fresh`: matches flags.yaml; `stale`: differs or is missing; `extra`: of an environment no longer declared. */
  readonly state: 'fresh' | 'stale' | 'extra';
}

/**
 * Compares `<env>.flagd.json` files with `outputs` and, with `write`, brings them in line: stale files are written
 * atomically, files of undeclared environments removed. `fence` (see writeFileAtomic) runs before each of those
 * changes. Returns the states found before writing.
 * The outputs are derived from flags.yaml, so they are written without fsync: after a process crash the journal
 * makes the next lock holder rewrite them; only a power loss can leave them stale (`rollgate compile` repairs).
 * Errors: STORE_IO, and whatever `fence` throws.
 */
export async function syncFlagdOutputs(
  flagdDir: string,
  outputs: ReadonlyMap<string, FlagdDocument>,
  { write, fence }: { write: boolean; fence?: () => void },
): Promise<CompiledOutputState[]> {
  if (write) {
    try {
      await mkdir(flagdDir, { recursive: true });
    } catch (e) {
      throw ioError(e, 'create', flagdDir);
    }
  }
  const states: CompiledOutputState[] = [];
  for (const [environment, flagdDocument] of outputs) {
    const path = pathInside(flagdDir, `${environment}${FLAGD_SUFFIX}`);
    const text = serializeFlagdDocument(flagdDocument);
    const current = await readFile(path, 'utf8').catch(() => undefined);
    states.push({ environment, path, state: current === text ? 'fresh' : 'stale' });
    if (write && current !== text) await writeFileAtomic(path, text, { durable: false, fence });
  }
  let existing: string[];
  try {
    existing = await readdir(flagdDir);
  } catch (e) {
    if (!write && (e as { code?: unknown }).code === 'ENOENT') return states;
    throw ioError(e, 'list', flagdDir);
  }
  for (const name of existing) {
    if (!name.endsWith(FLAGD_SUFFIX) || outputs.has(name.slice(0, -FLAGD_SUFFIX.length))) continue;
    const path = pathInside(flagdDir, name);
    states.push({ environment: name.slice(0, -FLAGD_SUFFIX.length), path, state: 'extra' });
    if (write) {
      fence?.();
      try {
        unlinkSync(path);
      } catch (e) {
        throw ioError(e, 'remove', path);
      }
    }
  }
  return states;
}
