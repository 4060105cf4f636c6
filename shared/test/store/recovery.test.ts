// Crash recovery reports: what the file store repaired when it was opened (or written to) after a writer died
// mid-commit, each reported once, with what was repaired.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyOperation, createFlag, setFlagEnabled } from '../../src/flags/operations.ts';
import { initStore, openFileStore } from '../../src/store/file-store.ts';
import { leaveCrashedCommit } from './crash.ts';
import { context, makeTempDir, removeTempDir } from './helpers.ts';

const ctx = context('cli:alice');

describe('FileStore crash recovery reports', () => {
  let root: string;
  beforeEach(async () => {
    root = await makeTempDir();
    const store = await initStore(root);
    await applyOperation(store, createFlag({ key: 'checkout', name: 'Checkout', kind: 'release' }), ctx);
    store.dispose();
  });
  afterEach(() => removeTempDir(root));

  it('a commit decided but not published: open completes it and reports the lock, the journal and each step once', async () => {
    const revision = await leaveCrashedCommit(root, setFlagEnabled('checkout', 'staging', true), ctx, 'decided');
    const store = await openFileStore(root);
    try {
      const reports = store.takeRecoveries();
      assert.deepEqual(
        reports.map((r) => r.action),
        ['lock-recovered', 'rolled-forward'],
      );
      assert.match(reports[0]?.message ?? '', /left by process \d+ on .*ended without releasing it/);
      assert.equal(reports[1]?.revision, revision);
      assert.match(
        reports[1]?.message ?? '',
        new RegExp(
          `Completed revision ${revision} \\(flag\\.toggle by cli:alice at .*\\), interrupted by a crash \\(wrote flags\\.yaml, appended 1 audit entry, re-compiled 1 flagd output\\)`,
        ),
      );
      assert.deepEqual(store.takeRecoveries(), [], 'reported once');
      const { document, revision: current } = await store.read();
      assert.equal(current, revision);
      assert.equal(document.flags[0]?.environments.staging?.enabled, true);
      assert.equal(existsSync(join(root, '.rollgate', 'journal.json')), false);
      assert.equal(existsSync(join(root, '.rollgate', '.lock')), false);
      assert.deepEqual(
        (await store.checkCompiledOutputs()).filter((o) => o.state !== 'fresh'),
        [],
      );
    } finally {
      store.dispose();
    }
    const again = await openFileStore(root);
    assert.deepEqual(again.takeRecoveries(), [], 'nothing left to repair at the next open');
    again.dispose();
  });

  it('a crash after flags.yaml was published: only the audit entry and the flagd output are still missing', async () => {
    const revision = await leaveCrashedCommit(root, setFlagEnabled('checkout', 'staging', true), ctx, 'flags-written');
    const store = await openFileStore(root);
    const journal = store.takeRecoveries().find((r) => r.action === 'rolled-forward');
    store.dispose();
    assert.match(journal?.message ?? '', /\(appended 1 audit entry, re-compiled 1 flagd output\)/);
    assert.equal(journal?.revision, revision);
  });

  it('flags.yaml edited by hand after the crash: the interrupted commit is dropped, and the report says so', async () => {
    const revision = await leaveCrashedCommit(root, setFlagEnabled('checkout', 'staging', true), ctx, 'decided');
    const flagsFile = join(root, '.rollgate', 'flags.yaml');
    await writeFile(flagsFile, (await readFile(flagsFile, 'utf8')).replace('name: Checkout', 'name: Checkout v2'));
    const store = await openFileStore(root);
    try {
      const journal = store.takeRecoveries().find((r) => r.action === 'rolled-back');
      assert.match(journal?.message ?? '', new RegExp(`Dropped revision ${revision} .*make it again`));
      const { document } = await store.read();
      assert.equal(document.flags[0]?.name, 'Checkout v2');
      assert.equal(document.flags[0]?.environments.staging?.enabled, false);
    } finally {
      store.dispose();
    }
  });

  it('a store opened before the crash reports the repair its next write made', async () => {
    const store = await openFileStore(root);
    try {
      await leaveCrashedCommit(root, setFlagEnabled('checkout', 'staging', true), ctx, 'decided');
      await applyOperation(store, setFlagEnabled('checkout', 'development', true), ctx);
      assert.deepEqual(
        store.takeRecoveries().map((r) => r.action),
        ['lock-recovered', 'rolled-forward'],
      );
      const { document } = await store.read();
      assert.equal(document.flags[0]?.environments.staging?.enabled, true, 'the interrupted change');
      assert.equal(document.flags[0]?.environments.development?.enabled, true, 'the new change');
    } finally {
      store.dispose();
    }
  });
});
