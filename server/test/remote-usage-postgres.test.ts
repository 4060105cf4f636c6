/**
 * Remote mode on a server whose store is PostgreSQL (its API tokens in the database too): the counts apps send land
 * in its usage tables, and the built CLI with ROLLGATE_URL prints what `rollgate --database` prints from them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgresStore } from '@rollgate/shared/store/postgres';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { usePostgres } from '../../shared/test/support/postgres.ts';
import { usageEntry } from '../../shared/test/support/usage.ts';
import { NOW, ROOT, cleanCli, reportUsage, seedDatabase, serveInProcess } from './helpers.ts';

const cluster = usePostgres();

describe('remote usage on PostgreSQL', () => {
  it('rollgate usage via ROLLGATE_URL prints the counts rollgate --database prints', async () => {
    ensureBuilt('cli');
    const url = await seedDatabase(cluster());
    const store = await openPostgresStore(url);
    const services = store.services({ recheckMs: 0 });
    const { tokens } = services;
    const server = await serveInProcess(store, services, { tokens, now: () => Date.parse(NOW) });
    try {
      await reportUsage(server.url, services.keys, [
        usageEntry('new-checkout', 'production', 'on', 12, '2026-11-24T10:00:00.000Z'),
        usageEntry('new-checkout', 'staging', 'off', 3, '2026-11-25T10:00:00.000Z'),
      ]);
      const { token } = await tokens.create(
        { name: 'pat', kind: 'person', roles: { production: 'viewer' }, createdBy: 'test' },
        new Date(NOW),
      );
      const database = await cleanCli(['--database', url, '--json', 'usage', 'new-checkout'], {}, ROOT);
      assert.equal(database.status, 0, database.stderr);
      const remote = await cleanCli(
        ['--json', 'usage', 'new-checkout'],
        { ROLLGATE_URL: server.url, ROLLGATE_TOKEN: token },
        ROOT,
      );
      assert.equal(remote.status, 0, remote.stderr);
      type Reply = { environments: { environment: string; total: number }[] };
      const all = (JSON.parse(database.stdout) as Reply).environments;
      assert.deepEqual(
        all.map((e) => [e.environment, e.total]),
        [
          ['production', 12],
          ['staging', 3],
        ],
      );
      // The token views production only: the same counts there, staging's stay on the server.
      assert.deepEqual(
        (JSON.parse(remote.stdout) as Reply).environments,
        all.filter((e) => e.environment === 'production'),
      );
    } finally {
      await server.close();
      store.dispose();
    }
  });
});
