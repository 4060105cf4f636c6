/**
 * Remote mode's change feed (`GET /api/v1/snapshot?after=<version>`) when a change lands between the server's read
 * of the store and its wait for the next change: the interleaving is forced (the store behind the server commits the
 * change right after a read returned the old version), and the long poll is made an hour long, so an answer can only
 * come from the change itself, not from the long poll running out.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FileTokenStore } from '@rollgate/shared/auth';
import { applyOperation, setFlagEnabled } from '@rollgate/shared/flags';
import { RemoteStore, type FileStore, type FlagStore, type StoreSnapshot } from '@rollgate/shared/store';
import { NOW, startFixture, type Fixture } from './helpers.ts';

const HOUR_MS = 3_600_000;

/**
 * `store` as the server sees it, except that `between` (when armed) runs once after a read has got its snapshot and
 * before the reader sees it.
 */
class InterleavedStore implements FlagStore {
  readonly location: string;
  readonly onDidChange: FlagStore['onDidChange'];
  between: (() => Promise<unknown>) | undefined;
  private readonly store: FileStore;

  constructor(store: FileStore) {
    this.store = store;
    this.location = store.location;
    this.onDidChange = store.onDidChange;
  }

  async read(): Promise<StoreSnapshot> {
    const snapshot = await this.store.read();
    const between = this.between;
    this.between = undefined;
    await between?.();
    return snapshot;
  }

  readAudit: FlagStore['readAudit'] = (query) => this.store.readAudit(query);
  commit: FlagStore['commit'] = (request) => this.store.commit(request);
  dispose = (): void => this.store.dispose();
}

describe('remote change feed: a change between the read and the wait', () => {
  let fixture: Fixture;
  let served: InterleavedStore;
  let token: string;
  const enabled = (s: StoreSnapshot): boolean | undefined =>
    s.document.flags.find((f) => f.key === 'banner-color')?.environments.development?.enabled;
  const toggle = (on: boolean) => (): Promise<StoreSnapshot> =>
    applyOperation(fixture.store, setFlagEnabled('banner-color', 'development', on), {
      actor: 'test:other-writer',
      now: () => new Date(NOW),
    });

  before(async () => {
    fixture = await startFixture({
      server: (store) => {
        served = new InterleavedStore(store);
        // No probe reads during the test: only the long poll reads the store (and consumes `between`).
        return {
          store: served,
          tokens: new FileTokenStore(store.location),
          longPollMs: HOUR_MS,
          probeIntervalMs: HOUR_MS,
        };
      },
    });
    token = (
      await new FileTokenStore(fixture.store.location).create(
        { name: 'bob', kind: 'person', roles: { '*': 'viewer' }, createdBy: 'test' },
        new Date(NOW),
      )
    ).token;
  });
  after(async () => {
    await fixture[Symbol.asyncDispose]();
  });

  it('answers the long poll with the change, not an hour later', { timeout: 60_000 }, async () => {
    const before = await fixture.store.read();
    assert.notEqual(enabled(before), true);
    served.between = toggle(true);
    const response = await fetch(`${fixture.server.url}/api/v1/snapshot?after=${encodeURIComponent(before.version)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 200);
    const answer = (await response.json()) as StoreSnapshot;
    assert.equal(served.between, undefined, 'the change was made between the read and the wait');
    assert.notEqual(answer.version, before.version);
    assert.equal(enabled(answer), true);
  });

  it('tells a RemoteStore’s listener of such a change', { timeout: 60_000 }, async () => {
    // No client-side bound either: only the server's answer to the change can end the wait.
    const client = new RemoteStore({ url: fixture.server.url, token, pollTimeoutMs: HOUR_MS });
    try {
      const before = await client.read();
      served.between = toggle(enabled(before) !== true);
      const changed = new Promise<StoreSnapshot>((resolve) => client.onDidChange(resolve));
      const seen = await changed;
      assert.equal(served.between, undefined, 'the change was made between the read and the wait');
      assert.notEqual(seen.version, before.version);
      assert.equal(enabled(seen), enabled(before) !== true);
    } finally {
      client.dispose();
    }
  });
});
