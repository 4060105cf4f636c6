/**
 * Errors as the model and the user read them: the message and how to fix it. Light (no SDK, no zod): main.ts reports
 * start-up failures with it too.
 */
import { FlagError, errorMessage } from '@rollgate/shared/errors';

/** `<message> <hint>` of a FlagError, e.g. `Flag "x" not found. Did you mean "y"?`. */
export function describeFlagError(e: FlagError): string {
  const hint = typeof e.details.hint === 'string' ? e.details.hint : undefined;
  return hint && !e.message.includes(hint) ? `${e.message} ${hint}` : e.message;
}

/** {@link describeFlagError} of a FlagError, else the message of any thrown value. */
export function describeError(e: unknown): string {
  return FlagError.is(e) ? describeFlagError(e) : errorMessage(e);
}
