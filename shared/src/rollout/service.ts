/**
 * The rollout controller as a long-running service: ticks every interval and right after any store change (so a kill
 * switch is locked within a second), until stopped. `rollgate controller` runs it in a terminal; `rollgate server`
 * runs it for a team. With several processes on one store, an optional {@link ControllerLeadership} lets exactly one
 * of them act; the others keep trying every interval and take over when the leader is gone. Without leadership every
 * process acts, which is still safe: each decision commits only if the plan is still where it was evaluated.
 */
import type { FlagStore, StoreLeadership } from '../store/types.ts';
import { createBuiltinMetricSource } from './builtin-metrics.ts';
import { RolloutController, type MetricSources, type TickResult } from './controller.ts';
import { createPrometheusMetricSource } from './prometheus.ts';

/**
 * Who may act among processes sharing a store: a store's own leadership (`store.createLeadership('controller')`: a
 * PostgreSQL advisory lock, a lock file) or any other.
 */
export type ControllerLeadership = StoreLeadership;

/** What {@link runControllerService} needs besides the store. */
export interface ControllerServiceOptions {
  readonly store: FlagStore;
  readonly sources: MetricSources;
  readonly now: () => Date;
  readonly intervalMs: number;
  /** Run one tick and return (leadership, if any, is still asked). */
  readonly once?: boolean;
  /** Stops the loop; the current tick finishes first. */
  readonly signal: AbortSignal;
  /** Audit actor of the controller's decisions (default `controller`). */
  readonly actor?: string;
  readonly leadership?: ControllerLeadership;
  /** Every tick's results (alerts on long holds and failing metric sources, output). */
  readonly onTick?: (results: readonly TickResult[]) => void;
  /** A tick that failed (store unreadable): it is retried on the next interval. */
  readonly onTickError?: (error: unknown) => void;
  /** Leadership changed: this process started or stopped acting. */
  readonly onLeadershipChange?: (leading: boolean) => void;
}

/**
 * The metric sources of a controller process: built-in metrics when `metricsDir` (where apps' recorders write) is
 * given, Prometheus when `prometheusUrl` is.
 */
export function createMetricSources(options: {
  metricsDir?: string | undefined;
  prometheusUrl?: string | undefined;
}): MetricSources {
  return {
    ...(options.metricsDir === undefined
      ? {}
      : { builtin: createBuiltinMetricSource({ directory: options.metricsDir }) }),
    ...(options.prometheusUrl === undefined
      ? {}
      : { prometheus: createPrometheusMetricSource({ baseUrl: options.prometheusUrl }) }),
  };
}

/**
 * One committed or refused decision for a log: `<at>  <flag>/<env>  <decision> at <n>%`, a status when it was not
 * applied, then its reasons, one per line.
 */
export function describeTickResult(result: TickResult): string {
  const { evaluation } = result;
  const { decision } = evaluation;
  const head = `${evaluation.at}  ${result.flagKey}/${result.environment}  ${decision.decision} at ${evaluation.percentage}%`;
  const status = result.error ? ` (not applied: ${result.error})` : result.committed ? '' : ' (unchanged)';
  return [`${head}${status}`, ...decision.reasons.map((r) => `    - ${r}`)].join('\n');
}

/** Waits `ms`, or less when `signal` aborts or the store changes. */
function waitForNextTick(ms: number, signal: AbortSignal, store: FlagStore): Promise<void> {
  return new Promise((resolveWait) => {
    if (signal.aborted) {
      resolveWait();
      return;
    }
    const timer = setTimeout(done, ms);
    const subscription = store.onDidChange(done);
    function done(): void {
      clearTimeout(timer);
      subscription.dispose();
      signal.removeEventListener('abort', done);
      resolveWait();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs the rollout controller on `options.store` every interval (and after store changes) until the signal aborts,
 * or once. Returns every tick's results. With `once`, a failing tick rejects; otherwise it is reported through
 * `onTickError` and retried on the next interval.
 */
export async function runControllerService(options: ControllerServiceOptions): Promise<TickResult[]> {
  const { store, signal, leadership } = options;
  const controller = new RolloutController({
    store,
    sources: options.sources,
    now: options.now,
    ...(options.actor === undefined ? {} : { actor: options.actor }),
  });
  const all: TickResult[] = [];
  let leading: boolean | undefined;
  try {
    for (;;) {
      const leadsNow = leadership ? await leadership.tryLead() : true;
      if (leadsNow !== leading) {
        leading = leadsNow;
        options.onLeadershipChange?.(leadsNow);
      }
      if (leadsNow) {
        try {
          const results = await controller.tick();
          all.push(...results);
          options.onTick?.(results);
        } catch (e) {
          if (options.once) throw e;
          options.onTickError?.(e);
        }
      }
      if (options.once || signal.aborted) break;
      await waitForNextTick(options.intervalMs, signal, store);
      if (signal.aborted) break;
    }
  } finally {
    controller.dispose();
  }
  return all;
}
