/**
 * Composition root: one FlagWorkspace per workspace folder that has a `.rollgate/` store (multi-root aware),
 * the shared logger, and the change event every view listens to. Disposes in reverse order.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '@rollgate/shared/errors';
import type * as ScannerApi from '@rollgate/shared/scanner';
import { affectsRollgate, affectsServer, readConfig } from './config.ts';
import { ContextKeys, serverTokenSecret } from './constants.ts';
import type { Logger } from './logger.ts';
import { FlagWorkspace } from './workspace/flag-workspace.ts';

type ScannerModule = typeof ScannerApi;

/**
 * Steps between activation and the first lens, timed for the log: opening the store, requiring the scanner bundle
 * (ts-morph) and scanning the open file (which includes the scanner load when it comes first).
 */
type StartupStep = 'store open' | 'scanner load' | 'open file scan';

/** How long the scanner load waits for the editor to ask for the quick lenses of the open files. */
const QUICK_LENS_GRACE_MS = 1500;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Source files the scanner reads; a save of one of these triggers an incremental rescan. */
const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;

export class Container implements vscode.Disposable {
  private readonly workspaces = new Map<string, FlagWorkspace>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  /** Fires when any workspace's store, references or stale findings changed, or workspaces came and went. */
  readonly onDidChange = this._onDidChange.event;
  private scannerModule: Promise<ScannerModule> | undefined;
  private readonly activatedAt = performance.now();
  private firstLensLogged = false;
  private markFirstLensServed: () => void = () => undefined;
  private readonly firstLensServed = new Promise<void>((resolve) => (this.markFirstLensServed = resolve));
  /** How long each step on the way to the first lens took, in ms (logged with the first lens). */
  private readonly startup: Partial<Record<StartupStep, number>> = {};

  readonly context: vscode.ExtensionContext;
  readonly logger: Logger;

  constructor(context: vscode.ExtensionContext, logger: Logger) {
    this.context = context;
    this.logger = logger;
    this.disposables.push(
      this._onDidChange,
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refreshFolders()),
      vscode.workspace.onDidSaveTextDocument((doc) => void this.onDidSave(doc)),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor) void this.scanOpenDocument(editor.document);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!affectsRollgate(e)) return;
        if (affectsServer(e)) {
          void this.reopenFolders();
          return;
        }
        for (const ws of this.workspaces.values()) void ws.updateConfig(readConfig(ws.folder));
        this._onDidChange.fire();
      }),
    );
  }

  /** ts-morph is heavy: the scanner bundle is required on first use only. */
  loadScanner = (): Promise<ScannerModule> =>
    (this.scannerModule ??= this.timed('scanner load', () => import('@rollgate/shared/scanner')));

  /** Runs `step` and records its duration the first time it runs. */
  private async timed<T>(step: StartupStep, run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await run();
    } finally {
      this.startup[step] ??= Math.round(performance.now() - start);
    }
  }

  /**
   * Opens a FlagWorkspace for every folder connected to a Rollgate server (`rollgate.server.url` with a token in
   * secret storage) or holding `.rollgate/flags.yaml`, and closes those that no longer do.
   */
  async refreshFolders(): Promise<void> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const wanted = new Set<string>();
    for (const folder of folders) {
      const key = folder.uri.toString();
      const config = readConfig(folder);
      const remote = config.serverUrl === undefined ? undefined : await this.serverOf(folder, config.serverUrl);
      if (!remote && !existsSync(join(folder.uri.fsPath, '.rollgate', 'flags.yaml'))) continue;
      wanted.add(key);
      if (this.workspaces.has(key)) continue;
      try {
        const ws = await this.timed('store open', () =>
          FlagWorkspace.open(folder, this.logger, this.loadScanner, config, remote),
        );
        ws.onDidChange(() => this._onDidChange.fire(), undefined, this.disposables);
        this.workspaces.set(key, ws);
        // The open files first: their lenses should not wait for the scan of the whole folder.
        await Promise.all(vscode.window.visibleTextEditors.map((e) => this.scanOpenDocument(e.document)));
        this.scanInBackground(ws);
      } catch (e) {
        this.logger.error(e, 'openStore');
        void vscode.window.showErrorMessage(
          `Rollgate: cannot open the flag store of ${folder.name}: ${errorMessage(e)}`,
        );
      }
    }
    for (const [key, ws] of this.workspaces) {
      if (!wanted.has(key)) {
        ws.dispose();
        this.workspaces.delete(key);
      }
    }
    await vscode.commands.executeCommand('setContext', ContextKeys.hasStore, this.workspaces.size > 0);
    this._onDidChange.fire();
  }

  /** The server `url` with its token from secret storage; undefined (and said once) when the token is missing. */
  private async serverOf(
    folder: vscode.WorkspaceFolder,
    url: string,
  ): Promise<{ url: string; token: string } | undefined> {
    const token = await this.context.secrets.get(serverTokenSecret(url));
    if (token) return { url, token };
    this.logger.warn(`${folder.name}: rollgate.server.url is ${url} but no token is stored for it.`);
    void vscode.window.showWarningMessage(
      `Rollgate: ${folder.name} points at ${url} without a token. Run “Rollgate: Connect to Server” to enter it.`,
    );
    return undefined;
  }

  /** Closes every workspace and opens them again (a folder moved to or from a server). */
  async reopenFolders(): Promise<void> {
    for (const ws of this.workspaces.values()) ws.dispose();
    this.workspaces.clear();
    await this.refreshFolders();
  }

  /** Finds the references of an open source file on its own while its folder's full scan has not finished. */
  private async scanOpenDocument(doc: vscode.TextDocument): Promise<void> {
    const ws = this.workspaceFor(doc.uri);
    if (!ws || ws.hasScanned || doc.uri.scheme !== 'file' || !SOURCE_FILE.test(doc.uri.fsPath)) return;
    try {
      // Lenses from the quick pass first. Requiring the scanner blocks this extension host for seconds on a slow
      // machine, so give the editor a moment to ask for those lenses before it starts.
      if (ws.quickScanDocument(doc.uri, doc.getText()) && !this.firstLensLogged) {
        await Promise.race([this.firstLensServed, delay(QUICK_LENS_GRACE_MS)]);
      }
      await this.timed('open file scan', () => ws.scanDocumentFirst(doc.uri, doc.getText()));
    } catch (e) {
      this.logger.error(e, 'scanOpenDocument');
    }
  }

  /** Logs, once, how long it took from activation to the first code lens with a flag state. */
  noteFirstLens(): void {
    if (this.firstLensLogged) return;
    this.firstLensLogged = true;
    this.markFirstLensServed();
    const steps = Object.entries(this.startup).map(([step, ms]) => `${step} ${ms} ms`);
    this.logger.info(
      `First code lens ${Math.round(performance.now() - this.activatedAt)} ms after activation (${steps.join(', ')})`,
    );
  }

  /** Scans a workspace with a progress notification in the status bar. */
  scanInBackground(ws: FlagWorkspace): void {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Rollgate: scanning ${ws.folder.name} for flags` },
      async () => {
        try {
          await ws.scan();
        } catch (e) {
          this.logger.error(e, 'scan');
          void vscode.window.showErrorMessage(`Rollgate: scanning ${ws.folder.name} failed: ${errorMessage(e)}`);
        }
      },
    );
  }

  all(): FlagWorkspace[] {
    return [...this.workspaces.values()];
  }

  /** The workspace owning `uri`, if its folder has a store. */
  workspaceFor(uri: vscode.Uri): FlagWorkspace | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return folder ? this.workspaces.get(folder.uri.toString()) : undefined;
  }

  /** The workspace of the active editor, the only one, or the one the user picks. */
  async pickWorkspace(): Promise<FlagWorkspace | undefined> {
    const active = vscode.window.activeTextEditor?.document.uri;
    const fromEditor = active ? this.workspaceFor(active) : undefined;
    if (fromEditor) return fromEditor;
    const all = this.all();
    if (all.length <= 1) return all[0];
    const pick = await vscode.window.showQuickPick(
      all.map((ws) => ({ label: ws.folder.name, ws })),
      { placeHolder: 'Which workspace folder’s flags?' },
    );
    return pick?.ws;
  }

  private async onDidSave(doc: vscode.TextDocument): Promise<void> {
    const ws = this.workspaceFor(doc.uri);
    if (!ws || !SOURCE_FILE.test(doc.uri.fsPath)) return;
    try {
      await ws.rescanFile(doc.uri);
    } catch (e) {
      this.logger.error(e, 'rescan');
    }
  }

  dispose(): void {
    for (const ws of this.workspaces.values()) ws.dispose();
    this.workspaces.clear();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
