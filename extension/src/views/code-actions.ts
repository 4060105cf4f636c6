/**
 * Quick fixes on Rollgate diagnostics — remove a stale/archived flag's code keeping a chosen variant (previewed as
 * a workspace edit), create a missing flag, use the suggested key — and the "wrap selection in a new flag" refactor.
 */
import * as vscode from 'vscode';
import { Commands, DIAGNOSTIC_SOURCE } from '../constants.ts';
import type { Container } from '../container.ts';
import { FlagDiagnosticCode } from '../logic/diagnostics.ts';
import { lineEdits } from '../logic/text-edits.ts';
import type { FlagWorkspace } from '../workspace/flag-workspace.ts';
import { findingsIn } from './diagnostics.ts';
import { toRange } from './ranges.ts';

class RemoveFlagAction extends vscode.CodeAction {
  readonly ws: FlagWorkspace;
  readonly key: string;
  readonly variant: string;

  constructor(ws: FlagWorkspace, key: string, variant: string, diagnostic: vscode.Diagnostic) {
    super(`Remove flag "${key}" from code, keeping "${variant}"`, vscode.CodeActionKind.QuickFix);
    this.ws = ws;
    this.key = key;
    this.variant = variant;
    this.diagnostics = [diagnostic];
  }
}

/**
 * The workspace edit that removes `key` from every file that references it, keeping `variant`.
 * Every change needs confirmation, so VS Code shows it in the refactor preview before applying.
 */
export async function buildRemoveFlagEdit(
  ws: FlagWorkspace,
  key: string,
  variant: string,
): Promise<vscode.WorkspaceEdit> {
  const snapshot = ws.snapshot;
  if (!snapshot) throw ws.storeError ?? new Error('The flag store is not loaded.');
  const scanner = await ws.loadScannerModule();
  const plan = await scanner.planWorkspaceCleanup({
    root: ws.root,
    flagKey: key,
    keepVariant: variant,
    document: snapshot.document,
    references: ws.allReferences(),
  });
  const edit = new vscode.WorkspaceEdit();
  const metadata: vscode.WorkspaceEditEntryMetadata = {
    needsConfirmation: true,
    label: `Remove flag "${key}" (keep ${variant})`,
  };
  for (const file of plan.files) {
    const uri = vscode.Uri.file(file.file);
    const doc = await vscode.workspace.openTextDocument(uri);
    // Hunk by hunk, so the refactor preview shows what goes instead of a whole-file replacement.
    for (const e of lineEdits(file.before, file.after)) {
      edit.replace(uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text, metadata);
    }
  }
  if (plan.manual.length > 0) {
    void vscode.window.showWarningMessage(
      `Rollgate: ${plan.manual.length} evaluation(s) of "${key}" need a manual edit: ${plan.manual.map((m) => m.message).join(' ')}`,
    );
  }
  return edit;
}

export function registerCodeActions(container: Container): vscode.Disposable {
  const languages = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact'].map((language) => ({
    language,
  }));
  const provider: vscode.CodeActionProvider = {
    provideCodeActions(document, range, context) {
      const ws = container.workspaceFor(document.uri);
      if (!ws) return [];
      const actions: vscode.CodeAction[] = [];
      const findings = findingsIn(ws, document.uri);
      for (const diagnostic of context.diagnostics) {
        if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
        // Match the diagnostic back to its finding by range and code (the diagnostics view made it from the same).
        const d = findings.find(
          (f) => f.code === diagnostic.code && toRange(f.reference.range).isEqual(diagnostic.range),
        );
        if (!d) continue;
        if (d.code === FlagDiagnosticCode.unknownFlag) {
          if (d.suggestion && /^['"`]/.test(d.reference.keyExpression)) {
            const fix = new vscode.CodeAction(`Change to "${d.suggestion}"`, vscode.CodeActionKind.QuickFix);
            fix.edit = new vscode.WorkspaceEdit();
            const quote = d.reference.keyExpression[0] ?? "'";
            fix.edit.replace(
              document.uri,
              new vscode.Range(document.positionAt(d.reference.keyStart), document.positionAt(d.reference.keyEnd)),
              `${quote}${d.suggestion}${quote}`,
            );
            fix.diagnostics = [diagnostic];
            fix.isPreferred = true;
            actions.push(fix);
          }
          const create = new vscode.CodeAction(`Create flag "${d.key}"`, vscode.CodeActionKind.QuickFix);
          create.command = {
            command: Commands.createFlag,
            title: 'Create flag',
            arguments: [{ key: d.key, folder: ws.folder.uri.toString(), type: d.reference.valueType }],
          };
          create.diagnostics = [diagnostic];
          actions.push(create);
          continue;
        }
        const flag = ws.getFlag(d.key);
        if (!flag) continue;
        for (const variant of Object.keys(flag.variants)) {
          actions.push(new RemoveFlagAction(ws, d.key, variant, diagnostic));
        }
      }
      if (!range.isEmpty) {
        const wrap = new vscode.CodeAction('Wrap in a new feature flag', vscode.CodeActionKind.RefactorRewrite);
        wrap.command = { command: Commands.wrapSelectionInFlag, title: 'Wrap in a new feature flag' };
        actions.push(wrap);
      }
      return actions;
    },
    async resolveCodeAction(action) {
      if (action instanceof RemoveFlagAction) {
        try {
          action.edit = await buildRemoveFlagEdit(action.ws, action.key, action.variant);
        } catch (e) {
          container.logger.error(e, 'removeFlag');
          throw e;
        }
      }
      return action;
    },
  };
  return vscode.languages.registerCodeActionsProvider(languages, provider, {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite],
  });
}
