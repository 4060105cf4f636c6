// An app process for server/test/usage.test.ts: evaluates a 50% rollout `evaluations` times with the usage hook,
// reports to the server given on argv, and prints the variants it was served as JSON.
import { OpenFeature } from '@openfeature/server-sdk';
import { RollgateProvider } from '@rollgate/shared/provider';
import { compileEnvironment } from '@rollgate/shared/flagd';
import { storeDocumentSchema } from '@rollgate/shared/flags';
import { UsageReporter, createUsageHook } from '@rollgate/shared/telemetry';

const [url = '', sdkKey = '', evaluations = '0', name = 'app'] = process.argv.slice(2);
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
          production: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 50 } },
        },
      },
    ],
  }),
  'production',
);
await OpenFeature.setProviderAndWait(new RollgateProvider({ source: { document } }));
const hook = createUsageHook({ environment: 'production' });
OpenFeature.addHooks(hook);
// Reports every 20 ms while evaluating, so several batches per process reach the server.
const reporter = new UsageReporter(hook, { url, sdkKey, intervalMs: 20 });
const client = OpenFeature.getClient();
const served: Record<string, number> = {};
for (let i = 0; i < Number(evaluations); i++) {
  const { variant = 'none' } = await client.getBooleanDetails('checkout', false, { targetingKey: `${name}-${i}` });
  served[variant] = (served[variant] ?? 0) + 1;
  if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
}
await reporter.flush();
reporter.dispose();
await OpenFeature.close();
process.stdout.write(JSON.stringify({ served, pending: reporter.stats().pending }));
