/**
 * Test support: a throwaway PostgreSQL cluster (initdb + pg_ctl) in a temp directory, on a free loopback port with
 * its unix socket in the same directory, tuned for speed (fsync off: nothing in it must survive a crash). PostgreSQL
 * refuses to run as root, so as root (CI) the cluster belongs to the `postgres` system user and its commands run
 * through `runuser`. One cluster per test file ({@link usePostgres}), a fresh database per test
 * ({@link PostgresCluster.createDatabase}); the cluster is stopped and removed at the end, also when a test fails or
 * the process exits early. No PostgreSQL installed → the test fails with how to install it (never skips silently).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';

const INSTALL_HINT =
  'PostgreSQL server binaries (initdb, pg_ctl) were not found: install them with `apt-get install -y postgresql` ' +
  '(as .ci/run does), or put the directory holding initdb on PATH / PG_BINDIR.';

/** A running throwaway cluster. */
export interface PostgresCluster {
  /** Superuser connection URL of database `database` over loopback TCP. */
  url(database: string): string;
  /** Creates an empty database with a fresh name and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (immediate shutdown) and deletes the cluster directory. Idempotent. */
  stop(): void;
  /** Stops the server but keeps its data, to simulate an outage; {@link start} brings it back on the same port. */
  pause(): void;
  start(): void;
}

/** Where initdb and pg_ctl live: $PG_BINDIR, `pg_config --bindir`, the newest /usr/lib/postgresql/<v>/bin, PATH. */
function findBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  const config = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (config.status === 0) candidates.push(config.stdout.trim());
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) candidates.push(dir);
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found) throw new Error(INSTALL_HINT);
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Starts a cluster; call {@link PostgresCluster.stop} when done (or use {@link usePostgres}). */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = findBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'rollgate-pg-'));
  const data = join(dir, 'data');
  // Security: as root, hand the directory to the unprivileged `postgres` user, who runs every server command.
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]): void => {
    const [command, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    const result = spawnSync(command, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) {
      throw new Error(`${tool} failed (exit ${result.status}): ${result.error?.message ?? ''}${result.stderr}`);
    }
  };
  const port = await freePort();
  let state: 'running' | 'paused' | 'removed' = 'paused';
  const start = (): void => {
    if (state === 'running') return;
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    run('pg_ctl', ['start', '-w', '-D', data, '-l', join(dir, 'server.log'), '-o', options]);
    state = 'running';
  };
  // `fast` for an outage (connections are cut, committed data stays: synchronous_commit is off), `immediate` at the end.
  const halt = (mode: 'fast' | 'immediate'): void => {
    if (state !== 'running') return;
    run('pg_ctl', ['stop', '-w', '-m', mode, '-D', data]);
    state = 'paused';
  };
  const pause = (): void => halt('fast');
  const stop = (): void => {
    if (state === 'removed') return;
    try {
      halt('immediate');
    } finally {
      state = 'removed';
      rmSync(dir, { recursive: true, force: true });
      process.off('exit', stop);
    }
  };
  // A test runner killed mid-file still leaves no cluster behind.
  process.on('exit', stop);
  try {
    run('initdb', ['-D', data, '-U', 'rollgate', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
    start();
  } catch (e) {
    stop();
    throw e;
  }
  const url = (database: string): string => `postgres://rollgate@127.0.0.1:${port}/${database}`;
  let databases = 0;
  return {
    url,
    async createDatabase() {
      const name = `test_${process.pid}_${++databases}`;
      const admin = new pg.Client({ connectionString: url('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    stop,
    pause,
    start,
  };
}

/**
 * Registers before/after hooks of the current test file (or `describe`) that start one cluster and remove it; the
 * returned getter gives the running cluster inside tests.
 */
export function usePostgres(): () => PostgresCluster {
  let cluster: PostgresCluster | undefined;
  before(async () => {
    cluster = await startPostgres();
  });
  after(() => cluster?.stop());
  return () => {
    if (!cluster) throw new Error('The PostgreSQL cluster is not running (did its before hook fail?).');
    return cluster;
  };
}
