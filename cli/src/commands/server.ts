import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import { invocation, type CliDeps } from '../deps.ts';

interface ServerOptions {
  port: string;
  syncPort: string;
  host: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  /** false with --no-controller. */
  controller: boolean;
  controllerInterval?: string;
  metricsDir?: string;
  prometheusUrl?: string;
  alerts?: string;
}

/** The server bundle esbuild writes beside the CLI bundle (cli/dist/rollgate-server.mjs). */
const SERVER_BUNDLE = join(dirname(fileURLToPath(import.meta.url)), 'rollgate-server.mjs');

/**
 * `rollgate server`: runs the server bundle as a child process (the CLI never imports the server), with the global
 * --store or --database, forwarding SIGINT/SIGTERM and taking over its exit code. The server parses and checks its own options.
 */
export function registerServerCommand(program: Command, deps: CliDeps): void {
  program
    .command('server')
    .description('serve flags to apps: flagd sync (gRPC), OFREP and flagd JSON over HTTP (docs/server.md)')
    .option('--port <n>', 'HTTP port: OFREP, flagd JSON, health, metrics', '8016')
    .option('--sync-port <n>', 'gRPC flagd sync port', '8015')
    .option('--host <addr>', 'bind address; any non-loopback address requires SDK keys', '127.0.0.1')
    .option('--tls-cert <file>', 'PEM certificate: TLS on both ports (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-ca <file>', 'PEM CA: require client certificates it signed')
    .option('--no-controller', 'do not run the rollout controller and alerts here')
    .option('--controller-interval <s>', 'seconds between rollout checks (default: 60)')
    .option('--metrics-dir <dir>', 'built-in metrics the apps write (default: .rollgate/metrics of a file store)')
    .option('--prometheus-url <url>', 'Prometheus server for guardrails with source "prometheus"')
    .option('--alerts <file>', 'alert receivers (default: .rollgate/alerts.yaml of a file store, when it exists)')
    .action(async (opts: ServerOptions, command: Command) => {
      const run = invocation(command, deps);
      if (!existsSync(SERVER_BUNDLE)) {
        throw new FlagError('STORE_IO', `The server bundle is missing: ${SERVER_BUNDLE}.`, {
          hint: 'Build it with `npm run build` (the CLI starts the server from its dist folder).',
        });
      }
      const args = [
        ...(run.options.store === undefined ? [] : ['--store', resolve(run.cwd, run.options.store)]),
        ...['--port', opts.port, '--sync-port', opts.syncPort, '--host', opts.host],
        ...(opts.tlsCert === undefined ? [] : ['--tls-cert', resolve(run.cwd, opts.tlsCert)]),
        ...(opts.tlsKey === undefined ? [] : ['--tls-key', resolve(run.cwd, opts.tlsKey)]),
        ...(opts.tlsCa === undefined ? [] : ['--tls-ca', resolve(run.cwd, opts.tlsCa)]),
        ...(opts.controller ? [] : ['--no-controller']),
        ...(opts.controllerInterval === undefined ? [] : ['--controller-interval', opts.controllerInterval]),
        ...(opts.metricsDir === undefined ? [] : ['--metrics-dir', resolve(run.cwd, opts.metricsDir)]),
        ...(opts.prometheusUrl === undefined ? [] : ['--prometheus-url', opts.prometheusUrl]),
        ...(opts.alerts === undefined ? [] : ['--alerts', resolve(run.cwd, opts.alerts)]),
      ];
      const child = spawn(process.execPath, [SERVER_BUNDLE, ...args], {
        cwd: run.cwd,
        // The IPC channel closes when this process dies, however it dies: the server then stops too (main.ts).
        stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
        // Security: the database URL (it may hold a password) goes by environment, not argv (visible in `ps`).
        env: run.options.database === undefined ? deps.env : { ...deps.env, DATABASE_URL: run.options.database },
      });
      const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      try {
        const code = await new Promise<number>((done, fail) => {
          child.once('error', fail);
          child.once('exit', (exitCode, signal) =>
            done(exitCode ?? 128 + (signal === null ? 0 : constants.signals[signal])),
          );
        });
        process.exitCode = code;
      } finally {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
      }
    });
}
