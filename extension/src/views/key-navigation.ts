/**
 * Completion of flag keys (with their state) inside evaluation calls, and go-to-definition from a key in code to
 * its entry in `.rollgate/flags.yaml`.
 */
import * as vscode from 'vscode';
import { describeEnvironmentState } from '@rollgate/shared/flags';
import type { Container } from '../container.ts';
import { flagEntryOffset, keyArgumentAt } from '../logic/key-completion.ts';
import { toRange } from './ranges.ts';

const LANGUAGES = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact'].map((language) => ({
  language,
}));

export function registerKeyNavigation(container: Container): vscode.Disposable {
  const completion: vscode.CompletionItemProvider = {
    async provideCompletionItems(document, position) {
      const ws = container.workspaceFor(document.uri);
      const flags = ws?.snapshot?.document.flags;
      if (!ws || !flags) return undefined;
      const functions = await ws.keyFunctionNames();
      const context = keyArgumentAt(document.lineAt(position.line).text, position.character, functions);
      if (!context) return undefined;
      const environments = ws.snapshot?.document.environments ?? [];
      const range = new vscode.Range(position.line, context.start, position.line, position.character);
      return flags.map((flag) => {
        const last = environments.at(-1);
        const item = new vscode.CompletionItem(
          {
            label: flag.key,
            description: last ? describeEnvironmentState(flag, last.key).short : undefined,
          },
          vscode.CompletionItemKind.Constant,
        );
        item.range = range;
        // Archived flags still complete (old code), but after the live ones.
        item.sortText = `${flag.archived ? 1 : 0}${flag.key}`;
        item.detail = `${flag.name} — ${flag.kind}${flag.archived ? ' (archived)' : ''}`;
        item.documentation = new vscode.MarkdownString(
          environments.map((e) => `- ${describeEnvironmentState(flag, e.key).short}`).join('\n'),
        );
        return item;
      });
    },
  };
  const definition: vscode.DefinitionProvider = {
    async provideDefinition(document, position) {
      const ws = container.workspaceFor(document.uri);
      const ref = ws?.referencesIn(document.uri).find((r) => r.key && toRange(r.range).contains(position));
      if (!ws || !ref?.key) return undefined;
      const uri = vscode.Uri.joinPath(ws.folder.uri, '.rollgate', 'flags.yaml');
      const yaml = await vscode.workspace.openTextDocument(uri);
      const offset = flagEntryOffset(yaml.getText(), ref.key);
      return offset === undefined ? undefined : new vscode.Location(uri, yaml.positionAt(offset));
    },
  };
  return vscode.Disposable.from(
    vscode.languages.registerCompletionItemProvider(LANGUAGES, completion, "'", '"', '`'),
    vscode.languages.registerDefinitionProvider(LANGUAGES, definition),
  );
}
