/**
 * The alert pipeline of a process that watches rollouts (`rollgate controller`, `rollgate server`): reads
 * `.rollgate/alerts.yaml` (or an explicit file), resolves the receivers' secrets from the environment the caller
 * passes, and keeps a delivery log in `<log dir>/deliveries.jsonl` (gitignored; one JSON line per attempt).
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FlagError } from '../errors.ts';
import type { FlagStore } from '../store/types.ts';
import { parseAlertsConfig, resolveAlertReceivers } from './config.ts';
import { AlertDispatcher, type DeliveryRecord } from './dispatcher.ts';
import { AlertMonitor } from './monitor.ts';

/** A running alert pipeline: feed it controller ticks; `close()` waits (a bounded time) for pending deliveries. */
export interface AlertPipeline {
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

/** What {@link startAlertPipeline} needs. */
export interface AlertPipelineOptions {
  readonly store: FlagStore;
  /** The alerts config; it must exist. Absent: `configDir/alerts.yaml` when it exists, else no alerts. */
  readonly file?: string;
  /** Where the implicit alerts.yaml is looked for (the `.rollgate/` directory of a file store; none for a database). */
  readonly configDir?: string;
  /** Where `deliveries.jsonl` goes. */
  readonly logDir: string;
  /** The process environment, for the receivers' secrets; never written anywhere. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Progress and failures, one line each (failed deliveries, an unreadable audit log). */
  readonly log: (line: string) => void;
  /**
   * Whether this process sends alerts now (default always): among server replicas only the one whose controller
   * leads does, so each alert is sent once.
   */
  readonly active?: () => boolean;
}

/**
 * Starts alerts for `store` when `file` (explicit) or `configDir/alerts.yaml` (implicit) exists; undefined when
 * there is nothing configured. Errors: PARSE_ERROR (alerts.yaml), INVALID_INPUT (a secret's variable is not set),
 * STORE_IO.
 */
export async function startAlertPipeline(options: AlertPipelineOptions): Promise<AlertPipeline | undefined> {
  const { store, file, logDir, env, log } = options;
  const path = file ?? (options.configDir === undefined ? undefined : join(options.configDir, 'alerts.yaml'));
  if (path === undefined) return undefined;
  const text = await readIfPresent(path, file !== undefined);
  if (text === undefined) return undefined;
  const config = parseAlertsConfig(text, path);
  const dispatcher = new AlertDispatcher({ receivers: resolveAlertReceivers(config, env) });
  await mkdir(logDir, { recursive: true });
  let logging = Promise.resolve();
  dispatcher.onDidDeliver((record) => {
    if (record.outcome !== 'delivered') log(describeDelivery(record));
    logging = logging
      .then(() => appendFile(join(logDir, 'deliveries.jsonl'), `${JSON.stringify(record)}\n`))
      .catch((e: unknown) => log(`cannot write the alert delivery log: ${String(e)}`));
  });
  const monitor = await AlertMonitor.start({
    store,
    publish: (event) => {
      if (options.active?.() ?? true) dispatcher.publish(event);
    },
    heldIntervals: config.heldIntervals,
    onError: (e) => log(`alerts: cannot read the audit log, retrying on the next change: ${String(e)}`),
  });
  log(`alerts: ${config.receivers.map((r) => `${r.name} (${r.kind})`).join(', ') || 'no receivers'} from ${path}`);
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
