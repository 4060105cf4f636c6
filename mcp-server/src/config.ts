/**
 * The server's configuration: argv and environment, parsed once by zod into {@link ServerConfig}.
 */
import { parseArgs } from 'node:util';
// zod/mini, not zod: this runs at every start, and the full zod costs more CPU to load than the rest of the start-up
// (issue 12).
import * as z from 'zod/mini';
import { ENVIRONMENT_KEY_PATTERN, ENVIRONMENT_KEY_RULE } from '@rollgate/shared/flags/keys';
import type { WritePolicy } from './writes.ts';

/** `rollgate-mcp --help`, also printed (to stderr) on a usage error. */
export const USAGE = `Usage: rollgate-mcp [options]

Serves the Rollgate flag store to AI assistants over MCP (stdio unless --http).

Options:
  --store <dir>         directory holding .rollgate/ (or .rollgate/ itself); default: $ROLLGATE_STORE, else the nearest .rollgate/ above the cwd
  --database <url>      work on the PostgreSQL store at postgres://user:password@host:5432/db (default: $ROLLGATE_DATABASE_URL unless --store is given)
  --read-only           expose read tools only
  --allowed-envs <list> comma-separated environments writes may touch (default: all)
  --actor <name>        audit-log actor (default: mcp:<client name>)
  --max-step <points>   largest rollout increase per step in a protected environment (default: 25)
  --http                serve Streamable HTTP instead of stdio
  --port <n>            HTTP port (default: 3920; 0 picks a free one)
  --host <addr>         HTTP bind address (default: 127.0.0.1); other than loopback needs --token
  --token <secret>      HTTP bearer token clients must send (default: $ROLLGATE_MCP_TOKEN)
  -h, --help            show this help

Remote mode: with ROLLGATE_URL (and ROLLGATE_TOKEN) set, the tools work against that Rollgate server instead of
.rollgate/, as the token's identity (--store and --actor are refused then). See docs/teams.md.
`;

// Security: the URL may hold a password, so the message never echoes it.
const DATABASE_URL_ERROR =
  'not a PostgreSQL URL; pass postgres://user:password@host:5432/db (or set ROLLGATE_DATABASE_URL)';

const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost'];

/** The parsed configuration; built from argv and environment by {@link parseServerConfig}. */
export const serverConfigSchema = z.object({
  /** Store directory, or undefined to search upwards from the working directory. */
  store: z.optional(z.string().check(z.minLength(1))),
  /** PostgreSQL connection URL of the store (instead of .rollgate/ files). */
  database: z.optional(z.url({ protocol: /^postgres(ql)?$/, error: DATABASE_URL_ERROR })),
  readOnly: z.boolean(),
  /** Environments writes may touch; undefined = all. */
  allowedEnvironments: z.optional(
    z
      .array(z.string().check(z.regex(ENVIRONMENT_KEY_PATTERN, ENVIRONMENT_KEY_RULE)))
      .check(z.minLength(1, 'name at least one environment')),
  ),
  actor: z.optional(z.string().check(z.minLength(1, 'give a name'))),
  /** Remote mode: the Rollgate server (ROLLGATE_URL) and the API token (ROLLGATE_TOKEN) the tools act with. */
  remote: z.optional(
    z.object({
      url: z.url({ error: 'use the http(s) URL of the Rollgate server' }),
      token: z.string().check(z.minLength(1, 'set ROLLGATE_TOKEN to your API token')),
    }),
  ),
  /** Largest rollout increase (percentage points) per set-rollout in a protected environment. */
  maxStep: z
    .number({ error: 'use a number of percentage points' })
    .check(z.positive('use more than 0'), z.lte(100, 'use at most 100')),
  transport: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('stdio') }),
    z.object({
      kind: z.literal('http'),
      port: z.int({ error: 'use a port number' }).check(z.gte(0, 'use 0 to 65535'), z.lte(65535, 'use 0 to 65535')),
      host: z.string().check(z.minLength(1, 'give a host name or address')),
      /** Bearer token every HTTP request must carry; required off loopback. */
      token: z.optional(z.string().check(z.minLength(16, 'use at least 16 characters'))),
    }),
  ]),
});
/** See {@link serverConfigSchema}. */
export type ServerConfig = z.infer<typeof serverConfigSchema>;

/** What {@link parseServerConfig} found: a config, a request for help, or a usage error to print. */
export type ConfigResult =
  | { readonly kind: 'config'; readonly config: ServerConfig }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

/** Parses argv (without node and script) and the environment; never throws. */
export function parseServerConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ConfigResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        store: { type: 'string' },
        database: { type: 'string' },
        'read-only': { type: 'boolean', default: false },
        'allowed-envs': { type: 'string' },
        actor: { type: 'string' },
        'max-step': { type: 'string', default: '25' },
        http: { type: 'boolean', default: false },
        port: { type: 'string', default: '3920' },
        host: { type: 'string', default: '127.0.0.1' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
  }
  if (values.help) return { kind: 'help' };
  const url = env.ROLLGATE_URL?.trim();
  const clash = ['store', 'database', 'actor'].find((name) => values[name as 'store'] !== undefined);
  if (url && clash) {
    return {
      kind: 'error',
      message: `--${clash}: not with ROLLGATE_URL (${url}): the flags live on the server, and it records the identity of your token.`,
    };
  }
  if (values.store !== undefined && values.database !== undefined) {
    return {
      kind: 'error',
      message:
        '--database: not with --store; pass --store <dir> for .rollgate/ files or --database <url> for PostgreSQL.',
    };
  }
  // Not $DATABASE_URL: a developer's shell often holds their app's database there (the CLI's rule too).
  const database =
    values.database ?? (values.store === undefined && !url ? env.ROLLGATE_DATABASE_URL || undefined : undefined);
  const result = serverConfigSchema.safeParse({
    ...(url ? { remote: { url, token: env.ROLLGATE_TOKEN?.trim() ?? '' } } : {}),
    store: values.store ?? (database === undefined ? env.ROLLGATE_STORE || undefined : undefined),
    ...(database === undefined ? {} : { database }),
    readOnly: values['read-only'],
    allowedEnvironments: values['allowed-envs']
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    actor: values.actor,
    maxStep: toNumber(values['max-step']),
    transport: values.http
      ? {
          kind: 'http',
          port: toNumber(values.port),
          host: values.host,
          ...tokenOf(values.token ?? (env.ROLLGATE_MCP_TOKEN || undefined)),
        }
      : { kind: 'stdio' },
  });
  if (!result.success) {
    return {
      kind: 'error',
      message: result.error.issues
        .map((i) => {
          const fromEnv = i.path[0] === 'database' && values.database === undefined;
          return `${fromEnv ? 'ROLLGATE_DATABASE_URL' : optionName(i.path)}: ${i.message}`;
        })
        .join('\n'),
    };
  }
  const transport = result.data.transport;
  // Security: off loopback, anyone who can reach the port could change flags; refuse that without a token.
  if (transport.kind === 'http' && !isLoopbackHost(transport.host) && transport.token === undefined) {
    return {
      kind: 'error',
      message: `--host: ${transport.host} is reachable from other machines; pass --token <secret> (or set ROLLGATE_MCP_TOKEN), or bind 127.0.0.1.`,
    };
  }
  return { kind: 'config', config: result.data };
}

/** The write policy `config` sets. */
export function policyOf(config: ServerConfig): WritePolicy {
  return {
    readOnly: config.readOnly,
    allowedEnvironments: config.allowedEnvironments,
    maxStep: config.maxStep,
    actor: config.actor,
  };
}

/** True when `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host) || host.startsWith('127.');
}

function tokenOf(token: string | undefined): { token?: string } {
  return token === undefined ? {} : { token };
}

function toNumber(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

function optionName(path: readonly PropertyKey[]): string {
  const names: Record<string, string> = {
    store: '--store',
    database: '--database',
    readOnly: '--read-only',
    allowedEnvironments: '--allowed-envs',
    actor: '--actor',
    maxStep: '--max-step',
    port: '--port',
    host: '--host',
    token: '--token',
  };
  if (path[0] === 'remote') return path[1] === 'token' ? 'ROLLGATE_TOKEN' : 'ROLLGATE_URL';
  const last = [...path].reverse().find((p) => typeof p === 'string' && p in names);
  return typeof last === 'string' ? (names[last] ?? last) : 'options';
}
