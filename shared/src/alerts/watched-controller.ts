/**
 * The rollout controller together with its alerts, as a process runs them (`rollgate controller`, `rollgate
 * server`): the alert pipeline (pipeline.ts) hears every committed audit entry and every tick, and, under a
 * leadership, only while this process leads, so among replicas each alert is sent once.
 */
import type { TickResult } from '../rollout/controller.ts';
import type { ControllerServiceOptions } from '../rollout/service.ts';
import { runControllerService } from '../rollout/service.ts';
import type { AlertPipelineOptions } from './pipeline.ts';
import { startAlertPipeline } from './pipeline.ts';

/** What {@link startWatchedController} needs: the service's options plus where the alerts come from. */
export interface WatchedControllerOptions extends ControllerServiceOptions {
  readonly alerts: Omit<AlertPipelineOptions, 'store' | 'active'>;
  /** How long stopping waits for alerts still being delivered (retries of a slow receiver), in ms. */
  readonly alertGraceMs: number;
}

/** A started controller: `done` settles when the loop stopped (signal, or once) and pending alerts were flushed. */
export interface WatchedController {
  readonly done: Promise<TickResult[]>;
}

/**
 * Starts the alert pipeline, then the controller loop. Errors (before anything runs): those of startAlertPipeline
 * (PARSE_ERROR in alerts.yaml, INVALID_INPUT for a receiver's secret that is not set, STORE_IO). `done` rejects
 * only as runControllerService does (a failing tick with `once`).
 */
export async function startWatchedController(options: WatchedControllerOptions): Promise<WatchedController> {
  const { alerts: alertOptions, alertGraceMs, ...service } = options;
  let leading = false;
  const alerts = await startAlertPipeline({ ...alertOptions, store: options.store, active: () => leading });
  const run = async (): Promise<TickResult[]> => {
    try {
      return await runControllerService({
        ...service,
        onLeadershipChange: (leads) => {
          leading = leads;
          options.onLeadershipChange?.(leads);
        },
        onTick: (results) => {
          options.onTick?.(results);
          alerts?.monitor.observeTick(results);
        },
      });
    } finally {
      await alerts?.close(alertGraceMs);
    }
  };
  return { done: run() };
}
