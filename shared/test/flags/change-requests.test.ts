import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError } from '../../src/errors.ts';
import {
  approveChangeRequest,
  impactOf,
  listChangeRequests,
  proposeChange,
  rejectChangeRequest,
  type ProposedChange,
} from '../../src/flags/change-requests.ts';
import { createEmptyDocument, storeDocumentSchema, type StoreDocument } from '../../src/flags/model.ts';
import { setRollout, type ChangeContext } from '../../src/flags/operations.ts';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const assistant: ChangeContext = { actor: 'mcp:test-client', reason: 'ramp up after a clean day', now: () => NOW };
const alice: ChangeContext = { actor: 'cli:alice', now: () => NOW };

function fixture(): StoreDocument {
  return storeDocumentSchema.parse({
    ...createEmptyDocument(),
    flags: [
      {
        key: 'new-checkout',
        name: 'New checkout',
        kind: 'release',
        createdAt: '2026-11-01T00:00:00Z',
        type: 'boolean',
        variants: { on: true, off: false },
        environments: {
          development: { enabled: true, defaultVariant: 'on' },
          production: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 10 } },
        },
      },
    ],
  });
}

const rampTo25: ProposedChange = {
  action: 'flag.set-rollout',
  flagKey: 'new-checkout',
  environment: 'production',
  percentage: 25,
};

function rolloutIn(document: StoreDocument, environment: string): number | undefined {
  return document.flags.find((f) => f.key === 'new-checkout')?.environments[environment]?.rollout?.percentage;
}

function thrown(fn: () => unknown): FlagError {
  try {
    fn();
  } catch (e) {
    if (FlagError.is(e)) return e;
    throw e;
  }
  assert.fail('expected a FlagError');
}

describe('change requests', () => {
  it('impactOf reports only the environments whose served state changes', () => {
    const impact = impactOf(fixture(), rampTo25, assistant);
    assert.deepEqual(
      impact.environments.map((e) => [e.environment, e.protected]),
      [['production', true]],
    );
    assert.equal(rolloutIn(impact.result.document, 'production'), 25);
  });

  it('proposing stores a pending request and changes no flag', () => {
    const base = fixture();
    const { document, audit } = proposeChange(rampTo25)(base, assistant);
    assert.deepEqual(document.flags, base.flags);
    const [request] = listChangeRequests(document, { status: 'pending' });
    assert.equal(request?.id, 'cr-1');
    assert.equal(request?.createdBy, 'mcp:test-client');
    assert.deepEqual(request?.environments, ['production']);
    assert.equal(
      (request?.before.production as { config: { rollout: { percentage: number } } }).config.rollout.percentage,
      10,
    );
    assert.equal(
      (request?.after.production as { config: { rollout: { percentage: number } } }).config.rollout.percentage,
      25,
    );
    assert.equal(audit[0]?.action, 'change-request.create');
    assert.deepEqual(audit[0]?.changes, [
      { path: '/environments/production/config/rollout/percentage', before: 10, after: 25 },
    ]);
    // The document with the request is still a valid store document.
    assert.equal(storeDocumentSchema.safeParse(document).success, true);
  });

  it('numbers requests after the highest existing id', () => {
    const once = proposeChange(rampTo25)(fixture(), assistant).document;
    const twice = proposeChange({ ...rampTo25, percentage: 20 })(once, assistant).document;
    assert.deepEqual(
      listChangeRequests(twice).map((r) => r.id),
      ['cr-1', 'cr-2'],
    );
  });

  it('refuses a request without a reason, and one that touches no protected environment', () => {
    assert.equal(
      thrown(() => proposeChange(rampTo25)(fixture(), { ...assistant, reason: '  ' })).code,
      'INVALID_INPUT',
    );
    const devOnly: ProposedChange = {
      action: 'flag.toggle',
      flagKey: 'new-checkout',
      environment: 'development',
      enabled: false,
    };
    assert.match(thrown(() => proposeChange(devOnly)(fixture(), assistant)).message, /no protected environment/);
  });

  it('approval applies the change as the approver, marks the request applied and audits both', () => {
    const pending = proposeChange(rampTo25)(fixture(), assistant).document;
    const { document, audit } = approveChangeRequest('cr-1')(pending, alice);
    assert.equal(rolloutIn(document, 'production'), 25);
    const [request] = listChangeRequests(document);
    assert.equal(request?.status, 'applied');
    assert.equal(request?.decidedBy, 'cli:alice');
    assert.equal(request?.decidedAt, NOW.toISOString());
    assert.ok(audit.every((e) => e.actor === 'cli:alice'));
    assert.deepEqual(audit.map((e) => e.action).at(-1), 'change-request.approve');
    assert.ok(audit.some((e) => e.reason?.includes('ramp up after a clean day') && e.reason.includes('cr-1')));
  });

  it('approval ignores unrelated changes but refuses a request whose base moved on', () => {
    const pending = proposeChange(rampTo25)(fixture(), assistant).document;
    const devChanged = setRollout('new-checkout', 'development', { variant: 'on', percentage: 50 })(
      pending,
      alice,
    ).document;
    assert.equal(rolloutIn(approveChangeRequest('cr-1')(devChanged, alice).document, 'production'), 25);

    const prodChanged = setRollout('new-checkout', 'production', { variant: 'on', percentage: 15 })(
      pending,
      alice,
    ).document;
    const error = thrown(() => approveChangeRequest('cr-1')(prodChanged, alice));
    assert.equal(error.code, 'STORE_CONFLICT');
    assert.match(error.message, /no longer applies cleanly/);
    assert.match(String(error.details.hint), /rollgate reject cr-1/);
  });

  it('rejection leaves the flag alone; a decided request cannot be decided again', () => {
    const pending = proposeChange(rampTo25)(fixture(), assistant).document;
    const { document } = rejectChangeRequest('cr-1')(pending, { ...alice, reason: 'wait for the incident review' });
    assert.equal(rolloutIn(document, 'production'), 10);
    assert.equal(listChangeRequests(document)[0]?.status, 'rejected');
    assert.equal(listChangeRequests(document)[0]?.decisionNote, 'wait for the incident review');
    const again = thrown(() => approveChangeRequest('cr-1')(document, alice));
    assert.equal(again.code, 'INVALID_INPUT');
    assert.match(again.message, /already rejected/);
  });

  it('an unknown id names the pending ones', () => {
    const pending = proposeChange(rampTo25)(fixture(), assistant).document;
    const error = thrown(() => approveChangeRequest('cr-9')(pending, alice));
    assert.equal(error.code, 'FLAG_NOT_FOUND');
    assert.match(String(error.details.hint), /cr-1/);
  });

  it('a hand-edited invalid change is refused with PARSE_ERROR', () => {
    const pending = proposeChange(rampTo25)(fixture(), assistant).document;
    const broken: StoreDocument = {
      ...pending,
      changeRequests: pending.changeRequests?.map((r) => ({ ...r, change: { action: 'flag.explode' } })),
    };
    assert.equal(thrown(() => approveChangeRequest('cr-1')(broken, alice)).code, 'PARSE_ERROR');
  });

  describe('four eyes', () => {
    function withPolicy(approval: unknown, groups?: Record<string, string[]>): StoreDocument {
      const base = fixture();
      return storeDocumentSchema.parse({
        ...base,
        environments: base.environments.map((e) => (e.key === 'production' ? { ...e, approval } : e)),
        ...(groups ? { groups } : {}),
      });
    }
    const as = (actor: string): ChangeContext => ({ actor, now: () => NOW });

    it('never lets the requester approve their own request', () => {
      const { document } = proposeChange(rampTo25)(fixture(), assistant);
      const error = thrown(() => approveChangeRequest('cr-1')(document, as('mcp:test-client')));
      assert.equal(error.code, 'FORBIDDEN');
      assert.match(error.message, /requested cr-1 and cannot approve it/);
    });

    it('lets only the listed approvers, by name or group, approve', () => {
      const policy = withPolicy({ approvers: ['bob', 'group:sre'] }, { sre: ['carol'] });
      const { document } = proposeChange(rampTo25)(policy, assistant);
      const refused = thrown(() => approveChangeRequest('cr-1')(document, alice));
      assert.equal(refused.code, 'FORBIDDEN');
      assert.match(String(refused.details.hint), /Approvers of production: bob, group:sre/);
      assert.equal(rolloutIn(approveChangeRequest('cr-1')(document, as('carol')).document, 'production'), 25);
      assert.equal(rolloutIn(approveChangeRequest('cr-1')(document, as('bob')).document, 'production'), 25);
    });

    it('applies only at the last of several required approvals, each approver counted once', () => {
      const { document: proposed } = proposeChange(rampTo25)(withPolicy({ required: 2 }), assistant);
      const first = approveChangeRequest('cr-1')(proposed, as('bob'));
      assert.equal(rolloutIn(first.document, 'production'), 10, 'one approval of two changes nothing');
      assert.equal(first.audit[0]?.action, 'change-request.approval');
      assert.deepEqual(first.audit[0]?.data, {
        requestId: 'cr-1',
        environments: ['production'],
        approvals: 1,
        required: 2,
      });
      const again = thrown(() => approveChangeRequest('cr-1')(first.document, as('bob')));
      assert.equal(again.code, 'INVALID_INPUT');
      const second = approveChangeRequest('cr-1')(first.document, as('carol'));
      assert.equal(rolloutIn(second.document, 'production'), 25);
      const [request] = listChangeRequests(second.document);
      assert.equal(request?.status, 'applied');
      assert.deepEqual(
        request?.approvals?.map((a) => a.by),
        ['bob', 'carol'],
      );
    });

    it('refuses a policy naming a group that does not exist', () => {
      const result = storeDocumentSchema.safeParse({
        ...fixture(),
        environments: fixture().environments.map((e) =>
          e.key === 'production' ? { ...e, approval: { approvers: ['group:sre'] } } : e,
        ),
      });
      assert.equal(result.success, false);
      assert.match(JSON.stringify(result.error?.issues), /unknown group \\"sre\\"/);
    });
  });
});
