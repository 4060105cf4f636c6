/**
 * `.rollgate/scanner.yaml`: which SDK presets to match, user-declared wrappers, and what to scan.
 * Validated with zod at this boundary; errors carry file:line.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import * as z from 'zod';
import { FlagError } from '../errors.ts';
import { modulePathOf } from './find-references.ts';
import { createComponentPatterns, createFlagObjectPatterns, createPatterns } from './patterns.ts';
import { SDK_PRESETS } from './types.ts';
import type { CallKind, CallPattern, ScanOptions, SdkPreset } from './types.ts';
import { parseYamlConfig } from '../yaml-config.ts';

/** Where the scanner config lives, relative to the workspace root. */
export const SCANNER_CONFIG_PATH = '.rollgate/scanner.yaml';

const identifier = z.string().regex(/^[A-Za-z_$][\w$]*$/, 'use a JavaScript identifier (function or method name)');

const wrapperSchema = z
  .object({
    function: identifier,
    /** Package name, or a path relative to the workspace root (`./src/flags`), without extension. */
    module: z.string().min(1).optional(),
    keyArgument: z.number().int().min(0).default(0),
    defaultArgument: z.union([z.number().int().min(0), z.literal('last')]).optional(),
    callKind: z.enum(['boolean', 'string', 'number', 'object', 'details', 'hook', 'unknown']).default('unknown'),
    returns: z.enum(['value', 'details', 'other']).default('value'),
  })
  .strict();

/** The content of `.rollgate/scanner.yaml`. */
export const scannerConfigSchema = z
  .object({
    /** SDK presets to match in addition to OpenFeature and the ones detected from package.json dependencies. */
    presets: z.array(z.enum(SDK_PRESETS as [SdkPreset, ...SdkPreset[]])).default([]),
    /** Switch on the presets of the SDK packages the repo's package.json files depend on. */
    detectPresets: z.boolean().default(true),
    /** JSX components whose attribute is a flag key (`<FeatureFlag name="x">`). */
    components: z.array(z.object({ component: identifier, keyAttribute: z.string().min(1) }).strict()).default([]),
    wrappers: z.array(wrapperSchema).default([]),
    /** Detect one-level wrapper functions automatically. */
    detectWrappers: z.boolean().default(true),
    /** Ask the type checker for keys syntax cannot resolve. */
    useTypeChecker: z.boolean().default(true),
    /** tsconfig whose include/exclude select the files (relative to the root); default `tsconfig.json` if present. */
    tsconfig: z.string().min(1).optional(),
    /** Extra paths to skip, in .gitignore syntax, relative to the root. */
    exclude: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type ScannerConfigFile = z.output<typeof scannerConfigSchema>;

/** Scan options plus where to look, ready for `FlagScanner.create`. */
export interface ScannerConfig extends ScanOptions {
  /** Absolute path of the tsconfig to honour, when one is configured or `tsconfig.json` exists at the root. */
  readonly tsconfig?: string;
  /** Extra ignore patterns (.gitignore syntax, relative to the root). */
  readonly exclude: readonly string[];
  /** Switch on the presets of the SDKs the package.json files depend on (default true). */
  readonly detectPresets?: boolean;
}

/**
 * Parses the text of a scanner config. Relative wrapper modules are resolved against `root`.
 * Throws PARSE_ERROR (with file:line) on invalid YAML or values.
 */
export function parseScannerConfig(text: string, file: string, root: string): ScannerConfig {
  const parsed = parseYamlConfig(text, file, scannerConfigSchema, 'docs/scanner.md');
  return toScannerConfig(parsed, root);
}

/**
 * Reads `<root>/.rollgate/scanner.yaml`; a missing file means the defaults (OpenFeature only, wrappers
 * auto-detected). Throws PARSE_ERROR on invalid content, STORE_IO when the file exists but cannot be read.
 */
export async function loadScannerConfig(root: string): Promise<ScannerConfig> {
  const file = join(root, SCANNER_CONFIG_PATH);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return toScannerConfig(scannerConfigSchema.parse({}), root);
    throw new FlagError(
      'STORE_IO',
      `Cannot read ${file}.`,
      { file, hint: 'Check the file permissions.' },
      { cause: e },
    );
  }
  return parseScannerConfig(text, file, root);
}

function toScannerConfig(config: ScannerConfigFile, root: string): ScannerConfig {
  const wrappers = config.wrappers.map((w): CallPattern => {
    const valueType = valueTypeOf(w.callKind);
    return {
      sdk: 'custom',
      function: w.function,
      ...(w.module === undefined ? {} : { module: resolveModule(w.module, root) }),
      keyArgument: w.keyArgument,
      ...(w.defaultArgument === undefined ? {} : { defaultArgument: w.defaultArgument }),
      callKind: w.callKind,
      ...(valueType ? { valueType } : {}),
      returns: w.returns,
    };
  });
  return {
    patterns: createPatterns(config.presets, wrappers),
    components: createComponentPatterns(
      config.presets,
      config.components.map((c) => ({ ...c, sdk: 'custom' as const })),
    ),
    flagObjects: createFlagObjectPatterns(config.presets),
    detectPresets: config.detectPresets,
    detectWrappers: config.detectWrappers,
    useTypeChecker: config.useTypeChecker,
    ...(config.tsconfig === undefined ? {} : { tsconfig: resolve(root, config.tsconfig) }),
    exclude: config.exclude,
  };
}

/** Relative modules become absolute, extension-less, `/`-separated paths (what the finder compares with). */
function resolveModule(module: string, root: string): string {
  if (!module.startsWith('.') && !isAbsolute(module)) return module;
  return modulePathOf(resolve(root, module).replaceAll('\\', '/'));
}

function valueTypeOf(kind: CallKind): 'boolean' | 'string' | 'number' | 'object' | undefined {
  return kind === 'boolean' || kind === 'string' || kind === 'number' || kind === 'object' ? kind : undefined;
}
