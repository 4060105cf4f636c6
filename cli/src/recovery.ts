/**
 * Tells the user, once, what the store repaired after a crash (see `FileStore.takeRecoveries`): one stderr line
 * per repair, or with --json one JSON line `{"recovered": {...}}`, so stdout keeps only the command's result.
 */
import type { FlagStore } from '@rollgate/shared/store';
import type { Writer } from './output.ts';

/** Writes the repairs `store` made since the last call to `stderr`. Never throws. */
export function reportRecoveries(store: FlagStore, stderr: Writer, json: boolean): void {
  for (const recovery of store.takeRecoveries?.() ?? []) {
    stderr.write(
      json ? `${JSON.stringify({ recovered: recovery })}\n` : `rollgate: repaired the store: ${recovery.message}\n`,
    );
  }
}
