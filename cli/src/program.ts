/**
 * The commander program of the `rollgate` CLI. Command modules are loaded lazily: a run imports only the module of
 * the command it invokes (esbuild splits each into its own chunk), so `rollgate toggle` does not pay for the
 * scanner, the PostgreSQL client or the zod schemas of commands it does not run. Help, `--version` and anything
 * that names no known command load them all, so commander can list them and suggest the right one.
 */
import { Command } from 'commander';
import cliPackage from '../package.json' with { type: 'json' };
import type { CliDeps } from './deps.ts';

/** Adds one module's commands (and their actions) to the program. */
export type RegisterCommands = (program: Command, deps: CliDeps) => void;

/** One file of cli/src/commands/: the top-level commands it registers and how to load it. */
export interface CommandModule {
  /** The top-level command names the module registers: what `rollgate <name> …` selects it by. */
  readonly names: readonly string[];
  readonly load: () => Promise<RegisterCommands>;
}

/**
 * Every command module, in the order `rollgate --help` lists them.
 * To add a command: create cli/src/commands/<name>.ts exporting `register<Name>Command(program, deps)` and add ONE
 * entry here, with the top-level command names it registers (cli/test/program.test.ts checks them).
 */
export const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ['init'], load: async () => (await import('./commands/init.ts')).registerInitCommand },
  { names: ['create'], load: async () => (await import('./commands/create.ts')).registerCreateCommand },
  { names: ['list'], load: async () => (await import('./commands/list.ts')).registerListCommand },
  { names: ['get'], load: async () => (await import('./commands/get.ts')).registerGetCommand },
  { names: ['toggle'], load: async () => (await import('./commands/toggle.ts')).registerToggleCommand },
  { names: ['set-rollout'], load: async () => (await import('./commands/set-rollout.ts')).registerSetRolloutCommand },
  { names: ['rollout'], load: async () => (await import('./commands/rollout.ts')).registerRolloutCommand },
  { names: ['controller'], load: async () => (await import('./commands/controller.ts')).registerControllerCommand },
  { names: ['set-rule'], load: async () => (await import('./commands/set-rule.ts')).registerSetRuleCommand },
  { names: ['segment'], load: async () => (await import('./commands/segment.ts')).registerSegmentCommand },
  { names: ['env'], load: async () => (await import('./commands/env.ts')).registerEnvCommand },
  { names: ['copy'], load: async () => (await import('./commands/copy.ts')).registerCopyCommand },
  { names: ['evaluate'], load: async () => (await import('./commands/evaluate.ts')).registerEvaluateCommand },
  { names: ['audit'], load: async () => (await import('./commands/audit.ts')).registerAuditCommand },
  {
    names: ['requests', 'approve', 'reject'],
    load: async () => (await import('./commands/approve.ts')).registerApproveCommand,
  },
  { names: ['compile'], load: async () => (await import('./commands/compile.ts')).registerCompileCommand },
  { names: ['scan'], load: async () => (await import('./commands/scan.ts')).registerScanCommand },
  { names: ['stale'], load: async () => (await import('./commands/stale.ts')).registerStaleCommand },
  { names: ['cleanup'], load: async () => (await import('./commands/cleanup.ts')).registerCleanupCommand },
  { names: ['codegen'], load: async () => (await import('./commands/codegen.ts')).registerCodegenCommand },
  { names: ['demo'], load: async () => (await import('./commands/demo.ts')).registerDemoCommand },
  { names: ['token'], load: async () => (await import('./commands/token.ts')).registerTokenCommand },
  { names: ['server'], load: async () => (await import('./commands/server.ts')).registerServerCommand },
  { names: ['keys'], load: async () => (await import('./commands/keys.ts')).registerKeysCommand },
  { names: ['usage'], load: async () => (await import('./commands/usage.ts')).registerUsageCommand },
  { names: ['migrate'], load: async () => (await import('./commands/migrate.ts')).registerMigrateCommand },
  { names: ['export'], load: async () => (await import('./commands/export.ts')).registerExportCommand },
];

/** The program with the global options only (no commands yet). */
function createBareProgram(deps: CliDeps): Command {
  return (
    new Command('rollgate')
      .description('Feature flags and progressive rollouts for TypeScript teams, stored in your repository.')
      .version(cliPackage.version)
      .option('--store <dir>', 'the store: a directory holding .rollgate/ (default: nearest .rollgate/ upwards)')
      .option(
        '--database <url>',
        'the store: a PostgreSQL database (default: $ROLLGATE_DATABASE_URL, unless --store is given)',
      )
      .option('--json', 'machine output: one JSON document on stdout (errors as JSON on stderr)')
      .option('--actor <actor>', `who is making the change, for the audit log (default: ${deps.defaultActor})`)
      .option('--reason <text>', 'why, for the audit log (required for protected environments)')
      .showHelpAfterError('(run with --help for usage)')
      // Throw instead of exiting, so main() owns the exit code.
      .exitOverride()
  );
}

/**
 * The command name `args` (process.argv without node and the script) invokes: the first argument that is neither a
 * global option nor the value of one. Undefined when there is none (`rollgate --help`, `rollgate --version`).
 */
export function invokedCommandName(program: Command, args: readonly string[]): string | undefined {
  const takesValue = new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short]));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return args[i + 1];
    if (!arg.startsWith('-')) return arg;
    // `--store dir` carries its value in the next argument, `--store=dir` in this one.
    if (takesValue.has(arg)) i++;
  }
  return undefined;
}

/**
 * The commander program for the arguments `args` (process.argv without node and the script): the global options
 * and the commands of the invoked command's module, or of every module when `args` names no known command.
 */
export async function createProgram(deps: CliDeps, args: readonly string[]): Promise<Command> {
  const program = createBareProgram(deps);
  const name = invokedCommandName(program, args);
  const invoked = COMMAND_MODULES.find((m) => name !== undefined && m.names.includes(name));
  const registers = await Promise.all((invoked ? [invoked] : COMMAND_MODULES).map((m) => m.load()));
  for (const register of registers) register(program, deps);
  return program;
}
