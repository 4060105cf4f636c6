/**
 * `@rollgate/shared/scanner`: finds flag references in TypeScript/JavaScript code and explains stale flags.
 * No module here imports ts-morph at top level; the scanner loads it on first use (see `loadTsMorph`).
 */
export { Sdk, CallKind } from './types.ts';
export type {
  SdkPreset,
  SourcePosition,
  SourceRange,
  CallPattern,
  FlagReference,
  DetectedWrapper,
  ScanOptions,
  ScanTimings,
  ScanResult,
} from './types.ts';
export { SDK_PRESETS, createPatterns } from './patterns.ts';
export { loadTsMorph } from './ts-morph-runtime.ts';
export { findReferencesInSourceFile } from './find-references.ts';
export { planCleanup, applyCleanup } from './cleanup.ts';
export type {
  CleanupKeep,
  PlanCleanupOptions,
  CleanupFinding,
  FileCleanup,
  CleanupPlan,
  CleanupDiagnostic,
  ApplyCleanupResult,
} from './cleanup.ts';
