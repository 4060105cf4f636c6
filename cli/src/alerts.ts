/**
 * Alerts for the processes that watch rollouts (`rollgate controller`): reads `.rollgate/alerts.yaml` (or
 * --alerts), resolves the receivers' secrets from the environment, and keeps a delivery log in
 * `.rollgate/alerts/deliveries.jsonl` (gitignored; one JSON line per attempt).
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AlertDispatcher, AlertMonitor, parseAlertsConfig, resolveAlertReceivers } from '@rollgate/shared/alerts';
import type { DeliveryRecord } from '@rollgate/shared/alerts';
import { FlagError } from '@rollgate/shared/errors';
import type { FlagStore } from '@rollgate/shared/store';
import type { Output } from './output.ts';

/** A running alert pipeline: feed it controller ticks; `close()` waits (a bounded time) for pending deliveries. */
export interface ControllerAlerts {
  readonly monitor: AlertMonitor;
  close(graceMs: number): Promise<void>;
}

async function readIfPresent(file: string, required: boolean): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FlagError('STORE_IO', `Cannot read the alerts config ${file}: ${(e as Error).message}`, {
      file,
      hint: 'Pass an existing file with --alerts, or create .rollgate/alerts.yaml (docs/alerts.md).',
    });
  }
}

function describeDelivery(record: DeliveryRecord): string {
  const status = record.status === undefined ? '' : ` HTTP ${record.status}`;
  const retry = record.retryInMs === undefined ? '' : `, retry in ${Math.round(record.retryInMs / 1000)}s`;
  return `${record.at}  alert ${record.kind} → ${record.receiver}: ${record.outcome}${status}${record.error ? ` (${record.error})` : ''}${retry}`;
}

/**
 * Starts alerts for `store` when `file` (explicit) or `<store>/alerts.yaml` (implicit) exists; undefined when there
 * is nothing configured. Errors: PARSE_ERROR (alerts.yaml), INVALID_INPUT (a secret's variable is not set),
 * STORE_IO.
 */
export async function startControllerAlerts(
  store: FlagStore,
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  out: Output,
): Promise<ControllerAlerts | undefined> {
  const path = file ?? join(store.location, 'alerts.yaml');
  const text = await readIfPresent(path, file !== undefined);
  if (text === undefined) return undefined;
  const config = parseAlertsConfig(text, path);
  const dispatcher = new AlertDispatcher({ receivers: resolveAlertReceivers(config, env) });
  const logDir = join(store.location, 'alerts');
  await mkdir(logDir, { recursive: true });
  let logging = Promise.resolve();
  dispatcher.onDidDeliver((record) => {
    if (record.outcome !== 'delivered') out.line(describeDelivery(record));
    logging = logging
      .then(() => appendFile(join(logDir, 'deliveries.jsonl'), `${JSON.stringify(record)}\n`))
      .catch((e: unknown) => out.line(`cannot write the alert delivery log: ${String(e)}`));
  });
  const monitor = await AlertMonitor.start({
    store,
    publish: (event) => dispatcher.publish(event),
    heldIntervals: config.heldIntervals,
    onError: (e) => out.line(`alerts: cannot read the audit log, retrying on the next change: ${String(e)}`),
  });
  out.line(`alerts: ${config.receivers.map((r) => `${r.name} (${r.kind})`).join(', ') || 'no receivers'} from ${path}`);
  return {
    monitor,
    async close(graceMs) {
      monitor.dispose();
      await monitor.settled();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        dispatcher.flush(),
        new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
      dispatcher.dispose();
      await logging;
    },
  };
}
