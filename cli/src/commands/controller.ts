import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { FlagStore } from '@rollgate/shared/store';
import {
  RolloutController,
  createBuiltinMetricSource,
  createPrometheusMetricSource,
  type MetricSources,
  type TickResult,
} from '@rollgate/shared/rollout';
import { invocation, type CliDeps } from '../deps.ts';
import type { Output } from '../output.ts';
import { usageError } from '../errors.ts';
import { startControllerAlerts } from '../alerts.ts';

/** How long the controller waits on exit for alerts still being delivered (retries of a slow receiver). */
const ALERT_GRACE_MS = 10_000;

interface ControllerOptions {
  interval: string;
  alerts?: string;
  once?: boolean;
  metricsDir?: string;
  prometheusUrl?: string;
}

/** What {@link runController} needs besides the store. */
export interface RunControllerOptions {
  readonly sources: MetricSources;
  readonly now: () => Date;
  readonly intervalMs: number;
  /** Run one tick and return. */
  readonly once: boolean;
  /** Stops the loop (SIGINT/SIGTERM in the CLI); the current tick finishes first. */
  readonly signal: AbortSignal;
  readonly out: Output;
  /** Called with every tick's results (alerts on long holds and failing metric sources). */
  readonly onTick?: (results: readonly TickResult[]) => void;
}

function describeResult(result: TickResult): string {
  const { evaluation } = result;
  const { decision } = evaluation;
  const head = `${evaluation.at}  ${result.flagKey}/${result.environment}  ${decision.decision} at ${evaluation.percentage}%`;
  const status = result.error ? ` (not applied: ${result.error})` : result.committed ? '' : ' (unchanged)';
  return [`${head}${status}`, ...decision.reasons.map((r) => `    - ${r}`)].join('\n');
}

/** Waits `ms`, or less when `signal` aborts or the store changes (so a kill switch is locked within a second). */
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
 * Runs the rollout controller on `store` every `intervalMs` (and right after any store change, e.g. a kill switch)
 * until `signal` aborts, or once. Reports every committed or refused decision through `out` (text, or one JSON
 * document each with --json; with `once` and --json the caller prints them all as one array); unchanged holds are
 * not repeated. A tick that fails (store unreadable) is reported and retried on the next interval.
 */
export async function runController(store: FlagStore, options: RunControllerOptions): Promise<TickResult[]> {
  const controller = new RolloutController({ store, sources: options.sources, now: options.now });
  const all: TickResult[] = [];
  try {
    for (;;) {
      try {
        const results = await controller.tick();
        all.push(...results);
        options.onTick?.(results);
        for (const result of results) {
          if (!options.once && !result.committed && !result.error) continue;
          if (!(options.once && options.out.json)) options.out.result(result, describeResult(result));
        }
      } catch (e) {
        if (options.once) throw e;
        options.out.line(`${options.now().toISOString()}  tick failed, retrying: ${String(e)}`);
      }
      if (options.once || options.signal.aborted) break;
      await waitForNextTick(options.intervalMs, options.signal, store);
      if (options.signal.aborted) break;
    }
  } finally {
    controller.dispose();
  }
  return all;
}

/**
 * `rollgate controller [--interval <s>] [--once] [--metrics-dir <dir>] [--prometheus-url <url>]`: the
 * long-running process that advances healthy rollouts and rolls back broken ones (docs/rollout.md).
 */
export function registerControllerCommand(program: Command, deps: CliDeps): void {
  program
    .command('controller')
    .description('run the rollout controller: advance healthy rollouts, roll back or pause broken ones')
    .option('--interval <seconds>', 'seconds between checks', '60')
    .option('--once', 'check every running rollout once and exit')
    .option('--metrics-dir <dir>', 'where apps write built-in metrics (default: .rollgate/metrics)')
    .option('--prometheus-url <url>', 'Prometheus server for guardrails with source "prometheus"')
    .option('--alerts <file>', 'alert receivers (default: .rollgate/alerts.yaml when it exists; docs/alerts.md)')
    .action(async (opts: ControllerOptions, command: Command) => {
      const run = invocation(command, deps);
      const seconds = Number(opts.interval);
      if (!Number.isFinite(seconds) || seconds <= 0) {
        throw usageError(
          `--interval "${opts.interval}" is not a positive number of seconds.`,
          'Pass e.g. --interval 60.',
        );
      }
      if (opts.prometheusUrl !== undefined && !/^https?:\/\//.test(opts.prometheusUrl)) {
        throw usageError(
          `--prometheus-url "${opts.prometheusUrl}" is not an http(s) URL.`,
          'Pass e.g. --prometheus-url http://127.0.0.1:9090.',
        );
      }
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      // Security/UX: SIGINT/SIGTERM finish the current tick, then exit cleanly (no half-applied decision).
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const results = await run.withStore(async (store) => {
          const directory =
            opts.metricsDir === undefined ? join(store.location, 'metrics') : resolve(run.cwd, opts.metricsDir);
          const sources: MetricSources = {
            builtin: createBuiltinMetricSource({ directory }),
            ...(opts.prometheusUrl === undefined
              ? {}
              : { prometheus: createPrometheusMetricSource({ baseUrl: opts.prometheusUrl }) }),
          };
          const alerts = await startControllerAlerts(
            store,
            opts.alerts === undefined ? undefined : resolve(run.cwd, opts.alerts),
            deps.env,
            run.out,
          );
          if (!opts.once) {
            run.out.line(`rollout controller on ${store.location}: checking every ${seconds}s (Ctrl-C stops)`);
          }
          try {
            return await runController(store, {
              sources,
              now: run.now,
              intervalMs: seconds * 1000,
              once: opts.once === true,
              signal: stop.signal,
              out: run.out,
              ...(alerts ? { onTick: (ticks: readonly TickResult[]) => alerts.monitor.observeTick(ticks) } : {}),
            });
          } finally {
            await alerts?.close(ALERT_GRACE_MS);
          }
        });
        if (opts.once) {
          run.out.result(
            results,
            results.length === 0 ? 'No running rollouts.' : `${results.length} rollout(s) checked.`,
          );
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
