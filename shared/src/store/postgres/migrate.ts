/**
 * Schema migrations of the PostgreSQL store: versioned `.sql` files (`NNNN_name.sql` in `migrations/`) applied in
 * order on start, each in its own transaction together with its row in `schema_migrations`, all under a session
 * advisory lock so replicas starting at once apply each migration exactly once. A small runner rather than a
 * migration library: it is ~100 lines, has no dependency beyond `pg`, and the store needs only forward migrations
 * of plain SQL (see docs/postgres.md).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { ClientBase } from 'pg';
import { FlagError } from '../../errors.ts';

/**
 * Where the migration files are: beside this module in the source tree, beside the bundle in a build (esbuild.mjs
 * copies them to `<bundle dir>/migrations/`).
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Advisory lock key of the migration runner ("rollgate" in ASCII, as a bigint). */
const MIGRATION_LOCK_KEY = '8245651683839665509';

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** SHA-256 of the SQL: an applied migration whose file changed afterwards is refused. */
  readonly checksum: string;
}

/** The migrations in `dir`, by version. Errors: STORE_IO (unreadable directory, duplicate version). */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => FILE_PATTERN.test(n)).sort();
  } catch (e) {
    throw new FlagError('STORE_IO', `Could not read the PostgreSQL migrations in ${dir}: ${String(e)}`, {
      hint: 'Reinstall Rollgate: its migrations/ directory ships beside the program.',
    });
  }
  const migrations: Migration[] = [];
  for (const name of names) {
    const [, version, label] = FILE_PATTERN.exec(name) ?? [];
    const sql = await readFile(join(dir, name), 'utf8');
    const migration = {
      version: Number(version),
      name: label ?? name,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    };
    if (migrations.at(-1)?.version === migration.version) {
      throw new FlagError('STORE_IO', `Two migrations have version ${version} in ${dir}.`, {
        hint: 'Give every migration file its own four-digit version.',
      });
    }
    migrations.push(migration);
  }
  return migrations;
}

/**
 * Applies the migrations `client`'s database does not have yet and returns their versions. Errors: STORE_IO when the
 * database has a migration this program does not know (it is newer: upgrade Rollgate) or an applied migration's
 * SQL differs from the file; errors of a failing migration (nothing of it is applied).
 */
export async function runMigrations(client: ClientBase, migrations: readonly Migration[]): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations ORDER BY version',
    );
    const known = new Map(migrations.map((m) => [m.version, m]));
    for (const row of rows) {
      const migration = known.get(row.version);
      if (!migration) {
        throw new FlagError('STORE_IO', `The database has schema migration ${row.version}, unknown to this Rollgate.`, {
          hint: 'The database was migrated by a newer Rollgate: upgrade this one.',
        });
      }
      if (migration.checksum !== row.checksum) {
        throw new FlagError('STORE_IO', `Migration ${row.version} (${migration.name}) changed after it was applied.`, {
          hint: 'Never edit an applied migration; add a new one instead.',
        });
      }
    }
    const applied = new Set(rows.map((r) => r.version));
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      }
      done.push(migration.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
  }
}
