// PostgresStore on a real PostgreSQL (a throwaway cluster, see test/support/postgres.ts): the FlagStore contract,
// then what only this store does: per-row optimistic concurrency, concurrent writers on two pools, migrations,
// import, connection loss.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { applyOperation, createFlag, setFlagEnabled, setRules, updateFlag } from '../../src/flags/operations.ts';
import type { Operation } from '../../src/flags/operations.ts';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { createSegment, deleteSegment, updateSegment } from '../../src/flags/segments.ts';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { StoreDocument } from '../../src/flags/model.ts';
import { usePostgres } from '../support/postgres.ts';
import { flagStoreContract } from './contract.ts';
import { assertFlagError } from './helpers.ts';
import { SHARED_FLAG, context, nextEvent } from './helpers.ts';

const ctx = context();
const noop = { at: ctx.now().toISOString(), actor: 'test', action: 'noop', changes: [] };
const cluster = usePostgres();

flagStoreContract('PostgresStore', async () => {
  const url = await cluster().createDatabase();
  const store = await openPostgresStore(url);
  return {
    store,
    open: () => openPostgresStore(url),
    cleanup: () => {
      store.dispose();
      return Promise.resolve();
    },
  };
});

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Each row's version in `table` (flags or segments), by key: the revision of the commit that last wrote it. */
async function rowVersions(url: string, table: 'flags' | 'segments'): Promise<[string, number][]> {
  const rows = await query<{ key: string; version: string }>(url, `SELECT key, version FROM ${table} ORDER BY key`);
  return rows.map((r) => [r.key, Number(r.version)]);
}

describe('PostgresStore', () => {
  it('applies the migrations once, recorded in schema_migrations, and re-opens without applying them again', async () => {
    const url = await cluster().createDatabase();
    const [a, b] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    a.dispose();
    b.dispose();
    const rows = await query<{ version: number; name: string }>(
      url,
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    assert.deepEqual(rows, [
      { version: 1, name: 'initial' },
      { version: 2, name: 'sdk_keys_usage' },
      { version: 3, name: 'api_tokens' },
      { version: 4, name: 'segments' },
      { version: 5, name: 'document_settings' },
    ]);
    const reopened = await openPostgresStore(url);
    assert.equal((await reopened.read()).document.environments.length, 3);
    reopened.dispose();
  });

  it('per-segment optimistic concurrency: a stale base commits when its segment is untouched, conflicts when not', async () => {
    const url = await cluster().createDatabase();
    const a = await openPostgresStore(url);
    const b = await openPostgresStore(url);
    try {
      await applyOperation(a, createSegment({ key: 'one', included: ['x'] }), ctx);
      await applyOperation(a, createSegment({ key: 'two', included: ['x'] }), ctx);
      const base = await b.read();
      const add = (key: string, user: string): StoreDocument =>
        updateSegment(key, { addKeys: [user] })(base.document, ctx).document;
      await a.commit({ base, document: add('one', 'y'), audit: [audit('one')] });
      // `two` did not change since `base`: the commit lands on top of the newer state, keeping `one`'s change.
      const merged = await b.commit({ base, document: add('two', 'z'), audit: [audit('two')] });
      assert.deepEqual(
        merged.document.segments?.map((s) => [s.key, s.included]),
        [
          ['one', ['x', 'y']],
          ['two', ['x', 'z']],
        ],
      );
      await assert.rejects(
        b.commit({ base, document: add('one', 'w'), audit: [audit('one')] }),
        assertFlagError('STORE_CONFLICT', (e) => assert.match(e.message, /Segment "one" changed since/)),
      );
      assert.deepEqual(await a.read(), merged);
      assert.deepEqual(await rowVersions(url, 'segments'), [
        ['one', base.revision + 1],
        ['two', base.revision + 2],
      ]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('a stale rule naming a segment deleted since is a conflict, then applyOperation says it is unknown', async () => {
    const url = await cluster().createDatabase();
    const a = await openPostgresStore(url);
    const b = await openPostgresStore(url);
    try {
      await applyOperation(a, createFlag({ key: 'f', name: 'F', kind: 'release' }), ctx);
      await applyOperation(a, createSegment({ key: 'beta', included: ['x'] }), ctx);
      const base = await b.read();
      await applyOperation(a, deleteSegment('beta'), ctx);
      const useBeta = setRules('f', 'staging', [{ conditions: [{ segment: 'beta' }], serve: { variant: 'on' } }]);
      await assert.rejects(
        b.commit({ base, document: useBeta(base.document, ctx).document, audit: [audit('f')] }),
        assertFlagError('STORE_CONFLICT', (e) => assert.match(e.message, /unknown segment "beta"/)),
      );
      await assert.rejects(
        applyOperation(b, useBeta, ctx),
        assertFlagError('INVALID_RULE', (e) => assert.match(e.message, /unknown segment "beta"/)),
      );
      const now = await b.read();
      assert.equal(now.document.segments, undefined);
      assert.deepEqual(now.document.flags[0]?.environments.staging?.rules, []);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('per-flag optimistic concurrency: a stale base commits when its flag is untouched, conflicts when not', async () => {
    const url = await cluster().createDatabase();
    const a = await openPostgresStore(url);
    const b = await openPostgresStore(url);
    try {
      await applyOperation(a, createFlag({ key: 'one', name: 'One', kind: 'release' }), ctx);
      await applyOperation(a, createFlag({ key: 'two', name: 'Two', kind: 'release' }), ctx);
      const base = await b.read();
      const toggle = (key: string, doc: StoreDocument): StoreDocument =>
        setFlagEnabled(key, 'staging', true)(doc, ctx).document;
      await a.commit({ base, document: toggle('one', base.document), audit: [audit('one')] });
      // `two` did not change since `base`: the commit lands on top of the newer state, keeping `one`'s change.
      const merged = await b.commit({ base, document: toggle('two', base.document), audit: [audit('two')] });
      assert.equal(merged.revision, base.revision + 2);
      assert.deepEqual(
        merged.document.flags.map((f) => [f.key, f.environments.staging?.enabled]),
        [
          ['one', true],
          ['two', true],
        ],
      );
      // `one` changed since `base`: refused, nothing written.
      const renamed = updateFlag('one', { name: 'Renamed' })(base.document, ctx).document;
      await assert.rejects(
        b.commit({ base, document: renamed, audit: [audit('one')] }),
        assertFlagError('STORE_CONFLICT', (e) => assert.equal(e.details.flagKey, 'one')),
      );
      assert.deepEqual(await a.read(), merged);
      // Only the changed row was written by each commit.
      assert.deepEqual(await rowVersions(url, 'flags'), [
        ['one', base.revision + 1],
        ['two', base.revision + 2],
      ]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("the document's settings (groups): another instance reads a change, a stale commit conflicts, retried lands", async () => {
    const url = await cluster().createDatabase();
    const a = await openPostgresStore(url);
    const b = await openPostgresStore(url);
    try {
      await applyOperation(a, createFlag({ key: 'one', name: 'One', kind: 'release' }), ctx);
      const base = await b.read();
      const grouped = await a.commit({ base, document: { ...base.document, groups: { sre: ['bob'] } }, audit: [noop] });
      const [row] = await query<{ settings: unknown; settings_revision: string }>(
        url,
        'SELECT settings, settings_revision FROM rollgate_meta',
      );
      assert.deepEqual(row, { settings: { groups: { sre: ['bob'] } }, settings_revision: String(grouped.revision) });
      // b's base is older than the groups: refused like a stale environment list, nothing written.
      await assert.rejects(
        b.commit({
          base,
          document: setFlagEnabled('one', 'staging', true)(base.document, ctx).document,
          audit: [noop],
        }),
        assertFlagError('STORE_CONFLICT', (e) => assert.match(e.message, /settings \(groups\) changed/)),
      );
      assert.deepEqual((await b.read()).document, grouped.document);
      const toggled = await applyOperation(b, setFlagEnabled('one', 'staging', true), ctx);
      assert.deepEqual(toggled.document.groups, { sre: ['bob'] });
      assert.deepEqual(await a.read(), toggled);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('refuses a document with a field the model does not know (it would be dropped), writing nothing', async () => {
    const url = await cluster().createDatabase();
    const store = await openPostgresStore(url);
    try {
      const base = await store.read();
      const document = { ...base.document, policies: { freeze: true } } as StoreDocument;
      const refused = assertFlagError('INVALID_INPUT', (e) => {
        assert.match(e.message, /field "policies" that the model does not know; the PostgreSQL store would drop it/);
        assert.equal(e.details.path, 'policies');
      });
      await assert.rejects(store.commit({ base, document, audit: [noop] }), refused);
      await assert.rejects(store.importStore(document, [], noop), refused);
      assert.deepEqual(await store.read(), base);
    } finally {
      store.dispose();
    }
  });

  it('3 writers × 60 changes through two instances (separate pools): no lost update, audit == state', async () => {
    const url = await cluster().createDatabase();
    const stores = [await openPostgresStore(url), await openPostgresStore(url)];
    const [first, second] = stores as [PostgresStore, PostgresStore];
    try {
      await applyOperation(
        first,
        createFlag({ key: SHARED_FLAG, name: 'Shared', kind: 'operational', metadata: { count: 0 } }),
        ctx,
      );
      const increment: Operation = (document, c) => {
        const current = Number(document.flags.find((f) => f.key === SHARED_FLAG)?.metadata?.count ?? 0);
        return updateFlag(SHARED_FLAG, { metadata: { count: current + 1 } })(document, c);
      };
      const WRITERS = 3;
      const CHANGES = 60;
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; i < CHANGES; i++) {
            const store = (w + i) % 2 === 0 ? first : second;
            const operation =
              i % 10 === 0 ? createFlag({ key: `w${w}-${i}`, name: `W${w} ${i}`, kind: 'release' }) : increment;
            await applyOperation(store, operation, context(`worker:${w}`));
          }
        }),
      );
      const { document, revision } = await second.read();
      const creates = WRITERS * (CHANGES / 10);
      assert.equal(document.flags.find((f) => f.key === SHARED_FLAG)?.metadata?.count, WRITERS * CHANGES - creates);
      assert.equal(document.flags.length, 1 + creates);
      const log = await first.readAudit();
      assert.equal(revision, 1 + WRITERS * CHANGES);
      assert.deepEqual(
        log.map((e) => e.revision),
        Array.from({ length: revision }, (_, i) => i + 1),
      );
      // Audit == state: replaying the recorded counter values ends at the stored one.
      const counts = log.flatMap((e) => e.changes.filter((c) => c.path === '/metadata/count').map((c) => c.after));
      assert.deepEqual(
        counts,
        Array.from({ length: WRITERS * CHANGES - creates }, (_, i) => i + 1),
      );
    } finally {
      for (const s of stores) s.dispose();
    }
  });

  it('imports a document with its history once, and refuses a database that already holds a store', async () => {
    const source = await openPostgresStore(await cluster().createDatabase());
    const target = await openPostgresStore(await cluster().createDatabase());
    try {
      await applyOperation(source, createFlag({ key: 'a', name: 'A', kind: 'release' }), ctx);
      await applyOperation(source, setFlagEnabled('a', 'staging', true), ctx);
      await applyOperation(source, createSegment({ key: 'z-last', included: ['u'] }), ctx);
      await applyOperation(source, createSegment({ key: 'a-first', included: ['v'] }), ctx);
      const { document } = await source.read();
      const history = await source.readAudit();
      const entry = { at: ctx.now().toISOString(), actor: 'test', action: 'store.import', changes: [] };
      const imported = await target.importStore(document, history, entry);
      assert.equal(imported.revision, 5);
      assert.deepEqual(imported.document, document);
      assert.deepEqual(
        imported.document.segments?.map((s) => s.key),
        ['z-last', 'a-first'],
      );
      assert.deepEqual((await target.readAudit()).slice(0, 4), history);
      await assert.rejects(
        target.importStore(document, history, entry),
        assertFlagError('INVALID_INPUT', (e) => assert.match(e.message, /already holds a Rollgate store/)),
      );
    } finally {
      source.dispose();
      target.dispose();
    }
  });

  it('PostgreSQL down: STORE_IO saying so; back up: writes work again and listeners catch up', async () => {
    const url = await cluster().createDatabase();
    const store = await openPostgresStore(url);
    const watcher = await openPostgresStore(url);
    try {
      await watcher.read();
      const subscription = watcher.onDidChange(() => {});
      cluster().pause();
      await assert.rejects(
        applyOperation(store, createFlag({ key: 'a', name: 'A', kind: 'release' }), ctx),
        assertFlagError('STORE_IO', (e) => {
          assert.match(e.message, /PostgreSQL store at postgres:\/\/rollgate@127\.0\.0\.1/);
          assert.match(e.details.hint ?? '', /reconnects by itself/);
        }),
      );
      cluster().start();
      const seen = nextEvent(watcher.onDidChange, (s) => s.document.flags.length === 1, 15_000);
      const committed = await applyOperation(store, createFlag({ key: 'a', name: 'A', kind: 'release' }), ctx);
      assert.equal((await seen).revision, committed.revision);
      subscription.dispose();
    } finally {
      cluster().start();
      store.dispose();
      watcher.dispose();
    }
  });
});

function audit(flagKey: string): { at: string; actor: string; action: string; flagKey: string; changes: [] } {
  return { at: ctx.now().toISOString(), actor: 'test', action: 'flag.update', flagKey, changes: [] };
}
