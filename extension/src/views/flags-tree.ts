/** The Flags view: environments, each with its flags and their state there (rollout, rules, plan step). */
import * as vscode from 'vscode';
import type { Flag } from '@rollgate/shared/flags';
import { Commands, Views } from '../constants.ts';
import type { Container } from '../container.ts';
import { describeEnvironmentState } from '../logic/flag-state.ts';
import type { FlagWorkspace } from '../workspace/flag-workspace.ts';

/** A node of the tree; commands invoked from the tree receive it as their argument. */
export type FlagTreeNode =
  | { readonly kind: 'folder'; readonly ws: FlagWorkspace }
  | { readonly kind: 'environment'; readonly ws: FlagWorkspace; readonly environment: string }
  | { readonly kind: 'flag'; readonly ws: FlagWorkspace; readonly environment: string; readonly flag: Flag }
  | { readonly kind: 'error'; readonly message: string };

export function registerFlagsTree(container: Container): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const provider: vscode.TreeDataProvider<FlagTreeNode> = {
    onDidChangeTreeData: changed.event,
    getChildren(node) {
      if (!node) {
        const all = container.all();
        return all.length === 1 && all[0] ? environmentsOf(all[0]) : all.map((ws) => ({ kind: 'folder', ws }));
      }
      switch (node.kind) {
        case 'folder':
          return environmentsOf(node.ws);
        case 'environment':
          return (node.ws.snapshot?.document.flags ?? [])
            .filter((flag) => !flag.archived)
            .map((flag) => ({ kind: 'flag', ws: node.ws, environment: node.environment, flag }));
        case 'flag':
        case 'error':
          return [];
      }
    },
    getTreeItem(node) {
      switch (node.kind) {
        case 'folder': {
          const item = new vscode.TreeItem(node.ws.folder.name, vscode.TreeItemCollapsibleState.Expanded);
          item.iconPath = new vscode.ThemeIcon('root-folder');
          return item;
        }
        case 'environment': {
          const env = node.ws.snapshot?.document.environments.find((e) => e.key === node.environment);
          const item = new vscode.TreeItem(node.environment, vscode.TreeItemCollapsibleState.Expanded);
          item.iconPath = new vscode.ThemeIcon(env?.protected ? 'lock' : 'server-environment');
          item.description = env?.protected ? 'protected' : undefined;
          item.contextValue = 'environment';
          return item;
        }
        case 'flag': {
          const config = node.flag.environments[node.environment];
          const item = new vscode.TreeItem(node.flag.key, vscode.TreeItemCollapsibleState.None);
          item.description = describeEnvironmentState(node.flag, config);
          item.tooltip = new vscode.MarkdownString(
            `**${node.flag.name}** — ${node.flag.kind}\n\n${node.flag.description}`,
          );
          item.iconPath = new vscode.ThemeIcon(config?.enabled ? 'pass-filled' : 'circle-slash');
          item.contextValue = 'flagEnv';
          item.command = {
            command: Commands.openFlag,
            title: 'Open flag',
            arguments: [{ key: node.flag.key, folder: node.ws.folder.uri.toString() }],
          };
          return item;
        }
        case 'error': {
          const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
          item.iconPath = new vscode.ThemeIcon('error');
          return item;
        }
      }
    },
  };
  const view = vscode.window.createTreeView(Views.flags, { treeDataProvider: provider, showCollapseAll: true });
  return vscode.Disposable.from(
    view,
    changed,
    container.onDidChange(() => changed.fire()),
  );
}

function environmentsOf(ws: FlagWorkspace): FlagTreeNode[] {
  const nodes: FlagTreeNode[] = [];
  if (ws.storeError) nodes.push({ kind: 'error', message: ws.storeError.message });
  for (const env of ws.snapshot?.document.environments ?? []) {
    nodes.push({ kind: 'environment', ws, environment: env.key });
  }
  return nodes;
}
