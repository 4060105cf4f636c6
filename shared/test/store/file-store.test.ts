import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, readdir, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FlagError } from '../../src/errors.ts';
import { createEmptyDocument, storeDocumentSchema } from '../../src/flags/model.ts';
import type { StoreDocument } from '../../src/flags/model.ts';
import { addEnvironment, applyOperation, createFlag, setFlagEnabled, setRollout } from '../../src/flags/operations.ts';
import { findStoreRoot, initStore, openFileStore } from '../../src/store/file-store.ts';
import type { FileStore } from '../../src/store/file-store.ts';
import { parseStoreDocument, serializeStoreDocument } from '../../src/store/store-yaml.ts';
import { flagStoreContract } from './contract.ts';
import { assertFlagError, context, makeTempDir, nextEvent, removeTempDir } from './helpers.ts';

const ctx = context();

let root: string;
let store: FileStore;
let flagsFile: string;

async function freshStore(): Promise<void> {
  root = await makeTempDir();
  store = await initStore(root);
  flagsFile = join(root, '.rollgate', 'flags.yaml');
}

async function cleanup(): Promise<void> {
  store.dispose();
  await removeTempDir(root);
}

flagStoreContract('FileStore', async () => {
  const dir = await makeTempDir();
  const fileStore = await initStore(dir);
  return {
    store: fileStore,
    open: () => openFileStore(dir),
    cleanup: async () => {
      fileStore.dispose();
      await removeTempDir(dir);
    },
  };
});

describe('initStore / openFileStore / findStoreRoot', () => {
  before(freshStore);
  after(cleanup);

  it('creates .rollgate with an empty document, git attributes and flagd outputs', async () => {
    const snapshot = await store.read();
    assert.deepEqual(snapshot.document, storeDocumentSchema.parse(createEmptyDocument()));
    assert.equal(snapshot.revision, 0);
    const files = (await readdir(join(root, '.rollgate'))).sort();
    assert.deepEqual(files, ['.gitattributes', '.gitignore', 'audit.jsonl', 'flagd', 'flags.yaml']);
    assert.match(await readFile(join(root, '.rollgate', '.gitattributes'), 'utf8'), /^audit\.jsonl merge=union$/m);
    assert.match(await readFile(join(root, '.rollgate', '.gitignore'), 'utf8'), /^metrics\/$/m);
    assert.deepEqual((await readdir(join(root, '.rollgate', 'flagd'))).sort(), [
      'development.flagd.json',
      'production.flagd.json',
      'staging.flagd.json',
    ]);
  });

  it('refuses to initialize over an existing store and leaves it untouched', async () => {
    const bytes = await readFile(flagsFile);
    await assert.rejects(initStore(root), assertFlagError('INVALID_INPUT'));
    assert.deepEqual(await readFile(flagsFile), bytes);
  });

  it('finds the store root from a nested directory, and nothing outside', async () => {
    const nested = join(root, 'src', 'deep');
    await mkdir(nested, { recursive: true });
    assert.equal(await findStoreRoot(nested), await findStoreRoot(root));
    assert.equal(await findStoreRoot(nested), (await store.read()) && root);
    const outside = await makeTempDir();
    try {
      assert.equal(await findStoreRoot(outside), undefined);
      await assert.rejects(
        openFileStore(outside),
        assertFlagError('STORE_IO', (e) => assert.match(e.details.hint ?? '', /rollgate init/)),
      );
    } finally {
      await removeTempDir(outside);
    }
  });

  it('refuses a flagd directory symlinked outside the store', async () => {
    const repo = await makeTempDir();
    const elsewhere = await makeTempDir();
    try {
      await initStore(repo);
      await rm(join(repo, '.rollgate', 'flagd'), { recursive: true });
      await symlink(elsewhere, join(repo, '.rollgate', 'flagd'));
      await assert.rejects(
        openFileStore(repo),
        assertFlagError('STORE_IO', (e) => assert.match(e.message, /outside/)),
      );
    } finally {
      await removeTempDir(repo);
      await removeTempDir(elsewhere);
    }
  });

  it('does not create a missing repository directory', async () => {
    await assert.rejects(
      initStore(join(root, 'no-such-dir')),
      assertFlagError('STORE_IO', (e) => assert.equal(e.details.errno, 'ENOENT')),
    );
  });

  it('refuses a .rollgate symlink that leads outside the repository', async () => {
    const repo = await makeTempDir();
    const elsewhere = await makeTempDir();
    try {
      await initStore(elsewhere);
      await symlink(join(elsewhere, '.rollgate'), join(repo, '.rollgate'));
      await assert.rejects(
        openFileStore(repo),
        assertFlagError('STORE_IO', (e) => assert.match(e.message, /outside/)),
      );
    } finally {
      await removeTempDir(repo);
      await removeTempDir(elsewhere);
    }
  });
});

describe('FileStore files', () => {
  before(async () => {
    await freshStore();
    await applyOperation(store, createFlag({ key: 'new-checkout', name: 'New checkout', kind: 'release' }), ctx);
    await applyOperation(store, setFlagEnabled('new-checkout', 'production', true), ctx);
  });
  after(cleanup);

  it('writes compiled flagd outputs and removes those of deleted environments', async () => {
    const production = JSON.parse(
      await readFile(join(root, '.rollgate', 'flagd', 'production.flagd.json'), 'utf8'),
    ) as { flags: Record<string, { state: string }> };
    assert.equal(production.flags['new-checkout']?.state, 'ENABLED');

    await applyOperation(store, addEnvironment({ key: 'qa' }), ctx);
    assert.ok((await readdir(join(root, '.rollgate', 'flagd'))).includes('qa.flagd.json'));
    const base = await store.read();
    const withoutQa: StoreDocument = {
      ...base.document,
      environments: base.document.environments.filter((e) => e.key !== 'qa'),
    };
    await store.commit({
      base,
      document: withoutQa,
      audit: [{ at: ctx.now().toISOString(), actor: 'test', action: 'environment.remove', changes: [] }],
    });
    assert.ok(!(await readdir(join(root, '.rollgate', 'flagd'))).includes('qa.flagd.json'));
  });

  it('checks and repairs hand-edited flagd outputs and leftovers of removed environments', async () => {
    const flagdDir = join(root, '.rollgate', 'flagd');
    const states = async (): Promise<string[]> =>
      (await store.checkCompiledOutputs()).map((o) => `${o.environment}:${o.state}`).sort();
    assert.deepEqual(await states(), ['development:fresh', 'production:fresh', 'staging:fresh']);
    const compiled = await readFile(join(flagdDir, 'staging.flagd.json'), 'utf8');
    await writeFile(join(flagdDir, 'staging.flagd.json'), '{"flags": {}}\n');
    await writeFile(join(flagdDir, 'old.flagd.json'), compiled);
    assert.deepEqual(await states(), ['development:fresh', 'old:extra', 'production:fresh', 'staging:stale']);

    const written = await store.writeCompiledOutputs();
    assert.deepEqual(written.map((o) => `${o.environment}:${o.state}`).sort(), [
      'development:fresh',
      'old:extra',
      'production:fresh',
      'staging:stale',
    ]);
    assert.equal(await readFile(join(flagdDir, 'staging.flagd.json'), 'utf8'), compiled);
    assert.ok(!(await readdir(flagdDir)).includes('old.flagd.json'));
    assert.deepEqual(await states(), ['development:fresh', 'production:fresh', 'staging:fresh']);
  });

  it('treats a hand edit as a change: new version, and a commit on the old base conflicts', async () => {
    const before = await store.read();
    await appendFile(flagsFile, '# a hand-written comment\n');
    const after = await store.read();
    assert.notEqual(after.version, before.version);
    assert.deepEqual(after.document, before.document);
    await assert.rejects(
      store.commit({
        base: before,
        document: before.document,
        audit: [{ at: ctx.now().toISOString(), actor: 'test', action: 'noop', changes: [] }],
      }),
      assertFlagError('STORE_CONFLICT'),
    );
  });
});

describe('deterministic YAML', () => {
  it('serializes equal documents to identical text, whatever their order, and round-trips', () => {
    const doc = storeDocumentSchema.parse({
      ...createEmptyDocument(),
      flags: [
        {
          key: 'zeta',
          name: 'Zeta',
          kind: 'release',
          createdAt: '2026-11-01T00:00:00Z',
          type: 'boolean',
          variants: { on: true, off: false },
          metadata: { b: 1, a: 'x' },
          environments: {
            production: { enabled: true, defaultVariant: 'off' },
            development: { enabled: false, defaultVariant: 'on' },
          },
        },
        {
          key: 'alpha',
          name: 'Alpha',
          kind: 'experiment',
          createdAt: '2026-11-01T00:00:00Z',
          type: 'string',
          variants: { control: 'a', treatment: 'b' },
          environments: {},
        },
      ],
    });
    const shuffled: StoreDocument = {
      ...doc,
      flags: [...doc.flags].reverse().map((f) => ({
        ...f,
        metadata: f.metadata && Object.fromEntries(Object.entries(f.metadata).reverse()),
        environments: Object.fromEntries(Object.entries(f.environments).reverse()),
      })),
    };
    const text = serializeStoreDocument(doc);
    assert.equal(serializeStoreDocument(shuffled), text);
    const sortedByKey = [...doc.flags].sort((a, b) => (a.key < b.key ? -1 : 1));
    assert.deepEqual(parseStoreDocument(text, 'flags.yaml'), { ...doc, flags: sortedByKey });
    // Flags sorted by key; environments in declaration order; defaults left out.
    assert.ok(text.indexOf('key: alpha') < text.indexOf('key: zeta'));
    assert.ok(text.indexOf('development:') < text.indexOf('production:'));
    assert.doesNotMatch(text, /tags: \[\]|rules: \[\]|archived: false|description: ""/);
    assert.match(text, /metadata:\n {6}a: x\n {6}b: 1\n/);
  });
});

describe('flags.yaml that does not parse', () => {
  let validText: string;
  before(async () => {
    await freshStore();
    validText = await readFile(flagsFile, 'utf8');
  });
  after(cleanup);

  const cases: { name: string; text: string; line: number; column: number; message: RegExp }[] = [
    {
      name: 'YAML syntax error (bad indentation)',
      text: 'version: 1\nenvironments:\n  - key: production\n flags: []\n',
      line: 4,
      column: 1,
      message: /invalid YAML/,
    },
    {
      name: 'YAML duplicate key',
      text: 'version: 1\nenvironments:\n  - key: production\n    key: staging\n',
      line: 4,
      column: 5,
      message: /unique/,
    },
    {
      name: 'schema error: unknown default variant',
      text: [
        'version: 1',
        'environments:',
        '  - key: production',
        'flags:',
        '  - key: a',
        '    name: A',
        '    kind: release',
        '    createdAt: 2026-11-01T00:00:00Z',
        '    type: boolean',
        '    variants:',
        '      on: true',
        '      off: false',
        '    environments:',
        '      production:',
        '        enabled: true',
        '        defaultVariant: maybe',
        '',
      ].join('\n'),
      line: 16,
      column: 25,
      message: /flags\[0\]\.environments\.production\.defaultVariant: unknown variant "maybe"/,
    },
    {
      name: 'schema error: missing field',
      text: 'version: 1\nenvironments:\n  - key: production\nflags:\n  - key: a\n    kind: release\n',
      line: 5,
      column: 5,
      message: /flags\[0\]\.name: "name" is missing/,
    },
    {
      name: 'schema error: wrong type of a value',
      text: 'version: 1\nenvironments:\n  - key: production\n    protected: "yes"\n',
      line: 4,
      column: 16,
      message: /environments\[0\]\.protected/,
    },
  ];

  for (const c of cases) {
    it(`${c.name} → PARSE_ERROR at line ${c.line}, column ${c.column}; commit refuses and keeps the bytes`, async () => {
      await writeFile(flagsFile, validText);
      const base = await store.read();
      await writeFile(flagsFile, c.text);
      const check = (e: FlagError): void => {
        assert.equal(e.details.file, flagsFile);
        assert.equal(e.details.line, c.line);
        assert.equal(e.details.column, c.column);
        assert.match(e.message, c.message);
      };
      await assert.rejects(store.read(), assertFlagError('PARSE_ERROR', check));
      await assert.rejects(
        store.commit({
          base,
          document: base.document,
          audit: [{ at: ctx.now().toISOString(), actor: 't', action: 'x', changes: [] }],
        }),
        assertFlagError('PARSE_ERROR', check),
      );
      await assert.rejects(
        applyOperation(store, createFlag({ key: 'b', name: 'B', kind: 'release' }), ctx),
        assertFlagError('PARSE_ERROR', check),
      );
      assert.equal(await readFile(flagsFile, 'utf8'), c.text);
    });
  }
});

describe('FileStore onDidChange', () => {
  before(async () => {
    await freshStore();
    await applyOperation(store, createFlag({ key: 'from-other', name: 'Other', kind: 'release' }), ctx);
  });
  after(cleanup);

  it('sees a raw hand edit of flags.yaml', async () => {
    const seen = nextEvent(store.onDidChange);
    const text = (await readFile(flagsFile, 'utf8')).replace('name: Other', 'name: Edited by hand');
    await writeFile(flagsFile, text);
    const event = await seen;
    assert.equal(event.document.flags[0]?.name, 'Edited by hand');
  });

  it('reads a commit of another writer as soon as flags.yaml is replaced, not after the debounce or the poll', async () => {
    const watching = await openFileStore(root, { debounceMs: 3_600_000, pollIntervalMs: 3_600_000 });
    await watching.read();
    const seen = nextEvent(watching.onDidChange, (s) => s.document.flags.some((f) => f.key === 'at-once'));
    await applyOperation(store, createFlag({ key: 'at-once', name: 'At once', kind: 'release' }), ctx);
    await seen;
    watching.dispose();
  });
});

describe('FileStore robustness', () => {
  beforeEach(freshStore);
  afterEach(cleanup);

  it('takes over a stale lock left by a dead process', async () => {
    const lockDir = join(root, '.rollgate', '.lock');
    await mkdir(lockDir);
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(lockDir, longAgo, longAgo);
    const snapshot = await applyOperation(store, createFlag({ key: 'a', name: 'A', kind: 'release' }), ctx);
    assert.equal(snapshot.revision, 1);
  });

  it('derives the revision from the end of a long audit log, across an entry longer than the read chunk', async () => {
    const auditFile = join(root, '.rollgate', 'audit.jsonl');
    const entry = (revision: number, reason: string): string =>
      `${JSON.stringify({ revision, at: '2026-11-01T00:00:00Z', actor: 't', action: 'x', reason, changes: [] })}\n`;
    await appendFile(auditFile, entry(41, 'short') + entry(42, 'x'.repeat(200_000)));
    const snapshot = await applyOperation(store, createFlag({ key: 'a', name: 'A', kind: 'release' }), ctx);
    assert.equal(snapshot.revision, 43);
    assert.deepEqual(
      (await store.readAudit()).map((e) => e.revision),
      [41, 42, 43],
    );
  });

  it('skips an incomplete last audit line, and cuts it off before the next append', async () => {
    const auditFile = join(root, '.rollgate', 'audit.jsonl');
    await applyOperation(store, createFlag({ key: 'a', name: 'A', kind: 'release' }), ctx);
    await appendFile(auditFile, '{"revision":2,"at":"2026-11-01T00:0'); // a crash mid-append
    assert.equal((await store.readAudit()).length, 1);
    const snapshot = await applyOperation(store, setFlagEnabled('a', 'staging', true), ctx);
    assert.equal(snapshot.revision, 2);
    assert.deepEqual(
      (await store.readAudit()).map((e) => e.revision),
      [1, 2],
    );
    assert.doesNotMatch(await readFile(auditFile, 'utf8'), /T00:0\n/);
  });

  it('keeps hand-written comments and blank lines through a commit', async () => {
    await applyOperation(store, createFlag({ key: 'a-flag', name: 'A', kind: 'release' }), ctx);
    await applyOperation(store, createFlag({ key: 'b-flag', name: 'B', kind: 'release' }), ctx);
    const original = await readFile(flagsFile, 'utf8');
    const commented = original
      .replace('  - key: b-flag\n', '\n  # Owned by payments; remove after the Q4 launch.\n  - key: b-flag\n')
      .replace('    name: B\n', '    name: B # shown in the dashboard\n')
      .replace('  - key: production\n', '  # Needs a reason for every change.\n  - key: production\n');
    assert.notEqual(commented, original);
    await writeFile(flagsFile, commented);
    await applyOperation(store, setRollout('b-flag', 'production', 10), ctx);
    await applyOperation(store, createFlag({ key: 'c-flag', name: 'C', kind: 'release' }), ctx);
    const text = await readFile(flagsFile, 'utf8');
    assert.match(
      text,
      /\n\n {2}# Owned by payments; remove after the Q4 launch\.\n {2}- key: b-flag\n {4}name: B # shown in the dashboard\n/,
    );
    assert.match(text, /# Needs a reason for every change\.\n {2}- key: production\n/);
    assert.match(text, /percentage: 10/);
    assert.equal(text.match(/Owned by payments/g)?.length, 1);
    // Without the comments, the text is exactly the canonical serialization.
    const { document } = await store.read();
    assert.equal(
      text
        .replace(/\n\n {2}# Owned[^\n]*/, '')
        .replace(' # shown in the dashboard', '')
        .replace(/ {2}# Needs[^\n]*\n/, ''),
      serializeStoreDocument(document),
    );
  });

  it('maps a missing flags.yaml to STORE_IO with a hint', async () => {
    await unlink(flagsFile);
    await assert.rejects(
      store.read(),
      assertFlagError('STORE_IO', (e) => assert.equal(e.details.errno, 'ENOENT')),
    );
  });
});
