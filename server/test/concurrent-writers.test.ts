/**
 * Issue 10: lost updates under concurrent writers on a PostgreSQL store served by two replicas (two built
 * `rollgate server --database` processes). Three writers, each a remote client (RemoteStore) with an API token of its
 * own, change the same flag at once, each in its own environment, alternating their changes between the two
 * replicas' HTTP API. Every third change is decided on the version the writer read (`expectedVersion`: a commit by
 * anyone since is refused as STORE_CONFLICT, and the writer reads again and retries); the others are operations the
 * server applies to its current state. Every acknowledged change must be in the final state and in the audit log
 * exactly once, and both replicas must serve the final state.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError } from '@rollgate/shared/errors';
import { applyOperation, setRollout, updateEnvironment, type AuditEntry, type JsonValue } from '@rollgate/shared/flags';
import { compileEnvironment, serializeFlagdDocument } from '@rollgate/shared/flagd';
import { RemoteStore } from '@rollgate/shared/store';
import { openPostgresStore } from '@rollgate/shared/store/postgres';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { usePostgres } from '../../shared/test/support/postgres.ts';
import { NOW, seedDatabase, seedDocument, startCliServer, until, type RunningServer } from './helpers.ts';

const cluster = usePostgres();
const FLAG = 'new-checkout';
/** One writer per environment of the seed's flag: the writers share its row, so their commits conflict. */
const ENVIRONMENTS = ['development', 'staging', 'production'] as const;
const CHANGES_PER_WRITER = 300;
/**
 * Every third change is decided on the version the writer read (`expectedVersion`), as an editor showing the flag
 * decides: any commit since is a conflict, read again and retried. The others go as the CLI and the MCP server send
 * them: an operation the server re-applies to its current state under the store's lock, which cannot conflict.
 */
const DECIDED_EVERY = 3;

/** What a writer got acknowledged (in order) and how many of its commits were refused as conflicts. */
interface WriterResult {
  readonly acknowledged: number[];
  conflicts: number;
}

/**
 * Sets the rollout of {@link FLAG} in `environment` to 0.1 %, 0.2 %, … (change n: n/10 %, reason `change n`) as the
 * token's identity, change n through `replicas[(n + offset) % 2]`: each one decided on the snapshot read from that
 * replica just before, and read again and retried when the server refuses it as a conflict.
 */
async function write(
  replicas: readonly RunningServer[],
  token: string,
  environment: string,
  offset: number,
): Promise<WriterResult> {
  const clients = replicas.map((r) => new RemoteStore({ url: r.url, token }));
  const result: WriterResult = { acknowledged: [], conflicts: 0 };
  try {
    for (let n = 1; n <= CHANGES_PER_WRITER; n++) {
      const client = clients[(n + offset) % clients.length];
      assert.ok(client);
      const percentage = n / 10;
      const context = {
        // The server audits the token's name (writer-<environment>), whatever the client says.
        actor: `writer-${environment}`,
        reason: `change ${n}`,
        now: () => new Date(NOW),
      };
      const decided = n % DECIDED_EVERY === 0;
      for (;;) {
        // Read first, also for an operation: the client sends the revision it last saw, and a change to the same
        // rollout since (this writer's previous one, made through the other replica) is a conflict too.
        const base = await client.read();
        const options = decided ? { expectedVersion: base.version } : {};
        try {
          await applyOperation(client, setRollout(FLAG, environment, percentage, 'on'), context, options);
          break;
        } catch (e) {
          if (!FlagError.is(e, 'STORE_CONFLICT')) throw e;
          result.conflicts++;
        }
      }
      result.acknowledged.push(percentage);
    }
  } finally {
    for (const client of clients) client.dispose();
  }
  return result;
}

/** The rollout percentage a value of an audit change stands for (a percentage, or a whole rollout). */
function percentageIn(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const percentage = value.percentage;
    return typeof percentage === 'number' ? percentage : undefined;
  }
  return undefined;
}

/** `<reason>: <before> → <after>` of a rollout change in the audit log. */
function describeChange(entry: AuditEntry): string {
  const change = entry.changes.find((c) => /\/rollout(\/percentage)?$/.test(c.path));
  return `${entry.reason ?? '-'}: ${percentageIn(change?.before) ?? '-'} → ${percentageIn(change?.after) ?? '-'}`;
}

describe('concurrent writers on PostgreSQL with two replicas', () => {
  before(() => {
    ensureBuilt('cli');
    ensureBuilt('server');
  });

  it(`3 writers × ${CHANGES_PER_WRITER} changes: none lost, audit one to one with the acknowledged changes, both replicas serve the final state`, async () => {
    const url = await seedDatabase(cluster());
    const setup = await openPostgresStore(url);
    const tokens: string[] = [];
    try {
      // Not what this test is about: in a protected production, the writer's raises would wait for approval.
      await applyOperation(setup, updateEnvironment('production', { protected: false }), {
        actor: 'test:setup',
        now: () => new Date(NOW),
      });
      for (const environment of ENVIRONMENTS) {
        const { token } = await setup
          .services()
          .tokens.create(
            { name: `writer-${environment}`, kind: 'service', roles: { [environment]: 'editor' }, createdBy: 'test' },
            new Date(NOW),
          );
        tokens.push(token);
      }
    } finally {
      setup.dispose();
    }
    const replicas: RunningServer[] = [];
    try {
      replicas.push(
        await startCliServer(['--database', url], ['--no-controller']),
        await startCliServer(['--database', url], ['--no-controller']),
      );
      const started = Date.now();
      const results = await Promise.all(
        ENVIRONMENTS.map((environment, i) => write(replicas, tokens[i] ?? '', environment, i)),
      );
      const elapsedMs = Date.now() - started;
      const conflicts = results.map((r) => r.conflicts);
      process.stderr.write(
        `# ${ENVIRONMENTS.length * CHANGES_PER_WRITER} changes through 2 replicas in ${elapsedMs} ms, conflicts retried per writer: ${conflicts.join(', ')}\n`,
      );
      assert.ok(
        conflicts.reduce((a, b) => a + b) > 0,
        'the writers never conflicted, so this run did not test concurrent commits',
      );

      const reader = await openPostgresStore(url);
      const { document } = await reader.read();
      const audit = await reader.readAudit({ flagKey: FLAG });
      reader.dispose();
      const seeded = seedDocument().flags.find((f) => f.key === FLAG);
      const flag = document.flags.find((f) => f.key === FLAG);
      for (const [i, environment] of ENVIRONMENTS.entries()) {
        const { acknowledged } = results[i] ?? { acknowledged: [] };
        assert.equal(acknowledged.length, CHANGES_PER_WRITER);
        // 0 lost updates: the last acknowledged value is what the store holds.
        assert.equal(flag?.environments[environment]?.rollout?.percentage, acknowledged.at(-1), environment);
        // One audit entry per acknowledged change, in order, each starting from the value the one before left: a
        // change committed over a stale base that dropped another's would break the chain.
        const initial = seeded?.environments[environment]?.rollout?.percentage;
        assert.deepEqual(
          audit.filter((e) => e.actor === `writer-${environment}`).map(describeChange),
          acknowledged.map((p, n) => `change ${n + 1}: ${(n === 0 ? initial : acknowledged[n - 1]) ?? '-'} → ${p}`),
          environment,
        );
      }
      assert.equal(audit.filter((e) => e.actor.startsWith('writer-')).length, ENVIRONMENTS.length * CHANGES_PER_WRITER);

      // Both replicas serve the final state (they learn of commits by LISTEN/NOTIFY).
      const expected = ENVIRONMENTS.map((env) => serializeFlagdDocument(compileEnvironment(document, env)));
      const served = (replica: RunningServer): Promise<string[]> =>
        Promise.all(ENVIRONMENTS.map(async (env) => (await fetch(`${replica.url}/flagd/${env}.flagd.json`)).text()));
      await until(
        'both replicas to serve the final state',
        async () => (await Promise.all(replicas.map(served))).every((s) => s.join() === expected.join()),
        30_000,
      );
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
  });
});
