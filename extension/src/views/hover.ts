/** Hover over a flag key: its state per environment, owner, cleanup date, last change, and actions on the flag. */
import * as vscode from 'vscode';
import { Commands } from '../constants.ts';
import type { Container } from '../container.ts';
import { hoverMarkdown, type CommandLink } from '../logic/flag-state.ts';
import { toRange } from './ranges.ts';

/** Commands a hover may run from its links (and nothing else). */
const HOVER_COMMANDS = [
  Commands.toggleFlag,
  Commands.setRollout,
  Commands.openRolloutPage,
  Commands.findReferences,
  Commands.openFlag,
];

/** The action links for a flag, shared by hovers and tooltips. */
export function flagActions(key: string, folder: string): CommandLink[] {
  const args = { key, folder };
  return [
    { title: '$(debug-disconnect) Toggle', command: Commands.toggleFlag, args },
    { title: '$(graph-line) Set rollout', command: Commands.setRollout, args },
    { title: '$(preview) Rollout page', command: Commands.openRolloutPage, args },
    { title: '$(references) References', command: Commands.findReferences, args },
    { title: '$(go-to-file) flags.yaml', command: Commands.openFlag, args },
  ];
}

/** A Markdown string that renders codicons and may run only the hover's commands. */
export function trustedMarkdown(text: string): vscode.MarkdownString {
  const markdown = new vscode.MarkdownString(text, true);
  markdown.isTrusted = { enabledCommands: HOVER_COMMANDS };
  return markdown;
}

export function registerHover(container: Container): vscode.Disposable {
  const languages = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact'].map((language) => ({
    language,
  }));
  return vscode.languages.registerHoverProvider(languages, {
    async provideHover(document, position) {
      const ws = container.workspaceFor(document.uri);
      const snapshot = ws?.snapshot;
      if (!ws || !snapshot) return undefined;
      const ref = ws.referencesIn(document.uri).find((r) => toRange(r.range).contains(position));
      if (!ref?.key) return undefined;
      const flag = ws.getFlag(ref.key);
      if (!flag) return undefined;
      const now = new Date();
      const markdown = hoverMarkdown(flag, snapshot.document, {
        lastChange: ws.getLastChange(ref.key),
        stale: ws.isStale(ref.key),
        references: ws.referencesTo(ref.key).length,
        usage: await ws.usageOf(ref.key, now),
        now,
        actions: flagActions(ref.key, ws.folder.uri.toString()),
      });
      return new vscode.Hover(trustedMarkdown(markdown), toRange(ref.range));
    },
  });
}
