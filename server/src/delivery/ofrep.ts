/**
 * OFREP (OpenFeature Remote Evaluation Protocol, open-feature/protocol service/openapi.yaml v0.3): single-flag and
 * bulk evaluation by Rollgate's own engine over the distributor's cached state. Shapes and status codes follow the
 * OpenAPI: 200 success (no `value` when the code default applies), 400 evaluation failure, 404 FLAG_NOT_FOUND,
 * 304 when the bulk ETag still matches.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { EvaluationContext, EvaluationResult } from '@rollgate/shared/eval';
import type { Reply } from '../http-util.ts';
import type { EnvironmentState } from './distributor.ts';

/** The request body of both endpoints; `context` may be omitted (an empty context). */
export const ofrepRequestSchema = z.object({
  context: z.record(z.string(), z.unknown()).optional(),
});

/** OFREP's JSON for one evaluation: success (value only when a variant was served) or failure. */
function evaluationJson(key: string, result: EvaluationResult<unknown>): Record<string, unknown> {
  const metadata = result.flagMetadata;
  if (result.reason === 'ERROR') {
    return { key, errorCode: result.errorCode ?? 'GENERAL', errorDetails: result.errorMessage ?? '', metadata };
  }
  if (result.variant === undefined) return { key, reason: result.reason, metadata };
  return { key, value: result.value, variant: result.variant, reason: result.reason, metadata };
}

function evaluate(state: EnvironmentState, key: string, context: EvaluationContext): EvaluationResult<unknown> {
  const type = state.types.get(key);
  // The distributor compiles every store flag, so a known type means a flag the engine holds.
  if (type === undefined) {
    return {
      value: undefined,
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
      errorMessage: `flag '${key}' not found`,
      flagMetadata: {},
    };
  }
  return state.engine.evaluate<unknown>(key, type, undefined, context);
}

/** POST /ofrep/v1/evaluate/flags/{key}. */
export function evaluateFlag(state: EnvironmentState, key: string, context: EvaluationContext): Reply {
  const result = evaluate(state, key, context);
  const body = evaluationJson(key, result);
  if (result.reason !== 'ERROR') return { status: 200, body };
  return { status: result.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400, body };
}

/**
 * POST /ofrep/v1/evaluate/flags: every flag of the environment. The ETag covers the flag state and the context (the
 * same flags answer differently for another context), so If-None-Match gets 304 only when both are unchanged.
 */
export function evaluateAll(
  state: EnvironmentState,
  context: EvaluationContext,
  ifNoneMatch: string | undefined,
): Reply {
  const etag = `"${createHash('sha256').update(state.etag).update(JSON.stringify(context)).digest('base64url').slice(0, 27)}"`;
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim() === etag)) {
    return { status: 304, headers: { ETag: etag } };
  }
  const flags = [...state.types.keys()].map((key) => evaluationJson(key, evaluate(state, key, context)));
  return {
    status: 200,
    headers: { ETag: etag },
    body: { flags, metadata: state.engine.getFlagSetMetadata() },
  };
}
