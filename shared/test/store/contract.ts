// The FlagStore contract: one suite every store runs (file-store.test.ts, postgres-store.test.ts). Store-specific
// behaviour (files, hand edits, SQL) stays in each store's own test file.
import { after, before, beforeEach, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError } from '../../src/errors.ts';
import { createEmptyDocument, storeDocumentSchema } from '../../src/flags/model.ts';
import type { StoreDocument } from '../../src/flags/model.ts';
import {
  addEnvironment,
  applyOperation,
  createFlag,
  setFlagEnabled,
  setRollout,
  setRules,
  updateEnvironment,
} from '../../src/flags/operations.ts';
import { createSegment, deleteSegment, updateSegment } from '../../src/flags/segments.ts';
import { compileEnvironment } from '../../src/flagd/compile.ts';
import type { FlagStore, StoreSnapshot } from '../../src/store/types.ts';
import { assertFlagError, context, nextEvent } from './helpers.ts';
import { fullDocument } from './full-document.ts';
import { unusedFields } from './schema-coverage.ts';

const ctx = context();

/** A fresh, empty store of one kind, and a way to open a second instance on the same data. */
export interface StoreFixture {
  readonly store: FlagStore;
  /** Another instance on the same store (another process would see the same). */
  open(): Promise<FlagStore>;
  /** Disposes the store and removes its data. */
  cleanup(): Promise<void>;
}

const noop = { at: ctx.now().toISOString(), actor: 'test', action: 'noop', changes: [] };

/** Registers the contract suite for the store `name` made by `fresh`. */
export function flagStoreContract(name: string, fresh: () => Promise<StoreFixture>): void {
  describe(`${name}: FlagStore contract`, () => {
    let fixture: StoreFixture;
    let store: FlagStore;
    const setUp = async (): Promise<void> => {
      fixture = await fresh();
      store = fixture.store;
    };
    const tearDown = (): Promise<void> => fixture.cleanup();

    describe('read / commit', () => {
      before(setUp);
      after(tearDown);

      it('starts empty with the default environments', async () => {
        const snapshot = await store.read();
        assert.deepEqual(snapshot.document, storeDocumentSchema.parse(createEmptyDocument()));
        assert.equal(snapshot.revision, 0);
      });

      it('round-trips a document and stamps audit entries with consecutive revisions', async () => {
        await applyOperation(store, createFlag({ key: 'new-checkout', name: 'New checkout', kind: 'release' }), ctx);
        await applyOperation(store, setRollout('new-checkout', 'production', 12.5), context('test:bob', 'ramp up'));
        const committed = await applyOperation(store, setFlagEnabled('new-checkout', 'production', true), ctx);
        assert.equal(committed.revision, 3);

        const reopened = await fixture.open();
        const read = await reopened.read();
        reopened.dispose();
        assert.deepEqual(read, committed);
        assert.deepEqual(read.document.flags[0]?.environments.production?.rollout, { variant: 'on', percentage: 12.5 });

        const audit = await store.readAudit();
        assert.deepEqual(
          audit.map((e) => [e.revision, e.action, e.actor]),
          [
            [1, 'flag.create', 'test:alice'],
            [2, 'flag.set-rollout', 'test:bob'],
            [3, 'flag.toggle', 'test:alice'],
          ],
        );
        assert.equal(audit[1]?.reason, 'ramp up');
      });

      it('adds and removes environments', async () => {
        await applyOperation(store, addEnvironment({ key: 'qa' }), ctx);
        const base = await store.read();
        assert.deepEqual(
          base.document.environments.map((e) => e.key),
          ['development', 'staging', 'production', 'qa'],
        );
        const withoutQa: StoreDocument = {
          ...base.document,
          environments: base.document.environments.filter((e) => e.key !== 'qa'),
        };
        const committed = await store.commit({ base, document: withoutQa, audit: [noop] });
        assert.deepEqual(
          committed.document.environments.map((e) => e.key),
          ['development', 'staging', 'production'],
        );
        assert.deepEqual((await store.read()).document, committed.document);
      });

      it('keeps every field of the model at every level: what it commits, read() gives back deep-equal', async () => {
        const document = fullDocument();
        assert.deepEqual(unusedFields(storeDocumentSchema, document), [], 'fullDocument() must use every model field');
        const base = await store.read();
        const committed = await store.commit({ base, document, audit: [noop] });
        const expected = storeDocumentSchema.parse(fullDocument());
        assert.deepEqual(committed.document, expected);
        const reopened = await fixture.open();
        const read = await reopened.read();
        reopened.dispose();
        assert.deepEqual(read.document, expected);

        // Groups alone change (the approval policy still names "sre"), then go with the policy that names them.
        const regrouped = await store.commit({
          base: committed,
          document: { ...committed.document, groups: { sre: ['dave'] } },
          audit: [noop],
        });
        assert.deepEqual((await store.read()).document.groups, { sre: ['dave'] });
        // A flag change is checked against the groups too (the approval policy names one).
        const described = await store.commit({
          base: regrouped,
          document: {
            ...regrouped.document,
            flags: regrouped.document.flags.map((f, i) => (i === 0 ? { ...f, description: 'changed' } : f)),
          },
          audit: [noop],
        });
        const { groups: _groups, ...withoutGroups } = described.document;
        await assert.rejects(
          store.commit({ base: described, document: withoutGroups, audit: [noop] }),
          assertFlagError('INVALID_INPUT', (e) => assert.match(e.message, /unknown group "sre"/)),
        );
        const ungrouped = await store.commit({
          base: described,
          document: {
            ...withoutGroups,
            environments: withoutGroups.environments.map((env) => ({ key: env.key, protected: env.protected })),
          },
          audit: [noop],
        });
        assert.equal('groups' in (await store.read()).document, false);
        await store.commit({ base: ungrouped, document: base.document, audit: [noop] });
        assert.deepEqual((await store.read()).document, base.document);
      });

      it('rejects a stale base with STORE_CONFLICT and writes nothing', async () => {
        const stale = await store.read();
        await applyOperation(store, updateEnvironment('staging', { name: 'Staging' }), ctx);
        const current = await store.read();
        const auditBefore = await store.readAudit();
        await assert.rejects(
          store.commit({ base: stale, document: stale.document, audit: [noop] }),
          assertFlagError('STORE_CONFLICT'),
        );
        assert.deepEqual(await store.read(), current);
        assert.deepEqual(await store.readAudit(), auditBefore);
      });

      it('applyOperation with expectedVersion: applies on the current version, STORE_CONFLICT on an old one', async () => {
        const shown = await store.read();
        const applied = await applyOperation(store, setFlagEnabled('new-checkout', 'staging', true), ctx, {
          expectedVersion: shown.version,
        });
        await assert.rejects(
          applyOperation(store, setFlagEnabled('new-checkout', 'staging', false), ctx, {
            expectedVersion: shown.version,
          }),
          assertFlagError('STORE_CONFLICT'),
        );
        const now = await store.read();
        assert.equal(now.revision, applied.revision);
        assert.equal(now.document.flags[0]?.environments.staging?.enabled, true);
      });

      it('refuses an invalid document with INVALID_INPUT naming the path, and writes nothing', async () => {
        const base = await store.read();
        const broken = structuredClone<StoreDocument>(base.document);
        const production = broken.flags[0]?.environments.production;
        assert.ok(production);
        production.defaultVariant = 'nope';
        await assert.rejects(
          store.commit({ base, document: broken, audit: [noop] }),
          assertFlagError('INVALID_INPUT', (e) =>
            assert.equal(e.details.path, 'flags[0].environments.production.defaultVariant'),
          ),
        );
        await assert.rejects(
          store.commit({ base, document: base.document, audit: [] }),
          assertFlagError('INVALID_INPUT', (e) => assert.match(e.message, /at least one audit entry/)),
        );
        assert.deepEqual(await store.read(), base);
      });

      it('filters the audit log by flag, environment, time and limit', async () => {
        const all = await store.readAudit();
        assert.deepEqual(
          (await store.readAudit({ flagKey: 'new-checkout' })).map((e) => e.action),
          ['flag.create', 'flag.set-rollout', 'flag.toggle', 'flag.toggle'],
        );
        assert.deepEqual(
          (await store.readAudit({ environment: 'production' })).map((e) => e.action),
          ['flag.set-rollout', 'flag.toggle'],
        );
        assert.deepEqual(await store.readAudit({ limit: 2 }), all.slice(-2));
        assert.deepEqual(await store.readAudit({ since: '2026-11-01T12:00:00Z' }), all);
        assert.deepEqual(await store.readAudit({ since: '2026-11-01T12:00:01Z' }), []);
        await assert.rejects(store.readAudit({ since: 'yesterday' }), assertFlagError('INVALID_INPUT'));
        await assert.rejects(store.readAudit({ limit: 0 }), assertFlagError('INVALID_INPUT'));
      });
    });

    describe('segments', () => {
      before(setUp);
      after(tearDown);

      it('round-trips segments in document order, with their audit entries', async () => {
        await applyOperation(store, createSegment({ key: 'internal', name: 'Staff', included: ['alice'] }), ctx);
        await applyOperation(store, createSegment({ key: 'beta', included: ['bob'] }), ctx);
        await applyOperation(
          store,
          createSegment({
            key: 'power',
            rules: [{ conditions: [{ attribute: 'sessions', operator: 'gte', value: 100 }] }],
          }),
          ctx,
        );
        await applyOperation(store, updateSegment('internal', { addKeys: ['carol'], name: null }), ctx);
        await applyOperation(store, deleteSegment('beta'), ctx);
        const committed = await applyOperation(store, createSegment({ key: 'alpha', included: ['dave'] }), ctx);
        // A new segment goes after the others (not in key order), as it does in flags.yaml.
        assert.deepEqual(
          committed.document.segments?.map((s) => [s.key, s.name, s.included]),
          [
            ['internal', undefined, ['alice', 'carol']],
            ['power', undefined, []],
            ['alpha', undefined, ['dave']],
          ],
        );
        const reopened = await fixture.open();
        const read = await reopened.read();
        reopened.dispose();
        assert.deepEqual(read, committed);
        assert.deepEqual(
          (await store.readAudit()).map((e) => [e.action, e.changes[0]?.path]),
          [
            ['segment.create', '/segments/internal'],
            ['segment.create', '/segments/beta'],
            ['segment.create', '/segments/power'],
            ['segment.update', '/segments/internal/name'],
            ['segment.delete', '/segments/beta'],
            ['segment.create', '/segments/alpha'],
          ],
        );
        // A commit that puts them in another order keeps that order.
        const reversed = { ...committed.document, segments: [...(committed.document.segments ?? [])].reverse() };
        await store.commit({ base: committed, document: reversed, audit: [noop] });
        const again = await fixture.open();
        assert.deepEqual(
          (await again.read()).document.segments?.map((s) => s.key),
          ['alpha', 'power', 'internal'],
        );
        again.dispose();
      });

      it('a flag rule uses a segment (compiled to $evaluators from what is read back); a used one cannot go', async () => {
        await applyOperation(store, createFlag({ key: 'gated', name: 'Gated', kind: 'release' }), ctx);
        const rules = [{ conditions: [{ segment: 'internal' }], serve: { variant: 'on' } }];
        const committed = await applyOperation(store, setRules('gated', 'production', rules), ctx);
        const reopened = await fixture.open();
        const flagd = compileEnvironment((await reopened.read()).document, 'production');
        reopened.dispose();
        assert.deepEqual(flagd.$evaluators?.internal, { in: [{ var: 'targetingKey' }, ['alice', 'carol']] });
        // A raw commit that drops the segment is refused like any dangling reference, and writes nothing.
        const withoutInternal: StoreDocument = {
          ...committed.document,
          segments: committed.document.segments?.filter((s) => s.key !== 'internal'),
        };
        await assert.rejects(
          store.commit({ base: committed, document: withoutInternal, audit: [noop] }),
          assertFlagError('INVALID_INPUT', (e) => assert.match(e.message, /unknown segment "internal"/)),
        );
        await assert.rejects(applyOperation(store, deleteSegment('internal'), ctx), assertFlagError('INVALID_INPUT'));
        // The model accepts any string for a semver comparison; the flagd compiler does not, in a segment either.
        const uncompilable = createSegment({
          key: 'bad',
          rules: [{ conditions: [{ attribute: 'version', operator: 'semver_gt', value: 'not-a-version' }] }],
        });
        await assert.rejects(applyOperation(store, uncompilable, ctx), assertFlagError('INVALID_RULE'));
        assert.deepEqual(await store.read(), committed);
      });

      it('concurrent segment edits of two instances all land', async () => {
        const other = await fixture.open();
        const edits = Array.from({ length: 10 }, (_, i) =>
          applyOperation(i % 2 === 0 ? store : other, updateSegment('power', { addKeys: [`user-${i}`] }), ctx),
        );
        await Promise.all(edits);
        const seen = (await other.read()).document.segments?.find((s) => s.key === 'power')?.included;
        other.dispose();
        assert.deepEqual([...(seen ?? [])].sort(), Array.from({ length: 10 }, (_, i) => `user-${i}`).sort());
      });

      it('another instance sees a segment change (onDidChange)', async () => {
        await store.read();
        const other = await fixture.open();
        const seen = nextEvent(store.onDidChange, (s) => s.document.segments?.some((g) => g.key === 'late') ?? false);
        const committed = await applyOperation(other, createSegment({ key: 'late', included: ['x'] }), ctx);
        other.dispose();
        assert.deepEqual((await seen).document, committed.document);
      });
    });

    describe('update and concurrency', () => {
      beforeEach(setUp);
      afterEach(tearDown);

      it('writes nothing when update() throws or flagd cannot compile the result', async () => {
        await assert.rejects(
          store.update!(() => {
            throw new FlagError('INVALID_INPUT', 'no', { hint: 'h' });
          }),
          assertFlagError('INVALID_INPUT'),
        );
        const committed = await applyOperation(store, createFlag({ key: 'a', name: 'A', kind: 'release' }), ctx);
        // The model accepts any string for a semver comparison; the flagd compiler does not.
        const badRule = setRules('a', 'production', [
          {
            conditions: [{ attribute: 'version', operator: 'semver_gt', value: 'not-a-version' }],
            serve: { variant: 'on' },
          },
        ]);
        await assert.rejects(applyOperation(store, badRule, ctx), assertFlagError('INVALID_RULE'));
        assert.deepEqual(await store.read(), committed);
        assert.equal((await store.readAudit()).length, 1);
      });

      it('serializes concurrent commits of two instances in one process', async () => {
        const other = await fixture.open();
        await applyOperation(store, createFlag({ key: 'shared', name: 'Shared', kind: 'release' }), ctx);
        const writes = Array.from({ length: 20 }, (_, i) =>
          applyOperation(
            i % 2 === 0 ? store : other,
            createFlag({ key: `f${i}`, name: `F${i}`, kind: 'release' }),
            ctx,
          ),
        );
        await Promise.all(writes);
        other.dispose();
        assert.equal((await store.read()).document.flags.length, 21);
        assert.deepEqual(
          (await store.readAudit()).map((e) => e.revision),
          Array.from({ length: 21 }, (_, i) => i + 1),
        );
      });
    });

    describe('onDidChange', () => {
      before(setUp);
      after(tearDown);

      it('sees a commit of another instance, with its snapshot', async () => {
        await store.read();
        const other = await fixture.open();
        const seen = nextEvent(store.onDidChange);
        const committed = await applyOperation(
          other,
          createFlag({ key: 'from-other', name: 'Other', kind: 'release' }),
          ctx,
        );
        const event: StoreSnapshot = await seen;
        assert.equal(event.version, committed.version);
        assert.deepEqual(event.document, committed.document);
        other.dispose();
      });

      it('fires for commits of this instance, once per version', async () => {
        const versions: string[] = [];
        const subscription = store.onDidChange((s) => versions.push(s.version));
        const seen = nextEvent(store.onDidChange, (s) => s.document.flags.length === 2);
        const committed = await applyOperation(store, createFlag({ key: 'mine', name: 'Mine', kind: 'release' }), ctx);
        await seen;
        subscription.dispose();
        assert.deepEqual(versions, [committed.version]);
      });
    });
  });
}
