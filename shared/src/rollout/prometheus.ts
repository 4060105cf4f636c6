/**
 * Prometheus metric source: runs a guardrail's PromQL templates once per variant through the HTTP API
 * (`GET /api/v1/query`, instant query at the window's end) and turns the vectors into arm observations.
 */
import * as z from 'zod';
import { FlagError, errorMessage } from '../errors.ts';
import type { Guardrail } from '../flags/model.ts';
import type { ArmObservation, GuardrailObservation, MetricQuery, MetricSource } from './metrics.ts';

/** Options of {@link createPrometheusMetricSource}. */
export interface PrometheusSourceOptions {
  /** Base URL of the Prometheus server, e.g. `http://127.0.0.1:9090`. */
  readonly baseUrl: string;
  /** Per-request timeout in ms (default 5000). */
  readonly timeoutMs?: number;
  /** Injected fetch (default the global one). */
  readonly fetch?: typeof fetch;
}

const sampleSchema = z.tuple([z.number(), z.string()]);
const responseSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({
        resultType: z.literal('vector'),
        result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleSchema })),
      }),
      z.object({ resultType: z.literal('scalar'), result: sampleSchema }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
      z.object({ resultType: z.literal('string'), result: sampleSchema }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string() }),
]);

/** A sample of an instant query: its labels and value. */
interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const PLACEHOLDER = /\{\{\s*([a-z]+)\s*\}\}/g;

/**
 * Substitutes `{{variant}}`, `{{flag}}`, `{{environment}}` and `{{window}}` (a PromQL duration such as `300s`) in
 * a template. Errors: INVALID_INPUT for an unknown placeholder.
 */
export function renderPromQuery(
  template: string,
  values: Readonly<Record<'variant' | 'flag' | 'environment' | 'window', string>>,
): string {
  return template.replace(PLACEHOLDER, (match, name: string) => {
    if (!(name in values)) {
      throw new FlagError('INVALID_INPUT', `Unknown placeholder ${match} in PromQL template "${template}".`, {
        hint: 'Use {{variant}}, {{flag}}, {{environment}} or {{window}}.',
      });
    }
    // Security: values land inside PromQL string literals; escape what could close the literal.
    return values[name as keyof typeof values].replace(/[\\"']/g, (c) => `\\${c}`);
  });
}

/** The PromQL duration covering `start`–`end`, in whole seconds (at least 1s). */
export function promWindow(start: Date, end: Date): string {
  return `${Math.max(Math.ceil((end.getTime() - start.getTime()) / 1000), 1)}s`;
}

/**
 * A metric source reading a Prometheus server. Proportion guardrails need `query` (numerator) and
 * `denominatorQuery`; each result is summed over its series. Latency guardrails need `query` to return
 * histogram bucket counts with an `le` label, e.g.
 * `sum by (le) (increase(http_request_duration_ms_bucket{variant="{{variant}}"}[{{window}}]))`.
 * Rejects (so the controller holds) when the server is unreachable, times out, answers with an error, or the
 * result has the wrong shape.
 */
export function createPrometheusMetricSource(options: PrometheusSourceOptions): MetricSource {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;

  async function instantQuery(promql: string, at: Date): Promise<Sample[]> {
    const url = `${baseUrl}/api/v1/query?${new URLSearchParams({ query: promql, time: String(at.getTime() / 1000) }).toString()}`;
    let body: unknown;
    try {
      const response = await doFetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
      body = await response.json();
    } catch (e) {
      throw new FlagError(
        'GENERAL',
        `Prometheus at ${baseUrl} is unreachable: ${errorMessage(e)}`,
        {
          source: 'prometheus',
          hint: 'Check that Prometheus runs and --prometheus-url points at it.',
        },
        { cause: e },
      );
    }
    const parsed = responseSchema.safeParse(body);
    if (!parsed.success) {
      throw new FlagError('PARSE_ERROR', `Prometheus at ${baseUrl} sent an unexpected response to ${promql}.`, {
        source: 'prometheus',
        hint: 'Check that the URL is a Prometheus server (GET /api/v1/query).',
      });
    }
    if (parsed.data.status === 'error') {
      throw new FlagError('INVALID_INPUT', `Prometheus rejected ${promql}: ${parsed.data.error}`, {
        source: 'prometheus',
        hint: "Fix the guardrail's PromQL template (try it in the Prometheus UI with a variant filled in).",
      });
    }
    const data = parsed.data.data;
    switch (data.resultType) {
      case 'vector':
        return data.result.map((s) => ({ labels: s.metric, value: Number(s.value[1]) }));
      case 'scalar':
        return [{ labels: {}, value: Number(data.result[1]) }];
      case 'matrix':
      case 'string':
        throw new FlagError('INVALID_INPUT', `PromQL ${promql} returned a ${data.resultType}, not an instant vector.`, {
          source: 'prometheus',
          hint: 'Wrap range vectors in increase(…[{{window}}]) or sum(…); the template must return a number per variant.',
        });
    }
  }

  // Every value counts, NaN and ±Inf included: metric sanity (sanity.ts) turns them into a hold, never into zero.
  const sum = (samples: readonly Sample[]): number => samples.reduce((total, s) => total + s.value, 0);

  /**
   * Per-slice observations of a sliced guardrail: `build` gets a filter keeping the series whose label named like
   * the slice attribute has the slice's value. Every series must carry the label (else the sums would be wrong).
   */
  function slicesOf(
    guardrail: Guardrail,
    results: readonly (readonly Sample[])[],
    build: (pick: (samples: readonly Sample[]) => Sample[]) => ArmObservation,
  ): ArmObservation['slices'] {
    const entries = Object.entries(guardrail.slices ?? {});
    if (entries.length === 0) return undefined;
    for (const [attribute] of entries) {
      if (results.some((samples) => samples.some((s) => s.labels[attribute] === undefined))) {
        throw new FlagError(
          'INVALID_INPUT',
          `Guardrail "${guardrail.name}" is sliced by "${attribute}" but its PromQL result has no "${attribute}" label.`,
          {
            source: 'prometheus',
            hint: `Keep the label in the query, e.g. sum by (${attribute}) (increase(…[{{window}}])) (latency: sum by (le, ${attribute})).`,
          },
        );
      }
    }
    return Object.fromEntries(
      entries.map(([attribute, values]) => [
        attribute,
        Object.fromEntries(
          values.map((v) => [v, build((samples) => samples.filter((s) => s.labels[attribute] === v))]),
        ),
      ]),
    );
  }

  function histogramOf(guardrail: Guardrail, samples: readonly Sample[]): ArmObservation {
    const byBound = new Map<number, number>();
    for (const s of samples) {
      const le = s.labels.le;
      if (le === undefined) {
        throw new FlagError(
          'INVALID_INPUT',
          `Latency guardrail "${guardrail.name}" must return histogram buckets with an "le" label.`,
          {
            hint: 'Use e.g. sum by (le) (increase(http_request_duration_ms_bucket{variant="{{variant}}"}[{{window}}])).',
          },
        );
      }
      const bound = le === '+Inf' ? Infinity : Number(le);
      byBound.set(bound, (byBound.get(bound) ?? 0) + s.value);
    }
    const bounds = [...byBound.keys()].sort((a, b) => a - b);
    // Cumulative counts must not decrease; rounding in increase() can make them wobble by tiny amounts.
    let running = 0;
    const counts = bounds.map((b) => (running = Math.max(running, byBound.get(b) ?? 0)));
    return { samples: counts.at(-1) ?? 0, latency: { bounds, counts } };
  }

  async function observeArm(query: MetricQuery, variant: string): Promise<ArmObservation> {
    const values = {
      variant,
      flag: query.flagKey,
      environment: query.environment,
      window: promWindow(query.start, query.end),
    };
    const { guardrail } = query;
    if (!guardrail.query) {
      throw new FlagError('INVALID_INPUT', `Guardrail "${guardrail.name}" has no PromQL query.`, {
        hint: 'Add a "query" template.',
      });
    }
    if (guardrail.metric === 'latency') {
      const samples = await instantQuery(renderPromQuery(guardrail.query, values), query.end);
      const slices = slicesOf(guardrail, [samples], (pick) => histogramOf(guardrail, pick(samples)));
      return { ...histogramOf(guardrail, samples), ...(slices ? { slices } : {}) };
    }
    if (!guardrail.denominatorQuery) {
      throw new FlagError('INVALID_INPUT', `Guardrail "${guardrail.name}" has no denominatorQuery.`, {
        hint: 'Add a "denominatorQuery" template.',
      });
    }
    const [events, samples] = await Promise.all([
      instantQuery(renderPromQuery(guardrail.query, values), query.end),
      instantQuery(renderPromQuery(guardrail.denominatorQuery, values), query.end),
    ]);
    const slices = slicesOf(guardrail, [events, samples], (pick) => ({
      samples: sum(pick(samples)),
      events: sum(pick(events)),
    }));
    return { samples: sum(samples), events: sum(events), ...(slices ? { slices } : {}) };
  }

  return {
    name: `prometheus ${baseUrl}`,
    async observe(query: MetricQuery): Promise<GuardrailObservation> {
      const [treatment, control] = await Promise.all([
        observeArm(query, query.treatment),
        observeArm(query, query.control),
      ]);
      return { treatment, control };
    },
  };
}
