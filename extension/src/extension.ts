/** Rollgate for VS Code and Cursor: activation wires the container, views and commands; nothing else lives here. */
import type * as vscode from 'vscode';
import { registerCleanupCommands } from './commands/cleanup-commands.ts';
import { registerCodeCommands } from './commands/code-commands.ts';
import { registerFlagCommands } from './commands/flag-commands.ts';
import { registerWorkspaceCommands } from './commands/workspace-commands.ts';
import { Container } from './container.ts';
import { createLogger } from './logger.ts';
import { registerMcp } from './mcp.ts';
import { registerCodeActions } from './views/code-actions.ts';
import { registerCodeLens } from './views/code-lens.ts';
import { registerDiagnostics } from './views/diagnostics.ts';
import { registerFlagsTree } from './views/flags-tree.ts';
import { registerHover } from './views/hover.ts';
import { registerKeyNavigation } from './views/key-navigation.ts';
import { registerRolloutPage } from './views/rollout-page.ts';

let container: Container | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const logger = createLogger();
  context.subscriptions.push(logger);
  container = new Container(context, logger);
  context.subscriptions.push(
    container,
    registerFlagsTree(container),
    registerCodeLens(container),
    registerHover(container),
    registerKeyNavigation(container),
    registerDiagnostics(container),
    registerCodeActions(container),
    registerFlagCommands(container),
    registerWorkspaceCommands(container),
    registerCodeCommands(container),
    registerCleanupCommands(container),
    registerRolloutPage(container),
    registerMcp(container),
  );
  await container.refreshFolders();
}

export function deactivate(): Promise<void> {
  container?.dispose();
  container = undefined;
  return Promise.resolve();
}
