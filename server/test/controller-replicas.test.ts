// Two `rollgate server` replicas on one PostgreSQL store (a throwaway cluster, shared/test/support/postgres.ts), both
// running the controller: only the leader advances the rollout and sends alerts; when it goes away the other takes
// over, and the audit log shows every step once. The stores are opened in-process, as main.ts does with --database.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startRollout } from '@rollgate/shared/rollout';
import { FileSdkKeyStore } from '@rollgate/shared/store';
import { openPostgresStore, type PostgresStore } from '@rollgate/shared/store/postgres';
import { FileUsageStore } from '@rollgate/shared/telemetry/usage-store';
import { usePostgres } from '../../shared/test/support/postgres.ts';
import { createServer, type RollgateServer } from '../src/server.ts';
import { CANARY_PLAN, servedPercentage, startCanaryWorld, target, type CanaryWorld } from './canary.ts';
import { NOW, seedDocument, until } from './helpers.ts';

const cluster = usePostgres();

interface Replica {
  readonly store: PostgresStore;
  readonly server: RollgateServer;
  readonly logs: string[];
}

async function startReplica(url: string, world: CanaryWorld, name: string): Promise<Replica> {
  const store = await openPostgresStore(url);
  const logs: string[] = [];
  const server = await createServer({
    store,
    keys: new FileSdkKeyStore(join(world.dir, name)),
    host: '127.0.0.1',
    port: 0,
    syncPort: 0,
    loopback: true,
    probeIntervalMs: 100,
    usage: new FileUsageStore(join(world.dir, name, 'usage')),
    controller: world.controllerDeps(`alerts-${name}`),
    log: (line) => logs.push(line),
  });
  return { store, server, logs };
}

describe('rollgate server replicas on PostgreSQL', () => {
  it('one replica runs the rollout and alerts; the other takes over when it stops, no step skipped or repeated', async () => {
    const url = await cluster().createDatabase();
    await using world = await startCanaryWorld({ treatment: 0.01, control: 0.01 });
    const seed = await openPostgresStore(url);
    await seed.commit({
      base: await seed.read(),
      document: seedDocument(),
      audit: [{ at: NOW, actor: 'test:seed', action: 'test.seed', changes: [] }],
    });
    await startRollout(seed, { ...target, plan: CANARY_PLAN }, { actor: 'cli:alice', now: () => world.now() });
    seed.dispose();

    const a = await startReplica(url, world, 'a');
    await until('replica a to lead', () => a.logs.some((l) => l.includes('this replica leads')));
    let aRunning = true;
    const b = await startReplica(url, world, 'b');
    await until('replica b to stand by', () => b.logs.some((l) => l.includes('standing by')));
    try {
      // 5 % → 25 % under a (two five-minute windows: the minimum step duration is ten minutes).
      for (let i = 0; i < 2; i++) await world.fiveMinutes(a.store);
      assert.equal(await servedPercentage(a.store), 25);

      aRunning = false;
      await a.server.close();
      a.store.dispose();
      await until('replica b to take over', () => b.logs.some((l) => l.includes('this replica leads')));
      for (let i = 0; i < 6 && (await servedPercentage(b.store)) < 100; i++) await world.fiveMinutes(b.store);
      assert.equal(await servedPercentage(b.store), 100);
    } finally {
      if (aRunning) {
        await a.server.close();
        a.store.dispose();
      }
      await b.server.close();
      b.store.dispose();
    }

    const reader = await openPostgresStore(url);
    const audit = await reader.readAudit({ flagKey: target.flagKey });
    reader.dispose();
    assert.deepEqual(
      audit.filter((e) => e.action.startsWith('rollout.') && e.action !== 'rollout.hold').map((e) => e.action),
      ['rollout.start', 'rollout.advance', 'rollout.advance', 'rollout.complete'],
    );
    const decided = (replica: Replica): string[] =>
      replica.logs.filter((l) => / (advance|complete) at /.test(l)).map((l) => l.split('\n')[0]?.split('  ')[2] ?? '');
    assert.deepEqual(decided(a), ['advance at 5%']);
    assert.deepEqual(decided(b), ['advance at 25%', 'complete at 50%']);

    // Every alert was sent once, by whichever replica led when it happened (closing flushed them all).
    const kinds = world.receiver.requests
      .filter((r) => r.path === '/hook')
      .map((r) => (JSON.parse(r.body) as { type: string }).type)
      .filter((k) => k !== 'rollout.held');
    assert.deepEqual(kinds, ['rollout.advanced', 'rollout.advanced', 'rollout.completed']);
  });
});
