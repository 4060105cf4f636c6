// A store document that uses every field of the model at every level (schema-coverage.ts checks that it does): what
// the FlagStore contract commits and reads back, and what `rollgate migrate` → `rollgate export` must keep.
import { stringify } from 'yaml';
import type { z } from 'zod';
import { storeDocumentSchema } from '../../src/flags/model.ts';
import type { StoreDocument } from '../../src/flags/model.ts';
import { fieldSchema, hasFixedFields } from '../../src/store/store-fields.ts';

const AT = '2026-11-01T12:00:00.000Z';

/** A fresh copy of the document (its flags in key order, as stores read them back). */
export function fullDocument(): StoreDocument {
  return {
    version: 1,
    environments: [
      { key: 'development', name: 'Development', protected: false },
      {
        key: 'production',
        name: 'Production',
        protected: true,
        approval: { required: 2, approvers: ['alice', 'group:sre'] },
      },
    ],
    groups: { sre: ['bob', 'carol'], empty: [] },
    segments: [
      {
        key: 'beta-users',
        name: 'Beta users',
        description: 'Opted in to betas',
        included: ['user-1'],
        excluded: ['user-2'],
        rules: [{ conditions: [{ attribute: 'plan', operator: 'in', value: ['pro', 'team'] }] }],
      },
      {
        key: 'staff',
        included: [],
        excluded: [],
        rules: [{ conditions: [{ attribute: 'email', operator: 'exists' }] }],
      },
    ],
    flags: [
      {
        key: 'checkout-theme',
        name: 'Checkout theme',
        description: 'Colour scheme of the checkout',
        kind: 'experiment',
        owner: 'team-payments',
        tags: ['checkout', 'ui'],
        createdAt: AT,
        cleanupBy: '2027-01-31',
        type: 'object',
        variants: {
          light: { bg: 'white', contrast: 1 },
          dark: { bg: 'black', nested: { list: [1, 'two', null, true] } },
        },
        environments: {
          development: {
            enabled: true,
            defaultVariant: 'light',
            rules: [
              {
                id: 'staff-dark',
                description: 'Staff see dark',
                conditions: [
                  { segment: 'staff' },
                  { attribute: 'app.version', operator: 'semver_gte', value: '2.1.0' },
                ],
                serve: { variant: 'dark' },
              },
              {
                conditions: [{ attribute: 'country', operator: 'equals', value: 'NL' }],
                serve: {
                  split: [
                    { variant: 'light', weight: 1 },
                    { variant: 'dark', weight: 3 },
                  ],
                },
              },
            ],
            rollout: { variant: 'dark', percentage: 12.5, segments: ['beta-users'] },
          },
        },
        archived: true,
        metadata: { team: 'payments', priority: 2, public: false },
      },
      {
        key: 'new-checkout',
        name: 'New checkout',
        description: '',
        kind: 'release',
        tags: [],
        createdAt: AT,
        type: 'boolean',
        variants: { on: true, off: false },
        environments: {
          production: {
            enabled: true,
            defaultVariant: 'off',
            rules: [],
            rollout: { variant: 'on', percentage: 5 },
            plan: {
              variant: 'on',
              steps: [1, { segment: 'beta-users' }, { segments: ['staff', 'beta-users'], percentage: 25 }, 100],
              minStepDurationMinutes: 15,
              minSamplesPerStep: 500,
              guardrails: [
                {
                  name: 'errors',
                  metric: 'error-rate',
                  source: 'prometheus',
                  query: 'sum(increase(errors{variant="{{variant}}"}[{{window}}]))',
                  denominatorQuery: 'sum(increase(requests{variant="{{variant}}"}[{{window}}]))',
                  max: 0.005,
                  maxRelativeDegradation: 0.2,
                  direction: 'lower-is-better',
                  minDetectableEffect: 0.5,
                  slices: { platform: ['desktop', 'mobile'] },
                },
                { name: 'p95', metric: 'latency', percentile: 95, source: 'builtin', max: 400 },
                {
                  name: 'conversion',
                  metric: 'business',
                  source: 'builtin',
                  counter: 'conversion',
                  denominatorCounter: 'session',
                  min: 0.01,
                  direction: 'higher-is-better',
                },
              ],
              onBreach: 'pause',
              falseAlarmRate: 0.01,
              approveBefore: [100],
              state: {
                status: 'paused',
                stepIndex: 0,
                stepStartedAt: AT,
                startedAt: AT,
                reason: 'sample-ratio mismatch',
                lastCheck: { at: AT, decision: 'pause', codes: ['srm'], reasons: ['sample ratio 0.4 against 0.5'] },
              },
            },
          },
        },
        archived: false,
      },
    ],
    changeRequests: [
      {
        id: 'cr-1',
        status: 'applied',
        createdAt: AT,
        createdBy: 'mcp:assistant',
        reason: 'ramp to 5%',
        flagKey: 'new-checkout',
        environments: ['production'],
        change: { type: 'set-rollout', percentage: 5, nested: { list: [1, null] } },
        before: { production: { enabled: true, rollout: null } },
        after: { production: { enabled: true, rollout: { variant: 'on', percentage: 5 } } },
        decidedAt: AT,
        decidedBy: 'carol',
        decisionNote: 'looks fine',
        approvals: [
          { by: 'bob', at: AT, note: 'ok' },
          { by: 'carol', at: AT },
        ],
      },
    ],
  };
}

/**
 * {@link fullDocument} as the text of a flags.yaml with an extension field on every object with fixed fields
 * (`x-at: <where the object is>`), and a structured one at the top (`x-owner`).
 */
export function fullStoreFile(): string {
  const value = withExtensions(storeDocumentSchema, fullDocument(), '');
  return stringify({ 'x-owner': { team: 'platform', since: [2026, 'q4'] }, ...(value as object) });
}

function withExtensions(schema: z.ZodType, value: unknown, where: string): unknown {
  const child = (key: string | number, item: unknown, at: string): unknown => {
    const itemSchema = fieldSchema(schema, key);
    return itemSchema ? withExtensions(itemSchema, item, at) : item;
  };
  if (Array.isArray(value)) return value.map((item, i) => child(i, item, `${where}[${i}]`));
  if (typeof value !== 'object' || value === null) return value;
  const object = Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, child(key, item, where ? `${where}.${key}` : key)]),
  );
  return hasFixedFields(schema) ? { ...object, 'x-at': where || 'document' } : object;
}
