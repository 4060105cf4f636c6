/** What every command shares: error handling, the change context, and resolving which flag/environment it acts on. */
import * as vscode from 'vscode';
import { userInfo } from 'node:os';
import { FlagError, errorMessage } from '@rollgate/shared/errors';
import { applyOperation, type ChangeContext, type Flag, type Operation } from '@rollgate/shared/flags';
import type { StoreSnapshot } from '@rollgate/shared/store';
import type { CommandId } from '../constants.ts';
import type { Container } from '../container.ts';
import type { FlagTreeNode } from '../views/flags-tree.ts';
import type { FlagWorkspace } from '../workspace/flag-workspace.ts';

/** Registers `id`; a failing handler is logged and shown as an error message with the fix hint. */
export function registerCommand(
  container: Container,
  id: CommandId,
  handler: (...args: unknown[]) => Promise<unknown>,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (e) {
      container.logger.error(e, id);
      const hint = FlagError.is(e) && typeof e.details.hint === 'string' ? ` ${e.details.hint}` : '';
      void vscode.window.showErrorMessage(`Rollgate: ${errorMessage(e)}${hint}`);
      return undefined;
    }
  });
}

/** The actor of changes made from the editor. */
export function editorActor(): string {
  return `vscode:${userInfo().username}`;
}

export function changeContext(reason?: string): ChangeContext {
  return { actor: editorActor(), ...(reason ? { reason } : {}), now: () => new Date() };
}

/**
 * Applies `operation` against the snapshot the user saw: if someone else changed the store meanwhile, the
 * STORE_CONFLICT error tells the user to look again instead of overwriting their change.
 */
export async function applyFromEditor(
  ws: FlagWorkspace,
  operation: Operation,
  reason?: string,
): Promise<StoreSnapshot> {
  const snapshot = await applyOperation(ws.store, operation, changeContext(reason), {
    ...(ws.snapshot ? { expectedVersion: ws.snapshot.version } : {}),
  });
  await ws.reload();
  return snapshot;
}

/** A flag (and maybe an environment) a command acts on. */
export interface FlagTarget {
  readonly ws: FlagWorkspace;
  readonly flag: Flag;
  readonly environment?: string;
}

/** Arguments commands accept besides a tree node: from code lenses, quick fixes and tests. */
interface FlagArgs {
  key?: string;
  folder?: string;
  environment?: string;
}

function isTreeNode(arg: unknown): arg is FlagTreeNode {
  return typeof arg === 'object' && arg !== null && 'kind' in arg;
}

/** Resolves the flag from a tree node or `{ key, folder, environment }`, else asks the user to pick one. */
export async function resolveFlag(container: Container, arg: unknown): Promise<FlagTarget | undefined> {
  if (isTreeNode(arg) && arg.kind === 'flag') return { ws: arg.ws, flag: arg.flag };
  if (isTreeNode(arg) && arg.kind === 'flagEnv') return { ws: arg.ws, flag: arg.flag, environment: arg.environment };
  const args = (typeof arg === 'object' && arg !== null ? arg : {}) as FlagArgs;
  const ws = args.folder
    ? container.all().find((w) => w.folder.uri.toString() === args.folder)
    : await container.pickWorkspace();
  if (!ws) {
    throw new FlagError('GENERAL', 'No workspace folder with a Rollgate flag store is open.', {
      hint: 'Run "Rollgate: Initialize Flag Store in Workspace" first.',
    });
  }
  let flag = args.key ? ws.getFlag(args.key) : undefined;
  if (args.key && !flag) throw new FlagError('FLAG_NOT_FOUND', `Flag "${args.key}" is not in the flag store.`);
  if (!flag) {
    // The flag evaluated under the cursor comes first, so Enter picks it.
    const underCursor = flagKeyUnderCursor(ws);
    const items = (ws.snapshot?.document.flags ?? [])
      .filter((f) => !f.archived)
      .map((f) => ({
        label: f.key,
        description: f.key === underCursor ? `${f.name} (at the cursor)` : f.name,
        flag: f,
      }))
      .sort((a, b) => Number(b.flag.key === underCursor) - Number(a.flag.key === underCursor));
    const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Which flag?', matchOnDescription: true });
    flag = pick?.flag;
  }
  return flag ? { ws, flag, ...(args.environment ? { environment: args.environment } : {}) } : undefined;
}

/** The key of the flag evaluation at the active editor's cursor, if it belongs to `ws`. */
function flagKeyUnderCursor(ws: FlagWorkspace): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const position = editor.selection.active;
  return ws
    .referencesIn(editor.document.uri)
    .find((r) => position.line >= r.range.start.line && position.line <= r.range.end.line)?.key;
}

/** The target's environment, or the one the user picks (protected ones marked). */
export async function resolveEnvironment(target: FlagTarget): Promise<string | undefined> {
  if (target.environment) return target.environment;
  const environments = target.ws.snapshot?.document.environments ?? [];
  const pick = await vscode.window.showQuickPick(
    environments.map((e) => ({ label: e.key, description: e.protected ? '$(lock) protected' : undefined })),
    { placeHolder: `Environment for "${target.flag.key}"` },
  );
  return pick?.label;
}

/**
 * For a protected environment, asks for the reason the audit log will record (required); for others returns
 * an empty reason. `undefined` means the user cancelled.
 */
export async function askReason(ws: FlagWorkspace, environment: string, action: string): Promise<string | undefined> {
  const env = ws.snapshot?.document.environments.find((e) => e.key === environment);
  if (!env?.protected) return '';
  return vscode.window.showInputBox({
    title: `${action} in protected environment "${environment}"`,
    prompt: 'Reason (recorded in the audit log)',
    validateInput: (v) => (v.trim().length === 0 ? 'A reason is required for protected environments.' : undefined),
  });
}
