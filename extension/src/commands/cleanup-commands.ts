/**
 * Removing a stale or archived flag's code in one step: the quick fix runs `rollgate.removeFlagCode`, which plans
 * the cleanup of every file that evaluates the flag, applies it as one workspace edit (undoable; through the
 * refactor preview only when `rollgate.cleanup.preview` is on), saves the changed files so the scan catches up,
 * says what it changed, and offers to archive the flag.
 */
import * as vscode from 'vscode';
import { relative } from 'node:path';
import { FlagError, errorMessage } from '@rollgate/shared/errors';
import { archiveFlag } from '@rollgate/shared/flags';
import { readConfig } from '../config.ts';
import { Commands } from '../constants.ts';
import type { Container } from '../container.ts';
import { lineEdits } from '../logic/text-edits.ts';
import type { FlagWorkspace } from '../workspace/flag-workspace.ts';
import { applyFromEditor, registerCommand } from './command-support.ts';

/** Arguments of `rollgate.removeFlagCode` (from the quick fix). */
export interface RemoveFlagCodeArgs {
  readonly key: string;
  readonly variant: string;
  readonly folder: string;
}

/** What a cleanup changed, for the message after it. */
export interface RemoveFlagCodeResult {
  readonly files: readonly string[];
  readonly manual: number;
  readonly applied: boolean;
}

const ARCHIVE = 'Archive flag';
const SHOW_MANUAL = 'Show places to edit';

function isArgs(arg: unknown): arg is RemoveFlagCodeArgs {
  if (typeof arg !== 'object' || arg === null) return false;
  const a = arg as Record<string, unknown>;
  return typeof a.key === 'string' && typeof a.variant === 'string' && typeof a.folder === 'string';
}

/**
 * The workspace edit that removes `key` from every file that references it, keeping `variant`; hunk by hunk, so
 * the refactor preview (when asked for) shows what goes instead of whole-file replacements.
 */
async function buildRemoveFlagEdit(
  ws: FlagWorkspace,
  key: string,
  variant: string,
  preview: boolean,
): Promise<{ edit: vscode.WorkspaceEdit; files: string[]; manual: string[] }> {
  const snapshot = ws.snapshot;
  if (!snapshot) throw ws.storeError ?? new FlagError('STORE_IO', 'The flag store is not loaded.');
  // The plan reads files from disk: unsaved changes to a referencing file would shift every offset.
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && ws.allReferences().some((r) => r.key === key && r.file === doc.uri.fsPath)) await doc.save();
  }
  const scanner = await ws.loadScannerModule();
  const plan = await scanner.planWorkspaceCleanup({
    root: ws.root,
    flagKey: key,
    keepVariant: variant,
    document: snapshot.document,
    references: ws.allReferences(),
  });
  const edit = new vscode.WorkspaceEdit();
  // needsConfirmation is what routes an edit through the refactor preview (where the user ticks what to apply).
  const metadata: vscode.WorkspaceEditEntryMetadata | undefined = preview
    ? { needsConfirmation: true, label: `Remove flag "${key}" (keep ${variant})` }
    : undefined;
  for (const file of plan.files) {
    const uri = vscode.Uri.file(file.file);
    const doc = await vscode.workspace.openTextDocument(uri);
    for (const e of lineEdits(file.before, file.after)) {
      edit.replace(uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text, metadata);
    }
  }
  const manual = plan.manual.map((m) => `${relative(ws.root, m.file)}:${m.line}:${m.column} ${m.message}`);
  return { edit, files: plan.files.map((f) => f.file), manual };
}

export function registerCleanupCommands(container: Container): vscode.Disposable {
  return registerCommand(container, Commands.removeFlagCode, async (arg): Promise<RemoveFlagCodeResult | undefined> => {
    if (!isArgs(arg)) {
      throw new FlagError('GENERAL', 'Remove flag code needs a flag, a variant to keep and a folder.', {
        hint: 'Use the quick fix on a stale or archived flag in the code.',
      });
    }
    const ws = container.all().find((w) => w.folder.uri.toString() === arg.folder);
    if (!ws) throw new FlagError('GENERAL', 'That workspace folder has no Rollgate flag store open.');
    const preview = readConfig(ws.folder).cleanupPreview;
    const { edit, files, manual } = await buildRemoveFlagEdit(ws, arg.key, arg.variant, preview);
    const applied = files.length > 0 && (await vscode.workspace.applyEdit(edit, { isRefactoring: preview }));
    if (applied) {
      for (const file of files) {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
        // Saved, so the rescan on save drops the fixed diagnostics; Undo still reverts the edit.
        if (doc?.isDirty) await doc.save();
      }
    }
    const names = files.map((f) => relative(ws.root, f)).join(', ');
    container.logger.info(
      `Removed "${arg.key}" keeping "${arg.variant}": ${applied ? `changed ${names}` : 'nothing applied'}` +
        (manual.length > 0 ? `; edit by hand: ${manual.join('; ')}` : ''),
    );
    const flag = ws.getFlag(arg.key);
    const done = applied
      ? `Rollgate: removed "${arg.key}" from ${names} (kept "${arg.variant}").`
      : `Rollgate: nothing was changed for "${arg.key}".`;
    const manualText = manual.length > 0 ? ` ${manual.length} evaluation(s) need a manual edit.` : '';
    const offerArchive = applied && manual.length === 0 && flag !== undefined && !flag.archived;
    const actions = [...(offerArchive ? [ARCHIVE] : []), ...(manual.length > 0 ? [SHOW_MANUAL] : [])];
    void vscode.window
      .showInformationMessage(`${done}${manualText}${offerArchive ? ' Archive the flag too?' : ''}`, ...actions)
      .then(async (choice) => {
        if (choice === ARCHIVE) {
          await applyFromEditor(ws, archiveFlag(arg.key), `code removed in the editor (kept "${arg.variant}")`);
          void vscode.window.showInformationMessage(
            `Rollgate: archived "${arg.key}"; every environment now serves the code default.`,
          );
        } else if (choice === SHOW_MANUAL) {
          container.logger.show();
        }
      })
      .then(undefined, (e: unknown) => {
        container.logger.error(e, Commands.removeFlagCode);
        void vscode.window.showErrorMessage(`Rollgate: archiving "${arg.key}" failed: ${errorMessage(e)}`);
      });
    return { files, manual: manual.length, applied };
  });
}
