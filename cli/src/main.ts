/**
 * The `rollgate` CLI: a thin layer over @rollgate/shared. Builds the commander program from {@link COMMANDS},
 * runs it, and turns errors into a message on stderr plus an exit code (see errors.ts and docs/cli.md).
 */
import { Command, CommanderError } from 'commander';
import cliPackage from '../package.json' with { type: 'json' };
import type { CliDeps } from './deps.ts';
import { describeError, usageError } from './errors.ts';
import { registerApproveCommand } from './commands/approve.ts';
import { registerAuditCommand } from './commands/audit.ts';
import { registerCleanupCommand } from './commands/cleanup.ts';
import { registerCodegenCommand } from './commands/codegen.ts';
import { registerCompileCommand } from './commands/compile.ts';
import { registerControllerCommand } from './commands/controller.ts';
import { registerCreateCommand } from './commands/create.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerEvaluateCommand } from './commands/evaluate.ts';
import { registerGetCommand } from './commands/get.ts';
import { registerInitCommand } from './commands/init.ts';
import { registerListCommand } from './commands/list.ts';
import { registerRolloutCommand } from './commands/rollout.ts';
import { registerScanCommand } from './commands/scan.ts';
import { registerSetRolloutCommand } from './commands/set-rollout.ts';
import { registerSetRuleCommand } from './commands/set-rule.ts';
import { registerStaleCommand } from './commands/stale.ts';
import { registerToggleCommand } from './commands/toggle.ts';
import { registerTokenCommand } from './commands/token.ts';
import { registerServerCommand } from './commands/server.ts';
import { registerKeysCommand } from './commands/keys.ts';
import { registerUsageCommand } from './commands/usage.ts';
import { registerSegmentCommand } from './commands/segment.ts';
import { registerCopyCommand } from './commands/copy.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerExportCommand } from './commands/export.ts';
import { userInfo } from 'node:os';

/**
 * Every command, in the order `rollgate --help` lists them.
 * To add a command: create cli/src/commands/<name>.ts exporting `register<Name>Command(program, deps)`,
 * import it above and add ONE line to this list. Nothing else needs to change.
 */
const COMMANDS: readonly ((program: Command, deps: CliDeps) => void)[] = [
  registerInitCommand,
  registerCreateCommand,
  registerListCommand,
  registerGetCommand,
  registerToggleCommand,
  registerSetRolloutCommand,
  registerRolloutCommand,
  registerControllerCommand,
  registerSetRuleCommand,
  registerSegmentCommand,
  registerCopyCommand,
  registerEvaluateCommand,
  registerAuditCommand,
  registerApproveCommand,
  registerCompileCommand,
  registerScanCommand,
  registerStaleCommand,
  registerCleanupCommand,
  registerCodegenCommand,
  registerDemoCommand,
  registerTokenCommand,
  registerServerCommand,
  registerKeysCommand,
  registerUsageCommand,
  registerMigrateCommand,
  registerExportCommand,
];

/** The commander program with the global options and every command of {@link COMMANDS}. */
export function createProgram(deps: CliDeps): Command {
  const program = new Command('rollgate')
    .description('Feature flags and progressive rollouts for TypeScript teams, stored in your repository.')
    .version(cliPackage.version)
    .option('--store <dir>', 'the store: a directory holding .rollgate/ (default: nearest .rollgate/ upwards)')
    .option('--database <url>', 'the store: a PostgreSQL database (default: $ROLLGATE_DATABASE_URL, unless --store is given)')
    .option('--json', 'machine output: one JSON document on stdout (errors as JSON on stderr)')
    .option('--actor <actor>', `who is making the change, for the audit log (default: ${deps.defaultActor})`)
    .option('--reason <text>', 'why, for the audit log (required for protected environments)')
    .showHelpAfterError('(run with --help for usage)')
    // Throw instead of exiting, so main() owns the exit code.
    .exitOverride();
  for (const register of COMMANDS) register(program, deps);
  return program;
}

/** Reads the clock from ROLLGATE_NOW (an ISO time, for reproducible tests and demos) or the system. */
function clockFromEnv(value: string | undefined): () => Date {
  if (value === undefined || value === '') return () => new Date();
  const fixed = new Date(value);
  if (Number.isNaN(fixed.getTime())) {
    throw usageError(
      `ROLLGATE_NOW="${value}" is not a date.`,
      'Set it to an ISO time such as 2026-01-01T12:00:00Z, or unset it.',
    );
  }
  return () => new Date(fixed);
}

async function main(): Promise<void> {
  // `rollgate demo | head`: once the reader has gone, drop further output instead of crashing on EPIPE, so the
  // command still finishes (and cleans up).
  let readerGone = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    readerGone = true;
  });
  let program: Command | undefined;
  try {
    program = createProgram({
      stdout: { write: (text) => void (readerGone || process.stdout.write(text)) },
      stderr: { write: (text) => void process.stderr.write(text) },
      now: clockFromEnv(process.env.ROLLGATE_NOW),
      cwd: process.cwd(),
      defaultActor: `cli:${process.env.USER ?? process.env.USERNAME ?? osUserName()}`,
      env: process.env,
    });
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed the usage error or the help already.
      process.exitCode = e.exitCode;
      return;
    }
    const reported = describeError(e);
    const json = program?.opts<{ json?: boolean }>().json === true;
    process.stderr.write(json ? `${JSON.stringify(reported.json)}\n` : `${reported.text}\n`);
    process.exitCode = reported.exitCode;
  }
}

await main();

/** The OS account name, for the default actor when $USER is not set (containers, CI). */
function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
