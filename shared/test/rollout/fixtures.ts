// Shared builders for rollout tests: a store document with one boolean flag, and a metric source that reports
// the expected counts of synthetic traffic (deterministic, no randomness) for the window it is asked about.
import type { Guardrail, StoreDocument } from '../../src/flags/model.ts';
import type { GuardrailObservation, MetricQuery, MetricSource } from '../../src/rollout/metrics.ts';

export const T0 = new Date('2026-01-05T10:00:00.000Z');

export function documentWithFlag(options: { enabled?: boolean; rules?: boolean } = {}): StoreDocument {
  return {
    version: 1,
    environments: [
      { key: 'staging', protected: false },
      { key: 'production', protected: true },
    ],
    flags: [
      {
        key: 'new-checkout',
        name: 'New checkout',
        description: '',
        kind: 'release',
        tags: [],
        createdAt: '2026-01-01T00:00:00.000Z',
        type: 'boolean',
        variants: { on: true, off: false },
        archived: false,
        environments: {
          production: {
            enabled: options.enabled ?? true,
            defaultVariant: 'off',
            rules: options.rules
              ? [
                  {
                    conditions: [{ attribute: 'email', operator: 'ends_with', value: '@acme.test' }],
                    serve: { variant: 'on' },
                  },
                ]
              : [],
          },
        },
      },
    ],
  };
}

export const errorRateGuardrail: Guardrail = {
  name: 'errors',
  metric: 'error-rate',
  source: 'builtin',
  max: 0.02,
  maxRelativeDegradation: 0.5,
};

/** A clock the test moves by hand. */
export function createClock(start: Date = T0): { now: () => Date; advanceMinutes: (m: number) => void } {
  let t = start.getTime();
  return { now: () => new Date(t), advanceMinutes: (m) => (t += m * 60_000) };
}

/**
 * Synthetic traffic: `requestsPerMinute` split by the served percentage (read through `percentage()`), each
 * variant failing at its own rate; reports expected counts, rounded, for the query's window.
 */
export function trafficSource(options: {
  requestsPerMinute: number;
  percentage: () => number;
  errorRate: { treatment: number; control: number };
  /** Fraction of treatment traffic that goes missing (to provoke a sample-ratio mismatch). */
  treatmentLoss?: number;
}): MetricSource & { queries: MetricQuery[] } {
  const queries: MetricQuery[] = [];
  return {
    name: 'synthetic',
    queries,
    observe(query): Promise<GuardrailObservation> {
      queries.push(query);
      const minutes = (query.end.getTime() - query.start.getTime()) / 60_000;
      const total = options.requestsPerMinute * minutes;
      const share = options.percentage() / 100;
      const treatment = Math.round(total * share * (1 - (options.treatmentLoss ?? 0)));
      const control = Math.round(total * (1 - share));
      return Promise.resolve({
        treatment: { samples: treatment, events: Math.round(treatment * options.errorRate.treatment) },
        control: { samples: control, events: Math.round(control * options.errorRate.control) },
      });
    },
  };
}
