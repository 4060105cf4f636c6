/** Commands that change or show one flag: create, toggle (the kill switch), set rollout, open. */
import * as vscode from 'vscode';
import {
  FLAG_KEY_PATTERN,
  FlagKind,
  createFlag,
  setFlagEnabled,
  setRollout,
  type FlagType,
} from '@rollgate/shared/flags';
import { relative } from 'node:path';
import { Commands } from '../constants.ts';
import { flagEntryOffset } from '../logic/key-completion.ts';
import { toRange } from '../views/ranges.ts';
import type { Container } from '../container.ts';
import { applyFromEditor, askReason, registerCommand, resolveEnvironment, resolveFlag } from './command-support.ts';

interface CreateArgs {
  key?: string;
  folder?: string;
  type?: FlagType;
}

export function registerFlagCommands(container: Container): vscode.Disposable {
  return vscode.Disposable.from(
    registerCommand(container, Commands.createFlag, async (arg) => {
      const args = (typeof arg === 'object' && arg !== null && !('kind' in arg) ? arg : {}) as CreateArgs;
      const ws = args.folder
        ? container.all().find((w) => w.folder.uri.toString() === args.folder)
        : await container.pickWorkspace();
      if (!ws) return undefined;
      const key = await vscode.window.showInputBox({
        title: 'New flag key',
        value: args.key ?? '',
        prompt: 'Lowercase letters, digits, ".", "_" and "-", e.g. new-checkout',
        validateInput: (v) =>
          !FLAG_KEY_PATTERN.test(v)
            ? 'Use 1–100 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit.'
            : ws.getFlag(v)
              ? `Flag "${v}" already exists.`
              : undefined,
      });
      if (!key) return undefined;
      const name = await vscode.window.showInputBox({ title: `Name of "${key}"`, value: humanize(key) });
      if (!name) return undefined;
      const kindPick = await vscode.window.showQuickPick(
        Object.values(FlagKind).map((flagKind) => ({ label: flagKind, flagKind })),
        { placeHolder: 'Kind of flag' },
      );
      if (!kindPick) return undefined;
      const kind = kindPick.flagKind;
      await applyFromEditor(ws, createFlag({ key, name, kind, ...(args.type ? { type: args.type } : {}) }));
      void vscode.window.showInformationMessage(`Rollgate: created flag "${key}" (disabled in every environment).`);
      return key;
    }),

    registerCommand(container, Commands.toggleFlag, async (arg) => {
      const target = await resolveFlag(container, arg);
      if (!target) return undefined;
      const environment = await resolveEnvironment(target);
      if (!environment) return undefined;
      const enabled = !(target.flag.environments[environment]?.enabled ?? false);
      const reason = await askReason(target.ws, environment, enabled ? 'Turn on' : 'Turn off (kill switch)');
      if (reason === undefined) return undefined;
      await applyFromEditor(target.ws, setFlagEnabled(target.flag.key, environment, enabled), reason);
      void vscode.window.showInformationMessage(
        `Rollgate: "${target.flag.key}" is now ${enabled ? 'enabled' : 'disabled (kill switch)'} in ${environment}.`,
      );
      return enabled;
    }),

    registerCommand(container, Commands.setRollout, async (arg) => {
      const target = await resolveFlag(container, arg);
      if (!target) return undefined;
      const environment = await resolveEnvironment(target);
      if (!environment) return undefined;
      const current = target.flag.environments[environment]?.rollout?.percentage ?? 0;
      const input = await vscode.window.showInputBox({
        title: `Rollout of "${target.flag.key}" in ${environment}`,
        prompt: 'Percentage of users (0–100) who get the new variant; users already in stay in as it grows',
        value: String(current),
        validateInput: (v) => (isPercentage(v) ? undefined : 'Enter a number from 0 to 100, e.g. 5 or 0.5.'),
      });
      if (input === undefined) return undefined;
      const reason = await askReason(target.ws, environment, `Set rollout to ${input}%`);
      if (reason === undefined) return undefined;
      await applyFromEditor(target.ws, setRollout(target.flag.key, environment, Number(input)), reason);
      return Number(input);
    }),

    registerCommand(container, Commands.findReferences, async (arg) => {
      const target = await resolveFlag(container, arg);
      if (!target) return undefined;
      const references = target.ws.referencesTo(target.flag.key);
      if (references.length === 0) {
        void vscode.window.showInformationMessage(
          `Rollgate: no evaluation of "${target.flag.key}" found in ${target.ws.folder.name}${target.ws.hasScanned ? '' : ' (the scan is still running)'}.`,
        );
        return 0;
      }
      const pick = await vscode.window.showQuickPick(
        references.map((r) => ({
          label: `${relative(target.ws.root, r.file)}:${r.range.start.line + 1}`,
          description: `${r.method}(${r.keyExpression})`,
          reference: r,
        })),
        { placeHolder: `${references.length} evaluation(s) of "${target.flag.key}"`, matchOnDescription: true },
      );
      if (pick) {
        const start = toRange(pick.reference.range).start;
        await vscode.window.showTextDocument(vscode.Uri.file(pick.reference.file), {
          selection: new vscode.Range(start, start),
        });
      }
      return references.length;
    }),

    registerCommand(container, Commands.openFlag, async (arg) => {
      const target = await resolveFlag(container, arg);
      if (!target) return;
      const uri = vscode.Uri.joinPath(target.ws.folder.uri, '.rollgate', 'flags.yaml');
      const doc = await vscode.workspace.openTextDocument(uri);
      const position = doc.positionAt(flagEntryOffset(doc.getText(), target.flag.key) ?? 0);
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(position, position) });
    }),
  );
}

function isPercentage(v: string): boolean {
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 100;
}

function humanize(key: string): string {
  const words = key
    .split(/[._-]+/)
    .filter(Boolean)
    .join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
