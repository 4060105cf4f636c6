// Hook overhead: the same OpenFeature server client and Rollgate provider evaluating with no hook, with the
// OpenTelemetry hook (real SDK with in-memory exporters, inside an active span), and with the exposure hook sending
// to a receiver that never answers (the worst case: its queue is full and drops). Prints CPU time per evaluation
// of each and the ratio to no hook. Interleaved rounds, best of ROUNDS, CPU time (the machine is shared).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenFeature, type Client } from '@openfeature/server-sdk';
import { metrics, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { RollgateProvider } from '../shared/src/provider/index.ts';
import { compileEnvironment } from '../shared/src/flagd/index.ts';
import { storeDocumentSchema } from '../shared/src/flags/model.ts';
import {
  ExposureSender,
  createExposureHook,
  createOpenTelemetryHook,
  mixpanelAdapter,
} from '../shared/src/telemetry/index.ts';

const EVALUATIONS = 20_000;
const ROUNDS = 5;

const document = compileEnvironment(
  storeDocumentSchema.parse({
    version: 1,
    environments: [{ key: 'production' }],
    flags: [
      {
        key: 'checkout',
        name: 'checkout',
        kind: 'release',
        createdAt: '2026-01-01T00:00:00Z',
        type: 'boolean',
        variants: { on: true, off: false },
        environments: {
          production: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 30 } },
        },
      },
    ],
  }),
  'production',
);

const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
metrics.setGlobalMeterProvider(new MeterProvider());

// A receiver that accepts connections and never answers.
const server = createServer(() => undefined);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const sender = new ExposureSender(
  mixpanelAdapter({ token: 't', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
  { maxQueue: 1000, timeoutMs: 60_000 },
);
const exposureHook = createExposureHook({ onExposure: sender.enqueue, dedupeWindowMs: 0 });

async function client(domain: string, hooks: Parameters<Client['addHooks']>): Promise<Client> {
  await OpenFeature.setProviderAndWait(domain, new RollgateProvider({ source: { document } }));
  const c = OpenFeature.getClient(domain);
  c.addHooks(...hooks);
  return c;
}
const variants: [string, Client][] = [
  ['no hook', await client('plain', [])],
  ['OpenTelemetry hook', await client('otel', [createOpenTelemetryHook()])],
  ['exposure hook, receiver hung', await client('exposures', [exposureHook])],
];
const tracer = trace.getTracer('bench');

async function run(c: Client): Promise<void> {
  await tracer.startActiveSpan('request', async (span) => {
    for (let i = 0; i < EVALUATIONS; i++) await c.getBooleanValue('checkout', false, { targetingKey: `user-${i}` });
    span.end();
  });
  spans.reset();
}

const best = variants.map(() => Infinity);
for (const [, c] of variants) await run(c); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, [, c]] of variants.entries()) {
    globalThis.gc?.();
    const start = process.cpuUsage();
    await run(c);
    const used = process.cpuUsage(start);
    best[i] = Math.min(best[i]!, (used.user + used.system) / EVALUATIONS);
  }
}
console.log(`${EVALUATIONS} evaluations of a 30% rollout flag per run, best of ${ROUNDS}, CPU µs per evaluation`);
for (const [i, [name]] of variants.entries()) {
  console.log(`${name.padEnd(30)}: ${best[i]!.toFixed(2)} µs  (ratio to no hook ${(best[i]! / best[0]!).toFixed(2)}×)`);
}
const stats = sender.stats();
console.log(
  `exposure sender: ${stats.dropped} dropped, ${stats.queued} queued, ${stats.sent} sent (receiver never answers)`,
);
sender.dispose();
server.closeAllConnections();
server.close();
