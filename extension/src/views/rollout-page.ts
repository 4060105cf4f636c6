/**
 * The rollout page: a webview per flag and environment with the served percentage over time (from the audit log)
 * and the rollout controller's page (current step, guardrails and their latest values, decisions), kept live.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { renderRolloutPage } from '@rollgate/shared/rollout';
import { Commands } from '../constants.ts';
import type { Container } from '../container.ts';
import { renderRolloutChartSvg, rolloutSeries } from '../logic/rollout-chart.ts';
import { registerCommand, resolveEnvironment, resolveFlag } from '../commands/command-support.ts';
import type { FlagWorkspace } from '../workspace/flag-workspace.ts';

const panels = new Map<string, vscode.WebviewPanel>();

export function registerRolloutPage(container: Container): vscode.Disposable {
  return registerCommand(container, Commands.openRolloutPage, async (arg) => {
    const target = await resolveFlag(container, arg);
    if (!target) return undefined;
    const environment = await resolveEnvironment(target);
    if (!environment) return undefined;
    const id = `${target.ws.folder.uri.toString()}#${target.flag.key}#${environment}`;
    const existing = panels.get(id);
    if (existing) {
      existing.reveal();
      return id;
    }
    const panel = vscode.window.createWebviewPanel(
      'rollgate.rolloutPage',
      `Rollout: ${target.flag.key} (${environment})`,
      vscode.ViewColumn.Beside,
      { enableScripts: false },
    );
    panels.set(id, panel);
    const render = async (): Promise<void> => {
      panel.webview.html = await pageHtml(panel.webview, target.ws, target.flag.key, environment);
    };
    const subscription = container.onDidChange(() => void render());
    panel.onDidDispose(() => {
      subscription.dispose();
      panels.delete(id);
    });
    await render();
    return id;
  });
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
  const markdown = flag
    ? renderRolloutPage(flag, environment, audit)
    : `Flag \`${flagKey}\` cannot be shown: ${ws.storeError?.message ?? 'it is no longer in the store'}`;
  const body = await vscode.commands.executeCommand<string>('markdown.api.render', markdown);
  const nonce = randomBytes(16).toString('base64');
  // Security: no scripts; styles only from this nonce; the markdown renderer sanitizes HTML.
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data:; style-src 'nonce-${nonce}';">
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px; }
.grid { stroke: var(--vscode-editorWidget-border, #8884); stroke-width: 1; }
.axis { fill: var(--vscode-descriptionForeground); font-size: 11px; }
.line { stroke: var(--vscode-charts-blue, #3794ff); stroke-width: 2; }
.dot { fill: var(--vscode-charts-blue, #3794ff); }
.kill { fill: var(--vscode-charts-red, #f14c4c); }
table { border-collapse: collapse; } td, th { border: 1px solid var(--vscode-editorWidget-border, #8884); padding: 2px 8px; }
</style></head><body>
<h2>${escapeHtml(flagKey)} — ${escapeHtml(environment)}</h2>
<section aria-label="served percentage over time">${chart}</section>
<section>${body}</section>
</body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
