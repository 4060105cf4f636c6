/**
 * The Flags view: pending change requests (approve / reject inline), then each flag with its markers (stale,
 * archived) and reference count, grouping its environments and their state; the segments with the flags using each;
 * keys evaluated in code but missing from the store last. A filter narrows the flags by key, name or tag.
 */
import * as vscode from 'vscode';
import {
  describeEnvironmentState,
  describeUsage,
  listChangeRequests,
  segmentUsage,
  type ChangeRequest,
  type Flag,
  type Segment,
} from '@rollgate/shared/flags';
import { Commands, ContextKeys, Views } from '../constants.ts';
import type { Container } from '../container.ts';
import { commandLink } from '../logic/flag-state.ts';
import { editorActor, registerCommand } from '../commands/command-support.ts';
import type { FlagWorkspace } from '../workspace/flag-workspace.ts';
import { flagActions, trustedMarkdown } from './hover.ts';

/** A node of the tree; commands invoked from the tree receive it as their argument. */
export type FlagTreeNode =
  | { readonly kind: 'folder'; readonly ws: FlagWorkspace }
  | { readonly kind: 'flag'; readonly ws: FlagWorkspace; readonly flag: Flag }
  | { readonly kind: 'flagEnv'; readonly ws: FlagWorkspace; readonly flag: Flag; readonly environment: string }
  | { readonly kind: 'requests'; readonly ws: FlagWorkspace; readonly requests: readonly ChangeRequest[] }
  | { readonly kind: 'changeRequest'; readonly ws: FlagWorkspace; readonly request: ChangeRequest }
  | { readonly kind: 'segments'; readonly ws: FlagWorkspace; readonly segments: readonly Segment[] }
  | { readonly kind: 'segment'; readonly ws: FlagWorkspace; readonly segment: Segment }
  | { readonly kind: 'unknown'; readonly ws: FlagWorkspace; readonly keys: readonly string[] }
  | { readonly kind: 'unknownKey'; readonly ws: FlagWorkspace; readonly key: string }
  | { readonly kind: 'error'; readonly message: string };

/** Whether `flag` matches the filter text (key, name or tag, case-insensitive). */
export function matchesFilter(flag: Flag, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (f === '') return true;
  return [flag.key, flag.name, ...flag.tags].some((s) => s.toLowerCase().includes(f));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function registerFlagsTree(container: Container): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  let filter = '';
  const provider: vscode.TreeDataProvider<FlagTreeNode> = {
    onDidChangeTreeData: changed.event,
    getChildren(node) {
      if (!node) {
        const all = container.all();
        return all.length === 1 && all[0] ? rootsOf(all[0], filter) : all.map((ws) => ({ kind: 'folder', ws }));
      }
      switch (node.kind) {
        case 'folder':
          return rootsOf(node.ws, filter);
        case 'flag':
          return (node.ws.snapshot?.document.environments ?? []).map((e) => ({
            kind: 'flagEnv',
            ws: node.ws,
            flag: node.flag,
            environment: e.key,
          }));
        case 'requests':
          return node.requests.map((request) => ({ kind: 'changeRequest', ws: node.ws, request }));
        case 'unknown':
          return node.keys.map((key) => ({ kind: 'unknownKey', ws: node.ws, key }));
        case 'segments':
          return node.segments.map((segment) => ({ kind: 'segment', ws: node.ws, segment }));
        case 'flagEnv':
        case 'segment':
        case 'changeRequest':
        case 'unknownKey':
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
        case 'flag':
          return flagItem(node.ws, node.flag);
        case 'flagEnv': {
          const env = node.ws.snapshot?.document.environments.find((e) => e.key === node.environment);
          const state = describeEnvironmentState(node.flag, node.environment);
          const item = new vscode.TreeItem(node.environment, vscode.TreeItemCollapsibleState.None);
          item.description = state.summary;
          item.tooltip = state.long;
          item.iconPath = new vscode.ThemeIcon(
            env?.protected ? 'lock' : state.live ? 'pass-filled' : 'circle-slash',
            state.live ? undefined : new vscode.ThemeColor('disabledForeground'),
          );
          item.contextValue = node.flag.archived ? 'flagEnvArchived' : 'flagEnv';
          return item;
        }
        case 'requests': {
          const item = new vscode.TreeItem('Change requests', vscode.TreeItemCollapsibleState.Expanded);
          item.description = `${node.requests.length} pending`;
          item.iconPath = new vscode.ThemeIcon('git-pull-request');
          return item;
        }
        case 'changeRequest': {
          const r = node.request;
          const item = new vscode.TreeItem(`${r.flagKey} in ${r.environments.join(', ')}`);
          item.description = `${r.id} · by ${r.createdBy}`;
          item.tooltip = `${r.reason}\n${JSON.stringify(r.change)}`;
          item.iconPath = new vscode.ThemeIcon('git-pull-request-draft');
          // The requester may not decide their own request.
          item.contextValue = r.createdBy === editorActor() ? 'changeRequestOwn' : 'changeRequest';
          return item;
        }
        case 'segments': {
          const item = new vscode.TreeItem('Segments', vscode.TreeItemCollapsibleState.Collapsed);
          item.description = plural(node.segments.length, 'segment');
          item.iconPath = new vscode.ThemeIcon('organization');
          return item;
        }
        case 'segment':
          return segmentItem(node.ws, node.segment);
        case 'unknown': {
          const item = new vscode.TreeItem('Not in the flag store', vscode.TreeItemCollapsibleState.Expanded);
          item.description = plural(node.keys.length, 'key');
          item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
          return item;
        }
        case 'unknownKey': {
          const item = new vscode.TreeItem(node.key);
          item.description = `unknown · ${plural(node.ws.referencesTo(node.key).length, 'reference')}`;
          item.iconPath = new vscode.ThemeIcon('question');
          item.contextValue = 'unknownKey';
          item.command = {
            command: Commands.createFlag,
            title: 'Create flag',
            arguments: [{ key: node.key, folder: node.ws.folder.uri.toString() }],
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
  const setFilter = async (text: string): Promise<void> => {
    filter = text;
    view.description = text ? `filter: ${text}` : undefined;
    await vscode.commands.executeCommand('setContext', ContextKeys.flagFilter, text !== '');
    changed.fire();
  };
  return vscode.Disposable.from(
    view,
    changed,
    container.onDidChange(() => changed.fire()),
    registerCommand(container, Commands.filterFlags, async (arg) => {
      const text =
        typeof arg === 'string'
          ? arg
          : await vscode.window.showInputBox({
              title: 'Filter flags',
              prompt: 'Part of a key, name or tag (empty shows every flag)',
              value: filter,
            });
      if (text === undefined) return undefined;
      await setFilter(text.trim());
      return text.trim();
    }),
    registerCommand(container, Commands.clearFlagFilter, () => setFilter('')),
  );
}

function flagItem(ws: FlagWorkspace, flag: Flag): vscode.TreeItem {
  const references = ws.hasScanned ? ws.referencesTo(flag.key).length : undefined;
  const stale = ws.isStale(flag.key);
  const markers = [
    flag.archived ? 'archived' : '',
    stale ? 'stale' : '',
    references === undefined ? '' : plural(references, 'ref'),
  ].filter(Boolean);
  const item = new vscode.TreeItem(flag.key, vscode.TreeItemCollapsibleState.Collapsed);
  item.description = markers.join(' · ');
  item.iconPath = flag.archived
    ? new vscode.ThemeIcon('archive')
    : stale
      ? new vscode.ThemeIcon('clock', new vscode.ThemeColor('problemsWarningIcon.foreground'))
      : new vscode.ThemeIcon('flag');
  const states = (ws.snapshot?.document.environments ?? []).map(
    (e) => `- ${describeEnvironmentState(flag, e.key).short}`,
  );
  const actions = flagActions(flag.key, ws.folder.uri.toString()).map(commandLink).join(' · ');
  item.tooltip = trustedMarkdown(
    [`**${flag.name}** — ${flag.kind}`, flag.description, states.join('\n'), actions].filter(Boolean).join('\n\n'),
  );
  item.contextValue = flag.archived ? 'flagArchived' : 'flag';
  return item;
}

/** A segment: its keys and rules in the description, the flags using it in the tooltip. */
function segmentItem(ws: FlagWorkspace, segment: Segment): vscode.TreeItem {
  const document = ws.snapshot?.document;
  const usage = document ? segmentUsage(document, segment.key) : [];
  const item = new vscode.TreeItem(segment.key, vscode.TreeItemCollapsibleState.None);
  item.description = [
    segment.name ?? '',
    plural(segment.included.length, 'key'),
    plural(segment.rules.length, 'rule'),
    usage.length ? `used by ${plural(new Set(usage.map((u) => u.flagKey)).size, 'flag')}` : 'unused',
  ]
    .filter(Boolean)
    .join(' · ');
  item.tooltip = [segment.description ?? '', usage.length ? `Used by ${describeUsage(usage)}` : 'Used by no flag']
    .filter(Boolean)
    .join('\n');
  item.iconPath = new vscode.ThemeIcon('person');
  return item;
}

function rootsOf(ws: FlagWorkspace, filter: string): FlagTreeNode[] {
  const nodes: FlagTreeNode[] = [];
  if (ws.storeError) nodes.push({ kind: 'error', message: ws.storeError.message });
  const document = ws.snapshot?.document;
  if (!document) return nodes;
  const requests = listChangeRequests(document, { status: 'pending' });
  if (requests.length > 0) nodes.push({ kind: 'requests', ws, requests });
  // Live flags first, archived ones after them.
  const flags = document.flags
    .filter((f) => matchesFilter(f, filter))
    .sort((a, b) => Number(a.archived) - Number(b.archived));
  for (const flag of flags) nodes.push({ kind: 'flag', ws, flag });
  const segments = document.segments ?? [];
  if (segments.length > 0) nodes.push({ kind: 'segments', ws, segments });
  const known = new Set(document.flags.map((f) => f.key));
  const unknown = [...new Set(ws.allReferences().flatMap((r) => (r.key && !known.has(r.key) ? [r.key] : [])))]
    .filter((key) => key.toLowerCase().includes(filter.trim().toLowerCase()))
    .sort();
  if (unknown.length > 0) nodes.push({ kind: 'unknown', ws, keys: unknown });
  return nodes;
}
