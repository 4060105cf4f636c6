/**
 * `@rollgate/shared/rollout`: progressive rollouts with guardrails (plan operations, controller, metric sources,
 * sequential statistics, rollout page). See docs/rollout.md.
 */
export {
  RolloutAuditAction,
  DEFAULT_GUARDRAILS,
  nextStep,
  parseRolloutPlan,
  startRolloutOperation,
  pauseRolloutOperation,
  resumeRolloutOperation,
  advanceRolloutOperation,
  rollbackRolloutOperation,
  controllerDecisionOperation,
  rolloutStatusOf,
  startRollout,
  getRolloutStatus,
  pauseRollout,
  resumeRollout,
  advanceRollout,
  rollbackRollout,
} from './plan.ts';
export type {
  RolloutTarget,
  RolloutPlanInput,
  StartRolloutRequest,
  RolloutStatusReport,
  ControllerDecision,
  ExpectedPlanState,
} from './plan.ts';
export { servedAt, formatStep } from './audience-steps.ts';
export type { PlanStep, ServedAudience } from './audience-steps.ts';
export { RolloutController, evaluateRollout } from './controller.ts';
export { createMetricSources, describeTickResult, runControllerService } from './service.ts';
export type { ControllerLeadership, ControllerServiceOptions } from './service.ts';
export type { MetricSources, RolloutControllerOptions, RolloutEvaluation, TickResult } from './controller.ts';
export {
  DEFAULT_LATENCY_PERCENTILE,
  DEFAULT_MIN_DETECTABLE_EFFECT,
  RELATIVE_HOLD_Z,
  TARGET_POWER,
  guardrailDirection,
  countGuardrailTests,
  countSlices,
  minDetectableEffectOf,
  formatMetricValue,
  evaluateGuardrail,
  isHardStop,
  sliceLabel,
  sourceErrorCheck,
  thresholdPower,
} from './guardrails.ts';
export type {
  GuardrailVerdict,
  DetectionPower,
  ThresholdCheck,
  ArmSummary,
  SliceCheck,
  GuardrailCheck,
  GuardrailTestOptions,
} from './guardrails.ts';
export { MAX_METRIC_COUNT, findMetricProblem, describeMetricProblem, missingSlices } from './sanity.ts';
export type { MetricProblem } from './sanity.ts';
export { MAX_MIX_DISTANCE, OTHER_SLICE, checkRepresentativeness } from './representativeness.ts';
export type { SliceShare, AttributeMix } from './representativeness.ts';
export {
  DEFAULT_LATENCY_BUCKETS_MS,
  histogramTotal,
  histogramCountAtOrBelow,
  histogramQuantile,
  cumulativeCounts,
} from './metrics.ts';
export type { LatencyHistogram, ArmObservation, MetricQuery, GuardrailObservation, MetricSource } from './metrics.ts';
export {
  msprtLogLikelihoodRatio,
  msprtBoundary,
  msprtPower,
  msprtSamplesForPower,
  fixedHorizonSamples,
  HARD_STOP_FACTOR,
  testHardStop,
  logNormalCdf,
  normalCdf,
  normalQuantile,
  testProportionAgainstLimit,
  testProportionRelative,
  testSampleRatio,
  SRM_PRIOR_CONCENTRATION,
  logGamma,
  logBeta,
  createRandom,
  sampleBinomial,
} from './stats.ts';
export type {
  Direction,
  Proportion,
  SequentialTestResult,
  SequentialTestOptions,
  RelativeTestOptions,
  HardStopResult,
  SampleRatioResult,
} from './stats.ts';
export { renderRolloutPage } from './page.ts';
export { OTEL_ATTRIBUTES, MetricsRecorder, createMetricsHook, createBuiltinMetricSource } from './builtin-metrics.ts';
export type {
  MetricRecord,
  Outcome,
  MetricsRecorderOptions,
  MetricsHookOptions,
  BuiltinMetricSourceOptions,
} from './builtin-metrics.ts';
export { renderPromQuery, promWindow, createPrometheusMetricSource } from './prometheus.ts';
export type { PrometheusSourceOptions } from './prometheus.ts';
