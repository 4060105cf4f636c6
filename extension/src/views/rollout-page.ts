/**
 * The rollout page: a webview per flag and environment with the served percentage over time (from the audit log),
 * the rollout controller's page (current step, guardrails, decisions) with relative local times, and buttons to
 * pause, resume, advance and roll back the plan, each asking for a reason in protected environments like the CLI.
 * The page re-renders on every store change.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { Operation } from '@rollgate/shared/flags';
import {
  advanceRolloutOperation,
  pauseRolloutOperation,
  renderRolloutPage,
  resumeRolloutOperation,
  rollbackRolloutOperation,
  type RolloutTarget,
} from '@rollgate/shared/rollout';
import { Commands } from '../constants.ts';
import type { Container } from '../container.ts';
import { formatWhen } from '../logic/flag-state.ts';
import { renderRolloutChartSvg, rolloutSeries } from '../logic/rollout-chart.ts';
import {
  applyFromEditor,
  askReason,
  registerCommand,
  resolveEnvironment,
  resolveFlag,
} from '../commands/command-support.ts';
import type { FlagWorkspace } from '../workspace/flag-workspace.ts';

/** The plan actions, their button labels, the statuses that allow them and the operation they apply. */
const ACTIONS = [
  { command: Commands.pauseRollout, label: 'Pause', when: ['running'], op: pauseRolloutOperation },
  {
    command: Commands.resumeRollout,
    label: 'Resume',
    when: ['paused', 'locked', 'rolled-back'],
    op: resumeRolloutOperation,
  },
  { command: Commands.advanceRollout, label: 'Advance now', when: ['running', 'paused'], op: advanceRolloutOperation },
  { command: Commands.rollbackRollout, label: 'Roll back', when: ['running', 'paused'], op: rollbackRolloutOperation },
] as const satisfies readonly {
  command: string;
  label: string;
  when: readonly string[];
  op: (target: RolloutTarget) => Operation;
}[];

type ActionCommand = (typeof ACTIONS)[number]['command'];

const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g;

const panels = new Map<string, vscode.WebviewPanel>();

export function registerRolloutPage(container: Container): vscode.Disposable {
  return vscode.Disposable.from(
    registerCommand(container, Commands.openRolloutPage, async (arg) => {
      const target = await resolveFlag(container, arg);
      if (!target) return undefined;
      const environment = await resolveEnvironment(target);
      if (!environment) return undefined;
      const ws = target.ws;
      const flagKey = target.flag.key;
      const id = `${ws.folder.uri.toString()}#${flagKey}#${environment}`;
      const existing = panels.get(id);
      if (existing) {
        existing.reveal();
        return id;
      }
      const panel = vscode.window.createWebviewPanel(
        'rollgate.rolloutPage',
        `Rollout: ${flagKey} (${environment})`,
        vscode.ViewColumn.Beside,
        { enableScripts: true },
      );
      panels.set(id, panel);
      const render = async (): Promise<void> => {
        panel.webview.html = await pageHtml(panel.webview, ws, flagKey, environment);
      };
      const subscriptions = [
        container.onDidChange(() => void render()),
        panel.webview.onDidReceiveMessage((message: unknown) => {
          const command = (message as { command?: unknown } | null)?.command;
          const action = ACTIONS.find((a) => a.command === command);
          if (action) {
            void vscode.commands.executeCommand(action.command, {
              key: flagKey,
              folder: ws.folder.uri.toString(),
              environment,
            });
          }
        }),
      ];
      panel.onDidDispose(() => {
        for (const s of subscriptions) s.dispose();
        panels.delete(id);
      });
      await render();
      return id;
    }),
    ...ACTIONS.map((action) =>
      registerCommand(container, action.command, async (arg) => runAction(container, action.command, arg)),
    ),
  );
}

/** Applies a plan action to the flag and environment of `arg` (asking for what is missing). */
async function runAction(container: Container, command: ActionCommand, arg: unknown): Promise<string | undefined> {
  const action = ACTIONS.find((a) => a.command === command);
  const target = await resolveFlag(container, arg);
  if (!action || !target) return undefined;
  const environment = await resolveEnvironment(target);
  if (!environment) return undefined;
  const what = `${action.label} the rollout of "${target.flag.key}"`;
  if (action.command === Commands.rollbackRollout) {
    const sure = await vscode.window.showWarningMessage(
      `${what} in ${environment}? Everyone gets the default variant again until someone resumes.`,
      { modal: true },
      'Roll back',
    );
    if (!sure) return undefined;
  }
  const reason = await askReason(target.ws, environment, what);
  if (reason === undefined) return undefined;
  const snapshot = await applyFromEditor(
    target.ws,
    action.op({ flagKey: target.flag.key, environment }),
    reason || undefined,
  );
  const status = snapshot.document.flags.find((f) => f.key === target.flag.key)?.environments[environment]?.plan?.state
    .status;
  void vscode.window.showInformationMessage(`Rollgate: rollout of "${target.flag.key}" in ${environment}: ${status}.`);
  return status;
}

async function pageHtml(
  webview: vscode.Webview,
  ws: FlagWorkspace,
  flagKey: string,
  environment: string,
): Promise<string> {
  const snapshot = ws.snapshot;
  const audit = await ws.store.readAudit({ flagKey });
  const chart = renderRolloutChartSvg(rolloutSeries(audit, flagKey, environment));
  const flag = snapshot?.document.flags.find((f) => f.key === flagKey);
  const now = new Date();
  const markdown = flag
    ? renderRolloutPage(flag, environment, audit).replace(ISO_TIME, (iso) => formatWhen(iso, now))
    : `Flag \`${flagKey}\` cannot be shown: ${ws.storeError?.message ?? 'it is no longer in the store'}`;
  const body = await vscode.commands.executeCommand<string>('markdown.api.render', markdown);
  const status = flag?.environments[environment]?.plan?.state.status;
  const buttons = ACTIONS.filter((a) => status !== undefined && (a.when as readonly string[]).includes(status))
    .map((a) => `<button data-command="${a.command}">${escapeHtml(a.label)}</button>`)
    .join('');
  const nonce = randomBytes(16).toString('base64');
  // Security: only this nonce's script and styles run; the script can only post the button's command ID, which
  // the extension checks against the known plan actions; the markdown renderer sanitizes HTML.
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px; overflow-wrap: anywhere; }
.grid { stroke: var(--vscode-editorWidget-border, #8884); stroke-width: 1; }
.axis { fill: var(--vscode-descriptionForeground); font-size: 11px; }
.line { stroke: var(--vscode-charts-blue, #3794ff); stroke-width: 2; }
.dot { fill: var(--vscode-charts-blue, #3794ff); }
.kill { fill: var(--vscode-charts-red, #f14c4c); }
table { border-collapse: collapse; max-width: 100%; } td, th { border: 1px solid var(--vscode-editorWidget-border, #8884); padding: 2px 8px; }
pre { white-space: pre-wrap; }
.actions { display: flex; gap: 8px; margin: 8px 0; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 12px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
</style></head><body>
<h2>${escapeHtml(flagKey)} — ${escapeHtml(environment)}${status ? ` <small data-status="${escapeHtml(status)}">(${escapeHtml(status)})</small>` : ''}</h2>
<div class="actions">${buttons}</div>
<section aria-label="served percentage over time">${chart}</section>
<section>${body}</section>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
for (const b of document.querySelectorAll('button[data-command]')) {
  b.addEventListener('click', () => vscode.postMessage({ command: b.dataset.command }));
}
</script>
</body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
