/**
 * The metric-source contract of the rollout controller, and latency-histogram helpers shared by the sources.
 * A source answers, for one guardrail of one flag in one environment, "what did the treatment and the control
 * variant see in this time window?". Sources: the built-in OpenFeature hook (`builtin-metrics.ts`) and
 * Prometheus (`prometheus.ts`).
 */
import type { Guardrail } from '../flags/model.ts';

/**
 * A latency histogram: `bounds` are ascending bucket upper bounds in ms (the last may be Infinity) and
 * `counts[i]` is the number of observations ≤ bounds[i] (cumulative, like Prometheus `le` buckets).
 */
export interface LatencyHistogram {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
}

/** What one variant saw in the window, for one guardrail. */
export interface ArmObservation {
  /** Denominator: requests / outcomes / observations attributed to the variant. */
  readonly samples: number;
  /** Numerator of proportion metrics (errors, counter events). */
  readonly events?: number;
  /** Latency distribution, for `latency` guardrails. */
  readonly latency?: LatencyHistogram;
  /**
   * The same arm restricted to each slice of a guardrail with `slices`: attribute → value → observation
   * (e.g. `platform` → `mobile`). Sources report every listed value (zeros when it has no data).
   */
  readonly slices?: Readonly<Record<string, Readonly<Record<string, ArmObservation>>>>;
}

/** A question to a metric source. */
export interface MetricQuery {
  readonly flagKey: string;
  readonly environment: string;
  readonly guardrail: Guardrail;
  /** The variant being rolled out. */
  readonly treatment: string;
  /** The variant everyone else gets (the environment's default variant). */
  readonly control: string;
  /** Window start (the current step's start) and end (now). */
  readonly start: Date;
  readonly end: Date;
}

/** Both arms of one guardrail. */
export interface GuardrailObservation {
  readonly treatment: ArmObservation;
  readonly control: ArmObservation;
}

/**
 * A place the controller reads guardrail metrics from. `observe` rejects (any error) when the source fails or
 * is unreachable; the controller then holds the rollout and reports the message (fail closed).
 */
export interface MetricSource {
  /** Short name for reports, e.g. `builtin` or `prometheus http://127.0.0.1:9090`. */
  readonly name: string;
  observe(query: MetricQuery): Promise<GuardrailObservation>;
}

/** Default latency bucket upper bounds in ms, used by the built-in recorder (Prometheus-like spacing). */
export const DEFAULT_LATENCY_BUCKETS_MS: readonly number[] = [
  1,
  2.5,
  5,
  10,
  25,
  50,
  75,
  100,
  150,
  200,
  300,
  400,
  500,
  750,
  1000,
  1500,
  2500,
  5000,
  10000,
  Infinity,
];

/** Total observations of a histogram. */
export function histogramTotal(histogram: LatencyHistogram): number {
  return histogram.counts.at(-1) ?? 0;
}

/**
 * Observations ≤ `value`, interpolating linearly inside a bucket (lower edge of the first bucket: 0), as
 * Prometheus' histogram_quantile does. Values beyond the last finite bound count every observation below it.
 */
export function histogramCountAtOrBelow(histogram: LatencyHistogram, value: number): number {
  const { bounds, counts } = histogram;
  let lower = 0;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const upper = bounds[i] ?? Infinity;
    const cumulative = counts[i] ?? below;
    if (value < upper) {
      if (!Number.isFinite(upper)) return below;
      return below + (cumulative - below) * (Math.max(value - lower, 0) / (upper - lower));
    }
    lower = upper;
    below = cumulative;
  }
  return below;
}

/**
 * The q-quantile (0 < q < 1) in ms, by linear interpolation within buckets; undefined for an empty histogram.
 * Observations in the +Inf bucket are reported at the last finite bound (as Prometheus does).
 */
export function histogramQuantile(histogram: LatencyHistogram, q: number): number | undefined {
  const total = histogramTotal(histogram);
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (let i = 0; i < histogram.bounds.length; i++) {
    const upper = histogram.bounds[i] ?? Infinity;
    const cumulative = histogram.counts[i] ?? below;
    if (cumulative >= rank && cumulative > below) {
      if (!Number.isFinite(upper)) return lower;
      return lower + (upper - lower) * ((rank - below) / (cumulative - below));
    }
    lower = Number.isFinite(upper) ? upper : lower;
    below = cumulative;
  }
  return lower;
}

/** Cumulative counts from per-bucket counts (same bounds). */
export function cumulativeCounts(perBucket: readonly number[]): number[] {
  let running = 0;
  return perBucket.map((c) => (running += c));
}
