/**
 * How the CLI reports failures: one exit code per error class, and a message that says what failed, where, and
 * how to fix it. Commands throw FlagError (from @rollgate/shared or {@link usageError}); main.ts turns it into
 * text (or JSON with --json) on stderr and an exit code.
 */
import { FlagError, errorMessage, type FlagErrorCode } from '@rollgate/shared/errors';

/** The CLI's exit codes; documented in docs/cli.md. */
export const ExitCode = {
  ok: 0,
  /** Bad usage or invalid input (unknown option, malformed rule, type mismatch, protected env without --reason). */
  usage: 1,
  /** A flag, environment, rule or store does not exist. */
  notFound: 2,
  /** Someone else changed the store at the same time, or the outputs are stale (`compile --check`). */
  conflict: 3,
  /** The store could not be read or written (file system error, or a malformed store file). */
  storeIo: 4,
  /** Remote mode: the token is missing, unknown, expired or revoked, or lacks the role the command needs. */
  denied: 5,
  /** Remote mode: the change raises exposure in a protected environment; it was filed as a change request. */
  approvalRequired: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code for an error code. */
export function exitCodeFor(code: FlagErrorCode): ExitCode {
  switch (code) {
    case 'FLAG_NOT_FOUND':
      return ExitCode.notFound;
    case 'STORE_CONFLICT':
      return ExitCode.conflict;
    case 'STORE_IO':
    case 'PARSE_ERROR':
    case 'SCAN_FAILED':
      return ExitCode.storeIo;
    case 'TYPE_MISMATCH':
    case 'INVALID_RULE':
    case 'INVALID_INPUT':
    case 'GENERAL':
      return ExitCode.usage;
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return ExitCode.denied;
    case 'APPROVAL_REQUIRED':
      return ExitCode.approvalRequired;
  }
}

/** An INVALID_INPUT error for a bad argument or option, with the hint that fixes it. */
export function usageError(message: string, hint: string): FlagError {
  return new FlagError('INVALID_INPUT', message, { hint });
}

/** What main.ts prints for a failure: the error as JSON-able data, and as human text. */
export interface ReportedError {
  readonly exitCode: ExitCode;
  readonly json: {
    error: { code: string; message: string; hint?: string; file?: string; line?: number; column?: number };
  };
  readonly text: string;
}

/**
 * Describes any thrown value for the user. A FlagError keeps its code, location (`file:line:column`) and hint;
 * anything else is reported as an unexpected GENERAL error with exit code 1.
 */
export function describeError(e: unknown): ReportedError {
  if (!FlagError.is(e)) {
    const message = errorMessage(e);
    return {
      exitCode: ExitCode.usage,
      json: { error: { code: 'GENERAL', message } },
      text: `error: ${message}`,
    };
  }
  const { file, line, column, hint } = e.details;
  const location = file === undefined ? undefined : [file, line, column].filter((p) => p !== undefined).join(':');
  const lines = [`error: ${e.message}`];
  if (location !== undefined) lines.push(`  at ${location}`);
  if (hint !== undefined) lines.push(`  hint: ${hint}`);
  return {
    exitCode: exitCodeFor(e.code),
    json: {
      error: {
        code: e.code,
        message: e.message,
        ...(hint === undefined ? {} : { hint }),
        ...(file === undefined ? {} : { file }),
        ...(line === undefined ? {} : { line }),
        ...(column === undefined ? {} : { column }),
      },
    },
    text: lines.join('\n'),
  };
}
