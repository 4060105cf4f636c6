/**
 * The server over a real file store, with the stock OpenFeature providers as clients: flagd in-process over the sync
 * service, OFREP (server and web), flagd JSON. Changes reach every client; ETags, keys, bad input, resilience.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { OpenFeature } from '@openfeature/server-sdk';
import { OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { applyOperation, setFlagEnabled, setRollout } from '@rollgate/shared/flags';
import { flagdOutputPath } from '@rollgate/shared/store';
import { flagdClient, ofrepClient, ofrepWebClient, post, startFixture, until } from './helpers.ts';

const change = { actor: 'test:delivery', now: () => new Date('2026-11-25T12:00:00Z') };

after(async () => {
  await OpenFeature.close();
  await WebOpenFeature.close();
});

describe('delivery', () => {
  it('a store change reaches flagd in-process, OFREP and OFREP web clients', async () => {
    await using fixture = await startFixture();
    const { url, syncPort } = fixture.server;
    const flagd = await flagdClient(syncPort, 'production');
    const ofrep = await ofrepClient(url);
    const web = await ofrepWebClient(url, { targetingKey: 'user-1', environment: 'production' });
    const pro = { targetingKey: 'user-1', plan: 'pro', environment: 'production' };

    assert.equal(await flagd.getBooleanValue('new-checkout', true, pro), false);
    assert.deepEqual(await flagd.getStringDetails('banner-color', 'x', pro), {
      flagKey: 'banner-color',
      // `scope` is the flagd provider's: it echoes the selector.
      flagMetadata: { environment: 'production', kind: 'experiment', scope: 'production' },
      value: 'blue',
      variant: 'blue',
      reason: 'TARGETING_MATCH',
    });
    const ofrepDetails = await ofrep.getStringDetails('banner-color', 'x', pro);
    assert.equal(ofrepDetails.value, 'blue');
    assert.equal(ofrepDetails.reason, 'TARGETING_MATCH');
    assert.equal(web.getBooleanValue('new-checkout', true), false);

    await applyOperation(fixture.store, setFlagEnabled('new-checkout', 'production', false), change);
    await until('the flagd client sees the kill switch', async () => {
      const d = await flagd.getBooleanDetails('new-checkout', true, pro);
      return d.reason === 'DISABLED' && d.value === true;
    });
    await until('the web client sees the kill switch', () => web.getBooleanDetails('new-checkout', true).value);
    // OFREP: a disabled flag answers the code default (no value in the response).
    const raw = await post(`${url}/ofrep/v1/evaluate/flags/new-checkout`, { context: pro });
    assert.deepEqual(raw, {
      status: 200,
      headers: raw.headers,
      json: { key: 'new-checkout', reason: 'DISABLED', metadata: { environment: 'production', kind: 'release' } },
    });
  });

  it('serves flagd JSON byte-equal to the compiled file, with ETag / If-None-Match', async () => {
    await using fixture = await startFixture();
    const first = await fetch(`${fixture.server.url}/flagd/staging.flagd.json`);
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag') ?? '';
    assert.match(etag, /^"[\w-]+"$/);
    assert.equal(await first.text(), await readFile(flagdOutputPath(fixture.store.location, 'staging'), 'utf8'));
    const again = await fetch(`${fixture.server.url}/flagd/staging.flagd.json`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    await applyOperation(fixture.store, setRollout('new-checkout', 'staging', 80, 'on'), change);
    await until('a new ETag', async () => {
      const r = await fetch(`${fixture.server.url}/flagd/staging.flagd.json`, { headers: { 'If-None-Match': etag } });
      return r.status === 200 && r.headers.get('etag') !== etag;
    });
    const unknown = await fetch(`${fixture.server.url}/flagd/nope.flagd.json`);
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { errorDetails: string }).errorDetails, /Use one of: development, staging/);
  });

  it('bulk OFREP: ETag covers flags and context; 304 only when both are unchanged', async () => {
    await using fixture = await startFixture();
    const bulk = `${fixture.server.url}/ofrep/v1/evaluate/flags`;
    const context = { targetingKey: 'u', environment: 'production', plan: 'pro' };
    const first = await post(bulk, { context });
    assert.equal(first.status, 200);
    assert.deepEqual(
      (first.json as { flags: { key: string; value: unknown }[] }).flags.map((f) => [f.key, f.value]),
      // In the order the store keeps flags: by key.
      [
        ['banner-color', 'blue'],
        ['new-checkout', false],
      ],
    );
    const etag = first.headers.get('etag') ?? '';
    assert.equal((await post(bulk, { context }, { 'If-None-Match': etag })).status, 304);
    assert.equal((await post(bulk, { context: { ...context, plan: 'free' } }, { 'If-None-Match': etag })).status, 200);
    await applyOperation(fixture.store, setFlagEnabled('banner-color', 'production', false), change);
    await until(
      'the bulk ETag to change',
      async () => (await post(bulk, { context }, { 'If-None-Match': etag })).status === 200,
    );
  });

  it('bad requests get 4xx with a message that says what to fix', async () => {
    await using fixture = await startFixture();
    const { url } = fixture.server;
    const flag = `${url}/ofrep/v1/evaluate/flags/new-checkout`;
    const cases: [string, () => Promise<{ status: number; json: unknown }>, number, RegExp][] = [
      ['not JSON', () => post(flag, '{nope'), 400, /not JSON/],
      ['context not an object', () => post(flag, { context: 5 }), 400, /context/],
      ['no environment', () => post(flag, { context: {} }), 400, /context\.environment/],
      ['unknown environment', () => post(flag, { context: { environment: 'qa' } }), 404, /Unknown environment/],
      [
        'unknown flag',
        () => post(`${url}/ofrep/v1/evaluate/flags/nope`, { context: { environment: 'staging' } }),
        404,
        /not found/,
      ],
      [
        'too large',
        () => post(flag, { context: { environment: 'staging', big: 'x'.repeat(1_100_000) } }),
        413,
        /larger/,
      ],
      ['unknown path', () => post(`${url}/ofrep/v2/x`, {}), 404, /docs\/server\.md/],
    ];
    for (const [name, request, status, message] of cases) {
      const { status: got, json } = await request();
      assert.equal(got, status, name);
      assert.match(JSON.stringify(json), message, name);
    }
    const wrongMethod = await fetch(flag);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    // Still serving after all of that.
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
  });

  it('SDK keys: required once one exists; wrong key 401, another environment 403; sync selector or header', async () => {
    await using fixture = await startFixture();
    const { url, syncPort } = fixture.server;
    const { secret } = await fixture.keys.create({ environment: 'staging', now: new Date() });
    const flag = `${url}/ofrep/v1/evaluate/flags/new-checkout`;
    const noKey = await post(flag, { context: { environment: 'staging' } });
    assert.equal(noKey.status, 401);
    assert.match(JSON.stringify(noKey.json), /Authorization: Bearer/);
    assert.equal((await post(flag, {}, { Authorization: 'Bearer rgsdk_wrong' })).status, 401);
    const ok = await post(flag, { context: { targetingKey: 'u' } }, { 'X-API-Key': secret });
    assert.equal(ok.status, 200);
    assert.equal((ok.json as { metadata: { environment: string } }).metadata.environment, 'staging');
    const other = await fetch(`${url}/flagd/production.flagd.json`, { headers: { Authorization: `Bearer ${secret}` } });
    assert.equal(other.status, 403);
    assert.match(await other.text(), /for \\"staging\\", not \\"production\\"/);

    const viaSelector = await flagdClient(syncPort, secret);
    assert.equal(
      await viaSelector.getBooleanValue('new-checkout', false, { targetingKey: 'u' }).then(() => true),
      true,
    );
    assert.equal((await viaSelector.getBooleanDetails('new-checkout', false)).flagMetadata.environment, 'staging');
    const status = await fetchAllFlagsStatus(syncPort, 'staging');
    assert.equal(status, grpc.status.UNAUTHENTICATED);
    assert.equal(await fetchAllFlagsStatus(syncPort, 'staging', { authorization: `Bearer ${secret}` }), grpc.status.OK);
    assert.equal(
      await fetchAllFlagsStatus(syncPort, 'production', { 'x-api-key': secret }),
      grpc.status.PERMISSION_DENIED,
    );

    const [key] = await fixture.keys.list();
    assert.ok(key);
    await fixture.keys.revoke(key.id, new Date());
    assert.equal((await post(flag, {}, { 'X-API-Key': secret })).status, 401);
    // Only the hash is at rest.
    assert.doesNotMatch(await readFile(fixture.keys.location, 'utf8'), new RegExp(secret));
  });

  it('store unreadable: /readyz fails, clients keep the last good flags, then get the current state', async () => {
    await using fixture = await startFixture();
    const { url, syncPort } = fixture.server;
    const flagd = await flagdClient(syncPort, 'development');
    assert.equal(await flagd.getBooleanValue('new-checkout', false), true);
    const flagsFile = join(fixture.store.location, 'flags.yaml');
    const good = await readFile(flagsFile, 'utf8');
    await writeFile(flagsFile, 'flags: [\n');
    await until('/readyz to fail', async () => (await fetch(`${url}/readyz`)).status === 503);
    assert.match(await (await fetch(`${url}/readyz`)).text(), /store unreachable/);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^rollgate_ready 0$/m);
    assert.equal(await flagd.getBooleanValue('new-checkout', false), true);
    const last = await post(`${url}/ofrep/v1/evaluate/flags/new-checkout`, { context: { environment: 'development' } });
    assert.equal((last.json as { value: boolean }).value, true);

    await writeFile(flagsFile, good.replace(/development:\n(\s+)enabled: true/, 'development:\n$1enabled: false'));
    await until('ready again', async () => (await fetch(`${url}/readyz`)).status === 200);
    await until(
      'the change made during the outage',
      async () => (await flagd.getBooleanDetails('new-checkout', false)).reason === 'DISABLED',
    );
  });

  it('a client that reconnects to a restarted server gets the full current state first', async () => {
    await using fixture = await startFixture();
    const flagd = await flagdClient(fixture.server.syncPort, 'production');
    assert.equal(await flagd.getStringValue('banner-color', 'x'), 'green');
    await fixture.server.close();
    await applyOperation(fixture.store, setFlagEnabled('banner-color', 'production', false), change);
    await fixture.restart();
    await until(
      'the change made while disconnected',
      async () => (await flagd.getStringDetails('banner-color', 'x')).reason === 'DISABLED',
    );
  });

  it('/metrics: streams, propagation delay, requests by endpoint and status', async () => {
    await using fixture = await startFixture();
    const { url, syncPort } = fixture.server;
    await flagdClient(syncPort, 'staging');
    await post(`${url}/ofrep/v1/evaluate/flags/nope`, { context: { environment: 'staging' } });
    await applyOperation(fixture.store, setRollout('new-checkout', 'staging', 60, 'on'), change);
    await until('a propagation sample', async () =>
      /^rollgate_propagation_delay_seconds_count [1-9]/m.test(await (await fetch(`${url}/metrics`)).text()),
    );
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /^rollgate_sync_streams\{environment="staging"\} 1$/m);
    assert.match(text, /^rollgate_requests_total\{endpoint="ofrep_flag",status="404"\} 1$/m);
    assert.match(text, /^rollgate_requests_total\{endpoint="sync_flags",status="OK"\} 1$/m);
    assert.match(text, /^rollgate_ready 1$/m);
  });
});

/** The gRPC status of a raw FetchAllFlags call (a client that can send headers, unlike the stock providers). */
async function fetchAllFlagsStatus(
  port: number,
  selector: string,
  headers: Record<string, string> = {},
): Promise<grpc.status> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  metadata.set('flagd-selector', selector);
  try {
    return await new Promise<grpc.status>((resolve) => {
      client.makeUnaryRequest(
        '/flagd.sync.v1.FlagSyncService/FetchAllFlags',
        (value: Buffer) => value,
        (value: Buffer) => value,
        Buffer.alloc(0),
        metadata,
        (error) => resolve(error?.code ?? grpc.status.OK),
      );
    });
  } finally {
    client.close();
  }
}
