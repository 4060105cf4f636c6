/**
 * The server's Prometheus metrics (prom-client, a registry of its own so tests and replicas in one process do not
 * share counters). Served at GET /metrics in the Prometheus text format.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ServerMetrics {
  readonly registry: Registry;
  /** Open flagd sync streams, by environment. */
  readonly syncStreams: Gauge<'environment'>;
  /** Seconds from the server seeing a store change to the change being written to a client stream. */
  readonly propagationDelay: Histogram;
  /** Requests by endpoint (ofrep_flag, ofrep_bulk, flagd_json, sync_flags, …) and status (HTTP code or gRPC code name). */
  readonly requests: Counter<'endpoint' | 'status'>;
}

/** The metrics of one server; `ready` feeds `rollgate_ready` (1 = store reachable and flags loaded) at scrape time. */
export function createMetrics(ready: () => boolean): ServerMetrics {
  const registry = new Registry();
  new Gauge({
    name: 'rollgate_ready',
    help: '1 when the store answered the last probe and flags are loaded, else 0.',
    registers: [registry],
    collect() {
      this.set(ready() ? 1 : 0);
    },
  });
  return {
    registry,
    syncStreams: new Gauge({
      name: 'rollgate_sync_streams',
      help: 'Connected flagd sync streams.',
      labelNames: ['environment'],
      registers: [registry],
    }),
    propagationDelay: new Histogram({
      name: 'rollgate_propagation_delay_seconds',
      help: 'Time from the server seeing a store change to writing it to a sync stream.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    requests: new Counter({
      name: 'rollgate_requests_total',
      help: 'Requests by endpoint and status.',
      labelNames: ['endpoint', 'status'],
      registers: [registry],
    }),
  };
}
