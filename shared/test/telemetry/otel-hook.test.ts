import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { InMemoryProvider as WebInMemoryProvider, OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { RollgateProvider } from '../../src/provider/index.ts';
import { compileEnvironment } from '../../src/flagd/index.ts';
import { createOpenTelemetryHook, EVALUATION_COUNTER, EVALUATION_EVENT } from '../../src/telemetry/index.ts';
import { booleanFlag, storeDocument } from '../flagd/documents.ts';
import { installOtel } from './otel.ts';

const otel = installOtel();
const tracer = trace.getTracer('test');

const document = compileEnvironment(
  storeDocument([
    booleanFlag('checkout', {
      environments: {
        production: {
          enabled: true,
          defaultVariant: 'off',
          rules: [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }], serve: { variant: 'on' } }],
        },
      },
    }),
  ]),
  'production',
);

/** Runs `fn` inside a fresh active span and returns that span's events once it ended. */
async function inSpan(name: string, fn: () => unknown) {
  await tracer.startActiveSpan(name, async (span) => {
    await fn();
    span.end();
  });
  const finished = otel.spans.getFinishedSpans().find((s) => s.name === name);
  assert.ok(finished, `span ${name} was exported`);
  return finished.events;
}

describe('OpenTelemetry hook', () => {
  it('server SDK + Rollgate provider: a span event per evaluation with the semantic-convention attributes', async () => {
    await OpenFeature.setProviderAndWait('otel-rollgate', new RollgateProvider({ source: { document } }));
    const client = OpenFeature.getClient('otel-rollgate');
    client.addHooks(createOpenTelemetryHook({ setId: 'production', recordContextId: true }));
    const events = await inSpan('checkout-request', async () => {
      await client.getBooleanValue('checkout', false, { targetingKey: 'u1', plan: 'pro' });
      await client.getBooleanValue('checkout', false, { targetingKey: 'u2', plan: 'free' });
    });
    assert.deepEqual(
      events.map((e) => [e.name, e.attributes]),
      [
        [
          EVALUATION_EVENT,
          {
            'feature_flag.key': 'checkout',
            'feature_flag.provider.name': 'rollgate',
            'feature_flag.result.variant': 'on',
            'feature_flag.result.reason': 'targeting_match',
            'feature_flag.set.id': 'production',
            'feature_flag.context.id': 'u1',
          },
        ],
        [
          EVALUATION_EVENT,
          {
            'feature_flag.key': 'checkout',
            'feature_flag.provider.name': 'rollgate',
            'feature_flag.result.variant': 'off',
            'feature_flag.result.reason': 'default',
            'feature_flag.set.id': 'production',
            'feature_flag.context.id': 'u2',
          },
        ],
      ],
    );
  });

  it('another provider, errors, values and the counter', async () => {
    const provider = new InMemoryProvider({
      theme: { variants: { light: 'light', dark: 'dark' }, defaultVariant: 'dark', disabled: false },
    });
    await OpenFeature.setProviderAndWait('otel-memory', provider);
    const client = OpenFeature.getClient('otel-memory');
    client.addHooks(createOpenTelemetryHook({ recordValue: true }));
    const events = await inSpan('memory-request', async () => {
      assert.equal(await client.getStringValue('theme', 'light'), 'dark');
      assert.equal(await client.getStringValue('theme', 'light'), 'dark');
      assert.equal(await client.getStringValue('missing', 'light'), 'light');
    });
    assert.deepEqual(events[0]?.attributes, {
      'feature_flag.key': 'theme',
      'feature_flag.provider.name': 'in-memory',
      'feature_flag.result.variant': 'dark',
      'feature_flag.result.reason': 'static',
      'feature_flag.result.value': 'dark',
    });
    assert.equal(events[2]?.attributes?.['error.type'], 'flag_not_found');
    assert.equal(events[2]?.attributes?.['feature_flag.result.reason'], 'error');
    assert.match(String(events[2]?.attributes?.['feature_flag.error.message']), /missing/);

    const points = await otel.counterPoints(EVALUATION_COUNTER);
    const count = (key: string, variant?: string) =>
      points
        .filter(
          (p) =>
            p.attributes['feature_flag.key'] === key &&
            p.attributes['feature_flag.provider.name'] === 'in-memory' &&
            p.attributes['feature_flag.result.variant'] === variant,
        )
        .reduce((n, p) => n + p.value, 0);
    assert.equal(count('theme', 'dark'), 2);
    assert.equal(count('missing'), 1);
  });

  it('web SDK: synchronous evaluations are recorded too; no active span → counter only', async () => {
    await WebOpenFeature.setProviderAndWait(
      'otel-web',
      new WebInMemoryProvider({
        banner: { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false },
      }),
    );
    const client = WebOpenFeature.getClient('otel-web');
    client.addHooks(createOpenTelemetryHook());
    const events = await inSpan('web-render', () => client.getBooleanValue('banner', false));
    assert.deepEqual(
      events.map((e) => e.attributes?.['feature_flag.result.variant']),
      ['on'],
    );
    assert.equal(client.getBooleanValue('banner', false), true);
    const points = await otel.counterPoints(EVALUATION_COUNTER);
    const banner = points.filter((p) => p.attributes['feature_flag.key'] === 'banner');
    assert.equal(
      banner.reduce((n, p) => n + p.value, 0),
      2,
    );
  });
});
