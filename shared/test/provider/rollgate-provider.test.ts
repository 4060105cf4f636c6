import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import type { Client, EventDetails } from '@openfeature/server-sdk';
import { RollgateProvider } from '../../src/provider/index.ts';
import { compileEnvironment, serializeFlagdDocument } from '../../src/flagd/index.ts';
import type { FlagdDocument } from '../../src/flagd/index.ts';
import { FlagError } from '../../src/errors.ts';
import { booleanFlag, storeDocument } from '../flagd/documents.ts';

/** After the `launch` flag's start (2030-01-01), which the system clock has not reached. */
const NOW = new Date('2030-06-01T12:00:00Z');

/** Production flags: `checkout` on for pro users, `banner` rolled out to `percentage` %. */
function compiled(percentage: number): FlagdDocument {
  const doc = storeDocument([
    booleanFlag('checkout', {
      owner: 'team-web',
      environments: {
        production: {
          enabled: true,
          defaultVariant: 'off',
          rules: [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }], serve: { variant: 'on' } }],
        },
      },
    }),
    booleanFlag('banner', {
      environments: { production: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage } } },
    }),
    booleanFlag('launch', {
      environments: {
        production: {
          enabled: true,
          defaultVariant: 'off',
          rules: [
            {
              conditions: [{ attribute: '$flagd.timestamp', operator: 'gte', value: Date.parse('2030-01-01') / 1000 }],
              serve: { variant: 'on' },
            },
          ],
        },
      },
    }),
  ]);
  return compileEnvironment(doc, 'production');
}

/** Resolves with the next `event` of `client`; the timeout only turns a hang into a failure. */
function nextEvent(client: Client, event: ProviderEvents): Promise<EventDetails | undefined> {
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      client.removeHandler(event, handler);
      reject(new Error(`no ${event} within 10 s`));
    }, 10_000);
    const handler = (details?: EventDetails): void => {
      clearTimeout(guard);
      client.removeHandler(event, handler);
      resolve(details);
    };
    client.addHandler(event, handler);
  });
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

describe('RollgateProvider through the OpenFeature server SDK', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'rollgate-provider-'));
    dirs.push(dir);
    return dir;
  };

  after(async () => {
    await OpenFeature.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('evaluates an in-memory document: targeting, metadata, fixed clock, errors', async () => {
    await OpenFeature.setProviderAndWait(
      'memory',
      new RollgateProvider({ source: { document: compiled(0) }, now: () => NOW }),
    );
    const client = OpenFeature.getClient('memory');
    const pro = await client.getBooleanDetails('checkout', false, { targetingKey: 'u1', plan: 'pro' });
    assert.deepEqual([pro.value, pro.variant, pro.reason], [true, 'on', 'TARGETING_MATCH']);
    assert.equal(pro.flagMetadata.owner, 'team-web');
    assert.equal(pro.flagMetadata.environment, 'production');
    const free = await client.getBooleanDetails('checkout', true, { targetingKey: 'u1', plan: 'free' });
    assert.deepEqual([free.value, free.variant, free.reason], [false, 'off', 'DEFAULT']);
    const launched = await client.getBooleanDetails('launch', false, {});
    assert.deepEqual([launched.value, launched.reason], [true, 'TARGETING_MATCH']);
    await OpenFeature.setProviderAndWait('system-clock', new RollgateProvider({ source: { document: compiled(0) } }));
    assert.equal(await OpenFeature.getClient('system-clock').getBooleanValue('launch', true, {}), false);
    const missing = await client.getBooleanDetails('nope', true, {});
    assert.deepEqual([missing.value, missing.reason, missing.errorCode], [true, 'ERROR', 'FLAG_NOT_FOUND']);
    const mistyped = await client.getStringDetails('checkout', 'x', {});
    assert.deepEqual([mistyped.value, mistyped.errorCode], ['x', 'TYPE_MISMATCH']);
  });

  it('emits ConfigurationChanged with the changed keys on setDocument', async () => {
    const provider = new RollgateProvider({ source: { document: compiled(0) } });
    await OpenFeature.setProviderAndWait('memory-change', provider);
    const client = OpenFeature.getClient('memory-change');
    const changed = nextEvent(client, ProviderEvents.ConfigurationChanged);
    provider.setDocument(compiled(100));
    assert.deepEqual((await changed)?.flagsChanged, ['banner']);
    assert.equal(await client.getBooleanValue('banner', false, { targetingKey: 'u1' }), true);
  });

  it('reloads a watched file on change and reports the changed flags', async () => {
    const dir = await tempDir();
    const file = join(dir, 'production.flagd.json');
    await writeFile(file, serializeFlagdDocument(compiled(0)));
    await OpenFeature.setProviderAndWait('file', new RollgateProvider({ source: { file } }));
    const client = OpenFeature.getClient('file');
    assert.equal(await client.getBooleanValue('banner', true, { targetingKey: 'u1' }), false);

    const changed = nextEvent(client, ProviderEvents.ConfigurationChanged);
    await writeAtomically(file, serializeFlagdDocument(compiled(100)));
    assert.deepEqual((await changed)?.flagsChanged, ['banner']);
    const details = await client.getBooleanDetails('banner', false, { targetingKey: 'u1' });
    assert.deepEqual([details.value, details.variant], [true, 'on']);
  });

  it('keeps the last good flags and emits Error when the file breaks, then recovers', async () => {
    const dir = await tempDir();
    const file = join(dir, 'production.flagd.json');
    await writeFile(file, serializeFlagdDocument(compiled(100)));
    await OpenFeature.setProviderAndWait('broken', new RollgateProvider({ source: { file } }));
    const client = OpenFeature.getClient('broken');

    const error = nextEvent(client, ProviderEvents.Error);
    await writeFile(file, '{"flags": {"banner": ');
    assert.match((await error)?.message ?? '', /production\.flagd\.json.*Keeping the last good flags/s);
    assert.equal(client.providerStatus, ProviderStatus.ERROR);
    assert.equal(await client.getBooleanValue('banner', false, { targetingKey: 'u1' }), true);

    const ready = nextEvent(client, ProviderEvents.Ready);
    const changed = nextEvent(client, ProviderEvents.ConfigurationChanged);
    await writeAtomically(file, serializeFlagdDocument(compiled(0)));
    await ready;
    assert.deepEqual((await changed)?.flagsChanged, ['banner']);
    assert.equal(client.providerStatus, ProviderStatus.READY);
    assert.equal(await client.getBooleanValue('banner', true, { targetingKey: 'u1' }), false);
  });

  it('recovers when a broken file is restored to the last good text', async () => {
    const dir = await tempDir();
    const file = join(dir, 'production.flagd.json');
    const good = serializeFlagdDocument(compiled(100));
    await writeFile(file, good);
    await OpenFeature.setProviderAndWait('restored', new RollgateProvider({ source: { file } }));
    const client = OpenFeature.getClient('restored');
    const error = nextEvent(client, ProviderEvents.Error);
    await writeFile(file, 'not json');
    await error;
    const ready = nextEvent(client, ProviderEvents.Ready);
    await writeAtomically(file, good);
    await ready;
    assert.equal(client.providerStatus, ProviderStatus.READY);
  });

  it('fails initialization for a missing file with STORE_IO and a hint, then turns ready when it appears', async () => {
    const dir = await tempDir();
    const file = join(dir, 'staging.flagd.json');
    const provider = new RollgateProvider({ source: { file } });
    await assert.rejects(OpenFeature.setProviderAndWait('late', provider), (e) => {
      return FlagError.is(e, 'STORE_IO') && e.details.file === file && typeof e.details.hint === 'string';
    });
    const client = OpenFeature.getClient('late');
    assert.equal(client.providerStatus, ProviderStatus.ERROR);

    const ready = nextEvent(client, ProviderEvents.Ready);
    await writeAtomically(file, serializeFlagdDocument(compiled(100)));
    await ready;
    assert.equal(await client.getBooleanValue('banner', false, { targetingKey: 'u1' }), true);
  });

  it('rejects a file in a directory that does not exist with STORE_IO and a hint', async () => {
    const file = join(await tempDir(), 'missing-dir', 'production.flagd.json');
    await assert.rejects(
      OpenFeature.setProviderAndWait('no-dir', new RollgateProvider({ source: { file } })),
      (e) => FlagError.is(e, 'STORE_IO') && e.details.file === file && typeof e.details.hint === 'string',
    );
  });

  it('keeps the current flags when setDocument gets an invalid document', async () => {
    const provider = new RollgateProvider({ source: { document: compiled(100) } });
    await OpenFeature.setProviderAndWait('memory-invalid', provider);
    const invalid = { flags: { banner: { state: 'ON', variants: {} } } } as unknown as FlagdDocument;
    assert.throws(
      () => provider.setDocument(invalid),
      (e) => FlagError.is(e, 'PARSE_ERROR'),
    );
    assert.equal(
      await OpenFeature.getClient('memory-invalid').getBooleanValue('banner', false, { targetingKey: 'u' }),
      true,
    );
  });

  it('rejects an invalid file at initialization with PARSE_ERROR naming the file', async () => {
    const dir = await tempDir();
    const file = join(dir, 'dev.flagd.json');
    await writeFile(file, '{"flags": {"a": {"state": "ON"}}}');
    await assert.rejects(
      OpenFeature.setProviderAndWait('invalid', new RollgateProvider({ source: { file }, watch: false })),
      (e) => FlagError.is(e, 'PARSE_ERROR') && e.details.file === file,
    );
  });
});
