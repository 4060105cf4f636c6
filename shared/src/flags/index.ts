export { ENVIRONMENT_KEY_PATTERN, ENVIRONMENT_KEY_RULE } from './keys.ts';
export {
  FLAG_KEY_PATTERN,
  flagKeySchema,
  environmentKeySchema,
  variantNameSchema,
  FlagKind,
  flagKindSchema,
  EXPECTED_LIFETIME_DAYS,
  FlagType,
  flagTypeSchema,
  jsonValueSchema,
  variantValueSchema,
  ConditionOperator,
  conditionOperatorSchema,
  conditionSchema,
  attributeConditionSchema,
  segmentConditionSchema,
  segmentKeySchema,
  segmentSchema,
  audienceStepSchema,
  splitBucketSchema,
  serveSchema,
  ruleSchema,
  rolloutSchema,
  guardrailSchema,
  DEFAULT_ROLLOUT_STEPS,
  rolloutStatusSchema,
  rolloutCheckSchema,
  rolloutPlanSchema,
  environmentConfigSchema,
  flagSchema,
  environmentSchema,
  DEFAULT_ENVIRONMENTS,
  storeDocumentSchema,
  checkDocument,
  variantMatchesType,
  createEmptyDocument,
  auditEntrySchema,
} from './model.ts';
export type {
  JsonValue,
  VariantValue,
  Condition,
  AttributeCondition,
  SegmentCondition,
  Segment,
  AudienceStep,
  SplitBucket,
  Serve,
  Rule,
  Rollout,
  Guardrail,
  RolloutStatus,
  RolloutCheck,
  RolloutPlan,
  EnvironmentConfig,
  Flag,
  Environment,
  StoreDocument,
  DocumentIssue,
  AuditEntry,
} from './model.ts';
export {
  applyOperation,
  parseInput,
  createFlag,
  createFlagInputSchema,
  updateFlag,
  flagUpdateSchema,
  setFlagEnabled,
  setRollout,
  setRules,
  setDefaultVariant,
  archiveFlag,
  setRolloutPlan,
  addEnvironment,
  updateEnvironment,
  setApproverGroup,
  environmentUpdateSchema,
  environmentChangeSchema,
  environmentOperationFor,
} from './operations.ts';
export type {
  ChangeContext,
  OperationResult,
  Operation,
  ApplyOptions,
  CreateFlagInput,
  FlagUpdate,
  RolloutPlanInput,
  EnvironmentInput,
  EnvironmentUpdate,
  EnvironmentChange,
  EnvironmentChangeInput,
} from './operations.ts';
export { suggestNearest, didYouMean } from './suggest.ts';
export { diffValues, formatPath } from './diff.ts';
export type { ValueChange } from './diff.ts';
export { changeRequestSchema } from './model.ts';
export type { ChangeRequest } from './model.ts';
export {
  proposedChangeSchema,
  operationFor,
  servedState,
  impactOf,
  listChangeRequests,
  changeOf,
  proposeChange,
  approveChangeRequest,
  approvalRulesFor,
  rejectChangeRequest,
  withdrawChangeRequest,
  submitChangeRequest,
  decideChangeRequest,
} from './change-requests.ts';
export type {
  ProposedChange,
  ProposedChangeInput,
  EnvironmentImpact,
  ChangeImpact,
  ChangeRequestQuery,
} from './change-requests.ts';
export { reducesExposure, applyExposureReduction } from './exposure.ts';
export { copyEnvironmentConfig } from './copy.ts';
export { describeEnvironmentState } from './state.ts';
export type { EnvironmentStateDescription } from './state.ts';
export { describeOperation, derivedOperation, descriptionOf } from './descriptor.ts';
export type { OperationDescriptor, OperationDescription } from './descriptor.ts';
export {
  createSegmentInputSchema,
  segmentUpdateSchema,
  getSegment,
  getSegmentOrThrow,
  segmentUsage,
  describeUsage,
  createSegment,
  updateSegment,
  deleteSegment,
  segmentChangeSchema,
  segmentOperationFor,
  segmentKeyOf,
  changesMembership,
  protectedLiveUsage,
} from './segments.ts';
export type { CreateSegmentInput, SegmentUpdate, SegmentChange, SegmentChangeInput } from './segments.ts';
export { segmentReferences, stepSegments } from './segment-check.ts';
export type { SegmentReference } from './segment-check.ts';
