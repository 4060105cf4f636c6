/**
 * Access to the code scanner for the code tools. `@rollgate/shared/scanner` is imported on first use only: it loads
 * ts-morph (a whole TypeScript compiler), which the bundle keeps external and which most sessions never need.
 */
import { relative } from 'node:path';
import type * as Scanner from '@rollgate/shared/scanner';
import type { FlagReference, ScanResult } from '@rollgate/shared/scanner';

/** The scanner module, loaded lazily. */
export type ScannerModule = typeof Scanner;

/** Loads the scanner module (and with it, on first scan, ts-morph). */
export async function loadScanner(): Promise<ScannerModule> {
  return import('@rollgate/shared/scanner');
}

/**
 * Scans the workspace at `root` once (tsconfig, .gitignore and `.rollgate/scanner.yaml` apply). `keys` (the
 * store's) turn on the text pass over every tracked file.
 */
export async function scanWorkspace(
  root: string,
  keys?: readonly string[],
): Promise<{ scanner: ScannerModule; result: ScanResult }> {
  const scanner = await loadScanner();
  const flagScanner = await scanner.FlagScanner.create(root);
  try {
    return { scanner, result: flagScanner.scan(keys === undefined ? {} : { keys }) };
  } finally {
    flagScanner.dispose();
  }
}

/** A reference as tools report it: path relative to the workspace, 1-based line and column. */
export interface ReportedReference {
  readonly key?: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly method: string;
  readonly keyExpression: string;
  readonly enclosingSymbol?: string;
  readonly unresolvedReason?: string;
}

/** Formats `reference` for a tool result. */
export function reportReference(root: string, reference: FlagReference): ReportedReference {
  return {
    ...(reference.key !== undefined ? { key: reference.key } : {}),
    file: relative(root, reference.file).split('\\').join('/'),
    line: reference.range.start.line + 1,
    column: reference.range.start.character + 1,
    method: reference.method,
    keyExpression: reference.keyExpression,
    ...(reference.enclosingSymbol ? { enclosingSymbol: reference.enclosingSymbol } : {}),
    ...(reference.unresolvedReason ? { unresolvedReason: reference.unresolvedReason } : {}),
  };
}
