/**
 * Team workflows on PostgreSQL end to end (issue 11): the BUILT `rollgate server --database` serving remote mode with
 * API tokens kept in the database, and the BUILT CLI creating, revoking and using them. Four eyes on a protected
 * environment, immediate revocation, refused forged and expired tokens, and no token text in the database's flags or
 * audit log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { TokenRecord } from '@rollgate/shared/auth';
import type { AuditEntry } from '@rollgate/shared/flags';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { usePostgres } from '../../shared/test/support/postgres.ts';
import { ROOT, cleanCli, seedDatabase, startCliServer, type Finished, type RunningServer } from './helpers.ts';

const cluster = usePostgres();

async function query(url: string, sql: string): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<pg.QueryResultRow>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Every row of `table` as JSON text. */
async function tableText(url: string, table: string): Promise<string> {
  return JSON.stringify(await query(url, `SELECT * FROM ${table}`));
}

/** The production rollout of each flag, as the database holds it. */
async function productionRollouts(url: string): Promise<Record<string, unknown>> {
  const rows = await query(url, "SELECT key, data->'environments'->'production'->'rollout' AS rollout FROM flags");
  return Object.fromEntries(rows.map((r) => [r.key as string, r.rollout as unknown]));
}

describe('team workflows on PostgreSQL (built server and CLI)', () => {
  let url: string;
  let server: RunningServer;
  const tokens: Record<string, string> = {};
  const records: Record<string, TokenRecord> = {};
  /** The built CLI in remote mode as the token of `who` (`token` overrides it with any text). */
  const as = (who: string, args: string[], token = tokens[who] ?? ''): Promise<Finished> =>
    cleanCli(args, { ROLLGATE_URL: server.url, ROLLGATE_TOKEN: token }, ROOT);
  /** The built CLI of an admin on the database, through --database or $ROLLGATE_DATABASE_URL. */
  const admin = (args: string[], { viaEnv = false, env = {} } = {}): Promise<Finished> =>
    cleanCli(viaEnv ? args : ['--database', url, ...args], viaEnv ? { ROLLGATE_DATABASE_URL: url, ...env } : env, ROOT);
  /** HTTP status and error of `/api/v1/whoami` with `token`. */
  const whoami = async (token: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${server.url}/api/v1/whoami`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  };

  before(async () => {
    ensureBuilt('cli');
    ensureBuilt('server');
    url = await seedDatabase(cluster());
    const people: [string, string[], boolean][] = [
      ['alice', ['--role', '*=editor', '--role', 'production=approver'], false],
      ['bob', ['--role', '*=approver'], true],
      ['cursor-alice', ['--kind', 'assistant', '--role', '*=editor'], true],
      ['vic', ['--kind', 'service', '--role', '*=viewer'], false],
    ];
    for (const [name, roles, viaEnv] of people) {
      const created = await admin(['--json', 'token', 'create', '--name', name, ...roles], { viaEnv });
      assert.equal(created.status, 0, created.stderr);
      const json = JSON.parse(created.stdout) as { token: string; record: TokenRecord };
      tokens[name] = json.token;
      records[name] = json.record;
    }
    // Created a year ago for a day: expired by now (the server runs on the real clock).
    const expired = await admin(
      ['--json', 'token', 'create', '--name', 'temp', '--role', '*=viewer', '--expires', '1d'],
      {
        env: { ROLLGATE_NOW: '2025-06-01T00:00:00.000Z' },
      },
    );
    assert.equal(expired.status, 0, expired.stderr);
    tokens.temp = (JSON.parse(expired.stdout) as { token: string }).token;
    server = await startCliServer(['--database', url]);
  });
  after(() => server?.stop());

  it('lists the tokens of the database (never their secrets) and serves them as identities', async () => {
    const listed = await admin(['token', 'list'], { viaEnv: true });
    assert.equal(listed.status, 0, listed.stderr);
    for (const name of ['alice', 'bob', 'cursor-alice', 'vic', 'temp']) {
      assert.match(listed.stdout, new RegExp(` ${name} `));
    }
    assert.match(listed.stdout, /cursor-alice +assistant +\*=editor +active/);
    assert.match(listed.stdout, /temp +person +\*=viewer +expired 2025-06-02T00:00:00\.000Z/);
    for (const token of Object.values(tokens)) assert.ok(!listed.stdout.includes(token.slice(17)));

    const me = await whoami(tokens.bob ?? '');
    assert.equal(me.status, 200);
    assert.deepEqual((me.body as { identity: unknown }).identity, {
      id: records.bob?.id,
      name: 'bob',
      kind: 'person',
      roles: { '*': 'approver' },
    });
  });

  it('holds protected changes for a second person: the assistant and the requester cannot approve, bob can', async () => {
    const proposed = await as('cursor-alice', [
      'set-rollout',
      'banner-color',
      '20',
      '--env',
      'production',
      '--reason',
      'try blue for pro users',
    ]);
    assert.equal(proposed.status, 6, proposed.stderr);
    const assistantRequest = /change request (cr-\d+)/.exec(proposed.stderr)?.[1];
    assert.ok(assistantRequest, proposed.stderr);
    const denied = await as('cursor-alice', ['approve', assistantRequest]);
    assert.equal(denied.status, 5);
    assert.match(denied.stderr, /cursor-alice may not approve in production: that needs the approver role/);
    assert.match(denied.stderr, /Assistants never approve or administer: ask a person/);

    const raised = await as('alice', ['set-rollout', 'new-checkout', '10', '--env', 'production', '--reason', 'ramp']);
    assert.equal(raised.status, 6, raised.stderr);
    const aliceRequest = /change request (cr-\d+)/.exec(raised.stderr)?.[1];
    assert.ok(aliceRequest, raised.stderr);
    const own = await as('alice', ['approve', aliceRequest]);
    assert.equal(own.status, 5);
    assert.match(own.stderr, new RegExp(`alice requested ${aliceRequest} and cannot approve it`));
    assert.deepEqual(await productionRollouts(url), { 'banner-color': null, 'new-checkout': null }, 'nothing applied');

    for (const [request, flag] of [
      [assistantRequest, 'banner-color'],
      [aliceRequest, 'new-checkout'],
    ] as const) {
      const approved = await as('bob', ['approve', request]);
      assert.equal(approved.status, 0, approved.stderr);
      assert.match(approved.stdout, new RegExp(`Applied ${request} \\(${flag} in production\\)`));
    }
    assert.deepEqual(await productionRollouts(url), {
      'banner-color': { variant: 'blue', percentage: 20 },
      'new-checkout': { variant: 'on', percentage: 10 },
    });

    const audit = await as('vic', ['--json', 'audit', '--env', 'production']);
    assert.equal(audit.status, 0, audit.stderr);
    assert.deepEqual(
      (JSON.parse(audit.stdout) as { entries: AuditEntry[] }).entries
        .filter((e) => e.action !== 'test.seed')
        .map((e) => [e.action, e.flagKey, e.actor]),
      [
        ['change-request.create', 'banner-color', 'cursor-alice'],
        ['change-request.create', 'new-checkout', 'alice'],
        ['flag.set-rollout', 'banner-color', 'bob'],
        ['change-request.approve', 'banner-color', 'bob'],
        ['flag.set-rollout', 'new-checkout', 'bob'],
        ['change-request.approve', 'new-checkout', 'bob'],
      ],
    );
  });

  it('refuses a token revoked through the CLI on the database at its next request, and forged and expired ones', async () => {
    assert.equal((await whoami(tokens.vic ?? '')).status, 200);
    const revoked = await admin(['token', 'revoke', 'vic']);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal(revoked.stdout.trim(), `Revoked token ${records.vic?.id} (vic).`);
    // At once: the server reads the token's row on every request.
    const refused = await whoami(tokens.vic ?? '');
    assert.equal(refused.status, 401);
    assert.match(JSON.stringify(refused.body), /The token \\"vic\\" was revoked at /);
    const list = await as('vic', ['list']);
    assert.equal(list.status, 5);
    assert.match(list.stderr, /The token "vic" was revoked at .*rollgate token create/s);

    const alice = tokens.alice ?? '';
    const forged = `${alice.slice(0, -4)}${alice.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    for (const token of [forged, 'rgt_forged']) {
      assert.equal((await whoami(token)).status, 401);
      const result = await as('alice', ['list'], token);
      assert.equal(result.status, 5);
      assert.match(result.stderr, /The token is not valid\..*Set ROLLGATE_TOKEN to a valid token/s);
    }
    assert.equal((await whoami(tokens.temp ?? '')).status, 401);
    const expired = await as('temp', ['list']);
    assert.equal(expired.status, 5);
    assert.match(expired.stderr, /The token "temp" expired at 2025-06-02T00:00:00\.000Z/);
  });

  it('keeps no token text in the database but hashes (no secret in the flags, requests or audit log)', async () => {
    const kept = await Promise.all(
      ['flags', 'environments', 'change_requests', 'audit_entries', 'api_tokens'].map((t) => tableText(url, t)),
    );
    const all = kept.join('\n');
    assert.match(kept[3] ?? '', /cursor-alice/, 'the audit log names the tokens');
    assert.doesNotMatch(all, /rgt_/);
    for (const token of Object.values(tokens)) assert.ok(!all.includes(token.slice(17)), 'no secret stored');
  });
});
