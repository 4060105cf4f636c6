import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  rolloutPlanSchema,
  type AuditEntry,
  type EnvironmentConfig,
  type Flag,
  type StoreDocument,
} from '../../src/flags/model.ts';
import {
  DEFAULT_STALE_POLICY,
  detectStaleFlags,
  getSingleServing,
  groupReferencesByKey,
  type FlagReference,
  type StalePolicy,
  type StaleReason,
} from '../../src/scanner/index.ts';

const NOW = new Date('2026-06-30T12:00:00Z');
const ENVS = ['development', 'staging', 'production'];

function env(config: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return { enabled: true, defaultVariant: 'on', rules: [], ...config };
}

function flag(key: string, overrides: Partial<Flag> = {}): Flag {
  return {
    key,
    name: key,
    description: '',
    kind: 'release',
    tags: [],
    createdAt: '2026-06-20T00:00:00Z',
    type: 'boolean',
    variants: { on: true, off: false },
    environments: { development: env(), staging: env(), production: env({ defaultVariant: 'off' }) },
    archived: false,
    ...overrides,
  };
}

function doc(...flags: Flag[]): StoreDocument {
  return { version: 1, environments: ENVS.map((key) => ({ key, protected: false })), flags };
}

function ref(key: string | undefined, line = 0, kind: FlagReference['kind'] = 'call'): FlagReference {
  return {
    kind,
    key,
    keyExpression: key === undefined ? 'dynamicKey' : `'${key}'`,
    ...(key === undefined ? { unresolvedReason: 'the key is computed by a call (makeKey)' } : {}),
    file: '/repo/src/app.ts',
    range: { start: { line, character: 2 }, end: { line, character: 30 } },
    start: 0,
    end: 10,
    keyStart: 0,
    keyEnd: 5,
    callKind: 'boolean',
    sdk: 'openfeature',
    method: 'getBooleanValue',
    returns: 'value',
  };
}

function audit(flagKey: string, at: string): AuditEntry {
  return { revision: 1, at, actor: 'cli:alice', action: 'flag.toggle', flagKey, changes: [] };
}

function reasons(
  document: StoreDocument,
  references: FlagReference[],
  auditLog: AuditEntry[] = [],
  policy: StalePolicy = DEFAULT_STALE_POLICY,
): Record<string, StaleReason['code'][]> {
  const report = detectStaleFlags({ document, references, audit: auditLog, now: NOW, policy });
  return Object.fromEntries(report.flags.map((f) => [f.key, f.reasons.map((r) => r.code)]));
}

describe('getSingleServing', () => {
  const cases: { name: string; config: EnvironmentConfig | undefined; expect: ReturnType<typeof getSingleServing> }[] =
    [
      { name: 'no config: disabled', config: undefined, expect: { variant: undefined, disabled: true } },
      { name: 'disabled', config: env({ enabled: false }), expect: { variant: undefined, disabled: true } },
      { name: 'default only', config: env(), expect: { variant: 'on', disabled: false } },
      {
        name: 'rule serving another variant',
        config: env({ rules: [{ conditions: [{ attribute: 'a', operator: 'exists' }], serve: { variant: 'off' } }] }),
        expect: undefined,
      },
      {
        name: 'rule serving the default variant',
        config: env({ rules: [{ conditions: [{ attribute: 'a', operator: 'exists' }], serve: { variant: 'on' } }] }),
        expect: { variant: 'on', disabled: false },
      },
      {
        name: 'split with a zero-weight other bucket',
        config: env({
          rules: [
            {
              conditions: [{ attribute: 'a', operator: 'exists' }],
              serve: {
                split: [
                  { variant: 'on', weight: 100 },
                  { variant: 'off', weight: 0 },
                ],
              },
            },
          ],
        }),
        expect: { variant: 'on', disabled: false },
      },
      { name: 'partial rollout', config: env({ rollout: { variant: 'off', percentage: 50 } }), expect: undefined },
      {
        name: 'rollout at 100%',
        config: env({ rollout: { variant: 'off', percentage: 100 } }),
        expect: { variant: 'off', disabled: false },
      },
      {
        name: 'rollout at 0%',
        config: env({ rollout: { variant: 'off', percentage: 0 } }),
        expect: { variant: 'on', disabled: false },
      },
      {
        name: 'a rollout plan in progress',
        config: env({
          plan: rolloutPlanSchema.parse({ variant: 'off', state: { status: 'running', stepIndex: 0 } }),
        }),
        expect: undefined,
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      const f = flag('f', { environments: c.config ? { production: c.config } : {} });
      assert.deepEqual(getSingleServing(f, 'production'), c.expect);
    });
  }
});

describe('detectStaleFlags', () => {
  const allOn = { development: env(), staging: env(), production: env() };

  it('SINGLE_VARIANT counts days since the last audit entry of the flag, else since creation', () => {
    const old = flag('old', { createdAt: '2026-05-01T00:00:00Z', environments: allOn });
    const recent = flag('recent', { createdAt: '2026-05-01T00:00:00Z', environments: allOn });
    const report = detectStaleFlags({
      document: doc(old, recent),
      references: [ref('old'), ref('recent')],
      audit: [
        audit('old', '2026-06-01T00:00:00Z'),
        audit('recent', '2026-06-25T00:00:00Z'),
        audit('old', '2026-05-02T00:00:00Z'),
      ],
      now: NOW,
      policy: { ...DEFAULT_STALE_POLICY, lifetimeDays: { ...DEFAULT_STALE_POLICY.lifetimeDays, release: undefined } },
    });
    assert.deepEqual(
      report.flags.map((f) => f.key),
      ['old'],
    );
    const [reason] = report.flags[0]!.reasons;
    assert.deepEqual(
      { ...reason, message: undefined },
      {
        code: 'SINGLE_VARIANT',
        message: undefined,
        days: 29,
        thresholdDays: 14,
        variant: 'on',
        environments: ENVS,
      },
    );
    assert.equal(
      reason!.message,
      'Serves "on" to everyone in every environment (development, staging, production), unchanged for 29 days (policy: 14).',
    );
  });

  it('SINGLE_VARIANT needs the same variant everywhere; a disabled-everywhere flag serves the code default', () => {
    const differs = flag('differs', { createdAt: '2026-01-01T00:00:00Z' });
    const disabled = flag('disabled', { createdAt: '2026-06-01T00:00:00Z', environments: {} });
    const report = detectStaleFlags({
      document: doc(differs, disabled),
      references: [ref('differs'), ref('disabled')],
      audit: [],
      now: NOW,
      policy: DEFAULT_STALE_POLICY,
    });
    assert.deepEqual(
      report.flags.map((f) => [f.key, f.reasons.map((r) => r.code)]),
      [
        ['differs', ['OLDER_THAN_LIFETIME']],
        ['disabled', ['SINGLE_VARIANT']],
      ],
    );
    assert.match(report.flags[1]!.reasons[0]!.message, /^Is disabled in every environment/);
  });

  it('SINGLE_VARIANT honours the policy environments, threshold and exempt kinds', () => {
    const prodOnly = flag('prod-only', { createdAt: '2026-06-25T00:00:00Z' });
    const killSwitch = flag('ks', { kind: 'kill-switch', createdAt: '2026-01-01T00:00:00Z', environments: allOn });
    const policy: StalePolicy = { ...DEFAULT_STALE_POLICY, singleVariantDays: 5, environments: ['production'] };
    assert.deepEqual(reasons(doc(prodOnly, killSwitch), [ref('prod-only'), ref('ks')], [], policy), {
      'prod-only': ['SINGLE_VARIANT'],
    });
  });

  it('PAST_CLEANUP_DATE from the day after cleanupBy (UTC), with the days overdue', () => {
    const due = flag('due', { cleanupBy: '2026-06-30' });
    const overdue = flag('overdue', { cleanupBy: '2026-06-20' });
    const report = detectStaleFlags({
      document: doc(due, overdue),
      references: [ref('due'), ref('overdue')],
      audit: [],
      now: NOW,
      policy: DEFAULT_STALE_POLICY,
    });
    assert.deepEqual(
      report.flags.map((f) => f.key),
      ['overdue'],
    );
    assert.deepEqual(report.flags[0]!.reasons, [
      {
        code: 'PAST_CLEANUP_DATE',
        message: 'Is past its cleanup date 2026-06-20 by 10 days.',
        cleanupBy: '2026-06-20',
        daysOverdue: 10,
      },
    ]);
  });

  it('OLDER_THAN_LIFETIME per kind, with policy overrides and permanent kinds', () => {
    const created = '2026-05-01T00:00:00Z'; // 60 days before NOW
    const document = doc(
      flag('release', { createdAt: created }),
      flag('experiment', { kind: 'experiment', createdAt: '2026-05-25T00:00:00Z' }),
      flag('operational', { kind: 'operational', createdAt: '2026-06-20T00:00:00Z' }),
      flag('permission', { kind: 'permission', createdAt: '2020-01-01T00:00:00Z' }),
    );
    const refs = ['release', 'experiment', 'operational', 'permission'].map((k) => ref(k));
    assert.deepEqual(reasons(document, refs), {
      release: ['OLDER_THAN_LIFETIME'],
      operational: ['OLDER_THAN_LIFETIME'],
    });
    const lenient: StalePolicy = {
      ...DEFAULT_STALE_POLICY,
      lifetimeDays: { ...DEFAULT_STALE_POLICY.lifetimeDays, release: 90, operational: undefined },
    };
    assert.deepEqual(reasons(document, refs, [], lenient), {});
    const report = detectStaleFlags({ document, references: refs, audit: [], now: NOW, policy: DEFAULT_STALE_POLICY });
    assert.deepEqual(report.flags[1]!.reasons[0], {
      code: 'OLDER_THAN_LIFETIME',
      message: 'Is 60 days old; release flags are expected to live 40 days.',
      ageDays: 60,
      lifetimeDays: 40,
      kind: 'release',
    });
  });

  it('NOT_IN_CODE is ready to archive only when no unresolved reference exists anywhere', () => {
    const document = doc(flag('unused'), flag('used'), flag('gone', { archived: true }));
    assert.deepEqual(reasons(document, [ref('used')]), { unused: ['NOT_IN_CODE'] });
    const notInCode = (references: FlagReference[]) =>
      detectStaleFlags({ document, references, audit: [], now: NOW, policy: DEFAULT_STALE_POLICY }).flags[0]!
        .reasons[0];
    assert.deepEqual(notInCode([ref('used')]), {
      code: 'NOT_IN_CODE',
      message: 'Is not referenced in code: ready to archive.',
      unresolvedReferences: 0,
      readyToArchive: true,
    });
    assert.deepEqual(notInCode([ref('used'), ref(undefined, 4)]), {
      code: 'NOT_IN_CODE',
      message:
        'Has no resolved reference in code, but may be referenced dynamically at /repo/src/app.ts:5:3: not ready to archive (see UNRESOLVED_KEY).',
      unresolvedReferences: 1,
      readyToArchive: false,
    });
    const many = notInCode([ref('used'), ...[1, 2, 3, 4].map((line) => ref(undefined, line))]);
    assert.equal(
      many?.message,
      'Has no resolved reference in code, but may be referenced dynamically at /repo/src/app.ts:2:3, /repo/src/app.ts:3:3, /repo/src/app.ts:4:3 and 1 more place: not ready to archive (see UNRESOLVED_KEY).',
    );
  });

  it('counts evidence references across case and separators, and never makes them UNKNOWN_KEY', () => {
    const document = doc(flag('my-flag'), flag('other-flag'), flag('third'), flag('fourth-one'));
    const refs = [
      ref('myFlag', 1, 'destructure'), // LaunchDarkly camel-cases keys
      ref('OTHER_FLAG', 2, 'text'), // an env var in a YAML file
      ref('third', 3, 'property'),
      ref('fourthOne', 4, 'call'), // a call with another spelling is no evidence: a typo of a key
      ref('not-a-flag', 5, 'text'),
      ref('flags-length', 6, 'property'),
    ];
    const report = detectStaleFlags({ document, references: refs, audit: [], now: NOW, policy: DEFAULT_STALE_POLICY });
    assert.deepEqual(
      report.flags.map((f) => [f.key, f.reasons.map((r) => r.code), f.references.map((r) => r.key)]),
      [
        ['fourth-one', ['NOT_IN_CODE'], []],
        ['fourthOne', ['UNKNOWN_KEY'], ['fourthOne']],
      ],
    );
    assert.equal(report.flags[1]!.reasons[0]!.message.includes('Did you mean "fourth-one"?'), true);
  });

  it('UNKNOWN_KEY with the nearest store key, ARCHIVED_IN_CODE, UNRESOLVED_KEY', () => {
    const document = doc(flag('new-checkout'), flag('old-banner', { archived: true }));
    const report = detectStaleFlags({
      document,
      references: [
        ref('new-checkout'),
        ref('new-chekout', 7),
        ref('totally-else'),
        ref('old-banner'),
        ref(undefined, 9),
      ],
      audit: [],
      now: NOW,
      policy: DEFAULT_STALE_POLICY,
    });
    assert.deepEqual(
      report.flags.map((f) => [f.key, f.reasons.map((r) => r.code), f.references.length]),
      [
        ['new-chekout', ['UNKNOWN_KEY'], 1],
        ['old-banner', ['ARCHIVED_IN_CODE'], 1],
        ['totally-else', ['UNKNOWN_KEY'], 1],
      ],
    );
    const typo = report.flags[0]!.reasons[0]!;
    assert.equal(typo.code === 'UNKNOWN_KEY' && typo.suggestion, 'new-checkout');
    assert.equal(
      typo.message,
      '"new-chekout" is used in code (1 reference, first at /repo/src/app.ts:8:3) but is not in the store. Did you mean "new-checkout"?',
    );
    const other = report.flags[2]!.reasons[0]!;
    assert.equal(other.code === 'UNKNOWN_KEY' && other.suggestion, undefined);
    assert.deepEqual(
      report.unresolved.map((u) => [u.code, u.message]),
      [
        [
          'UNRESOLVED_KEY',
          '/repo/src/app.ts:10:3: the key dynamicKey of getBooleanValue() could not be resolved: the key is computed by a call (makeKey).',
        ],
      ],
    );
    assert.equal(report.now, NOW.toISOString());
  });

  it('lists several reasons for one flag in a stable order', () => {
    const f = flag('everything', { createdAt: '2026-01-01T00:00:00Z', cleanupBy: '2026-03-01', environments: allOn });
    assert.deepEqual(reasons(doc(f), []), {
      everything: ['SINGLE_VARIANT', 'PAST_CLEANUP_DATE', 'OLDER_THAN_LIFETIME', 'NOT_IN_CODE'],
    });
  });
});

describe('groupReferencesByKey', () => {
  it('groups resolved references by key (sorted), keeps input order inside a group, and sets unresolved apart', () => {
    const refs = [ref('b', 1), ref(undefined, 2), ref('a', 3), ref('b', 4)];
    const { byKey, unresolved } = groupReferencesByKey(refs);
    assert.deepEqual(
      byKey.map((g) => [g.key, g.references.map((r) => r.range.start.line)]),
      [
        ['a', [3]],
        ['b', [1, 4]],
      ],
    );
    assert.deepEqual(
      unresolved.map((r) => r.range.start.line),
      [2],
    );
  });
});
