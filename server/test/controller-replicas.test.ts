// Issue 11: two replicas (two built server processes) on one PostgreSQL store (a throwaway cluster,
// shared/test/support/postgres.ts), both running the controller on the wall clock with a short interval: only the
// leader (the holder of the store's advisory lock) advances the rollout and sends alerts. Killed with SIGKILL
// mid-rollout, it releases nothing itself: PostgreSQL ends its session, and the other replica takes over on its next
// try, within one interval. That one then stops cleanly (SIGTERM) and hands over to a replacement replica. The audit
// log shows every step of the plan once, in order, and each alert was sent once.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import pg from 'pg';
import { toDisposable } from '@rollgate/shared/lifecycle';
import { startRollout } from '@rollgate/shared/rollout';
import { advisoryLockKey, openPostgresStore } from '@rollgate/shared/store/postgres';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { usePostgres } from '../../shared/test/support/postgres.ts';
import { CANARY_PLAN, servedPercentage, startCanaryWorld, target } from './canary.ts';
import { seedDatabase, startServerBundle, until, type RunningServer } from './helpers.ts';

const cluster = usePostgres();
const INTERVAL_MS = 2000;
/** Generous for a loaded machine: a step needs one tick after its traffic is recorded. */
const STEP_TIMEOUT_MS = 10 * INTERVAL_MS;
const LEADS = /rollout controller: this replica leads/;
const STANDS_BY = /rollout controller: standing by/;

/** The backend pid of the session holding the controller's advisory lock in the database at `url`, if any. */
async function lockHolder(client: pg.Client): Promise<number | undefined> {
  // A bigint advisory key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND objsubid = 1
        AND ((classid::bigint << 32) | objid::bigint) = $1::bigint
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [advisoryLockKey('controller')],
  );
  return rows[0]?.pid;
}

/** The rollout decisions a replica committed, in order (`advance at 5%`), from its log. */
function decided(replica: RunningServer): string[] {
  return replica
    .stderr()
    .split('\n')
    .filter((l) => / (advance|complete) at [\d.]+%$/.test(l))
    .map((l) => l.split('  ')[2] ?? '');
}

describe('rollgate server replicas on PostgreSQL (built processes)', () => {
  before(() => {
    ensureBuilt('cli');
    ensureBuilt('server');
  });

  it('kill -9 of the leader mid-rollout: the other takes over within one interval; then it stops and a replacement finishes; no step skipped or repeated', async () => {
    const url = await seedDatabase(cluster());
    await using world = await startCanaryWorld({ treatment: 0.01, control: 0.01 });
    // What the apps and the operator see; the replicas' controllers read the wall clock, so the plan holds steps
    // for no minimum time: each advances on the first tick after its traffic is recorded.
    const store = await openPostgresStore(url);
    using _closeStore = toDisposable(() => store.dispose());
    const admin = new pg.Client(url);
    await admin.connect();
    const replicas: RunningServer[] = [];
    /** The kinds of the signed webhook's alerts so far, holds left out. */
    const alerts = (): string[] =>
      world.receiver.requests
        .filter((r) => r.path === '/hook')
        .map((r) => (JSON.parse(r.body) as { type: string }).type)
        .filter((k) => k !== 'rollout.held');
    try {
      await startRollout(
        store,
        { ...target, plan: { ...CANARY_PLAN, minStepDurationMinutes: 0 } },
        { actor: 'cli:alice', now: () => new Date() },
      );
      const options = [
        ...['--controller-interval', String(INTERVAL_MS / 1000)],
        ...['--metrics-dir', world.metricsDir, '--alerts', world.alertsFile],
      ];
      const env = { DATABASE_URL: url, ...world.alertsEnv };
      replicas.push(...(await Promise.all([startServerBundle(options, env), startServerBundle(options, env)])));
      await until(
        'one replica to lead, the other to stand by',
        () => replicas.some((r) => r.loggedAt(LEADS)) && replicas.some((r) => r.loggedAt(STANDS_BY)),
        STEP_TIMEOUT_MS,
      );
      const [leader, standby] = (replicas[0]?.loggedAt(LEADS) === undefined ? [...replicas].reverse() : replicas) as [
        RunningServer,
        RunningServer,
      ];
      assert.equal(standby.loggedAt(LEADS), undefined, 'only one replica leads');

      const nextStep = async (): Promise<void> => {
        const from = await servedPercentage(store);
        await world.trafficNow(store);
        await until(`the step after ${from} %`, async () => (await servedPercentage(store)) !== from, STEP_TIMEOUT_MS);
      };
      await nextStep();
      assert.equal(await servedPercentage(store), 25);
      await until('the leader to announce the step', () => alerts().length === 1, STEP_TIMEOUT_MS);

      const holder = await lockHolder(admin);
      assert.notEqual(holder, undefined, 'the leader holds the advisory lock');
      const killedAt = Date.now();
      leader.child.kill('SIGKILL');
      await once(leader.child, 'exit');
      await until(
        'PostgreSQL to end the dead leader’s session',
        async () => (await lockHolder(admin)) !== holder,
        STEP_TIMEOUT_MS,
      );
      const releasedAt = Date.now();
      await until('the standby to take over', () => standby.loggedAt(LEADS) !== undefined, STEP_TIMEOUT_MS);
      const tookOverAt = standby.loggedAt(LEADS) ?? Number.NaN;
      process.stderr.write(
        `# SIGKILL → lock released ${releasedAt - killedAt} ms → standby leads ${tookOverAt - releasedAt} ms ` +
          `(interval ${INTERVAL_MS} ms)\n`,
      );
      // The standby tries every interval: it must lead on its first try after the lock is free. Half an interval
      // covers that try's query and the timers of a loaded machine; a missed try would take a whole interval more.
      assert.ok(
        tookOverAt - releasedAt <= 1.5 * INTERVAL_MS,
        `took over ${tookOverAt - releasedAt} ms after the lock was free; the interval is ${INTERVAL_MS} ms`,
      );

      await nextStep();
      assert.equal(await servedPercentage(store), 50);
      await until('the new leader to announce the step', () => alerts().length === 2, STEP_TIMEOUT_MS);

      // A replacement joins as a standby; the leader stops cleanly (SIGTERM) and hands over to it.
      const replacement = await startServerBundle(options, env);
      replicas.push(replacement);
      await until('the replacement to stand by', () => replacement.loggedAt(STANDS_BY) !== undefined, STEP_TIMEOUT_MS);
      await standby.stop();
      await until('the replacement to lead', () => replacement.loggedAt(LEADS) !== undefined, STEP_TIMEOUT_MS);
      await nextStep();
      assert.equal(await servedPercentage(store), 100);
      await until('the completion alert', () => alerts().includes('rollout.completed'), STEP_TIMEOUT_MS);
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
      await admin.end();
    }

    const audit = await store.readAudit({ flagKey: target.flagKey });
    assert.deepEqual(
      audit.filter((e) => e.action.startsWith('rollout.') && e.action !== 'rollout.hold').map((e) => e.action),
      ['rollout.start', 'rollout.advance', 'rollout.advance', 'rollout.complete'],
    );
    // In the order they led: the killed one, the one that took over, the replacement.
    const [first, second, replacement] = replicas as [RunningServer, RunningServer, RunningServer];
    const byLeader = first.child.signalCode === 'SIGKILL' ? [first, second] : [second, first];
    assert.deepEqual([...byLeader, replacement].map(decided), [
      ['advance at 5%'],
      ['advance at 25%'],
      ['complete at 50%'],
    ]);
    // Every alert was sent once, by whichever replica led when it happened.
    assert.deepEqual(alerts(), ['rollout.advanced', 'rollout.advanced', 'rollout.completed']);
  });
});
