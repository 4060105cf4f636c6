import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { remoteOperationRequestSchema, type RemoteOperationRequest } from '../../src/auth/remote-operations.ts';
import { operationFor } from '../../src/flags/change-requests.ts';
import { descriptionOf } from '../../src/flags/descriptor.ts';
import { createEmptyDocument } from '../../src/flags/model.ts';
import { createSegment, deleteSegment, segmentOperationFor, updateSegment } from '../../src/flags/segments.ts';
import {
  addEnvironment,
  archiveFlag,
  createFlag,
  environmentOperationFor,
  updateEnvironment,
  setDefaultVariant,
  setFlagEnabled,
  setRollout,
  setRules,
  updateFlag,
  type ChangeContext,
  type Operation,
} from '../../src/flags/operations.ts';
import {
  advanceRolloutOperation,
  pauseRolloutOperation,
  rollbackRolloutOperation,
  startRolloutOperation,
} from '../../src/rollout/plan.ts';

const context: ChangeContext = { actor: 'alice', now: () => new Date('2026-11-25T12:00:00.000Z') };
const target = { flagKey: 'checkout', environment: 'staging' };

/** The operation the server rebuilds from a validated request body. */
function rebuilt(operation: RemoteOperationRequest['operation']): Operation {
  switch (operation.kind) {
    case 'segment':
      return segmentOperationFor(operation.change);
    case 'environment':
      return environmentOperationFor(operation.change);
    case 'apply':
    case 'reduce-exposure':
    case 'propose':
      return operationFor(operation.change);
    case 'approve':
    case 'reject':
    case 'withdraw':
      throw new Error(`no operation to rebuild for ${operation.kind}`);
  }
}

/** A document after `operations`, each applied locally. */
function after(...operations: Operation[]): ReturnType<typeof createEmptyDocument> {
  return operations.reduce((document, operation) => operation(document, context).document, createEmptyDocument());
}

describe('operation descriptors', () => {
  const base = [
    createFlag({ key: 'checkout', name: 'Checkout', kind: 'release', owner: 'payments' }),
    setFlagEnabled('checkout', 'staging', true),
  ];
  // Each case: the operation and the steps that must come before it.
  const cases: [string, Operation, Operation[]][] = [
    ['createFlag', createFlag({ key: 'banner', name: 'Banner', kind: 'experiment', variants: { a: 'x', b: 'y' } }), []],
    ['updateFlag', updateFlag('checkout', { name: 'Checkout v2', owner: null }), base],
    ['setFlagEnabled', setFlagEnabled('checkout', 'production', true), base],
    ['setRollout (percentage)', setRollout('checkout', 'staging', 12.5), base],
    ['setRollout (rollout)', setRollout('checkout', 'staging', { variant: 'on', percentage: 40 }), base],
    [
      'setRules',
      setRules('checkout', 'staging', [
        { conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }], serve: { variant: 'on' } },
      ]),
      base,
    ],
    ['setDefaultVariant', setDefaultVariant('checkout', 'staging', 'on'), base],
    ['archiveFlag', archiveFlag('checkout'), base],
    ['startRolloutOperation', startRolloutOperation({ ...target, plan: { variant: 'on', steps: [5, 50, 100] } }), base],
    [
      'pauseRolloutOperation',
      pauseRolloutOperation(target),
      [...base, startRolloutOperation({ ...target, plan: { variant: 'on' } })],
    ],
    [
      'advanceRolloutOperation',
      advanceRolloutOperation(target),
      [...base, startRolloutOperation({ ...target, plan: { variant: 'on' } })],
    ],
    [
      'rollbackRolloutOperation',
      rollbackRolloutOperation(target),
      [...base, startRolloutOperation({ ...target, plan: { variant: 'on' } })],
    ],
    [
      'createSegment',
      createSegment({
        key: 'staff',
        name: 'Staff',
        included: ['alice'],
        rules: [{ conditions: [{ attribute: 'email', operator: 'ends_with', value: '@acme.com' }] }],
      }),
      base,
    ],
    [
      'updateSegment',
      updateSegment('staff', { addKeys: ['bob'], removeKeys: ['alice'], name: null, excluded: ['eve'] }),
      [...base, createSegment({ key: 'staff', name: 'Staff', included: ['alice'] })],
    ],
    ['deleteSegment', deleteSegment('staff'), [...base, createSegment({ key: 'staff', included: ['alice'] })]],
    ['addEnvironment', addEnvironment({ key: 'qa', name: 'QA' }), base],
    ['updateEnvironment', updateEnvironment('staging', { name: 'Staging', protected: true }), base],
  ];

  for (const [name, operation, before] of cases) {
    it(`${name}: the operation rebuilt from its descriptor on the server does what it does locally`, () => {
      const description = descriptionOf(operation);
      assert.ok(description && 'descriptor' in description, 'the factory attaches a descriptor');
      // The descriptor travels as JSON and is validated like any request body.
      const body = remoteOperationRequestSchema.parse(
        JSON.parse(JSON.stringify({ operation: description.descriptor })),
      );
      const document = after(...before);
      assert.deepEqual(rebuilt(body.operation)(document, context), operation(document, context));
    });
  }

  it('operations without a serializable form carry no descriptor', () => {
    assert.equal(descriptionOf(setRollout('checkout', 'staging', null)), undefined);
    assert.equal(descriptionOf(archiveFlag('checkout', false)), undefined);
  });
});
