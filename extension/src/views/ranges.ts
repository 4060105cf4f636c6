/** Conversions between scanner positions (0-based, LSP-like) and VS Code ranges. */
import * as vscode from 'vscode';
import type { SourceRange } from '@rollgate/shared/scanner';

export function toRange(range: SourceRange): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}
