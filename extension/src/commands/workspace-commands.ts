/** Commands over a whole workspace: initialise a store, scan for flags, approve pending change requests. */
import * as vscode from 'vscode';
import { approveChangeRequest, listChangeRequests, rejectChangeRequest } from '@rollgate/shared/flags';
import { initStore } from '@rollgate/shared/store';
import { Commands } from '../constants.ts';
import type { Container } from '../container.ts';
import type { FlagTreeNode } from '../views/flags-tree.ts';
import { applyFromEditor, registerCommand } from './command-support.ts';

export function registerWorkspaceCommands(container: Container): vscode.Disposable {
  return vscode.Disposable.from(
    registerCommand(container, Commands.initStore, async () => {
      const folders = vscode.workspace.workspaceFolders ?? [];
      const folder =
        folders.length <= 1
          ? folders[0]
          : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder to hold .rollgate/' });
      if (!folder) return;
      const store = await initStore(folder.uri.fsPath);
      store.dispose();
      await container.refreshFolders();
      void vscode.window.showInformationMessage(`Rollgate: created .rollgate/ in ${folder.name}.`);
    }),

    registerCommand(container, Commands.scanWorkspace, async () => {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Rollgate: scanning for flags' },
        async () => {
          for (const ws of container.all()) await ws.scan();
        },
      );
      const total = container.all().reduce((n, ws) => n + ws.allReferences().length, 0);
      void vscode.window.showInformationMessage(`Rollgate: found ${total} flag references.`);
      return total;
    }),

    registerCommand(container, Commands.approveChangeRequest, (arg) => decide(container, arg, true)),
    registerCommand(container, Commands.rejectChangeRequest, (arg) => decide(container, arg, false)),

    registerCommand(container, Commands.approveChangeRequests, async () => {
      const pending = container.all().flatMap((ws) =>
        (ws.snapshot ? listChangeRequests(ws.snapshot.document, { status: 'pending' }) : []).map((request) => ({
          ws,
          request,
        })),
      );
      if (pending.length === 0) {
        void vscode.window.showInformationMessage('Rollgate: no pending change requests.');
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(
        pending.map((p) => ({
          label: `${p.request.id}: ${p.request.flagKey} in ${p.request.environments.join(', ')}`,
          description: `by ${p.request.createdBy}`,
          detail: `${p.request.reason} — ${JSON.stringify(p.request.change)}`,
          ...p,
        })),
        { placeHolder: 'Pending change requests (proposed by AI assistants or teammates)', matchOnDetail: true },
      );
      if (!pick) return undefined;
      const decision = await vscode.window.showQuickPick(['Approve and apply', 'Reject'], {
        placeHolder: `${pick.request.id}: ${pick.request.reason}`,
      });
      if (!decision) return undefined;
      const approve = decision === 'Approve and apply';
      await applyFromEditor(
        pick.ws,
        approve ? approveChangeRequest(pick.request.id) : rejectChangeRequest(pick.request.id),
        `${approve ? 'approved' : 'rejected'} ${pick.request.id} in the editor`,
      );
      void vscode.window.showInformationMessage(`Rollgate: ${pick.request.id} ${approve ? 'applied' : 'rejected'}.`);
      return pick.request.id;
    }),
  );
}

/** Approves or rejects the change request of a tree node; a rejection asks for the note the requester will read. */
async function decide(container: Container, arg: unknown, approve: boolean): Promise<string | undefined> {
  const node = arg as FlagTreeNode | undefined;
  if (node?.kind !== 'changeRequest') {
    return vscode.commands.executeCommand<string | undefined>(Commands.approveChangeRequests);
  }
  const { ws, request } = node;
  const note = approve
    ? `approved ${request.id} in the editor`
    : await vscode.window.showInputBox({
        title: `Reject ${request.id}: ${request.flagKey} in ${request.environments.join(', ')}`,
        prompt: 'Why (the requester reads this)',
        validateInput: (v) => (v.trim() === '' ? 'Say why, e.g. "not during the release freeze".' : undefined),
      });
  if (note === undefined) return undefined;
  await applyFromEditor(ws, approve ? approveChangeRequest(request.id) : rejectChangeRequest(request.id), note);
  void vscode.window.showInformationMessage(
    `Rollgate: ${request.id} ${approve ? 'approved and applied' : 'rejected'}.`,
  );
  container.logger.info(`${request.id} ${approve ? 'approved' : 'rejected'}: ${note}`);
  return request.id;
}
