/**
 * Quick fixes on Rollgate diagnostics — remove a stale/archived flag's code keeping a chosen variant (applied in
 * one step by `rollgate.removeFlagCode`), create a missing flag, use the suggested key — and the "wrap selection
 * in a new flag" refactor.
 */
import * as vscode from 'vscode';
import { Commands, DIAGNOSTIC_SOURCE } from '../constants.ts';
import type { Container } from '../container.ts';
import { FlagDiagnosticCode } from '../logic/diagnostics.ts';
import type { RemoveFlagCodeArgs } from '../commands/cleanup-commands.ts';
import { findingsIn } from './diagnostics.ts';
import { toRange } from './ranges.ts';

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
          const title = `Remove flag "${d.key}" from code, keeping "${variant}"`;
          const remove = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
          const args: RemoveFlagCodeArgs = { key: d.key, variant, folder: ws.folder.uri.toString() };
          remove.command = { command: Commands.removeFlagCode, title, arguments: [args] };
          remove.diagnostics = [diagnostic];
          actions.push(remove);
        }
      }
      if (!range.isEmpty) {
        const wrap = new vscode.CodeAction('Wrap in a new feature flag', vscode.CodeActionKind.RefactorRewrite);
        wrap.command = { command: Commands.wrapSelectionInFlag, title: 'Wrap in a new feature flag' };
        actions.push(wrap);
      }
      return actions;
    },
  };
  return vscode.languages.registerCodeActionsProvider(languages, provider, {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite],
  });
}
