/**
 * The built MCP server on the PostgreSQL store (issue 10): `--database <url>` or $ROLLGATE_DATABASE_URL (never
 * $DATABASE_URL, as in the CLI), driven by a real MCP client over stdio against a throwaway PostgreSQL cluster; the
 * change is read back through the built CLI and the store itself. A bad URL or an unreachable database stops the
 * start with a message that says what to fix.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Flag } from '@rollgate/shared/flags';
import { openPostgresStore } from '@rollgate/shared/store/postgres';
import { usePostgres } from '../../shared/test/support/postgres.ts';
import { CLI_BIN, SERVER_BIN, callOk, ensureBuilt, stdioServerClient } from './helpers.ts';

const run = promisify(execFile);
const cluster = usePostgres();

/** Starts the built server expecting it to fail; returns its exit code and stderr. */
async function failedStart(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: unknown; stderr: string }> {
  const error = await run(process.execPath, [SERVER_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 30_000,
  }).then(
    () => assert.fail('the server started'),
    (e: unknown) => e as { code: unknown; stderr: string },
  );
  return { code: error.code, stderr: error.stderr };
}

describe('built MCP server on PostgreSQL', () => {
  before(() => {
    ensureBuilt('mcp');
    ensureBuilt('cli');
  });

  it('--database: create and toggle a flag over MCP; the CLI and the store read it from the database', async () => {
    const url = await cluster().createDatabase();
    const client = await stdioServerClient(['--database', url]);
    try {
      await callOk(client, 'create-flag', { key: 'pg-search', name: 'Search on PostgreSQL', kind: 'release' });
      await callOk(client, 'toggle-flag', { key: 'pg-search', environment: 'staging', enabled: true });
      const { flag } = await callOk<{ flag: Flag }>(client, 'get-flag', { key: 'pg-search' });
      assert.equal(flag.environments.staging?.enabled, true);
    } finally {
      await client.close();
    }
    const cli = await run(process.execPath, [CLI_BIN, '--database', url, '--json', 'get', 'pg-search'], {
      env: { PATH: process.env.PATH ?? '' },
    });
    const fromCli = JSON.parse(cli.stdout) as { flag: Flag };
    assert.equal(fromCli.flag.name, 'Search on PostgreSQL');
    assert.equal(fromCli.flag.environments.staging?.enabled, true);
    assert.equal(fromCli.flag.environments.production?.enabled, false);
    const store = await openPostgresStore(url);
    try {
      const audit = await store.readAudit({ flagKey: 'pg-search' });
      assert.deepEqual(
        audit.map((e) => [e.action, e.actor]),
        [
          ['flag.create', 'mcp:stdio-test'],
          ['flag.toggle', 'mcp:stdio-test'],
        ],
      );
    } finally {
      store.dispose();
    }
  });

  it('takes $ROLLGATE_DATABASE_URL, and leaves $DATABASE_URL alone', async () => {
    const url = await cluster().createDatabase();
    const client = await stdioServerClient([], { ROLLGATE_DATABASE_URL: url });
    try {
      await callOk(client, 'create-flag', { key: 'from-env', name: 'From env', kind: 'operational' });
    } finally {
      await client.close();
    }
    const store = await openPostgresStore(url);
    try {
      assert.deepEqual(
        (await store.read()).document.flags.map((f) => f.key),
        ['from-env'],
      );
    } finally {
      store.dispose();
    }

    // $DATABASE_URL is the app's database: the server works on the file store of its folder instead.
    const other = await cluster().createDatabase();
    const root = mkdtempSync(join(tmpdir(), 'rollgate-mcp-pg-'));
    try {
      const fileClient = await stdioServerClient(['--store', root], { DATABASE_URL: other });
      try {
        const created = await callOk<{ storeCreated?: string }>(fileClient, 'create-flag', {
          key: 'in-files',
          name: 'In files',
          kind: 'operational',
        });
        assert.equal(created.storeCreated, join(root, '.rollgate'));
      } finally {
        await fileClient.close();
      }
      const untouched = await openPostgresStore(other);
      try {
        assert.deepEqual((await untouched.read()).document.flags, []);
      } finally {
        untouched.dispose();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a URL that is not PostgreSQL stops the start with the fix, without echoing the password', async () => {
    const { code, stderr } = await failedStart(['--database', 'mysql://app:s3cret@localhost/db']);
    assert.equal(code, 1);
    assert.match(stderr, /--database: not a PostgreSQL URL; pass postgres:\/\/user:password@host:5432\/db/);
    assert.doesNotMatch(stderr, /s3cret/);
    const fromEnv = await failedStart([], { ROLLGATE_DATABASE_URL: 'not a url' });
    assert.equal(fromEnv.code, 1);
    assert.match(fromEnv.stderr, /ROLLGATE_DATABASE_URL: not a PostgreSQL URL/);
  });

  it('an unreachable database or a wrong database name stops the start, saying what to check', async () => {
    const url = new URL(await cluster().createDatabase());
    const missing = new URL(url);
    missing.pathname = '/no_such_database';
    const wrongName = await failedStart(['--database', missing.href]);
    assert.equal(wrongName.code, 1);
    assert.match(wrongName.stderr, /failed to start: Could not .* PostgreSQL store at postgres:\/\/.*no_such_database/);
    assert.match(wrongName.stderr, /Create the database first/);

    const closed = new URL(url);
    closed.port = '1';
    const unreachable = await failedStart(['--database', closed.href]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /Check that PostgreSQL is running and reachable/);
  });
});
