/** Hover over a flag key: details, rules per environment, owner, cleanup date, last change from the audit log. */
import * as vscode from 'vscode';
import { hoverMarkdown } from '../logic/flag-state.ts';
import type { Container } from '../container.ts';
import { toRange } from './ranges.ts';

export function registerHover(container: Container): vscode.Disposable {
  const languages = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact'].map((language) => ({
    language,
  }));
  return vscode.languages.registerHoverProvider(languages, {
    provideHover(document, position) {
      const ws = container.workspaceFor(document.uri);
      const snapshot = ws?.snapshot;
      if (!ws || !snapshot) return undefined;
      const ref = ws.referencesIn(document.uri).find((r) => toRange(r.range).contains(position));
      if (!ref?.key) return undefined;
      const flag = ws.getFlag(ref.key);
      if (!flag) return undefined;
      const staleReasons = ws.stale?.flags.find((f) => f.key === ref.key)?.reasons.map((r) => r.message);
      const markdown = new vscode.MarkdownString(
        hoverMarkdown(flag, snapshot.document, { lastChange: ws.getLastChange(ref.key), staleReasons }),
      );
      return new vscode.Hover(markdown, toRange(ref.range));
    },
  });
}
