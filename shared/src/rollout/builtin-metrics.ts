/**
 * The built-in metric source: an OpenFeature server hook plus an app API that record per-flag, per-variant
 * evaluation counts, errors, latencies and request outcomes, aggregated in memory and appended as JSON lines to
 * segment files under a directory the controller reads (by convention `.rollgate/metrics/`).
 *
 * Concurrency: every recorder writes only its own segment files (`<UTC hour>-<writer id>.jsonl`, one append per
 * flush), so any number of app processes can write while the controller reads; a line torn by a crash is skipped.
 * Record keys follow the OpenTelemetry feature-flag semantic conventions (`feature_flag.key`,
 * `feature_flag.result.variant`, `feature_flag.provider.name`) plus `deployment.environment.name`.
 */
import { appendFile, mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { EvaluationDetails, FlagValue, Hook, HookContext } from '@openfeature/server-sdk';
import { FlagError, errorMessage } from '../errors.ts';
import type { Disposable } from '../lifecycle.ts';
import type { ArmObservation, GuardrailObservation, MetricQuery, MetricSource } from './metrics.ts';
import { DEFAULT_LATENCY_BUCKETS_MS, cumulativeCounts } from './metrics.ts';

/** OpenTelemetry attribute names used as record keys. */
export const OTEL_ATTRIBUTES = {
  flagKey: 'feature_flag.key',
  variant: 'feature_flag.result.variant',
  providerName: 'feature_flag.provider.name',
  environment: 'deployment.environment.name',
} as const;

const metricRecordSchema = z.object({
  v: z.literal(1),
  /** Start of the aggregation bucket (ISO). */
  t: z.string(),
  bucketSeconds: z.number().positive(),
  [OTEL_ATTRIBUTES.environment]: z.string(),
  [OTEL_ATTRIBUTES.flagKey]: z.string(),
  /** null for evaluations that failed before a variant was resolved. */
  [OTEL_ATTRIBUTES.variant]: z.string().nullable(),
  [OTEL_ATTRIBUTES.providerName]: z.string().optional(),
  evaluations: z.number().min(0),
  evaluationErrors: z.number().min(0),
  evaluationLatencyMsSum: z.number().min(0),
  outcomes: z.number().min(0),
  errors: z.number().min(0),
  /** Upper bounds of the outcome latency buckets (null = +Inf) and per-bucket (not cumulative) counts. */
  latencyBoundsMs: z.array(z.number().nullable()),
  latencyCounts: z.array(z.number().min(0)),
  counters: z.record(z.string(), z.number()),
  /** Attributes of the outcomes in this record (platform, country, plan …), for per-slice guardrails. */
  attributes: z.record(z.string(), z.string()).optional(),
});
/** One JSON line of a metrics segment: the aggregate of one flag variant in one time bucket. */
export type MetricRecord = z.infer<typeof metricRecordSchema>;

/** What the app reports about one request served under a flag variant. */
export interface Outcome {
  /** The request failed. */
  readonly error?: boolean;
  /** Request latency in ms. */
  readonly latencyMs?: number;
  /** Named business/custom counters to add, e.g. `{ conversion: 1 }`. */
  readonly counters?: Readonly<Record<string, number>>;
  /**
   * Attributes of the request for per-slice guardrails, e.g. `{ platform: 'mobile', country: 'DE' }`. Keep them
   * low-cardinality: one record is kept per combination per time bucket.
   */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** Options of {@link MetricsRecorder}. */
export interface MetricsRecorderOptions {
  /** Directory of the segment files, e.g. `<repo>/.rollgate/metrics` (created on first flush). */
  readonly directory: string;
  /** Environment the app runs in (matches the store's environment key). */
  readonly environment: string;
  /** Wall clock for time buckets. */
  readonly now: () => Date;
  /** Aggregation bucket in seconds (default 10). */
  readonly bucketSeconds?: number;
  /** Unique id of this writer in segment file names (default: random). */
  readonly writerId?: string;
  /** Outcome latency bucket bounds in ms (default {@link DEFAULT_LATENCY_BUCKETS_MS}). */
  readonly latencyBucketsMs?: readonly number[];
}

interface Aggregate {
  record: MetricRecord;
  perBucket: number[];
}

/**
 * Aggregates evaluations and outcomes in memory and appends them to this writer's segment file on `flush()`.
 * Recording never throws and never does I/O; call `flush()` periodically (and `close()` on shutdown).
 */
export class MetricsRecorder implements Disposable {
  private readonly options: MetricsRecorderOptions;
  private readonly bounds: readonly number[];
  private readonly writerId: string;
  private pending = new Map<string, Aggregate>();
  private writing: Promise<void> = Promise.resolve();

  constructor(options: MetricsRecorderOptions) {
    this.options = options;
    this.bounds = options.latencyBucketsMs ?? DEFAULT_LATENCY_BUCKETS_MS;
    // Security: the writer id becomes part of a file name; keep it to a safe alphabet.
    this.writerId = (options.writerId ?? randomUUID()).replace(/[^A-Za-z0-9_-]/g, '_');
  }

  /** Records one flag evaluation (the hook calls this); `variant` undefined when evaluation failed. */
  recordEvaluation(
    flagKey: string,
    variant: string | undefined,
    details: { error?: boolean; latencyMs?: number; providerName?: string } = {},
  ): void {
    const { record } = this.aggregate(flagKey, variant ?? null, details.providerName);
    record.evaluations++;
    if (details.error) record.evaluationErrors++;
    if (details.latencyMs !== undefined && details.latencyMs >= 0) record.evaluationLatencyMsSum += details.latencyMs;
  }

  /**
   * Attributes a request's outcome to the variant it was served (from the evaluation details:
   * `details.variant`), so guardrails can compare variants: errors, latency, custom counters.
   */
  recordOutcome(flagKey: string, variant: string, outcome: Outcome): void {
    const aggregate = this.aggregate(flagKey, variant, undefined, outcome.attributes);
    const { record } = aggregate;
    record.outcomes++;
    if (outcome.error) record.errors++;
    if (outcome.latencyMs !== undefined && Number.isFinite(outcome.latencyMs)) {
      const index = this.bounds.findIndex((b) => (outcome.latencyMs ?? 0) <= b);
      const at = index === -1 ? this.bounds.length - 1 : index;
      aggregate.perBucket[at] = (aggregate.perBucket[at] ?? 0) + 1;
    }
    for (const [name, value] of Object.entries(outcome.counters ?? {})) {
      if (Number.isFinite(value)) record.counters[name] = (record.counters[name] ?? 0) + value;
    }
  }

  /** Appends everything recorded since the last flush to this writer's segment file. Errors: STORE_IO. */
  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  /** Flushes and stops. */
  async close(): Promise<void> {
    await this.flush();
  }

  dispose(): void {
    void this.flush().catch(() => undefined);
  }

  private aggregate(
    flagKey: string,
    variant: string | null,
    providerName: string | undefined,
    attributes?: Readonly<Record<string, string>>,
  ): Aggregate {
    const seconds = this.options.bucketSeconds ?? 10;
    const ms = this.options.now().getTime();
    const bucketStart = new Date(Math.floor(ms / (seconds * 1000)) * seconds * 1000).toISOString();
    const sorted = attributes && Object.keys(attributes).length > 0 ? Object.entries(attributes).sort() : undefined;
    const key = `${bucketStart}\u0000${flagKey}\u0000${variant ?? ''}\u0000${sorted ? JSON.stringify(sorted) : ''}`;
    let aggregate = this.pending.get(key);
    if (!aggregate) {
      aggregate = {
        perBucket: this.bounds.map(() => 0),
        record: {
          v: 1,
          t: bucketStart,
          bucketSeconds: seconds,
          [OTEL_ATTRIBUTES.environment]: this.options.environment,
          [OTEL_ATTRIBUTES.flagKey]: flagKey,
          [OTEL_ATTRIBUTES.variant]: variant,
          evaluations: 0,
          evaluationErrors: 0,
          evaluationLatencyMsSum: 0,
          outcomes: 0,
          errors: 0,
          latencyBoundsMs: this.bounds.map((b) => (Number.isFinite(b) ? b : null)),
          latencyCounts: [],
          counters: {},
          ...(sorted ? { attributes: Object.fromEntries(sorted) } : {}),
        },
      };
      this.pending.set(key, aggregate);
    }
    if (providerName !== undefined) aggregate.record[OTEL_ATTRIBUTES.providerName] = providerName;
    return aggregate;
  }

  private async write(batch: Map<string, Aggregate>): Promise<void> {
    if (batch.size === 0) return;
    const byFile = new Map<string, string[]>();
    for (const { record, perBucket } of batch.values()) {
      const hour = record.t.slice(0, 13).replace(/[-T]/g, '');
      const file = join(this.options.directory, `${hour}-${this.writerId}.jsonl`);
      const lines = byFile.get(file) ?? [];
      lines.push(JSON.stringify({ ...record, latencyCounts: perBucket }));
      byFile.set(file, lines);
    }
    try {
      await mkdir(this.options.directory, { recursive: true });
      // One append per file and flush: lines of this writer never interleave with another writer's.
      for (const [file, lines] of byFile) await appendFile(file, `${lines.join('\n')}\n`, 'utf8');
    } catch (e) {
      throw new FlagError(
        'STORE_IO',
        `Cannot write metrics to ${this.options.directory}: ${errorMessage(e)}`,
        {
          file: this.options.directory,
          hint: 'Check that the directory is writable by the app.',
        },
        { cause: e },
      );
    }
  }
}

/** Options of {@link createMetricsHook}. */
export interface MetricsHookOptions {
  /** Monotonic clock in ms for evaluation latency (default `performance.now`). */
  readonly elapsedMs?: () => number;
}

/**
 * An OpenFeature server hook that records every evaluation (count, error, latency) per flag and variant into
 * `recorder`. Register with `OpenFeature.addHooks(createMetricsHook(recorder))` or on a client.
 */
export function createMetricsHook(recorder: MetricsRecorder, options: MetricsHookOptions = {}): Hook {
  const elapsed = options.elapsedMs ?? (() => performance.now());
  return {
    before(hookContext: HookContext): void {
      hookContext.hookData.set('rollgate.start', elapsed());
    },
    error(hookContext: Readonly<HookContext>): void {
      hookContext.hookData.set('rollgate.error', true);
    },
    finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
      const start = hookContext.hookData.get('rollgate.start');
      const failed = hookContext.hookData.get('rollgate.error') === true || details.errorCode !== undefined;
      recorder.recordEvaluation(hookContext.flagKey, failed ? undefined : details.variant, {
        error: failed,
        providerName: hookContext.providerMetadata.name,
        ...(typeof start === 'number' ? { latencyMs: elapsed() - start } : {}),
      });
    },
  };
}

/** Options of {@link createBuiltinMetricSource}. */
export interface BuiltinMetricSourceOptions {
  /** The directory recorders write to. */
  readonly directory: string;
}

interface ArmTotals {
  outcomes: number;
  errors: number;
  counters: Record<string, number>;
  bounds: (number | null)[] | undefined;
  perBucket: number[];
}

function emptyTotals(): ArmTotals {
  return { outcomes: 0, errors: 0, counters: {}, bounds: undefined, perBucket: [] };
}

function addRecord(totals: ArmTotals, record: MetricRecord, file: string): void {
  totals.outcomes += record.outcomes;
  totals.errors += record.errors;
  for (const [name, value] of Object.entries(record.counters)) {
    totals.counters[name] = (totals.counters[name] ?? 0) + value;
  }
  if (record.latencyCounts.every((c) => c === 0)) return;
  if (totals.bounds === undefined) totals.bounds = record.latencyBoundsMs;
  if (JSON.stringify(totals.bounds) !== JSON.stringify(record.latencyBoundsMs)) {
    throw new FlagError('PARSE_ERROR', `Metrics in ${file} use different latency buckets than other writers.`, {
      file,
      hint: 'Give every recorder of a flag the same latencyBucketsMs.',
    });
  }
  record.latencyCounts.forEach((c, i) => (totals.perBucket[i] = (totals.perBucket[i] ?? 0) + c));
}

/** The totals of one arm: the whole arm and, per sliced attribute and listed value, the records that carry it. */
interface ArmAccumulator {
  readonly all: ArmTotals;
  readonly slices: Map<string, Map<string, ArmTotals>>;
}

function accumulator(query: MetricQuery): ArmAccumulator {
  const slices = new Map<string, Map<string, ArmTotals>>();
  for (const [attribute, values] of Object.entries(query.guardrail.slices ?? {})) {
    slices.set(attribute, new Map(values.map((v) => [v, emptyTotals()])));
  }
  return { all: emptyTotals(), slices };
}

function accumulate(arm: ArmAccumulator, record: MetricRecord, file: string): void {
  addRecord(arm.all, record, file);
  for (const [attribute, values] of arm.slices) {
    const value = record.attributes?.[attribute];
    const totals = value === undefined ? undefined : values.get(value);
    if (totals) addRecord(totals, record, file);
  }
}

function armObservationOf(arm: ArmAccumulator, query: MetricQuery): ArmObservation {
  const whole = observationOf(arm.all, query);
  if (arm.slices.size === 0) return whole;
  const slices: Record<string, Record<string, ArmObservation>> = {};
  for (const [attribute, values] of arm.slices) {
    slices[attribute] = Object.fromEntries([...values].map(([v, totals]) => [v, observationOf(totals, query)]));
  }
  return { ...whole, slices };
}

function observationOf(totals: ArmTotals, query: MetricQuery): ArmObservation {
  const g = query.guardrail;
  switch (g.metric) {
    case 'error-rate':
      return { samples: totals.outcomes, events: totals.errors };
    case 'latency': {
      const bounds = (totals.bounds ?? []).map((b) => b ?? Infinity);
      const counts = cumulativeCounts(totals.perBucket);
      return { samples: counts.at(-1) ?? 0, latency: { bounds, counts } };
    }
    case 'ratio':
    case 'business': {
      const denominator =
        g.denominatorCounter === undefined ? totals.outcomes : (totals.counters[g.denominatorCounter] ?? 0);
      return { samples: denominator, events: g.counter === undefined ? 0 : (totals.counters[g.counter] ?? 0) };
    }
  }
}

interface CachedSegment {
  /** Bytes of the file parsed so far (always just after a newline). */
  offset: number;
  records: MetricRecord[];
}

/** Parses the complete new lines of a segment since the cached offset; a torn or foreign line is skipped. */
async function readSegment(file: string, cached: CachedSegment | undefined): Promise<CachedSegment> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    // A file that shrank was replaced: parse it again from the start.
    const segment = cached && cached.offset <= size ? cached : { offset: 0, records: [] };
    if (size === segment.offset) return segment;
    const chunk = Buffer.alloc(size - segment.offset);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, segment.offset);
    const complete = chunk.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
    for (const line of chunk.subarray(0, complete).toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        segment.records.push(metricRecordSchema.parse(JSON.parse(line)));
      } catch {
        // A line torn by a crashed writer, or not ours: skip it.
      }
    }
    segment.offset += complete;
    return segment;
  } finally {
    await handle.close();
  }
}

/**
 * Reads what recorders wrote: sums the records of the query's flag, environment and two variants whose time
 * bucket starts inside [start, end). Segment files are parsed incrementally (only bytes appended since the last
 * call), so a long-running controller stays cheap. Rejects with STORE_IO when the directory cannot be read (the
 * controller then holds); a missing directory means no data yet (all zeros, so nothing advances).
 */
export function createBuiltinMetricSource(options: BuiltinMetricSourceOptions): MetricSource {
  // One read chain per file: concurrent observe() calls (one per guardrail) must not parse the same bytes twice.
  const segments = new Map<string, Promise<CachedSegment>>();
  const segmentOf = (file: string): Promise<CachedSegment> => {
    const previous = segments.get(file)?.catch(() => undefined) ?? Promise.resolve(undefined);
    const next = previous.then((cached) => readSegment(file, cached));
    segments.set(file, next);
    return next;
  };
  return {
    name: `builtin ${options.directory}`,
    async observe(query: MetricQuery): Promise<GuardrailObservation> {
      let files: string[];
      try {
        files = (await readdir(options.directory)).filter((f) => f.endsWith('.jsonl'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') files = [];
        else {
          throw new FlagError(
            'STORE_IO',
            `Cannot read metrics in ${options.directory}: ${errorMessage(e)}`,
            { file: options.directory, hint: 'Check --metrics-dir and its permissions.' },
            { cause: e },
          );
        }
      }
      const hourOf = (d: Date): string => d.toISOString().slice(0, 13).replace(/[-T]/g, '');
      const [firstHour, lastHour] = [hourOf(query.start), hourOf(query.end)];
      const treatment = accumulator(query);
      const control = accumulator(query);
      const [startMs, endMs] = [query.start.getTime(), query.end.getTime()];
      for (const name of files) {
        const hour = name.slice(0, 10);
        if (hour < firstHour || hour > lastHour) continue;
        const file = join(options.directory, name);
        const segment = await segmentOf(file);
        for (const record of segment.records) {
          if (
            record[OTEL_ATTRIBUTES.flagKey] !== query.flagKey ||
            record[OTEL_ATTRIBUTES.environment] !== query.environment
          ) {
            continue;
          }
          const t = Date.parse(record.t);
          if (!(t >= startMs && t < endMs)) continue;
          const variant = record[OTEL_ATTRIBUTES.variant];
          if (variant === query.treatment) accumulate(treatment, record, file);
          else if (variant === query.control) accumulate(control, record, file);
        }
      }
      return { treatment: armObservationOf(treatment, query), control: armObservationOf(control, query) };
    },
  };
}
