// The controller part of `rollgate server`'s options: on by default, --no-controller, where metrics, alerts.yaml and
// the delivery log are for a file store and for a database, and usage errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseServerConfig, type ServerConfig } from '../src/config.ts';
import { controllerDepsOf } from '../src/controller.ts';
import { startFixture } from './helpers.ts';

function configOf(argv: string[], env: Record<string, string> = {}): ServerConfig {
  const parsed = parseServerConfig(argv, env);
  assert.equal(parsed.kind, 'config', parsed.kind === 'error' ? parsed.message : '');
  return (parsed as { config: ServerConfig }).config;
}

function errorOf(argv: string[]): string {
  const parsed = parseServerConfig(argv, {});
  assert.equal(parsed.kind, 'error');
  return (parsed as { message: string }).message;
}

describe('rollgate server: controller options', () => {
  it('runs the controller by default, every 60 s, with the file store’s metrics and alerts.yaml', async () => {
    await using fixture = await startFixture();
    const store = fixture.store;
    const deps = controllerDepsOf(configOf([]), store, { SLACK: 'x' }, '/work');
    assert.ok(deps);
    assert.equal(deps.intervalMs, 60_000);
    assert.deepEqual(Object.keys(deps.sources), ['builtin']);
    assert.match(deps.sources.builtin?.name ?? '', new RegExp(`${join(store.location, 'metrics')}$`));
    assert.deepEqual(deps.alerts, { configDir: store.location, logDir: join(store.location, 'alerts') });
    assert.deepEqual(deps.env, { SLACK: 'x' });

    const custom = controllerDepsOf(
      configOf([
        '--controller-interval',
        '15',
        '--metrics-dir',
        'm',
        '--alerts',
        'ops/alerts.yaml',
        '--prometheus-url',
        'http://127.0.0.1:9090',
      ]),
      store,
      {},
      '/work',
    );
    assert.equal(custom?.intervalMs, 15_000);
    assert.deepEqual(Object.keys(custom?.sources ?? {}).sort(), ['builtin', 'prometheus']);
    assert.equal(custom?.sources.builtin?.name, 'builtin /work/m');
    assert.deepEqual(custom?.alerts, {
      file: '/work/ops/alerts.yaml',
      configDir: store.location,
      logDir: join(store.location, 'alerts'),
    });

    assert.equal(controllerDepsOf(configOf(['--no-controller']), store, {}, '/work'), undefined);
  });

  it('with a database: no implicit metrics or alerts; the delivery log goes beside --alerts', () => {
    const database = { location: 'postgres://rollgate@db/flags' } as Parameters<typeof controllerDepsOf>[1];
    const url = 'postgres://rollgate@db/flags';
    const bare = controllerDepsOf(configOf([], { DATABASE_URL: url }), database, {}, '/work');
    assert.deepEqual(bare?.sources, {});
    assert.deepEqual(bare?.alerts, { logDir: '/work/alerts' });
    const configured = controllerDepsOf(
      configOf(['--metrics-dir', '/var/metrics', '--alerts', '/etc/rollgate/alerts.yaml'], { DATABASE_URL: url }),
      database,
      {},
      '/work',
    );
    assert.equal(configured?.sources.builtin?.name, 'builtin /var/metrics');
    assert.deepEqual(configured?.alerts, { file: '/etc/rollgate/alerts.yaml', logDir: '/etc/rollgate/alerts' });
  });

  it('refuses a bad interval or Prometheus URL with the option’s name', () => {
    assert.match(errorOf(['--controller-interval', 'soon']), /^--controller-interval: /);
    assert.match(errorOf(['--controller-interval', '0']), /^--controller-interval: /);
    assert.match(errorOf(['--prometheus-url', 'ftp://x']), /^--prometheus-url: must be an http\(s\) URL/);
  });
});
