import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { startWatchedController } from '@rollgate/shared/alerts';
import { createMetricSources, describeTickResult, type TickResult } from '@rollgate/shared/rollout';
import { invocation, type CliDeps } from '../deps.ts';
import type { Output } from '../output.ts';
import { usageError } from '../errors.ts';
import { reportRecoveries } from '../recovery.ts';

/** How long the controller waits on exit for alerts still being delivered (retries of a slow receiver). */
const ALERT_GRACE_MS = 10_000;

interface ControllerOptions {
  interval: string;
  alerts?: string;
  once?: boolean;
  metricsDir?: string;
  prometheusUrl?: string;
}

/**
 * Prints a tick's committed or refused decisions through `out` (text, or one JSON document each with --json; with
 * `once` and --json the caller prints them all as one array); unchanged holds are not repeated.
 */
function reportTick(results: readonly TickResult[], once: boolean, out: Output): void {
  for (const result of results) {
    if (!once && !result.committed && !result.error) continue;
    if (!(once && out.json)) out.result(result, describeTickResult(result));
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
          const sources = createMetricSources({ metricsDir: directory, prometheusUrl: opts.prometheusUrl });
          const once = opts.once === true;
          // Long-running, it takes the store's controller leadership: next to servers (or another terminal) on this
          // store only one process acts and alerts. One explicit check (--once) always runs.
          const leadership = once ? undefined : store.createLeadership?.('controller');
          let started = false;
          try {
            const { done } = await startWatchedController({
              store,
              sources,
              now: run.now,
              intervalMs: seconds * 1000,
              once,
              signal: stop.signal,
              ...(leadership === undefined ? {} : { leadership }),
              alerts: {
                ...(opts.alerts === undefined ? {} : { file: resolve(run.cwd, opts.alerts) }),
                configDir: store.location,
                logDir: join(store.location, 'alerts'),
                env: deps.env,
                log: (line) => run.out.line(line),
              },
              alertGraceMs: ALERT_GRACE_MS,
              // First called once the alerts listen (a change from now on is announced), before the first check.
              onLeadershipChange: (leads) => {
                if (!started) {
                  started = true;
                  if (!once) {
                    run.out.line(`rollout controller on ${store.location}: checking every ${seconds}s (Ctrl-C stops)`);
                  }
                  if (leads) return;
                }
                run.out.line(
                  leads
                    ? 'taking over: this process now runs the rollouts'
                    : 'standing by: another process (a server, another terminal) runs the controller on this store',
                );
              },
              onTick: (ticks) => {
                // A long run: what a tick's commits repaired (another writer crashed) is told as it happens.
                reportRecoveries(store, deps.stderr, run.options.json);
                reportTick(ticks, once, run.out);
              },
              onTickError: (e) => run.out.line(`${run.now().toISOString()}  tick failed, retrying: ${String(e)}`),
            });
            return await done;
          } finally {
            leadership?.dispose();
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
