// Integration test against a real Prometheus server (Debian package `prometheus`), started here on a free
// loopback port with a temp config and data dir, scraping a tiny test app (prom-client) on loopback every second.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry } from 'prom-client';
import type { Guardrail } from '../../src/flags/model.ts';
import { createPrometheusMetricSource, promWindow, renderPromQuery } from '../../src/rollout/prometheus.ts';
import { histogramQuantile } from '../../src/rollout/metrics.ts';
import { RolloutController } from '../../src/rollout/controller.ts';
import { getRolloutStatus, startRollout } from '../../src/rollout/plan.ts';
import { MemoryStore } from './memory-store.ts';
import { documentWithFlag } from './fixtures.ts';

const LOOPBACK = '127.0.0.1';

const errorRate: Guardrail = {
  name: 'errors',
  metric: 'error-rate',
  source: 'prometheus',
  query: 'sum(increase(app_errors_total{flag="{{flag}}",variant="{{variant}}"}[{{window}}]))',
  denominatorQuery: 'sum(increase(app_requests_total{flag="{{flag}}",variant="{{variant}}"}[{{window}}]))',
  max: 0.02,
  maxRelativeDegradation: 0.5,
};
const latency: Guardrail = {
  name: 'p95',
  metric: 'latency',
  source: 'prometheus',
  percentile: 95,
  query: 'sum by (le) (increase(app_request_duration_ms_bucket{flag="{{flag}}",variant="{{variant}}"}[{{window}}]))',
  maxRelativeDegradation: 0.2,
};

function prometheusAvailable(): boolean {
  return !spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).error;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('unit: PromQL templates', () => {
  it('substitutes placeholders and escapes quotes', () => {
    assert.equal(
      renderPromQuery('x{v="{{variant}}",f="{{ flag }}"}[{{window}}]', {
        variant: 'on',
        flag: 'a"b',
        environment: 'p',
        window: '60s',
      }),
      'x{v="on",f="a\\"b"}[60s]',
    );
    assert.throws(
      () => renderPromQuery('{{user}}', { variant: '', flag: '', environment: '', window: '' }),
      /Unknown placeholder/,
    );
    assert.equal(promWindow(new Date(0), new Date(90_500)), '91s');
  });

  it('rejects (fail closed) when Prometheus is unreachable', async () => {
    const source = createPrometheusMetricSource({ baseUrl: `http://${LOOPBACK}:${await freePort()}`, timeoutMs: 2000 });
    await assert.rejects(
      source.observe({
        flagKey: 'f',
        environment: 'p',
        guardrail: errorRate,
        treatment: 'on',
        control: 'off',
        start: new Date(0),
        end: new Date(60_000),
      }),
      /unreachable/,
    );
  });
});

const available = prometheusAvailable();
if (!available && process.env.CI === 'true') {
  // In CI the binary is a requirement (.ci/run installs it): fail loudly instead of skipping.
  it('prometheus binary is installed', () => {
    assert.fail(
      'The `prometheus` binary is not on PATH: install the Debian package (apt-get install -y prometheus), as .ci/run does.',
    );
  });
}

describe(
  'against a real Prometheus server',
  { skip: available ? false : 'prometheus binary not found (apt-get install -y prometheus); skipped outside CI' },
  () => {
    let dir = '';
    let app: Server | undefined;
    let prometheus: ChildProcess | undefined;
    let traffic: NodeJS.Timeout | undefined;
    let baseUrl = '';

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'rollgate-prom-'));
      // The test app: per tick, "on" serves 10 requests (1 error, 1 slow) and "off" 100 (1 error, 2 slowish).
      const registry = new Registry();
      const requests = new Counter({
        name: 'app_requests_total',
        help: 'requests',
        labelNames: ['flag', 'variant'],
        registers: [registry],
      });
      const errors = new Counter({
        name: 'app_errors_total',
        help: 'errors',
        labelNames: ['flag', 'variant'],
        registers: [registry],
      });
      const duration = new Histogram({
        name: 'app_request_duration_ms',
        help: 'latency',
        labelNames: ['flag', 'variant'],
        buckets: [25, 50, 100, 250, 500, 1000],
        registers: [registry],
      });
      // The same traffic by platform: the one error of each variant is on mobile (1 of 1 "on", 1 of 10 "off").
      const platformRequests = new Counter({
        name: 'app_platform_requests_total',
        help: 'requests by platform',
        labelNames: ['flag', 'variant', 'platform'],
        registers: [registry],
      });
      const platformErrors = new Counter({
        name: 'app_platform_errors_total',
        help: 'errors by platform',
        labelNames: ['flag', 'variant', 'platform'],
        registers: [registry],
      });
      const serve = (variant: string, count: number, slow: number, slowMs: number): void => {
        const labels = { flag: 'new-checkout', variant };
        requests.inc(labels, count);
        errors.inc(labels, 1);
        for (let i = 0; i < count; i++) duration.observe(labels, i < slow ? slowMs : 40);
        platformRequests.inc({ ...labels, platform: 'desktop' }, count - count / 10);
        platformRequests.inc({ ...labels, platform: 'mobile' }, count / 10);
        platformErrors.inc({ ...labels, platform: 'desktop' }, 0);
        platformErrors.inc({ ...labels, platform: 'mobile' }, 1);
      };
      serve('on', 10, 1, 800);
      serve('off', 100, 2, 300);
      traffic = setInterval(() => {
        serve('on', 10, 1, 800);
        serve('off', 100, 2, 300);
      }, 50);
      app = createServer((_req, res) => {
        void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
      });
      await new Promise<void>((resolve) => app?.listen(0, LOOPBACK, resolve));
      const appPort = (app.address() as AddressInfo).port;
      const promPort = await freePort();
      baseUrl = `http://${LOOPBACK}:${promPort}`;
      await writeFile(
        join(dir, 'prometheus.yml'),
        `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['${LOOPBACK}:${appPort}']\n`,
      );
      const log = openSync(join(dir, 'prometheus.log'), 'w');
      prometheus = spawn(
        'prometheus',
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=${LOOPBACK}:${promPort}`,
          '--web.enable-lifecycle',
        ],
        { stdio: ['ignore', log, log] },
      );
      closeSync(log);
      // Wait (bounded) until Prometheus has at least 5 scrapes of the app.
      const deadline = Date.now() + 45_000;
      for (;;) {
        try {
          const url = `${baseUrl}/api/v1/query?query=${encodeURIComponent('count_over_time(app_requests_total{variant="on"}[1m])')}`;
          const body = (await (await fetch(url)).json()) as { data?: { result?: { value: [number, string] }[] } };
          if (Number(body.data?.result?.[0]?.value[1] ?? 0) >= 5) break;
        } catch {
          // not up yet
        }
        if (Date.now() > deadline || prometheus.exitCode !== null) {
          throw new Error(`Prometheus did not scrape the test app within 45 s; see ${join(dir, 'prometheus.log')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    });

    after(async () => {
      clearInterval(traffic);
      if (prometheus && prometheus.exitCode === null) {
        const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
        prometheus.kill('SIGTERM');
        await exited;
      }
      await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
      await rm(dir, { recursive: true, force: true });
    });

    const window = (seconds: number) => {
      const end = new Date();
      return { start: new Date(end.getTime() - seconds * 1000), end };
    };

    it('reads per-variant error rates through PromQL templates', async () => {
      const source = createPrometheusMetricSource({ baseUrl });
      const observed = await source.observe({
        flagKey: 'new-checkout',
        environment: 'production',
        guardrail: errorRate,
        treatment: 'on',
        control: 'off',
        ...window(4),
      });
      const { treatment, control } = observed;
      assert.ok(treatment.samples > 0 && control.samples > 0, JSON.stringify(observed));
      // Counters move together within a tick, so increase() keeps their ratios exact.
      assert.ok(Math.abs((treatment.events ?? 0) / treatment.samples - 0.1) < 1e-9, JSON.stringify(observed));
      assert.ok(Math.abs((control.events ?? 0) / control.samples - 0.01) < 1e-9, JSON.stringify(observed));
      assert.ok(Math.abs(treatment.samples / control.samples - 0.1) < 1e-9, JSON.stringify(observed));
    });

    it('reads per-variant latency histograms and their percentiles', async () => {
      const source = createPrometheusMetricSource({ baseUrl });
      const { treatment, control } = await source.observe({
        flagKey: 'new-checkout',
        environment: 'production',
        guardrail: latency,
        treatment: 'on',
        control: 'off',
        ...window(4),
      });
      assert.ok(treatment.latency && control.latency);
      assert.deepEqual(treatment.latency.bounds, [25, 50, 100, 250, 500, 1000, Infinity]);
      // "on": 90% at 40 ms, 10% at 800 ms → p95 interpolates to 750 ms; "off": 98% at 40 ms → 25 + 25·0.95/0.98.
      assert.ok(Math.abs((histogramQuantile(treatment.latency, 0.95) ?? 0) - 750) < 1e-6);
      assert.ok(Math.abs((histogramQuantile(control.latency, 0.95) ?? 0) - (25 + (25 * 0.95) / 0.98)) < 1e-6);
    });

    it('reads per-slice counts from a label kept by the query, and rejects a query that drops it', async () => {
      const source = createPrometheusMetricSource({ baseUrl });
      const sliced: Guardrail = {
        ...errorRate,
        query: 'sum by (platform) (increase(app_platform_errors_total{variant="{{variant}}"}[{{window}}]))',
        denominatorQuery:
          'sum by (platform) (increase(app_platform_requests_total{variant="{{variant}}"}[{{window}}]))',
        slices: { platform: ['desktop', 'mobile'] },
      };
      const ask = (guardrail: Guardrail) =>
        source.observe({
          flagKey: 'new-checkout',
          environment: 'production',
          guardrail,
          treatment: 'on',
          control: 'off',
          ...window(4),
        });
      const { treatment, control } = await ask(sliced);
      const rate = (arm: { samples: number; events?: number } | undefined) =>
        (arm?.events ?? NaN) / (arm?.samples ?? NaN);
      const message = JSON.stringify({ treatment, control });
      assert.ok(Math.abs(rate(treatment.slices?.platform?.mobile) - 1) < 1e-9, message);
      assert.equal(rate(treatment.slices?.platform?.desktop), 0, message);
      assert.ok(Math.abs(rate(control.slices?.platform?.mobile) - 0.1) < 1e-9, message);
      assert.ok(Math.abs(rate(treatment) - 0.1) < 1e-9, message);
      await assert.rejects(
        ask({ ...sliced, query: 'sum(increase(app_platform_errors_total{variant="{{variant}}"}[{{window}}]))' }),
        /no "platform" label/,
      );
    });

    it('surfaces a PromQL error from the server', async () => {
      const source = createPrometheusMetricSource({ baseUrl });
      const bad = { ...errorRate, query: 'sum(rate(app_errors_total[{{window}}]' };
      await assert.rejects(
        source.observe({
          flagKey: 'new-checkout',
          environment: 'production',
          guardrail: bad,
          treatment: 'on',
          control: 'off',
          ...window(4),
        }),
        /Prometheus rejected/,
      );
    });

    it('drives the controller: the faulty variant is rolled back on real Prometheus numbers', async () => {
      const store = new MemoryStore(documentWithFlag());
      const stepStart = new Date(Date.now() - 4000);
      await startRollout(
        store,
        {
          flagKey: 'new-checkout',
          environment: 'production',
          plan: {
            variant: 'on',
            steps: [10, 50, 100],
            minSamplesPerStep: 100,
            minStepDurationMinutes: 0,
            guardrails: [errorRate, latency],
          },
        },
        { actor: 'test', now: () => stepStart },
      );
      const controller = new RolloutController({
        store,
        sources: { prometheus: createPrometheusMetricSource({ baseUrl }) },
        now: () => new Date(),
      });
      const [result] = await controller.tick();
      assert.equal(
        result?.evaluation.decision.decision,
        'rollback',
        JSON.stringify(result?.evaluation.decision.reasons),
      );
      assert.deepEqual(result?.evaluation.decision.codes, ['breach:errors', 'breach:p95']);
      assert.equal(
        (await getRolloutStatus(store, { flagKey: 'new-checkout', environment: 'production' })).percentage,
        0,
      );
    });
  },
);
