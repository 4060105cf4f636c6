/**
 * `@rollgate/shared/scanner`: finds flag references in TypeScript/JavaScript code and explains stale flags.
 * No module here imports ts-morph at top level; the scanner loads it on first use (see `loadTsMorph`), so
 * importing this entry point is cheap and bundles can keep ts-morph external.
 */
export { Sdk, CallKind, ReferenceKind } from './types.ts';
export type {
  SdkPreset,
  SourcePosition,
  SourceRange,
  CallPattern,
  ComponentPattern,
  FlagObjectPattern,
  FlagReference,
  DetectedWrapper,
  ScanOptions,
  ScanTimings,
  ScanResult,
} from './types.ts';
export { SDK_PRESETS } from './types.ts';
export {
  createPatterns,
  createComponentPatterns,
  createFlagObjectPatterns,
  detectPresets,
} from './patterns.ts';
export { keyVariants, MIN_TEXT_VARIANT_LENGTH } from './text-pass.ts';
export { loadTsMorph } from './ts-morph-runtime.ts';
export { findReferencesInSourceFile } from './find-references.ts';
export { groupReferencesByKey } from './group.ts';
export type { KeyReferences } from './group.ts';
export { FlagScanner } from './scanner.ts';
export type { RescanResult, ScanRunOptions } from './scanner.ts';
export { SCANNED_EXTENSIONS, isScannedFile } from './files.ts';
export { SCANNER_CONFIG_PATH, scannerConfigSchema, parseScannerConfig, loadScannerConfig } from './config.ts';
export type { ScannerConfig, ScannerConfigFile } from './config.ts';
export {
  POLICY_PATH,
  DEFAULT_SINGLE_VARIANT_DAYS,
  DEFAULT_STALE_POLICY,
  stalePolicySchema,
  parseStalePolicy,
  loadStalePolicy,
} from './policy.ts';
export type { StalePolicy } from './policy.ts';
export { StaleReasonCode, getSingleServing, detectStaleFlags } from './stale.ts';
export type { StaleReason, StaleFlag, StaleReport, StaleInput, SingleServing } from './stale.ts';
export { planCleanup, applyCleanup, describeTypeCheck } from './cleanup.ts';
export type {
  CleanupKeep,
  PlanCleanupOptions,
  CleanupFinding,
  FileCleanup,
  CleanupPlan,
  CleanupDiagnostic,
  ApplyCleanupResult,
  CleanupTypeCheck,
} from './cleanup.ts';
export { planWorkspaceCleanup } from './workspace-cleanup.ts';
export type { WorkspaceCleanupOptions } from './workspace-cleanup.ts';
