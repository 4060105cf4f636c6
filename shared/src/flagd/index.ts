export { compileEnvironment, compileStore, serializeFlagdDocument, FLAGD_WEIGHT_SCALE } from './compile.ts';
export { FLAGD_SCHEMA_URL } from './types.ts';
export type { FlagdDocument, FlagdFlag, FlagdMetadata, FlagdState } from './types.ts';
