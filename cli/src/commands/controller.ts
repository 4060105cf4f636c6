import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { startAlertPipeline } from '@rollgate/shared/alerts';
import {
  runControllerService,
  createBuiltinMetricSource,
  createPrometheusMetricSource,
  type MetricSources,
  type TickResult,
} from '@rollgate/shared/rollout';
import { invocation, type CliDeps } from '../deps.ts';
import type { Output } from '../output.ts';
import { usageError } from '../errors.ts';

/** How long the controller waits on exit for alerts still being delivered (retries of a slow receiver). */
const ALERT_GRACE_MS = 10_000;

interface ControllerOptions {
  interval: string;
  alerts?: string;
  once?: boolean;
  metricsDir?: string;
  prometheusUrl?: string;
}

function describeResult(result: TickResult): string {
  const { evaluation } = result;
  const { decision } = evaluation;
  const head = `${evaluation.at}  ${result.flagKey}/${result.environment}  ${decision.decision} at ${evaluation.percentage}%`;
  const status = result.error ? ` (not applied: ${result.error})` : result.committed ? '' : ' (unchanged)';
  return [`${head}${status}`, ...decision.reasons.map((r) => `    - ${r}`)].join('\n');
}

/**
 * Prints a tick's committed or refused decisions through `out` (text, or one JSON document each with --json; with
 * `once` and --json the caller prints them all as one array); unchanged holds are not repeated.
 */
function reportTick(results: readonly TickResult[], once: boolean, out: Output): void {
  for (const result of results) {
    if (!once && !result.committed && !result.error) continue;
    if (!(once && out.json)) out.result(result, describeResult(result));
  }
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
        const results = await run.withFileStore(async (store) => {
          const directory =
            opts.metricsDir === undefined ? join(store.location, 'metrics') : resolve(run.cwd, opts.metricsDir);
          const sources: MetricSources = {
            builtin: createBuiltinMetricSource({ directory }),
            ...(opts.prometheusUrl === undefined
              ? {}
              : { prometheus: createPrometheusMetricSource({ baseUrl: opts.prometheusUrl }) }),
          };
          const alerts = await startAlertPipeline({
            store,
            ...(opts.alerts === undefined ? {} : { file: resolve(run.cwd, opts.alerts) }),
            configDir: store.location,
            logDir: join(store.location, 'alerts'),
            env: deps.env,
            log: (line) => run.out.line(line),
          });
          if (!opts.once) {
            run.out.line(`rollout controller on ${store.location}: checking every ${seconds}s (Ctrl-C stops)`);
          }
          try {
            const once = opts.once === true;
            return await runControllerService({
              store,
              sources,
              now: run.now,
              intervalMs: seconds * 1000,
              once,
              signal: stop.signal,
              onTick: (ticks) => {
                reportTick(ticks, once, run.out);
                alerts?.monitor.observeTick(ticks);
              },
              onTickError: (e) => run.out.line(`${run.now().toISOString()}  tick failed, retrying: ${String(e)}`),
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
