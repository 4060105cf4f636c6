/**
 * The rollout controller and the alert pipeline inside `rollgate server` (docs/server.md): the shared
 * startWatchedController (runControllerService + startAlertPipeline), under the store's leadership (store.createLeadership('controller'):
 * an advisory lock on PostgreSQL, a lock file in `.rollgate/`), so among replicas on one store exactly one advances
 * rollouts and sends alerts; the others stand by and take over within one interval when it is gone.
 */
import { dirname, join, resolve } from 'node:path';
import { startWatchedController } from '@rollgate/shared/alerts';
import { errorMessage } from '@rollgate/shared/errors';
import {
  createMetricSources,
  describeTickResult,
  type ControllerLeadership,
  type MetricSources,
} from '@rollgate/shared/rollout';
import type { FlagStore } from '@rollgate/shared/store';
import type { ServerConfig } from './config.ts';

/** How long closing waits for alerts still being delivered (retries of a slow receiver). */
const ALERT_GRACE_MS = 10_000;

/** What the server's controller needs besides the store. */
export interface ControllerDeps {
  readonly sources: MetricSources;
  readonly intervalMs: number;
  /** The alerts config: an explicit file (must exist), else `configDir/alerts.yaml` when it exists; none without. */
  readonly alerts: { readonly file?: string; readonly configDir?: string; readonly logDir: string };
  /** The process environment, for the alert receivers' secrets (never written anywhere). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Default: the store's own (`store.createLeadership('controller')`); none means this process always acts. */
  readonly leadership?: ControllerLeadership;
  /** Clock of the controller's decisions (tests pass a simulated one); default the wall clock. */
  readonly now?: () => Date;
}

/** A running controller; `close()` finishes the current tick, flushes alerts (bounded) and lets go of leadership. */
export interface ServerController {
  close(): Promise<void>;
}

/**
 * The controller part of the server's configuration, for `store`; undefined with `--no-controller`. Relative paths
 * resolve against `cwd`. A file store keeps its metrics, alerts.yaml and delivery log in `.rollgate/`; a database
 * store has no directory, so its alerts' delivery log goes beside `--alerts`.
 */
export function controllerDepsOf(
  config: ServerConfig,
  store: FlagStore,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): ControllerDeps | undefined {
  if (!config.controller) return undefined;
  const storeDir = config.database === undefined ? store.location : undefined;
  const alertsFile = config.alerts === undefined ? undefined : resolve(cwd, config.alerts);
  const metricsDir =
    config.metricsDir === undefined ? storeDir && join(storeDir, 'metrics') : resolve(cwd, config.metricsDir);
  return {
    sources: createMetricSources({ metricsDir, prometheusUrl: config.prometheusUrl }),
    intervalMs: config.controllerIntervalSeconds * 1000,
    alerts: {
      ...(alertsFile === undefined ? {} : { file: alertsFile }),
      ...(storeDir === undefined ? {} : { configDir: storeDir }),
      logDir: join(storeDir ?? (alertsFile === undefined ? cwd : dirname(alertsFile)), 'alerts'),
    },
    env,
  };
}

/**
 * Starts alerts and the controller loop on `store`. Errors: those of startAlertPipeline (PARSE_ERROR in alerts.yaml,
 * INVALID_INPUT for a receiver's secret that is not set, STORE_IO), before anything runs.
 */
export async function startController(
  store: FlagStore,
  deps: ControllerDeps,
  log: (message: string) => void,
): Promise<ServerController> {
  const leadership = deps.leadership ?? store.createLeadership?.('controller');
  const stop = new AbortController();
  const started = await startWatchedController({
    store,
    sources: deps.sources,
    now: deps.now ?? (() => new Date()),
    intervalMs: deps.intervalMs,
    signal: stop.signal,
    ...(leadership === undefined ? {} : { leadership }),
    alerts: { ...deps.alerts, env: deps.env, log },
    alertGraceMs: ALERT_GRACE_MS,
    onLeadershipChange: (leads) =>
      log(
        leads
          ? `rollout controller: this replica leads, checking rollouts every ${deps.intervalMs / 1000}s`
          : 'rollout controller: standing by (another replica leads)',
      ),
    onTick: (results) => {
      for (const result of results) if (result.committed || result.error) log(describeTickResult(result));
    },
    onTickError: (e) => log(`rollout controller: tick failed, retrying next interval: ${errorMessage(e)}`),
  }).catch((e: unknown) => {
    leadership?.dispose();
    throw e;
  });
  const running = started.done.catch((e: unknown) => {
    log(`rollout controller stopped: ${errorMessage(e)}`);
    return [];
  });
  return {
    async close() {
      stop.abort();
      await running;
      leadership?.dispose();
    },
  };
}
