/**
 * Commands over a whole workspace: initialise a store, connect to a Rollgate server, scan for flags, approve pending
 * change requests.
 */
import * as vscode from 'vscode';
import { approveChangeRequest, listChangeRequests, rejectChangeRequest } from '@rollgate/shared/flags';
import { RemoteStore, initStore } from '@rollgate/shared/store';
import { CONFIG_SECTION, Commands, serverTokenSecret } from '../constants.ts';
import { readConfig } from '../config.ts';
import type { Container } from '../container.ts';
import type { FlagTreeNode } from '../views/flags-tree.ts';
import { applyFromEditor, registerCommand } from './command-support.ts';

export function registerWorkspaceCommands(container: Container): vscode.Disposable {
  return vscode.Disposable.from(
    registerCommand(container, Commands.initStore, async () => {
      const folder = await pickFolder('Folder to hold .rollgate/');
      if (!folder) return;
      const store = await initStore(folder.uri.fsPath);
      store.dispose();
      await container.refreshFolders();
      void vscode.window.showInformationMessage(`Rollgate: created .rollgate/ in ${folder.name}.`);
    }),

    registerCommand(container, Commands.connectServer, () => connectServer(container)),

    registerCommand(container, Commands.disconnectServer, async () => {
      const folder = await pickFolder('Folder to disconnect from its Rollgate server');
      const url = folder && readConfig(folder).serverUrl;
      if (!folder || !url) return;
      await container.context.secrets.delete(serverTokenSecret(url));
      await setServerUrl(container, folder, undefined);
      void vscode.window.showInformationMessage(`Rollgate: ${folder.name} is no longer connected to ${url}.`);
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

/** The only workspace folder, or the one the user picks. */
async function pickFolder(placeHolder: string): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return folders.length <= 1 ? folders[0] : vscode.window.showWorkspaceFolderPick({ placeHolder });
}

/** Records `folder`'s server (`undefined`: its own `.rollgate/`) in its settings and reopens its flags. */
async function setServerUrl(
  container: Container,
  folder: vscode.WorkspaceFolder,
  url: string | undefined,
): Promise<void> {
  await vscode.workspace
    .getConfiguration(CONFIG_SECTION, folder)
    .update('server.url', url, vscode.ConfigurationTarget.WorkspaceFolder);
  await container.reopenFolders();
}

/**
 * Points a folder at a Rollgate server: asks for the URL and the API token, checks them with a read, then keeps the
 * token in the editor's secret storage and the URL in the folder's settings (never the token).
 */
async function connectServer(container: Container): Promise<string | undefined> {
  const folder = await pickFolder('Folder to connect to a Rollgate server');
  if (!folder) return undefined;
  const url = await vscode.window.showInputBox({
    title: 'Rollgate: Connect to Server',
    prompt: 'URL of the Rollgate server (rollgate server)',
    placeHolder: 'https://flags.example.com',
    value: readConfig(folder).serverUrl ?? '',
    ignoreFocusOut: true,
    validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'An http:// or https:// URL'),
  });
  if (!url) return undefined;
  const token = await vscode.window.showInputBox({
    title: 'Rollgate: Connect to Server',
    prompt: `API token for ${url.trim()} (rollgate token create); kept in the editor's secret storage`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'The token is required'),
  });
  if (!token) return undefined;
  const target = { url: url.trim(), token: token.trim() };
  const probe = new RemoteStore(target);
  try {
    await probe.read(); // UNAUTHENTICATED, FORBIDDEN or STORE_IO come back as the command's error message
  } finally {
    probe.dispose();
  }
  await container.context.secrets.store(serverTokenSecret(target.url), target.token);
  await setServerUrl(container, folder, target.url);
  void vscode.window.showInformationMessage(`Rollgate: ${folder.name} now works with the flags of ${target.url}.`);
  return target.url;
}
