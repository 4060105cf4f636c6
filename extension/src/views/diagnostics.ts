/** Problems-panel diagnostics for stale flags, unknown keys and archived flags still in code. */
import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE } from '../constants.ts';
import type { Container } from '../container.ts';
import { computeDiagnostics, type FlagDiagnostic } from '../logic/diagnostics.ts';
import type { FlagWorkspace } from '../workspace/flag-workspace.ts';
import { toRange } from './ranges.ts';

const SEVERITY: Record<FlagDiagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

/** Per flag key, the human sentences of its stale reasons in `ws`. */
export function staleReasonsOf(ws: FlagWorkspace): Map<string, string[]> {
  return new Map(ws.stale?.flags.map((f) => [f.key, f.reasons.map((r) => r.message)]) ?? []);
}

/** The Rollgate findings of the references of one file (what its diagnostics say), recomputed from the workspace. */
export function findingsIn(ws: FlagWorkspace, uri: vscode.Uri): FlagDiagnostic[] {
  const snapshot = ws.snapshot;
  if (!snapshot || !ws.hasScanned) return [];
  return computeDiagnostics(ws.referencesIn(uri), snapshot.document, staleReasonsOf(ws));
}

export function registerDiagnostics(container: Container): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  const refresh = (): void => {
    collection.clear();
    for (const ws of container.all()) {
      const snapshot = ws.snapshot;
      if (!snapshot || !ws.hasScanned) continue;
      const byFile = new Map<string, vscode.Diagnostic[]>();
      for (const d of computeDiagnostics(ws.allReferences(), snapshot.document, staleReasonsOf(ws))) {
        const diagnostic = new vscode.Diagnostic(toRange(d.reference.range), d.message, SEVERITY[d.severity]);
        diagnostic.source = DIAGNOSTIC_SOURCE;
        diagnostic.code = d.code;
        const list = byFile.get(d.reference.file) ?? [];
        list.push(diagnostic);
        byFile.set(d.reference.file, list);
      }
      for (const [file, list] of byFile) collection.set(vscode.Uri.file(file), list);
    }
  };
  refresh();
  return vscode.Disposable.from(collection, container.onDidChange(refresh));
}
