/**
 * The server on a real PostgreSQL (a throwaway cluster): SDK keys in the database, a revoked key ends the streams
 * opened with it; a flag whose rule uses a segment evaluates through the stock flagd and OFREP providers, and a
 * segment change made on another connection pool reaches them; two replicas (two built `rollgate server` processes)
 * on one database deliver a change made through the built CLI to the clients of both, and keep doing so across a
 * PostgreSQL restart (LISTEN re-established) and a kill -9 of a replica (its clients keep the last flags, then
 * reconnect to it restarted).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { OpenFeature } from '@openfeature/server-sdk';
import pg from 'pg';
import { applyOperation, createSegment, setFlagEnabled, setRules, updateSegment } from '@rollgate/shared/flags';
import { openPostgresStore } from '@rollgate/shared/store/postgres';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { usePostgres } from '../../shared/test/support/postgres.ts';
import {
  NOW,
  cli,
  flagdClient,
  ofrepClient,
  post,
  seedDatabase,
  serveInProcess,
  startCliServer,
  until,
  type RunningServer,
} from './helpers.ts';

const cluster = usePostgres();
after(() => OpenFeature.close());
const seededDatabase = (): Promise<string> => seedDatabase(cluster());

/** A raw SyncFlags stream: the messages it got and, once it ended, its status code. */
function openSyncStream(port: number, selector: string): { messages: number; status?: grpc.status; close(): void } {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('flagd-selector', selector);
  const state: { messages: number; status?: grpc.status; close(): void } = {
    messages: 0,
    close: () => {
      call.cancel();
      client.close();
    },
  };
  const call = client.makeServerStreamRequest(
    '/flagd.sync.v1.FlagSyncService/SyncFlags',
    () => Buffer.alloc(0),
    (value: Buffer) => value,
    {},
    metadata,
  );
  call.on('data', () => state.messages++);
  call.on('error', (e: grpc.ServiceError) => (state.status = e.code));
  return state;
}

/** How many connections of the database LISTEN for store changes (one per replica with subscribers). */
async function listeners(url: string): Promise<number> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN rollgate_store'",
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

/** The pid of the server process a `rollgate server` process started (its only child). */
function serverPid(server: RunningServer): number {
  const pid = server.child.pid ?? 0;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  assert.equal(children.length, 1, `rollgate server has one child process: ${children.join(', ')}`);
  return children[0] ?? 0;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('server on PostgreSQL', () => {
  it('SDK keys in the database; revoking one ends the sync streams and refuses OFREP opened with it', async () => {
    const url = await seededDatabase();
    const store = await openPostgresStore(url);
    // The CLI of an operator: another connection pool on the same database.
    const admin = await openPostgresStore(url);
    const services = store.services({ recheckMs: 0 });
    const server = await serveInProcess(store, services, { probeIntervalMs: 100 });
    const streams: ReturnType<typeof openSyncStream>[] = [];
    try {
      const { key, secret } = await admin.services().keys.create({ environment: 'production', now: new Date(NOW) });
      const other = await admin.services().keys.create({ environment: 'production', now: new Date(NOW) });
      const flag = `${server.url}/ofrep/v1/evaluate/flags/new-checkout`;
      // Keys exist now: a keyless request is refused, a keyed one served.
      assert.equal((await post(flag, { context: { environment: 'production' } })).status, 401);
      assert.equal((await post(flag, { context: { targetingKey: 'u' } }, { 'X-API-Key': secret })).status, 200);
      streams.push(openSyncStream(server.syncPort, secret), openSyncStream(server.syncPort, other.secret));
      const [revoked, kept] = streams as [(typeof streams)[0], (typeof streams)[0]];
      await until('both streams get the flags', () => revoked.messages > 0 && kept.messages > 0);

      await admin.services().keys.revoke(key.id, new Date(NOW));
      await until('the stream of the revoked key ends', () => revoked.status !== undefined);
      assert.equal(revoked.status, grpc.status.UNAUTHENTICATED);
      assert.equal((await post(flag, { context: { targetingKey: 'u' } }, { 'X-API-Key': secret })).status, 401);
      // The other key's stream stays open and keeps receiving changes.
      const before = kept.messages;
      await applyOperation(admin, setFlagEnabled('new-checkout', 'production', false), {
        actor: 'test:admin',
        now: () => new Date(NOW),
      });
      await until('the kept stream gets the change', () => kept.messages > before);
      assert.equal(kept.status, undefined);
    } finally {
      for (const s of streams) s.close();
      await server.close();
      store.dispose();
      admin.dispose();
    }
  });

  it('a rule using a segment: stock flagd and OFREP providers agree, and see a segment change of another pool', async () => {
    const url = await seededDatabase();
    const store = await openPostgresStore(url);
    const admin = await openPostgresStore(url);
    const change = { actor: 'test:admin', now: () => new Date(NOW) };
    await applyOperation(
      admin,
      createSegment({
        key: 'internal',
        included: ['alice'],
        excluded: ['mallory'],
        rules: [{ conditions: [{ attribute: 'email', operator: 'ends_with', value: '@acme.com' }] }],
      }),
      change,
    );
    const rules = [{ conditions: [{ segment: 'internal' }], serve: { variant: 'on' } }];
    await applyOperation(admin, setRules('new-checkout', 'production', rules), change);
    const services = store.services();
    const server = await serveInProcess(store, services);
    try {
      const clients = [await flagdClient(server.syncPort, 'production'), await ofrepClient(server.url)];
      const users = {
        alice: {},
        bob: { email: 'bob@acme.com' },
        carol: { email: 'carol@example.com' },
        mallory: { email: 'mallory@acme.com' },
      };
      const values = (): Promise<boolean[][]> =>
        Promise.all(
          Object.entries(users).map(([targetingKey, attributes]) =>
            Promise.all(
              clients.map((c) =>
                c.getBooleanValue('new-checkout', false, { targetingKey, environment: 'production', ...attributes }),
              ),
            ),
          ),
        );
      // In: alice (included), bob (rule); out: carol (no match), mallory (excluded wins over the rule).
      assert.deepEqual(await values(), [
        [true, true],
        [true, true],
        [false, false],
        [false, false],
      ]);
      await applyOperation(admin, updateSegment('internal', { addKeys: ['carol'] }), change);
      await until(
        'both providers see carol join the segment',
        async () => (await values())[2]?.every((v) => v) ?? false,
      );
      assert.deepEqual(await values(), [
        [true, true],
        [true, true],
        [true, true],
        [false, false],
      ]);
    } finally {
      await server.close();
      store.dispose();
      admin.dispose();
    }
  });

  it('refuses a non-loopback address until the database holds an SDK key', async () => {
    ensureBuilt('cli');
    ensureBuilt('server');
    const url = await seededDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'rollgate-pg-cli-'));
    try {
      const args = ['--database', url, 'server', '--host', '0.0.0.0', '--port', '0', '--sync-port', '0'];
      const refused = await cli(cwd, args, { store: false });
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /refusing to listen on 0\.0\.0\.0 without SDK keys/);
      const created = await cli(cwd, ['--json', '--database', url, 'keys', 'create', '--env', 'staging'], {
        store: false,
      });
      assert.equal(created.status, 0, created.stderr);
      const { secret } = JSON.parse(created.stdout) as { secret: string };
      const server = await startCliServer(['--database', url], ['--host', '0.0.0.0']);
      try {
        const base = server.url.replace('0.0.0.0', '127.0.0.1');
        assert.equal((await fetch(`${base}/flagd/staging.flagd.json`)).status, 401);
        const keyed = await fetch(`${base}/flagd/staging.flagd.json`, {
          headers: { Authorization: `Bearer ${secret}` },
        });
        assert.equal(keyed.status, 200);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('two replicas: a CLI change reaches clients of both, also after PostgreSQL restarts', async () => {
    ensureBuilt('cli');
    ensureBuilt('server');
    const url = await seededDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'rollgate-pg-cli-'));
    const replicas: RunningServer[] = [];
    try {
      // One replica gets the URL as an option, the other from $DATABASE_URL.
      replicas.push(await startCliServer(['--database', url]), await startCliServer([], [], { DATABASE_URL: url }));
      const [a, b] = replicas as [RunningServer, RunningServer];
      const context = { targetingKey: 'user-7', environment: 'development' };
      const clients = [
        await flagdClient(a.syncPort, 'development'),
        await flagdClient(b.syncPort, 'development'),
        await ofrepClient(a.url),
        await ofrepClient(b.url),
      ];
      const values = (): Promise<boolean[]> =>
        Promise.all(clients.map((c) => c.getBooleanValue('new-checkout', false, context)));
      assert.deepEqual(await values(), [true, true, true, true]);

      const toggle = async (state: 'on' | 'off'): Promise<void> => {
        const result = await cli(cwd, ['--database', url, 'toggle', 'new-checkout', state, '--env', 'development'], {
          store: false,
        });
        assert.equal(result.status, 0, result.stderr);
      };
      const flagdDisabled = async (): Promise<boolean> => {
        const details = await Promise.all(
          clients.slice(0, 2).map((c) => c.getBooleanDetails('new-checkout', true, context)),
        );
        return details.every((d) => d.reason === 'DISABLED');
      };
      await toggle('off');
      await until('clients of both replicas see the change', async () => {
        // The OFREP provider reports a disabled flag (a response without a value) as a format error: ask OFREP as is.
        const ofrep = await Promise.all(
          replicas.map((r) => post(`${r.url}/ofrep/v1/evaluate/flags/new-checkout`, { context })),
        );
        return (await flagdDisabled()) && ofrep.every((r) => (r.json as { reason?: string }).reason === 'DISABLED');
      });

      cluster().pause();
      await until(
        'both replicas report the outage',
        async () => (await Promise.all(replicas.map((r) => fetch(`${r.url}/readyz`)))).every((r) => r.status === 503),
        15_000,
      );
      // Clients keep the last good flags meanwhile.
      assert.equal(await flagdDisabled(), true);
      cluster().start();
      // A change right after the restart, possibly before the replicas listen again: it must not be lost.
      await toggle('on');
      await until(
        'clients of both replicas see the change made after the restart',
        async () => (await values()).every((v) => v),
        15_000,
      );
      await until('both replicas LISTEN again', async () => (await listeners(url)) === 2, 15_000);
      await until(
        'both replicas are ready',
        async () => (await Promise.all(replicas.map((r) => fetch(`${r.url}/readyz`)))).every((r) => r.status === 200),
        15_000,
      );
      await toggle('off');
      await until('the next change arrives through LISTEN/NOTIFY', flagdDisabled, 15_000);
    } finally {
      cluster().start();
      await Promise.all(replicas.map((r) => r.stop()));
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('kill -9 of a replica: its clients keep the last flags, then get the current state from it restarted', async () => {
    ensureBuilt('cli');
    ensureBuilt('server');
    const url = await seededDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'rollgate-pg-kill-'));
    const replicas: RunningServer[] = [];
    try {
      replicas.push(await startCliServer(['--database', url]), await startCliServer(['--database', url]));
      const [a, b] = replicas as [RunningServer, RunningServer];
      const context = { targetingKey: 'user-7', environment: 'development' };
      // The clients of replica A (the one killed), and one of B for comparison.
      const ofrepA = new URL(a.url);
      const clients = [await flagdClient(a.syncPort, 'development'), await flagdClient(b.syncPort, 'development')];
      const values = (): Promise<boolean[]> =>
        Promise.all(clients.map((c) => c.getBooleanValue('new-checkout', false, context)));
      const ofrepReason = async (server: string): Promise<string | undefined> => {
        const r = await post(`${server}/ofrep/v1/evaluate/flags/new-checkout`, { context }).catch(() => undefined);
        return (r?.json as { reason?: string } | undefined)?.reason;
      };
      const toggle = async (state: 'on' | 'off'): Promise<void> => {
        const result = await cli(cwd, ['--database', url, 'toggle', 'new-checkout', state, '--env', 'development'], {
          store: false,
        });
        assert.equal(result.status, 0, result.stderr);
      };
      assert.deepEqual(await values(), [true, true]);

      // kill -9 of the server process itself (`rollgate server` runs it as its child), as an OOM kill would.
      process.kill(serverPid(a), 'SIGKILL');
      await once(a.child, 'exit');
      await toggle('off');
      // B's clients get the change; A's in-process client keeps evaluating its last flags meanwhile.
      await until('the client of B sees the change', async () => (await values())[1] === false, 15_000);
      assert.equal((await values())[0], true, 'the client of the killed replica keeps its last good flags');
      assert.equal(await ofrepReason(a.url), undefined, 'replica A is down');

      // A restarted on the same ports: its clients reconnect and get the full current state first.
      replicas.push(
        await startCliServer(['--database', url], [], {}, { port: Number(ofrepA.port), syncPort: a.syncPort }),
      );
      await until(
        'the client of A sees the state changed while A was down',
        async () => (await values())[0] === false,
        20_000,
      );
      assert.equal(await ofrepReason(a.url), 'DISABLED');
      // And the next change reaches the clients of both through the restarted replica's LISTEN.
      await toggle('on');
      await until('the next change reaches the clients of both', async () => (await values()).every((v) => v), 15_000);

      // kill -9 of `rollgate server` itself: the server it started stops too, instead of keeping the ports.
      const restarted = replicas[2] as RunningServer;
      const server = serverPid(restarted);
      restarted.child.kill('SIGKILL');
      await until('the orphaned server stops', () => !isRunning(server), 15_000);
      assert.equal(await ofrepReason(a.url), undefined, 'the port is free again');
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
