/**
 * The built CLI on a real PostgreSQL (a throwaway cluster): `rollgate migrate` imports a file store with its history,
 * every command works with --database / $ROLLGATE_DATABASE_URL (SDK keys in the database too), and `rollgate export` writes
 * the same store and history back to files.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storeDocumentSchema } from '@rollgate/shared/flags';
import type { AuditEntry, Flag } from '@rollgate/shared/flags';
import { openFileStore } from '@rollgate/shared/store';
import { fullDocument, fullStoreFile } from '../../shared/test/store/full-document.ts';
import { usePostgres } from '../../shared/test/support/postgres.ts';
import { ensureBuilt, rollgate, rollgateJson, tempDir } from './helpers.ts';

const cluster = usePostgres();
const dirs: { [Symbol.dispose](): void }[] = [];
after(() => dirs.forEach((d) => d[Symbol.dispose]()));

function dir(): string {
  const made = tempDir();
  dirs.push(made);
  return made.path;
}

/** A file store with three flags, a segment one of them uses, and some history. */
function seededStore(): string {
  const root = dir();
  rollgateJson(root, ['init']);
  rollgateJson(root, ['create', 'new-checkout', '--tag', 'checkout']);
  rollgateJson(root, ['create', 'banner', '--variant', 'blue=blue', '--variant', 'green=green']);
  rollgateJson(root, ['create', 'old-flag']);
  rollgateJson(root, ['toggle', 'new-checkout', 'on', '--env', 'staging']);
  rollgateJson(root, ['set-rollout', 'new-checkout', '25', '--env', 'staging']);
  rollgateJson(root, ['set-rule', 'banner', '--env', 'development', '--when', 'plan in pro,team', '--serve', 'blue']);
  rollgateJson(root, ['segment', 'create', 'internal-users', '--include', 'alice,bob', '--rule', 'plan in staff']);
  rollgateJson(root, [
    'set-rule',
    'banner',
    '--env',
    'staging',
    '--when',
    'segment internal-users',
    '--serve',
    'green',
  ]);
  return root;
}

async function snapshot(root: string): Promise<{ document: unknown; audit: AuditEntry[]; flagd: Map<string, string> }> {
  const store = await openFileStore(root);
  try {
    const flagdDir = join(store.location, 'flagd');
    const flagd = new Map<string, string>();
    for (const name of (await readdir(flagdDir)).sort()) flagd.set(name, await readFile(join(flagdDir, name), 'utf8'));
    return { document: (await store.read()).document, audit: await store.readAudit(), flagd };
  } finally {
    store.dispose();
  }
}

describe('rollgate on PostgreSQL', () => {
  before(() => ensureBuilt());

  it('migrate → export round trip: the same documents, flagd files and audit history (plus one entry each)', async () => {
    const source = seededStore();
    const url = await cluster().createDatabase();
    const imported = rollgateJson<{ flags: number; segments: number; auditEntries: number; revision: number }>(source, [
      '--database',
      url,
      'migrate',
      '--from',
      source,
    ]);
    const before = await snapshot(source);
    assert.equal(imported.flags, 3);
    assert.equal(imported.segments, 1);
    assert.equal(imported.auditEntries, before.audit.length);

    // A second import is refused with a hint, and leaves the database as it was.
    const again = rollgate(source, ['--database', url, 'migrate', '--from', source]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already holds a Rollgate store \(revision \d+\)/);
    assert.match(again.stderr, /Import into an empty database/);

    const target = dir();
    rollgateJson(target, ['--database', url, 'export', '--to', target]);
    const after = await snapshot(target);
    assert.deepEqual(after.document, before.document);
    assert.deepEqual(after.flagd, before.flagd);
    assert.match(after.flagd.get('staging.flagd.json') ?? '', /"\$evaluators"[\s\S]*"internal-users"/);
    assert.deepEqual(after.audit.slice(0, before.audit.length), before.audit);
    assert.deepEqual(
      after.audit.slice(before.audit.length).map((e) => [e.action, e.revision]),
      [
        ['store.import', imported.revision],
        ['store.export', imported.revision + 1],
      ],
    );
    // Exporting over an existing store is refused.
    const over = rollgate(target, ['--database', url, 'export', '--to', target]);
    assert.equal(over.status, 1);
    assert.match(over.stderr, /already exists/);
  });

  it('migrate → export keeps every field of the model (groups, change requests, plans…) and every x- field', async () => {
    const source = dir();
    rollgateJson(source, ['init']);
    await writeFile(join(source, '.rollgate', 'flags.yaml'), fullStoreFile());
    const url = await cluster().createDatabase();
    rollgateJson(source, ['--database', url, 'migrate', '--from', source]);
    const target = dir();
    rollgateJson(target, ['--database', url, 'export', '--to', target]);
    const [from, to] = await Promise.all([openFileStore(source), openFileStore(target)]);
    try {
      const expected = storeDocumentSchema.parse(fullDocument());
      assert.deepEqual((await from.read()).document, expected);
      assert.deepEqual((await to.read()).document, expected);
      const extensions = await from.readExtensions();
      assert.equal(JSON.stringify(extensions).match(/"x-at"/g)?.length, fullStoreFile().match(/\bx-at: /g)?.length);
      assert.deepEqual(await to.readExtensions(), extensions);
    } finally {
      from.dispose();
      to.dispose();
    }
  });

  it('every store command works with --database or $ROLLGATE_DATABASE_URL; SDK keys live in the database', async () => {
    const source = seededStore();
    const url = await cluster().createDatabase();
    rollgateJson(source, ['--database', url, 'migrate', '--from', source]);
    const elsewhere = dir();
    const env = { ROLLGATE_DATABASE_URL: url };
    const json = <T>(args: string[]): T => {
      const result = rollgate(elsewhere, ['--json', ...args], env);
      assert.equal(result.status, 0, result.stderr);
      return JSON.parse(result.stdout) as T;
    };

    assert.deepEqual(
      json<{ flags: Flag[] }>(['list']).flags.map((f) => f.key),
      ['banner', 'new-checkout', 'old-flag'],
    );
    json(['toggle', 'new-checkout', 'off', '--env', 'staging']);
    assert.equal(json<{ flag: Flag }>(['get', 'new-checkout']).flag.environments.staging?.enabled, false);
    const audit = json<{ entries: AuditEntry[] }>(['audit', '--flag', 'new-checkout', '--limit', '1']).entries;
    assert.equal(audit[0]?.action, 'flag.toggle');
    json(['segment', 'update', 'internal-users', '--add-key', 'carol']);
    json(['segment', 'create', 'power-users', '--rule', 'sessions >= 100']);
    assert.deepEqual(
      json<{ segments: { key: string; included: string[]; usedBy: string[] }[] }>(['segment', 'list']).segments.map(
        (g) => [g.key, g.included, g.usedBy],
      ),
      [
        ['internal-users', ['alice', 'bob', 'carol'], ['banner/staging']],
        ['power-users', [], []],
      ],
    );
    // The approval policy, in the database (migration 0005 keeps the groups it may name).
    json(['--reason', 'two reviewers', 'env', 'update', 'production', '--approvals', '2', '--approvers', 'alice,bob']);
    assert.deepEqual(
      json<{ environments: { key: string; approval?: unknown }[] }>(['env', 'list']).environments.find(
        (e) => e.key === 'production',
      )?.approval,
      { required: 2, approvers: ['alice', 'bob'] },
    );
    // The file store in `source` did not change: the command went to the database.
    const fileFlag = rollgateJson<{ flag: Flag }>(source, ['--store', source, 'get', 'new-checkout']).flag;
    assert.equal(fileFlag.environments.staging?.enabled, true);

    const created = json<{ key: { id: string }; secret: string }>(['keys', 'create', '--env', 'staging']);
    assert.match(created.secret, /^rgsdk_/);
    const listed = json<{ keys: { id: string; revokedAt?: string }[] }>(['keys', 'list']).keys;
    assert.deepEqual(
      listed.map((k) => k.id),
      [created.key.id],
    );
    // Not in the file store's key file.
    assert.deepEqual(rollgateJson<{ keys: unknown[] }>(source, ['--store', source, 'keys', 'list']).keys, []);
    json(['keys', 'revoke', created.key.id]);
    assert.ok(json<{ keys: { revokedAt?: string }[] }>(['keys', 'list']).keys[0]?.revokedAt);

    // --store wins over $ROLLGATE_DATABASE_URL; both flags at once is refused.
    assert.equal(rollgate(source, ['--json', '--store', source, 'list'], env).status, 0);
    // The app's own $DATABASE_URL in the shell never moves the CLI off the repository's .rollgate/.
    const inRepo = rollgate(source, ['--json', 'get', 'new-checkout'], { DATABASE_URL: url });
    assert.equal(inRepo.status, 0, inRepo.stderr);
    assert.equal((JSON.parse(inRepo.stdout) as { flag: Flag }).flag.environments.staging?.enabled, true);
    const both = rollgate(source, ['--store', source, '--database', url, 'list']);
    assert.equal(both.status, 1);
    assert.match(both.stderr, /Both --store and --database/);
    // Commands about .rollgate/ files say so.
    const compile = rollgate(elsewhere, ['compile'], env);
    assert.equal(compile.status, 1);
    assert.match(compile.stderr, /works on a \.rollgate\/ directory.*rollgate export/s);
  });

  it('an unreachable database is a STORE_IO error with a hint', () => {
    const result = rollgate(dir(), [
      '--database',
      `${cluster()
        .url('postgres')
        .replace(/:\d+\//, ':1/')}`,
      'list',
    ]);
    assert.notEqual(result.status, 0);
    assert.match(
      result.stderr,
      /Could not open the PostgreSQL store at postgres:\/\/rollgate@127\.0\.0\.1:1\/postgres/,
    );
    assert.match(result.stderr, /Check that PostgreSQL is running/);
  });
});
