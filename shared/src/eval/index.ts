/**
 * `@rollgate/shared/eval`: evaluates flagd flag-definition documents with flagd semantics (see docs/eval.md).
 */
export { FlagdEngine } from './engine.ts';
export type {
  EvaluationContext,
  EvaluationErrorCode,
  EvaluationResult,
  FlagdEngineOptions,
  FlagProblem,
  ResolutionReason,
  ValueType,
} from './engine.ts';
export { murmur3Utf8 } from './murmur3.ts';
export { normalizeVersion } from './flagd-operators.ts';
export { SUPPORTED_OPERATORS } from './jsonlogic.ts';
