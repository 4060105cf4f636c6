import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerConfig, type ServerConfig } from '../src/config.ts';

function configOf(argv: string[], env: NodeJS.ProcessEnv = {}): ServerConfig {
  const result = parseServerConfig(argv, env);
  assert.equal(result.kind, 'config', JSON.stringify(result));
  return (result as { config: ServerConfig }).config;
}

describe('server config', () => {
  it('defaults to stdio, writable, all environments, +25 points per step', () => {
    assert.deepEqual(configOf([]), {
      store: undefined,
      readOnly: false,
      allowedEnvironments: undefined,
      actor: undefined,
      maxStep: 25,
      transport: { kind: 'stdio' },
    });
  });

  it('reads every option', () => {
    const config = configOf([
      '--store',
      '/repo',
      '--read-only',
      '--allowed-envs',
      'development, staging',
      '--actor',
      'mcp:ci',
      '--max-step',
      '10',
      '--http',
      '--port',
      '0',
      '--host',
      '::1',
    ]);
    assert.deepEqual(config, {
      store: '/repo',
      readOnly: true,
      allowedEnvironments: ['development', 'staging'],
      actor: 'mcp:ci',
      maxStep: 10,
      transport: { kind: 'http', port: 0, host: '::1' },
    });
  });

  it('takes the HTTP token from --token or ROLLGATE_MCP_TOKEN, and requires one off loopback', () => {
    const secret = 'a-long-enough-secret';
    assert.deepEqual(configOf(['--http', '--host', '0.0.0.0', '--token', secret]).transport, {
      kind: 'http',
      port: 3920,
      host: '0.0.0.0',
      token: secret,
    });
    assert.equal((configOf(['--http'], { ROLLGATE_MCP_TOKEN: secret }).transport as { token?: string }).token, secret);
    const open = parseServerConfig(['--http', '--host', '0.0.0.0'], {});
    assert.equal(open.kind, 'error');
    assert.match((open as { message: string }).message, /--host: 0\.0\.0\.0 is reachable.*--token/);
  });

  it('takes the store from ROLLGATE_STORE unless --store is given', () => {
    assert.equal(configOf([], { ROLLGATE_STORE: '/from-env' }).store, '/from-env');
    assert.equal(configOf(['--store', '/flag'], { ROLLGATE_STORE: '/from-env' }).store, '/flag');
  });

  it('takes the database from --database, else ROLLGATE_DATABASE_URL unless --store is given; never DATABASE_URL', () => {
    const url = 'postgres://app:secret@db.internal:5432/flags';
    assert.equal(configOf(['--database', url]).database, url);
    assert.equal(configOf([], { ROLLGATE_DATABASE_URL: url, ROLLGATE_STORE: '/from-env' }).database, url);
    assert.equal(configOf([], { ROLLGATE_DATABASE_URL: url, ROLLGATE_STORE: '/from-env' }).store, undefined);
    const files = configOf(['--store', '/repo'], { ROLLGATE_DATABASE_URL: url });
    assert.deepEqual([files.store, files.database], ['/repo', undefined]);
    assert.equal(configOf([], { DATABASE_URL: url }).database, undefined);
    assert.equal(
      configOf(['--database', 'postgresql:///flags?host=/var/run/postgresql']).database?.startsWith('postgresql:'),
      true,
    );
  });

  const databaseErrors: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [
      ['--database', 'mysql://app:secret@db/flags'],
      {},
      /^--database: not a PostgreSQL URL; pass postgres:\/\/user:password@host:5432\/db/,
    ],
    [['--database', 'db.internal/flags'], {}, /^--database: not a PostgreSQL URL/],
    [[], { ROLLGATE_DATABASE_URL: 'http://app:secret@db' }, /^ROLLGATE_DATABASE_URL: not a PostgreSQL URL/],
    [['--store', '/repo', '--database', 'postgres://db/flags'], {}, /--database: not with --store/],
    [
      ['--database', 'postgres://db/flags'],
      { ROLLGATE_URL: 'https://flags.example.com', ROLLGATE_TOKEN: 't' },
      /--database: not with ROLLGATE_URL/,
    ],
  ];
  for (const [argv, env, message] of databaseErrors) {
    it(`rejects ${[...argv, ...Object.keys(env)].join(' ')} saying how to fix it, without echoing a password`, () => {
      const result = parseServerConfig(argv, env);
      assert.equal(result.kind, 'error');
      assert.match((result as { message: string }).message, message);
      assert.doesNotMatch((result as { message: string }).message, /secret/);
    });
  }

  const errors: [string[], RegExp][] = [
    [['--max-step', 'lots'], /--max-step/],
    [['--max-step', '0'], /--max-step/],
    [['--http', '--port', '70000'], /--port/],
    [['--allowed-envs', 'Prod'], /--allowed-envs/],
    [['--unknown'], /Unknown option '--unknown'/],
    [['positional'], /positional/],
  ];
  for (const [argv, message] of errors) {
    it(`rejects ${argv.join(' ')} with a message naming the option`, () => {
      const result = parseServerConfig(argv, {});
      assert.equal(result.kind, 'error');
      assert.match((result as { message: string }).message, message);
    });
  }

  it('recognizes --help', () => {
    assert.equal(parseServerConfig(['-h'], {}).kind, 'help');
  });
});
