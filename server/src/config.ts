/**
 * The server's configuration: argv and environment, parsed once by zod into {@link ServerConfig}.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';

/** `rollgate server --help`, also printed (to stderr) on a usage error. */
export const USAGE = `Usage: rollgate server [options]

Serves flags to applications: flagd sync (gRPC) for flagd providers in in-process mode and flagd daemons, OFREP for
OFREP providers, and /flagd/<env>.flagd.json for flagd's HTTP source and CDNs. See docs/server.md.

Options:
  --store <dir>       directory holding .rollgate/ (default: $ROLLGATE_STORE, else the nearest .rollgate/ above the cwd)
  --database <url>    PostgreSQL store (default: $DATABASE_URL); replaces --store
  --port <n>          HTTP port: OFREP, flagd JSON, /healthz, /readyz, /metrics (default: 8016; 0 picks a free one)
  --sync-port <n>     gRPC flagd sync port (default: 8015; 0 picks a free one)
  --host <addr>       bind address (default: 127.0.0.1); any non-loopback address requires SDK keys
  --tls-cert <file>   PEM certificate: serve both ports over TLS (with --tls-key)
  --tls-key <file>    PEM private key of --tls-cert
  --tls-ca <file>     PEM CA: clients must present a certificate it signed (mutual TLS)
  --no-controller     do not run the rollout controller and alerts here (docs/server.md)
  --controller-interval <s>
                      seconds between rollout checks (default: 60)
  --metrics-dir <dir> built-in metrics the apps write (default: .rollgate/metrics of a file store)
  --prometheus-url <url>
                      Prometheus server for guardrails with source "prometheus"
  --alerts <file>     alert receivers (default: .rollgate/alerts.yaml of a file store, when it exists)
  -h, --help          show this help
`;

const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost'];

const port = z.number().int().min(0).max(65535);

export const serverConfigSchema = z
  .object({
    store: z.string().min(1).optional(),
    database: z.string().min(1).optional(),
    port,
    syncPort: port,
    host: z.string().min(1),
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
    tlsCa: z.string().min(1).optional(),
    controller: z.boolean(),
    controllerIntervalSeconds: z.number().positive().max(86_400),
    metricsDir: z.string().min(1).optional(),
    prometheusUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    alerts: z.string().min(1).optional(),
  })
  .refine((c) => (c.tlsCert === undefined) === (c.tlsKey === undefined), {
    message: 'pass --tls-cert and --tls-key together',
    path: ['tlsCert'],
  })
  .refine((c) => c.tlsCa === undefined || c.tlsCert !== undefined, {
    message: '--tls-ca (client certificates) needs --tls-cert and --tls-key',
    path: ['tlsCa'],
  })
  .refine((c) => c.port !== c.syncPort || c.port === 0, {
    message: '--port and --sync-port must differ',
    path: ['syncPort'],
  });
/** See {@link serverConfigSchema}. */
export type ServerConfig = z.infer<typeof serverConfigSchema>;

export type ConfigResult =
  | { readonly kind: 'config'; readonly config: ServerConfig }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

const OPTION_NAMES: Record<string, string> = {
  store: '--store',
  database: '--database',
  port: '--port',
  syncPort: '--sync-port',
  host: '--host',
  tlsCert: '--tls-cert',
  tlsKey: '--tls-key',
  tlsCa: '--tls-ca',
  controllerIntervalSeconds: '--controller-interval',
  metricsDir: '--metrics-dir',
  prometheusUrl: '--prometheus-url',
  alerts: '--alerts',
};

/** Parses argv (without node and script) and the environment; never throws. `--store` wins over $DATABASE_URL. */
export function parseServerConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        store: { type: 'string' },
        database: { type: 'string' },
        port: { type: 'string', default: '8016' },
        'sync-port': { type: 'string', default: '8015' },
        host: { type: 'string', default: '127.0.0.1' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-ca': { type: 'string' },
        'no-controller': { type: 'boolean', default: false },
        'controller-interval': { type: 'string', default: '60' },
        'metrics-dir': { type: 'string' },
        'prometheus-url': { type: 'string' },
        alerts: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
  }
  if (values.help) return { kind: 'help' };
  if (values.store !== undefined && values.database !== undefined) {
    return { kind: 'error', message: 'pass either --store or --database, not both' };
  }
  const database = values.store === undefined ? (values.database ?? (env.DATABASE_URL || undefined)) : undefined;
  const result = serverConfigSchema.safeParse({
    store: database === undefined ? (values.store ?? (env.ROLLGATE_STORE || undefined)) : undefined,
    database,
    port: toNumber(values.port),
    syncPort: toNumber(values['sync-port']),
    host: values.host,
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
    tlsCa: values['tls-ca'],
    controller: !values['no-controller'],
    controllerIntervalSeconds: toNumber(values['controller-interval']),
    metricsDir: values['metrics-dir'],
    prometheusUrl: values['prometheus-url'],
    alerts: values.alerts,
  });
  if (!result.success) {
    return {
      kind: 'error',
      message: result.error.issues
        .map((i) => {
          const field = i.path.find((p): p is string => typeof p === 'string');
          return `${field === undefined ? 'options' : (OPTION_NAMES[field] ?? field)}: ${i.message}`;
        })
        .join('\n'),
    };
  }
  return { kind: 'config', config: result.data };
}

/** True when `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function toNumber(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}
