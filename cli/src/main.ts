/**
 * The `rollgate` CLI: a thin layer over @rollgate/shared. Builds the commander program (program.ts: only the invoked
 * command's module is loaded), runs it, and turns errors into a message on stderr plus an exit code (see errors.ts
 * and docs/cli.md).
 */
import { CommanderError, type Command } from 'commander';
import { userInfo } from 'node:os';
import { describeError, usageError } from './errors.ts';
import { createProgram } from './program.ts';

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
    program = await createProgram(
      {
        stdout: { write: (text) => void (readerGone || process.stdout.write(text)) },
        stderr: { write: (text) => void process.stderr.write(text) },
        now: clockFromEnv(process.env.ROLLGATE_NOW),
        cwd: process.cwd(),
        defaultActor: `cli:${process.env.USER ?? process.env.USERNAME ?? osUserName()}`,
        env: process.env,
      },
      process.argv.slice(2),
    );
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
