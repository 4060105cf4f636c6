// A writer that crashed mid-commit, reproduced without a process: the store files exactly as a kill -9 at a given
// point of FileStore's commit leaves them (journal decided, maybe flags.yaml renamed, the lock left behind). Used by
// the store, CLI and MCP tests of crash recovery reports.
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ChangeContext, Operation } from '../../src/flags/operations.ts';
import { openFileStore } from '../../src/store/file-store.ts';
import { storeFiles, versionOf, writeJournal } from '../../src/store/journal.ts';
import { serializeStoreDocument } from '../../src/store/store-yaml.ts';

/** Where the writer died: after deciding the commit (journal written), or after publishing flags.yaml too. */
export type CrashPoint = 'decided' | 'flags-written';

/**
 * Leaves the store in `root` as a writer killed at `point` of committing `operation` would, with its lock left
 * behind (a holder on this host whose process is gone). Returns the revision of the interrupted commit.
 */
export async function leaveCrashedCommit(
  root: string,
  operation: Operation,
  context: ChangeContext,
  point: CrashPoint,
): Promise<number> {
  const store = await openFileStore(root);
  const base = await store.read();
  store.dispose();
  const { document, audit } = operation(base.document, context);
  const text = serializeStoreDocument(document);
  const files = storeFiles(join(root, '.rollgate'));
  const revision = base.revision + 1;
  await writeJournal(
    files,
    {
      revision,
      baseVersion: base.version,
      version: versionOf(Buffer.from(text, 'utf8')),
      text,
      audit: audit.map((e) => ({ ...e, revision, changes: e.changes ?? [] })),
    },
    () => {},
  );
  if (point === 'flags-written') await writeFile(files.flagsFile, text);
  // The holder: a process of this host that has exited.
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  await writeFile(
    join(root, '.rollgate', '.lock'),
    JSON.stringify({ pid, host: hostname(), token: 'crashed', acquiredAt: context.now().toISOString() }),
  );
  return revision;
}
