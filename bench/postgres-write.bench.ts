// Write cost on the PostgreSQL store: CPU (this process: operation, validation, diff, compile, driver) and wall time
// per change, with 10, 1,000 and 10,000 flags in the store. Each change toggles one flag through applyOperation, as
// the CLI, the MCP server and the server's API do. The goal (issue 10): flat, ≤ 2× from 10 to 10,000 flags. The
// file store at the same sizes is the peer (it rewrites flags.yaml whole, so its cost grows with the store).
import { storeDocumentSchema, type StoreDocument } from '../shared/src/flags/index.ts';
import { applyOperation, setFlagEnabled } from '../shared/src/flags/operations.ts';
import { initStore } from '../shared/src/store/file-store.ts';
import type { FlagStore } from '../shared/src/store/types.ts';
import { openPostgresStore } from '../shared/src/store/postgres/postgres-store.ts';
import { startPostgres } from '../shared/test/support/postgres.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SIZES = [10, 1_000, 10_000];
const CHANGES = 100;
const FILE_CHANGES = 5;
const context = { actor: 'bench', now: () => new Date('2026-12-01T00:00:00Z') };

function documentOf(flags: number): StoreDocument {
  return storeDocumentSchema.parse({
    version: 1,
    environments: [{ key: 'development' }, { key: 'staging' }, { key: 'production', protected: true }],
    flags: Array.from({ length: flags }, (_, i) => ({
      key: `flag-${i}`,
      name: `Flag ${i}`,
      kind: 'release',
      createdAt: '2026-11-01T00:00:00Z',
      type: 'boolean',
      variants: { on: true, off: false },
      environments: {
        staging: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 30 } },
        production: {
          enabled: true,
          defaultVariant: 'off',
          rules: [
            { conditions: [{ attribute: 'plan', operator: 'in', value: ['pro', 'team'] }], serve: { variant: 'on' } },
          ],
        },
      },
    })),
  });
}

/** CPU ms and wall ms per change over `changes` toggles (after one warm-up change). */
async function measure(store: FlagStore, flags: number, changes: number): Promise<{ cpu: number; wall: number }> {
  await applyOperation(store, setFlagEnabled('flag-0', 'development', true), context);
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < changes; i++) {
    const key = `flag-${(i * 7919) % flags}`;
    await applyOperation(store, setFlagEnabled(key, 'development', i % 2 === 0), context);
  }
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1000 / changes, wall: (performance.now() - start) / changes };
}

const cluster = await startPostgres();
const rows: { store: string; flags: number; cpu: number; wall: number }[] = [];
try {
  for (const flags of SIZES) {
    const document = documentOf(flags);
    const store = await openPostgresStore(await cluster.createDatabase());
    await store.importStore(document, [], {
      at: new Date().toISOString(),
      actor: 'bench',
      action: 'bench.seed',
      changes: [],
    });
    rows.push({ store: 'postgres', flags, ...(await measure(store, flags, CHANGES)) });
    store.dispose();

    const dir = mkdtempSync(join(tmpdir(), 'rollgate-bench-write-'));
    const files = await initStore(dir);
    await files.update(() => ({
      document,
      audit: [{ at: new Date().toISOString(), actor: 'bench', action: 'bench.seed', changes: [] }],
    }));
    rows.push({ store: 'file', flags, ...(await measure(files, flags, FILE_CHANGES)) });
    files.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  cluster.stop();
}

console.log('store     flags   CPU ms/change   wall ms/change');
for (const r of rows) {
  console.log(
    `${r.store.padEnd(8)} ${String(r.flags).padStart(6)} ${r.cpu.toFixed(2).padStart(15)} ${r.wall.toFixed(2).padStart(16)}`,
  );
}
const ratio = (store: string): number => {
  const of = (flags: number): number => rows.find((r) => r.store === store && r.flags === flags)?.cpu ?? Number.NaN;
  return of(SIZES.at(-1) ?? 0) / of(SIZES[0] ?? 0);
};
console.log(
  `CPU per change, ${SIZES.at(-1)} vs ${SIZES[0]} flags: postgres ${ratio('postgres').toFixed(1)}× (goal ≤ 2×), file ${ratio('file').toFixed(1)}×`,
);
