// Controller leadership on a real PostgreSQL (throwaway cluster, test/support/postgres.ts): a session advisory lock
// on a dedicated connection. Two stores on one database stand for two server replicas.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import type { AuditEntry } from '../../src/flags/model.ts';
import { advisoryLockKey } from '../../src/store/postgres/leadership.ts';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { startRollout } from '../../src/rollout/plan.ts';
import { runControllerService } from '../../src/rollout/service.ts';
import type { MetricSource } from '../../src/rollout/metrics.ts';
import { createClock, documentWithFlag, errorRateGuardrail, trafficSource } from '../rollout/fixtures.ts';
import { usePostgres } from '../support/postgres.ts';
import { eventually, startLeaderProcess } from './helpers.ts';

const cluster = usePostgres();
const target = { flagKey: 'new-checkout', environment: 'production' };

/**
 * Ends the session holding the `controller` advisory lock in the database at `url`, as a dead replica's session ends.
 * Only that lock: a disposed leadership of another name may still be ending its session.
 */
async function killLockHolder(url: string): Promise<void> {
  const admin = new pg.Client(url);
  await admin.connect();
  try {
    // A bigint advisory key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
    const { rows } = await admin.query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND objsubid = 1
         AND ((classid::bigint << 32) | objid::bigint) = $1::bigint
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [advisoryLockKey('controller')],
    );
    assert.deepEqual(
      rows.map((r) => r.killed),
      [true],
      'exactly one session held the lock',
    );
  } finally {
    await admin.end();
  }
}

function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 5);
    };
    check();
  });
}

/** Synthetic traffic split by the percentage the store serves now (read through `store`, as an app would see it). */
function trafficOf(store: PostgresStore): MetricSource {
  let percentage = 0;
  const traffic = trafficSource({
    requestsPerMinute: 3000,
    percentage: () => percentage,
    errorRate: { treatment: 0.01, control: 0.01 },
  });
  return {
    name: traffic.name,
    async observe(query) {
      const { document } = await store.read();
      percentage = document.flags[0]?.environments.production?.rollout?.percentage ?? 0;
      return traffic.observe(query);
    },
  };
}

/** The steps the rollout took, in order: `<actor> <action> <percentage>`, holds left out. */
function steps(audit: readonly AuditEntry[]): string[] {
  return audit
    .filter((e) => e.action !== 'rollout.hold' && e.action !== 'test.seed')
    .map((e) => {
      const change = e.changes.find((c) => c.path.endsWith('/rollout/percentage') || c.path.endsWith('/rollout'));
      const after = change?.after;
      const percentage = typeof after === 'number' ? after : (after as { percentage?: number } | undefined)?.percentage;
      return `${e.actor} ${e.action} ${percentage ?? '-'}`;
    });
}

describe('PostgreSQL controller leadership', () => {
  it('one session leads; when its connection is cut the lock is free, and the old leader then stands by', async () => {
    const url = await cluster().createDatabase();
    const a = await openPostgresStore(url);
    const b = await openPostgresStore(url);
    const leadA = a.createLeadership('controller');
    const leadB = b.createLeadership('controller');
    const other = a.createLeadership('another-job');
    try {
      assert.equal(await leadA.tryLead(), true);
      assert.equal(await leadB.tryLead(), false);
      assert.equal(await leadA.tryLead(), true, 'a holder confirms its lead');
      assert.equal(await other.tryLead(), true, 'another name is another lock');
      other.dispose();

      await killLockHolder(url);
      assert.equal(await leadB.tryLead(), true, 'the lock went with the session');
      assert.equal(await leadA.tryLead(), false, 'the old leader notices and stands by');
      assert.equal(await leadB.tryLead(), true);

      leadB.dispose();
      assert.equal(await eventually(() => leadA.tryLead()), true, 'a disposed leadership lets go');
    } finally {
      leadA.dispose();
      leadB.dispose();
      a.dispose();
      b.dispose();
    }
  });

  it('a leader killed with SIGKILL frees the lock: another process takes over on its next try', async () => {
    const url = await cluster().createDatabase();
    const store = await openPostgresStore(url);
    const leadership = store.createLeadership('controller');
    const child = await startLeaderProcess(
      join(import.meta.dirname, '../../src/store/postgres/postgres-store.ts'),
      'openPostgresStore',
      url,
    );
    try {
      assert.equal(child.leads, true, 'the child leads');
      assert.equal(await leadership.tryLead(), false, 'while it lives, this process stands by');
      await child.kill();
      // The server notices the closed socket and ends the session; the next tries find the lock free.
      assert.equal(await eventually(() => leadership.tryLead()), true);
    } finally {
      await child.kill();
      leadership.dispose();
      store.dispose();
    }
  });

  it('two services on one database: only the leader advances; when it dies the other continues, no step skipped or repeated', async () => {
    const url = await cluster().createDatabase();
    const a = await openPostgresStore(url);
    const b = await openPostgresStore(url);
    const clock = createClock();
    const seed = await a.read();
    await a.commit({
      base: seed,
      document: documentWithFlag(),
      audit: [{ at: clock.now().toISOString(), actor: 'test:seed', action: 'test.seed', changes: [] }],
    });
    await startRollout(
      a,
      {
        ...target,
        plan: {
          variant: 'on',
          steps: [1, 10, 50, 100],
          minStepDurationMinutes: 10,
          minSamplesPerStep: 200,
          guardrails: [errorRateGuardrail],
        },
      },
      { actor: 'cli:alice', now: clock.now },
    );
    const ticks = { a: 0, b: 0 };
    const leading = { a: [] as boolean[], b: [] as boolean[] };
    const leadershipA = a.createLeadership('controller');
    const leadershipB = b.createLeadership('controller');
    const stopA = new AbortController();
    const stopB = new AbortController();
    const start = (name: 'a' | 'b', store: PostgresStore, signal: AbortSignal, leadership = leadershipA) =>
      runControllerService({
        store,
        sources: { builtin: trafficOf(store) },
        now: clock.now,
        intervalMs: 20,
        signal,
        actor: `controller-${name}`,
        leadership,
        onTick: () => ticks[name]++,
        onLeadershipChange: (leads) => leading[name].push(leads),
      });
    try {
      const runA = start('a', a, stopA.signal, leadershipA);
      await until(() => ticks.a > 0, 'the first replica to lead and tick');
      const runB = start('b', b, stopB.signal, leadershipB);
      await until(() => leading.b.length > 0, 'the second replica to try');

      for (let i = 0; i < 4; i++) {
        clock.advanceMinutes(5);
        const seen = ticks.a;
        await until(() => ticks.a > seen, 'a tick of the leader');
      }
      // a dies: its loop stops and the database ends its session (what kill -9 does to the socket).
      stopA.abort();
      await runA;
      await killLockHolder(url);
      await until(() => ticks.b > 0, 'the standby to take over');
      for (let i = 0; i < 2; i++) {
        clock.advanceMinutes(5);
        const seen = ticks.b;
        await until(() => ticks.b > seen, 'a tick of the new leader');
      }
      stopB.abort();
      await runB;

      assert.deepEqual(leading, { a: [true], b: [false, true] });
      assert.deepEqual(steps(await a.readAudit()), [
        'cli:alice rollout.start 1',
        'controller-a rollout.advance 10',
        'controller-a rollout.advance 50',
        'controller-b rollout.complete 100',
      ]);
    } finally {
      leadershipA.dispose();
      leadershipB.dispose();
      a.dispose();
      b.dispose();
    }
  });
});
