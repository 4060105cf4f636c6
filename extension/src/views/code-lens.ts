/** A code lens over every flag evaluation: the flag's live state per environment; clicking opens the flag. */
import * as vscode from 'vscode';
import { readConfig } from '../config.ts';
import { Commands } from '../constants.ts';
import type { Container } from '../container.ts';
import { lensTitle, selectEnvironments } from '../logic/flag-state.ts';
import { toRange } from './ranges.ts';

export function registerCodeLens(container: Container): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const provider: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: changed.event,
    provideCodeLenses(document) {
      const ws = container.workspaceFor(document.uri);
      const snapshot = ws?.snapshot;
      if (!ws || !snapshot) return [];
      const config = readConfig(document.uri);
      if (!config.lensEnabled) return [];
      const environments = selectEnvironments(snapshot.document, config.lensEnvironments);
      const references = ws.referencesIn(document.uri);
      if (references.length > 0) container.noteFirstLens();
      return references.map((ref) => {
        const title =
          ref.key === undefined
            ? `$(question) flag key not resolved: ${ref.unresolvedReason ?? ref.keyExpression}`
            : lensTitle(ws.getFlag(ref.key), ref.key, environments, { stale: ws.isStale(ref.key) });
        return new vscode.CodeLens(toRange(ref.range), {
          title,
          command: ref.key === undefined ? '' : Commands.openFlag,
          arguments: ref.key === undefined ? [] : [{ key: ref.key, folder: ws.folder.uri.toString() }],
        });
      });
    },
  };
  const languages = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact'].map((language) => ({
    language,
  }));
  return vscode.Disposable.from(
    changed,
    vscode.languages.registerCodeLensProvider(languages, provider),
    container.onDidChange(() => changed.fire()),
  );
}
