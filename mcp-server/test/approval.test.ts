import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { decideChangeRequest, listChangeRequests, type Flag } from '@rollgate/shared/flags';
import { CLI_BIN, NOW, call, callOk, connect, ensureBuilt, seededStore, textOf } from './helpers.ts';

interface WriteResult {
  status: string;
  changeRequests?: { id: string; environments: string[]; merged: boolean; approveWith: string; rejectWith: string }[];
  environments: { environment: string; protected: boolean }[];
}

async function productionRollout(store: Awaited<ReturnType<typeof seededStore>>['store']): Promise<number | undefined> {
  const { document } = await store.read();
  return document.flags.find((f) => f.key === 'new-checkout')?.environments.production?.rollout?.percentage;
}

const ramp = (percentage: number, reason?: string): Record<string, unknown> => ({
  key: 'new-checkout',
  environment: 'production',
  percentage,
  ...(reason ? { reason } : {}),
});

describe('protected environments: approval flow', () => {
  it('needs a reason and caps the step; nothing is written when refused', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const before = await fixture.store.read();
    const noReason = await call(session.client, 'set-rollout', ramp(25));
    assert.equal(noReason.isError, true);
    assert.match(textOf(noReason), /production is protected: the change needs a reason/);
    const tooBig = await call(session.client, 'set-rollout', ramp(50, 'go faster'));
    assert.equal(tooBig.isError, true);
    assert.match(textOf(tooBig), /capped at \+25 points \(10% → 50% asked\).*at most 35%/s);
    assert.equal((await fixture.store.read()).version, before.version);
  });

  it('creates a pending request instead of writing; a human approves it through the change-request API', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const result = await callOk<WriteResult>(session.client, 'set-rollout', ramp(25, 'error rate flat for 24h'));
    assert.equal(result.status, 'pending-approval');
    assert.deepEqual(result.changeRequests, [
      {
        id: 'cr-1',
        environments: ['production'],
        merged: false,
        approveWith: 'rollgate approve cr-1',
        rejectWith: 'rollgate reject cr-1',
      },
    ]);
    assert.equal(await productionRollout(fixture.store), 10, 'the model alone changed nothing');

    const got = await callOk<{ pendingChangeRequests: { id: string; reason: string }[] }>(session.client, 'get-flag', {
      key: 'new-checkout',
    });
    assert.deepEqual(
      got.pendingChangeRequests.map((r) => [r.id, r.reason]),
      [['cr-1', 'error rate flat for 24h']],
    );

    const approved = await decideChangeRequest(fixture.store, 'cr-1', 'approve', {
      actor: 'vscode:alice',
      now: () => NOW,
    });
    assert.equal(approved.status, 'applied');
    assert.equal(await productionRollout(fixture.store), 25);
    const audit = await fixture.store.readAudit({ flagKey: 'new-checkout', environment: 'production' });
    assert.deepEqual(
      audit.slice(-3).map((e) => [e.actor, e.action]),
      [
        ['mcp:test-client', 'change-request.create'],
        ['vscode:alice', 'flag.set-rollout'],
        ['vscode:alice', 'change-request.approve'],
      ].map(([actor, action]) => [actor, action]),
    );
    assert.match(audit.at(-2)?.reason ?? '', /error rate flat for 24h.*cr-1/);
  });

  it('kill switch in production applies at once; a pending ramp-up still applies after it; the CLI approves and rejects', async () => {
    ensureBuilt('cli');
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
      spawnSync(process.execPath, [CLI_BIN, '--store', fixture.root, ...args], {
        encoding: 'utf8',
        env: { ...process.env, ROLLGATE_NOW: NOW.toISOString(), USER: 'bob' },
      });

    assert.equal(
      (await callOk<WriteResult>(session.client, 'set-rollout', ramp(30, 'step 2'))).status,
      'pending-approval',
    );
    const twin = await callOk<WriteResult>(session.client, 'set-rollout', ramp(30, 'step 2, asked again'));
    assert.deepEqual(
      twin.changeRequests?.map((r) => [r.id, r.merged]),
      [['cr-1', true]],
      'identical requests merge',
    );
    const kill = await call(session.client, 'toggle-flag', {
      key: 'new-checkout',
      environment: 'production',
      enabled: false,
      reason: 'kill it while we look at INC-7',
    });
    assert.equal((kill.structuredContent as { status: string }).status, 'applied');
    assert.match(textOf(kill), /Applied at once in production.*production: disabled.*nobody gets a variant/s);
    const killed = await fixture.store.readAudit({ flagKey: 'new-checkout', environment: 'production' });
    assert.deepEqual(
      [killed.at(-1)?.action, killed.at(-1)?.reason, killed.at(-1)?.data],
      ['flag.toggle', 'kill it while we look at INC-7', { exposure: 'reduced' }],
    );
    const listed = cli('requests');
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /cr-1.*pending.*new-checkout.*production/);
    assert.doesNotMatch(listed.stdout, /cr-2/);

    const approve = cli('approve', 'cr-1');
    assert.equal(approve.status, 0, approve.stderr);
    assert.equal(await productionRollout(fixture.store), 30, 'the pending request rebased onto the kill switch');
    const production = (await fixture.store.read()).document.flags[0]?.environments.production;
    assert.equal(production?.enabled, false, 'and the kill switch stays on');

    // Two requests from the same base: once one moves the percentage, the other no longer applies.
    await callOk(session.client, 'set-rollout', ramp(40, 'step 3'));
    await callOk(session.client, 'set-rollout', ramp(45, 'step 3, a bit more'));
    assert.equal(cli('approve', 'cr-2').status, 0);
    const stale = cli('approve', 'cr-3');
    assert.equal(stale.status, 3, stale.stdout + stale.stderr);
    assert.match(stale.stderr, /cr-3 no longer applies cleanly.*rollgate reject cr-3/s);
    const reject = cli('--reason', 'superseded', 'reject', 'cr-3');
    assert.equal(reject.status, 0, reject.stderr);
    assert.deepEqual(
      listChangeRequests((await fixture.store.read()).document).map((r) => [r.id, r.status, r.decidedBy]),
      [
        ['cr-1', 'applied', 'cli:bob'],
        ['cr-2', 'applied', 'cli:bob'],
        ['cr-3', 'rejected', 'cli:bob'],
      ],
    );
    assert.match(cli('requests').stdout, /No pending change requests/);
  });

  it('asks the user by elicitation when the client supports it; declining or failing creates nothing', async () => {
    await using fixture = await seededStore();
    for (const answer of ['decline', 'fail', 'accept'] as const) {
      const asked: string[] = [];
      await using session = await connect(fixture.store, {}, { capabilities: { elicitation: { form: {} } } });
      session.client.setRequestHandler(ElicitRequestSchema, (request) => {
        asked.push(request.params.message);
        if (answer === 'fail') throw new Error('the dialog crashed');
        return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
      });
      const result = await call(session.client, 'set-rollout', ramp(20, 'next step'));
      assert.equal(asked.length, 1);
      assert.match(asked[0] ?? '', /new-checkout.*production.*Reason: next step/s);
      if (answer === 'fail') {
        assert.equal(result.isError, true);
        assert.match(textOf(result), /Could not ask the user to confirm.*No change request was created/s);
      } else {
        const status = (result.structuredContent as { status: string } | undefined)?.status;
        assert.equal(status, answer === 'accept' ? 'pending-approval' : 'declined');
      }
    }
    const requests = listChangeRequests((await fixture.store.read()).document);
    assert.deepEqual(
      requests.map((r) => r.status),
      ['pending'],
      'only the accepted call created a request, and accepting did not apply it',
    );
    assert.equal(await productionRollout(fixture.store), 10);
  });

  it('archiving a flag configured in production goes through approval too', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const result = await callOk<WriteResult>(session.client, 'archive-flag', {
      key: 'old-banner',
      reason: 'experiment ended in June',
    });
    assert.equal(result.status, 'pending-approval');
    const flag = (await fixture.store.read()).document.flags.find((f): f is Flag => f.key === 'old-banner');
    assert.equal(flag?.archived, false);
  });
});
