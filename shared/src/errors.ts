/**
 * The one error type of Rollgate's core. Callers branch on `code`, never on `message` or `instanceof`
 * (bundles may hold two copies of this class), so {@link FlagError.is} checks the shape.
 */
export const FlagErrorCode = {
  FLAG_NOT_FOUND: 'FLAG_NOT_FOUND',
  PARSE_ERROR: 'PARSE_ERROR',
  TYPE_MISMATCH: 'TYPE_MISMATCH',
  INVALID_RULE: 'INVALID_RULE',
  INVALID_INPUT: 'INVALID_INPUT',
  STORE_CONFLICT: 'STORE_CONFLICT',
  STORE_IO: 'STORE_IO',
  SCAN_FAILED: 'SCAN_FAILED',
  /** No credentials, or credentials that are unknown, expired or revoked (HTTP 401). */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** Known credentials without the role the action needs (HTTP 403). */
  FORBIDDEN: 'FORBIDDEN',
  /** The change was filed as a change request instead of applied: it waits for an approver (details.requestId). */
  APPROVAL_REQUIRED: 'APPROVAL_REQUIRED',
  GENERAL: 'GENERAL',
} as const;
export type FlagErrorCode = (typeof FlagErrorCode)[keyof typeof FlagErrorCode];

/** Extra, typed facts about an error: where it happened and what to do about it. */
export interface FlagErrorDetails {
  /** File the error is about (store file, source file). */
  readonly file?: string;
  /** 1-based line and column in `file`. */
  readonly line?: number;
  readonly column?: number;
  /** Flag key the error is about. */
  readonly flagKey?: string;
  /** Environment key the error is about. */
  readonly environment?: string;
  /** One sentence telling the user how to fix it. */
  readonly hint?: string;
  readonly [key: string]: unknown;
}

export class FlagError extends Error {
  override readonly name = 'FlagError';
  readonly code: FlagErrorCode;
  readonly details: FlagErrorDetails;

  constructor(code: FlagErrorCode, message: string, details: FlagErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** True when `e` is a FlagError (from any bundle copy), and has `code` when given. */
  static is(e: unknown, code?: FlagErrorCode): e is FlagError {
    if (typeof e !== 'object' || e === null) return false;
    const candidate = e as { name?: unknown; code?: unknown };
    return candidate.name === 'FlagError' && typeof candidate.code === 'string' && (!code || candidate.code === code);
  }
}

/** The message of any thrown value, for logs and user-facing errors. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
