/** Commands that write code: insert an SDK snippet for a flag at the cursor, wrap the selection in a new flag. */
import * as vscode from 'vscode';
import { relative } from 'node:path';
import { FLAG_KEY_PATTERN, createFlag } from '@rollgate/shared/flags';
import { generateSnippet, type SnippetLanguage } from '@rollgate/shared/snippets';
import { Commands } from '../constants.ts';
import type { Container } from '../container.ts';
import { applyFromEditor, registerCommand, resolveFlag } from './command-support.ts';

/** Snippet language for an editor language; undefined lets the user pick. */
const LANGUAGE_BY_ID: Readonly<Record<string, SnippetLanguage>> = {
  typescript: 'typescript',
  javascript: 'typescript',
  typescriptreact: 'react',
  javascriptreact: 'react',
  python: 'python',
  go: 'go',
  java: 'java',
  csharp: 'dotnet',
  swift: 'swift',
  kotlin: 'kotlin',
  php: 'php',
  ruby: 'ruby',
  rust: 'rust',
  vue: 'vue',
};
/** Editor language of an untitled document showing a snippet. */
const EDITOR_LANGUAGE: Readonly<Record<SnippetLanguage, string>> = {
  typescript: 'typescript',
  react: 'typescriptreact',
  python: 'python',
  go: 'go',
  java: 'java',
  dotnet: 'csharp',
  swift: 'swift',
  kotlin: 'kotlin',
  php: 'php',
  ruby: 'ruby',
  rust: 'rust',
  vue: 'vue',
  angular: 'typescript',
  'react-native': 'typescriptreact',
};
const ALL_LANGUAGES = Object.keys(EDITOR_LANGUAGE) as SnippetLanguage[];

export function registerCodeCommands(container: Container): vscode.Disposable {
  return vscode.Disposable.from(
    registerCommand(container, Commands.insertSnippet, async (arg) => {
      const editor = vscode.window.activeTextEditor;
      const target = await resolveFlag(container, arg);
      if (!target) return undefined;
      const language =
        (editor && LANGUAGE_BY_ID[editor.document.languageId]) ??
        ((await vscode.window.showQuickPick(ALL_LANGUAGES, { placeHolder: 'Language' })) as
          SnippetLanguage | undefined);
      if (!language) return undefined;
      const environment = 'production';
      const flagdFile = vscode.Uri.joinPath(
        target.ws.folder.uri,
        '.rollgate',
        'flagd',
        `${environment}.flagd.json`,
      ).fsPath;
      const snippet = generateSnippet({
        flag: target.flag,
        language,
        environment,
        flagdFilePath: editor ? relative(target.ws.root, flagdFile) : flagdFile,
      });
      if (!editor) {
        const doc = await vscode.workspace.openTextDocument({
          content: snippet.code,
          language: EDITOR_LANGUAGE[language],
        });
        await vscode.window.showTextDocument(doc);
      } else {
        await editor.insertSnippet(new vscode.SnippetString().appendText(snippet.code), editor.selection.active);
      }
      void vscode.window.showInformationMessage(`Rollgate: install with \`${snippet.install}\``);
      return snippet.code;
    }),

    registerCommand(container, Commands.wrapSelectionInFlag, async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.selection.isEmpty) return undefined;
      const ws = container.workspaceFor(editor.document.uri);
      if (!ws) return undefined;
      const key = await vscode.window.showInputBox({
        title: 'Wrap the selection in a new flag',
        prompt: 'Key of the new boolean flag (created disabled everywhere)',
        validateInput: (v) =>
          !FLAG_KEY_PATTERN.test(v) ? 'Use a-z, 0-9, ".", "_" or "-".' : ws.getFlag(v) ? `"${v}" exists.` : undefined,
      });
      if (!key) return undefined;
      await applyFromEditor(ws, createFlag({ key, name: key, kind: 'release' }));
      const selection = editor.selection;
      const text = editor.document.getText(selection);
      const indent = /^\s*/.exec(editor.document.lineAt(selection.start.line).text)?.[0] ?? '';
      const body = text
        .split('\n')
        .map((line) => (line.trim() ? `  ${line}` : line))
        .join('\n');
      const wrapped = `if (await OpenFeature.getClient().getBooleanValue('${key}', false)) {\n${indent}${body.trimStart()}\n${indent}}`;
      await editor.edit((edit) => {
        edit.replace(selection, wrapped);
        if (
          !/import\s*\{[^}]*\bOpenFeature\b[^}]*\}\s*from\s*['"]@openfeature\/server-sdk['"]/.test(
            editor.document.getText(),
          )
        ) {
          edit.insert(new vscode.Position(0, 0), "import { OpenFeature } from '@openfeature/server-sdk';\n");
        }
      });
      return key;
    }),
  );
}
