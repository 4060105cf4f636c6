/**
 * Issue 10: lost updates under concurrent writers on a PostgreSQL store served by two replicas (two built
 * `rollgate server` processes). Three writers, each a store instance of its own (a connection pool, as each replica or
 * CLI has), change the same flag at once, each in its own environment, as a client without the store's commit lock
 * does: read, apply the operation, commit on that base, and on STORE_CONFLICT read again and retry. Every acknowledged
 * change must be in the final state and in the audit log exactly once, and both replicas must serve the final state.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError } from '@rollgate/shared/errors';
import { setRollout, type AuditEntry, type JsonValue } from '@rollgate/shared/flags';
import { compileEnvironment, serializeFlagdDocument } from '@rollgate/shared/flagd';
import { openPostgresStore } from '@rollgate/shared/store/postgres';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { usePostgres } from '../../shared/test/support/postgres.ts';
import { NOW, seedDatabase, seedDocument, startCliServer, until, type RunningServer } from './helpers.ts';

const cluster = usePostgres();
const FLAG = 'new-checkout';
/** One writer per environment of the seed's flag: the writers share its row, so their commits conflict. */
const ENVIRONMENTS = ['development', 'staging', 'production'] as const;
const CHANGES_PER_WRITER = 300;

/** What a writer got acknowledged (in order) and how many of its commits were refused as conflicts. */
interface WriterResult {
  readonly acknowledged: number[];
  conflicts: number;
}

/**
 * Sets the rollout of {@link FLAG} in `environment` to 0.1 %, 0.2 %, … (change n: n/10 %, reason `change n`), each
 * as one commit on the snapshot it read, retrying a refused commit on a fresh read.
 */
async function write(url: string, environment: string): Promise<WriterResult> {
  const store = await openPostgresStore(url);
  const result: WriterResult = { acknowledged: [], conflicts: 0 };
  try {
    for (let n = 1; n <= CHANGES_PER_WRITER; n++) {
      const percentage = n / 10;
      const operation = setRollout(FLAG, environment, percentage, 'on');
      const context = { actor: `test:writer-${environment}`, reason: `change ${n}`, now: () => new Date(NOW) };
      for (;;) {
        const base = await store.read();
        const { document, audit } = operation(base.document, context);
        try {
          await store.commit({ base, document, audit });
          break;
        } catch (e) {
          if (!FlagError.is(e, 'STORE_CONFLICT')) throw e;
          result.conflicts++;
        }
      }
      result.acknowledged.push(percentage);
    }
  } finally {
    store.dispose();
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
    const replicas: RunningServer[] = [];
    try {
      replicas.push(
        await startCliServer(['--database', url], ['--no-controller']),
        await startCliServer(['--database', url], ['--no-controller']),
      );
      const started = Date.now();
      const results = await Promise.all(ENVIRONMENTS.map((environment) => write(url, environment)));
      const elapsedMs = Date.now() - started;
      const conflicts = results.map((r) => r.conflicts);
      process.stderr.write(
        `# ${ENVIRONMENTS.length * CHANGES_PER_WRITER} changes in ${elapsedMs} ms, conflicts retried per writer: ${conflicts.join(', ')}\n`,
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
          audit.filter((e) => e.actor === `test:writer-${environment}`).map(describeChange),
          acknowledged.map((p, n) => `change ${n + 1}: ${(n === 0 ? initial : acknowledged[n - 1]) ?? '-'} → ${p}`),
          environment,
        );
      }
      assert.equal(
        audit.filter((e) => e.actor.startsWith('test:writer-')).length,
        ENVIRONMENTS.length * CHANGES_PER_WRITER,
      );

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
