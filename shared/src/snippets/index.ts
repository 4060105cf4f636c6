/**
 * `@rollgate/shared/snippets`: code that evaluates flags — per-language OpenFeature + flagd snippets and the
 * typed-accessor module of `rollgate codegen`. Pure string generation, no I/O.
 */
export { SnippetLanguage, generateSnippet, safeDefaultValue, defaultFlagdFilePath } from './generate.ts';
export type { SnippetOptions, Snippet } from './generate.ts';
export { generateTypedAccessors } from './codegen.ts';
export type { CodegenOptions } from './codegen.ts';
export { printTsLiteral, printPythonLiteral, quoteString, camelCaseKey, snakeCaseKey } from './literals.ts';
