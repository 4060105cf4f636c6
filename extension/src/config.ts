/** Typed access to the `rollgate.*` settings; the only place that reads them. */
import * as vscode from 'vscode';
import { z } from 'zod';
import { SDK_PRESETS } from '@rollgate/shared/scanner/types';
import { CONFIG_SECTION } from './constants.ts';

const wrapperSchema = z.object({
  function: z.string().min(1),
  module: z.string().optional(),
  keyArgument: z.number().int().min(0).default(0),
  defaultArgument: z.number().int().min(0).optional(),
  callKind: z.enum(['boolean', 'string', 'number', 'object', 'details', 'hook', 'unknown']).default('unknown'),
});

const configSchema = z.object({
  lensEnabled: z.boolean().catch(true),
  lensEnvironments: z.array(z.string()).catch([]),
  scannerWrappers: z.array(wrapperSchema).catch([]),
  // An unknown preset (a typo, a newer setting) is skipped, not a reason to drop the others.
  scannerPresets: z
    .array(z.unknown())
    .catch([])
    .transform((presets) => SDK_PRESETS.filter((p) => presets.includes(p))),
  staleSingleVariantDays: z.number().min(0).nullable().catch(null),
  mcpRegister: z.boolean().catch(true),
  cleanupPreview: z.boolean().catch(false),
  /** A Rollgate server to work against instead of `.rollgate/` (its token lives in the editor's secret storage). */
  serverUrl: z
    .string()
    .trim()
    .url()
    .optional()
    .catch(undefined)
    .transform((url) => url || undefined),
});
export type RollgateConfig = z.infer<typeof configSchema>;
export type WrapperSetting = z.infer<typeof wrapperSchema>;

/** Reads the settings for `scope` (a folder or document); invalid values fall back to defaults. */
export function readConfig(scope?: vscode.ConfigurationScope): RollgateConfig {
  const c = vscode.workspace.getConfiguration(CONFIG_SECTION, scope);
  return configSchema.parse({
    lensEnabled: c.get('lens.enabled'),
    lensEnvironments: c.get('lens.environments'),
    scannerWrappers: c.get('scanner.wrappers'),
    scannerPresets: c.get('scanner.presets'),
    staleSingleVariantDays: c.get('stale.singleVariantDays') ?? null,
    mcpRegister: c.get('mcp.register'),
    cleanupPreview: c.get('cleanup.preview'),
    serverUrl: c.get('server.url') || undefined,
  });
}

/** True when a configuration change touches any Rollgate setting. */
export function affectsRollgate(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(CONFIG_SECTION);
}

/** True when a configuration change moves a folder to or from a Rollgate server. */
export function affectsServer(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${CONFIG_SECTION}.server`);
}
