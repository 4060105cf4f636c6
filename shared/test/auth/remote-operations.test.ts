import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeRemoteOperation } from '../../src/auth/remote-operations.ts';
import type { Identity } from '../../src/auth/roles.ts';
import { FlagError } from '../../src/errors.ts';
import {
  addEnvironment,
  applyOperation,
  createFlag,
  setApproverGroup,
  setFlagEnabled,
  setRollout,
  setRules,
  updateEnvironment,
} from '../../src/flags/operations.ts';
import { createSegment, updateSegment } from '../../src/flags/segments.ts';
import { descriptionOf } from '../../src/flags/descriptor.ts';
import { initStore, type FileStore } from '../../src/store/file-store.ts';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const now = (): Date => NOW;

const person = (name: string, roles: Identity['roles']): Identity => ({ id: name, name, kind: 'person', roles });
const stagingEditor = person('sam', { staging: 'editor', '*': 'viewer' });
const editor = person('alice', { '*': 'editor' });
const approver = person('bob', { '*': 'approver' });
const admin = person('ada', { '*': 'admin' });

async function rejected(promise: Promise<unknown>): Promise<FlagError> {
  try {
    await promise;
  } catch (e) {
    if (FlagError.is(e)) return e;
    throw e;
  }
  assert.fail('expected a FlagError');
}

describe('executeRemoteOperation', () => {
  let dir: string;
  let store: FileStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rollgate-remote-ops-'));
    store = await initStore(dir, { pollIntervalMs: 50, debounceMs: 10 });
    const create = createFlag({ key: 'checkout', name: 'Checkout', kind: 'release' });
    await applyOperation(store, create, { actor: 'seed', now });
    for (const env of ['staging', 'production']) {
      await applyOperation(store, setRollout('checkout', env, 30), { actor: 'seed', now, reason: 'seed' });
    }
  });
  after(async () => {
    store.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const send = (identity: Identity, body: Record<string, unknown>): ReturnType<typeof executeRemoteOperation> =>
    executeRemoteOperation(store, identity, body, now);
  const descriptorOf = (operation: Parameters<typeof descriptionOf>[0]): unknown => {
    const description = descriptionOf(operation);
    assert.ok(description && 'descriptor' in description);
    return description.descriptor;
  };
  const servedIn = async (env: string): Promise<number | undefined> =>
    (await store.read()).document.flags[0]?.environments[env]?.rollout?.percentage;

  it('needs the editor role in the environment a change touches, and audits the identity', async () => {
    const production = await rejected(
      send(stagingEditor, { operation: descriptorOf(setRollout('checkout', 'production', 20)), reason: 'x' }),
    );
    assert.equal(production.code, 'FORBIDDEN');
    assert.match(production.message, /sam may not write in production/);
    // An environment-less change (create) touches every environment.
    const created = await rejected(
      send(stagingEditor, { operation: descriptorOf(createFlag({ key: 'x', name: 'X', kind: 'operational' })) }),
    );
    assert.equal(created.code, 'FORBIDDEN');

    const { snapshot } = await send(stagingEditor, { operation: descriptorOf(setRollout('checkout', 'staging', 40)) });
    assert.equal(await servedIn('staging'), 40);
    const [last] = await store.readAudit({ limit: 1 });
    assert.deepEqual([last?.actor, last?.action, last?.revision], ['sam', 'flag.set-rollout', snapshot.revision]);
  });

  it('applies a reduction in a protected environment at once and files a raise as a request', async () => {
    const lowered = await send(editor, {
      operation: descriptorOf(setRollout('checkout', 'production', 20)),
      reason: 'calm',
    });
    assert.equal(lowered.pending, undefined);
    assert.equal(await servedIn('production'), 20);

    const raised = await send(editor, {
      operation: descriptorOf(setRollout('checkout', 'production', 50)),
      reason: 'go',
    });
    assert.equal(raised.pending, true);
    assert.equal(raised.request?.createdBy, 'alice');
    assert.equal(await servedIn('production'), 20);

    const noReason = await rejected(
      send(editor, { operation: descriptorOf(setRollout('checkout', 'production', 60)) }),
    );
    assert.equal(noReason.code, 'INVALID_INPUT');

    const byEditor = await rejected(send(editor, { operation: { kind: 'approve', id: raised.request?.id } }));
    assert.equal(byEditor.code, 'FORBIDDEN');
    assert.match(byEditor.message, /needs the approver role/);
    const approved = await send(approver, { operation: { kind: 'approve', id: raised.request?.id } });
    assert.equal(approved.request?.status, 'applied');
    assert.equal(await servedIn('production'), 50);
  });

  it('refuses a change whose paths moved since the client’s revision, and rebases one whose paths did not', async () => {
    const seen = (await store.read()).revision;
    await send(editor, { operation: descriptorOf(setRollout('checkout', 'staging', 45)) });
    const stale = await rejected(
      send(editor, { operation: descriptorOf(setRollout('checkout', 'staging', 35)), baseRevision: seen }),
    );
    assert.equal(stale.code, 'STORE_CONFLICT');
    assert.match(stale.message, /changed since you read it \(flag\.set-rollout by alice/);
    assert.equal(await servedIn('staging'), 45);

    await send(editor, { operation: descriptorOf(setRollout('checkout', 'development', 5)), baseRevision: seen });
    assert.equal(await servedIn('development'), 5);
  });

  it('refuses malformed operations with INVALID_INPUT', async () => {
    for (const body of [
      {},
      { operation: { kind: 'apply', change: { action: 'flag.delete', flagKey: 'checkout' } } },
      { operation: { kind: 'approve', id: '../cr-1' } },
      { operation: descriptorOf(setRollout('checkout', 'staging', 1)), actor: 'mallory' },
    ]) {
      const error = await rejected(send(editor, body));
      assert.equal(error.code, 'INVALID_INPUT', JSON.stringify(body));
    }
  });

  it('segments: editor in every environment; who is in one live in a protected environment is an admin’s call', async () => {
    const create = descriptorOf(createSegment({ key: 'beta', included: ['u1'] }));
    const partial = await rejected(send(stagingEditor, { operation: create }));
    assert.equal(partial.code, 'FORBIDDEN');
    assert.match(partial.message, /sam may not write in development/);
    await send(editor, { operation: create });
    const seed = { actor: 'seed', now, reason: 'seed' };
    await applyOperation(store, setFlagEnabled('checkout', 'production', true), seed);
    const rules = [{ conditions: [{ segment: 'beta' }], serve: { variant: 'on' } }];
    await applyOperation(store, setRules('checkout', 'production', rules), seed);

    const addKey = descriptorOf(updateSegment('beta', { addKeys: ['u2'] }));
    const byEditor = await rejected(send(editor, { operation: addKey, reason: 'more testers' }));
    assert.equal(byEditor.code, 'FORBIDDEN');
    assert.match(byEditor.message, /decides who gets checkout \(production\).*admin role in the protected environment/);
    const noReason = await rejected(send(admin, { operation: addKey }));
    assert.equal(noReason.code, 'INVALID_INPUT');
    const seen = (await store.read()).revision;
    await send(admin, { operation: addKey, reason: 'more testers' });
    // Its name does not change who is in it.
    await send(editor, { operation: descriptorOf(updateSegment('beta', { name: 'Beta' })), baseRevision: seen });
    const stale = await rejected(
      send(admin, {
        operation: descriptorOf(updateSegment('beta', { included: ['u9'] })),
        reason: 'r',
        baseRevision: seen,
      }),
    );
    assert.equal(stale.code, 'STORE_CONFLICT');
    assert.match(stale.message, /Segment "beta" changed since you read it \(segment\.update by ada/);
    const segment = (await store.read()).document.segments?.[0];
    assert.deepEqual([segment?.name, segment?.included], ['Beta', ['u1', 'u2']]);
  });

  it('environment edits need the admin role', async () => {
    const add = descriptorOf(addEnvironment({ key: 'qa' }));
    const byApprover = await rejected(send(approver, { operation: add }));
    assert.equal(byApprover.code, 'FORBIDDEN');
    assert.match(byApprover.message, /bob may not admin across environments/);
    await send(admin, { operation: add });
    const [last] = await store.readAudit({ limit: 1 });
    assert.deepEqual([last?.actor, last?.action], ['ada', 'environment.add']);
  });

  it('approver groups and approval policies need the admin role, and arrive whole', async () => {
    const group = descriptorOf(setApproverGroup('sre', ['bob', 'carol']));
    const byApprover = await rejected(send(approver, { operation: group }));
    assert.equal(byApprover.code, 'FORBIDDEN');
    await send(admin, { operation: group });
    const policy = descriptorOf(updateEnvironment('qa', { approval: { required: 2, approvers: ['group:sre'] } }));
    await send(admin, { operation: policy, reason: 'sre reviews qa' });
    const { document } = await store.read();
    assert.deepEqual(document.groups, { sre: ['bob', 'carol'] });
    assert.deepEqual(document.environments.find((e) => e.key === 'qa')?.approval, {
      required: 2,
      approvers: ['group:sre'],
    });
    // A group a policy names cannot go.
    const removal = await rejected(send(admin, { operation: descriptorOf(setApproverGroup('sre', null)) }));
    assert.match(removal.message, /sre/);
    const [last] = await store.readAudit({ limit: 1 });
    assert.deepEqual([last?.actor, last?.action], ['ada', 'environment.update']);
  });
});
