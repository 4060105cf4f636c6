/**
 * One workspace folder with a `.rollgate/` store: its live store snapshot, the flag references in its code
 * (scanned in the background, incrementally on save) and the stale findings that combine both.
 * The scanner (ts-morph, a whole TypeScript compiler) is loaded only when the first scan runs.
 */
import * as vscode from 'vscode';
import { FlagError, errorMessage } from '@rollgate/shared/errors';
import type { AuditEntry, Flag } from '@rollgate/shared/flags';
import { RemoteStore, openFileStore } from '@rollgate/shared/store';
import { summarizeUsage, usageSignals, type UsageReader } from '@rollgate/shared/telemetry/usage-store';
import type { FlagStore, StoreSnapshot } from '@rollgate/shared/store';
import type * as ScannerApi from '@rollgate/shared/scanner';
import { findQuickCallReferences } from '@rollgate/shared/scanner/quick';
import type { CallPattern, FlagReference, FlagScanner, StaleReport } from '@rollgate/shared/scanner';
import type { FlagUsage } from '../logic/flag-state.ts';
import type { Logger } from '../logger.ts';
import type { RollgateConfig } from '../config.ts';
import { usageReaderOf } from './usage-source.ts';

type ScannerModule = typeof ScannerApi;

/** How long a flag's usage read stays fresh for hovers. */
const USAGE_CACHE_MS = 60_000;

export class FlagWorkspace implements vscode.Disposable {
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  /** Fires when the store, the references or the stale findings changed. */
  readonly onDidChange = this._onDidChange.event;

  private snapshotValue: StoreSnapshot | undefined;
  private storeErrorValue: FlagError | undefined;
  private readonly referencesByFile = new Map<string, FlagReference[]>();
  /** Files whose references so far come from the quick pass only (see scanDocumentFirst). */
  private readonly quickFiles = new Set<string>();
  private staleValue: StaleReport | undefined;
  private auditValue: AuditEntry[] = [];
  private scanner: Promise<FlagScanner> | undefined;
  private scanned = false;
  private keyFunctions: Promise<ReadonlySet<string>> | undefined;
  private readonly usageCache = new Map<string, { readonly at: number; readonly usage: Promise<FlagUsage> }>();
  private readonly disposables: vscode.Disposable[] = [];

  readonly folder: vscode.WorkspaceFolder;
  readonly store: FlagStore;
  private readonly usage: UsageReader;
  private readonly logger: Logger;
  private readonly loadScanner: () => Promise<ScannerModule>;
  private config: RollgateConfig;

  private constructor(
    folder: vscode.WorkspaceFolder,
    store: FlagStore,
    usage: UsageReader,
    logger: Logger,
    loadScanner: () => Promise<ScannerModule>,
    config: RollgateConfig,
  ) {
    this.folder = folder;
    this.store = store;
    this.usage = usage;
    this.logger = logger;
    this.loadScanner = loadScanner;
    this.config = config;
    this.disposables.push(this._onDidChange, store);
    const subscription = store.onDidChange(() => void this.reload());
    this.disposables.push({ dispose: () => subscription.dispose() });
  }

  /**
   * Opens the flags of `folder`: its `.rollgate/`, or the Rollgate server of `remote` (the `rollgate.server.url`
   * setting and its token). The first read happens before this resolves.
   */
  static async open(
    folder: vscode.WorkspaceFolder,
    logger: Logger,
    loadScanner: () => Promise<ScannerModule>,
    config: RollgateConfig,
    remote?: { readonly url: string; readonly token: string },
  ): Promise<FlagWorkspace> {
    const store = remote ? new RemoteStore(remote) : await openFileStore(folder.uri.fsPath);
    const workspace = new FlagWorkspace(folder, store, usageReaderOf(store), logger, loadScanner, config);
    await workspace.reload();
    return workspace;
  }

  /** The scanner module (ts-morph), loaded on first use. */
  loadScannerModule(): Promise<ScannerModule> {
    return this.loadScanner();
  }

  get root(): string {
    return this.folder.uri.fsPath;
  }

  /** The last good snapshot (kept while the store file is broken, so lenses stay useful). */
  get snapshot(): StoreSnapshot | undefined {
    return this.snapshotValue;
  }

  /** Why the store cannot be read right now (e.g. a PARSE_ERROR with file and line), if it cannot. */
  get storeError(): FlagError | undefined {
    return this.storeErrorValue;
  }

  get stale(): StaleReport | undefined {
    return this.staleValue;
  }

  /** Whether a full scan has completed. */
  get hasScanned(): boolean {
    return this.scanned;
  }

  getFlag(key: string): Flag | undefined {
    return this.snapshotValue?.document.flags.find((f) => f.key === key);
  }

  /** The newest audit entry of a flag, if any. */
  getLastChange(key: string): AuditEntry | undefined {
    return this.auditValue.findLast((e) => e.flagKey === key);
  }

  referencesIn(uri: vscode.Uri): readonly FlagReference[] {
    return this.referencesByFile.get(normalize(uri.fsPath)) ?? [];
  }

  /** The references whose key resolved to `key`. */
  referencesTo(key: string): FlagReference[] {
    return this.allReferences().filter((r) => r.key === key);
  }

  /**
   * What apps reported evaluating `key` (to `rollgate server`; read through {@link usageReaderOf}: the store's counts,
   * or the server's in remote mode): the last 30 days per environment and the usage stale signals. Read at most once
   * a minute per flag; unreadable usage is none.
   */
  usageOf(key: string, now: Date): Promise<FlagUsage> {
    const cached = this.usageCache.get(key);
    if (cached && now.getTime() - cached.at < USAGE_CACHE_MS) return cached.usage;
    const usage = this.usage.flagUsage(key).then(
      (days) => {
        const since = new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
        return { summaries: summarizeUsage(days, since), signals: usageSignals(days, now) };
      },
      (e: unknown) => {
        this.logger.warn(`Usage of ${key} in ${this.folder.name}: ${errorMessage(e)}`);
        return { summaries: [], signals: [] };
      },
    );
    this.usageCache.set(key, { at: now.getTime(), usage });
    return usage;
  }

  /** Whether the stale check found reasons to remove `key`. */
  isStale(key: string): boolean {
    return this.staleValue?.flags.some((f) => f.key === key && f.reasons.length > 0) ?? false;
  }

  allReferences(): FlagReference[] {
    return [...this.referencesByFile.values()].flat();
  }

  /**
   * Re-reads the store (and audit log); a store that does not parse keeps the last snapshot and records the error.
   * What the store repaired after a crash (at open, or in a write since) is told once.
   */
  async reload(): Promise<void> {
    try {
      this.snapshotValue = await this.store.read();
      this.auditValue = await this.store.readAudit();
      this.storeErrorValue = undefined;
    } catch (e) {
      if (!FlagError.is(e)) throw e;
      this.storeErrorValue = e;
      this.logger.warn(`Flag store of ${this.folder.name}: ${e.message}`);
    }
    for (const recovery of this.store.takeRecoveries?.() ?? []) {
      this.logger.warn(`Flag store of ${this.folder.name} repaired after a crash: ${recovery.message}`);
      void vscode.window.showInformationMessage(`Rollgate repaired the flag store after a crash: ${recovery.message}`);
    }
    await this.recomputeStale();
    this._onDidChange.fire();
  }

  /** Applies new settings (scanner patterns, stale policy) and rescans when the scanner is in use. */
  async updateConfig(config: RollgateConfig): Promise<void> {
    this.config = config;
    this.keyFunctions = undefined;
    if (this.scanner) {
      const previous = this.scanner;
      this.scanner = undefined;
      (await previous).dispose();
      await this.scan();
    }
  }

  /** Scans the whole folder for flag references. */
  async scan(): Promise<void> {
    const scanner = await this.getScanner();
    const result = scanner.scan();
    this.setReferences(result.references);
    this.scanned = true;
    this.logger.info(
      `Scanned ${this.folder.name}: ${result.references.length} references in ${result.filesParsed}/${result.filesScanned} files, ${Math.round(result.timings.totalMs)} ms`,
    );
    await this.recomputeStale();
    this._onDidChange.fire();
  }

  /** Re-scans one saved file without rebuilding the project. */
  async rescanFile(uri: vscode.Uri): Promise<void> {
    if (!this.scanned) return;
    const scanner = await this.getScanner();
    // The rescan re-analyses the saved file and the files whose keys depend on it.
    this.setReferences(scanner.rescanFile(uri.fsPath).result.references);
    await this.recomputeStale();
    this._onDidChange.fire();
  }

  private setReferences(references: readonly FlagReference[]): void {
    this.referencesByFile.clear();
    this.quickFiles.clear();
    for (const ref of references) {
      const list = this.referencesByFile.get(ref.file) ?? [];
      list.push(ref);
      this.referencesByFile.set(ref.file, list);
    }
  }

  /** The call patterns: the repo's `.rollgate/scanner.yaml` plus the user's presets and wrappers from settings. */
  private async scannerConfig(): Promise<ScannerApi.ScannerConfig> {
    const scannerModule = await this.loadScanner();
    const base = await scannerModule.loadScannerConfig(this.root);
    const wrappers = this.config.scannerWrappers.map((w): CallPattern => ({
      sdk: 'custom',
      function: w.function,
      ...(w.module ? { module: w.module } : {}),
      keyArgument: w.keyArgument,
      ...(w.defaultArgument !== undefined ? { defaultArgument: w.defaultArgument } : {}),
      callKind: w.callKind,
      returns: 'value',
    }));
    const patterns = [...base.patterns, ...scannerModule.createPatterns(this.config.scannerPresets, wrappers)];
    const unique = new Map(patterns.map((p) => [`${p.sdk}:${p.module ?? ''}:${p.function}`, p]));
    return { ...base, patterns: [...unique.values()] };
  }

  /** Names of the evaluation functions whose first argument is the flag key (for key completion). */
  async keyFunctionNames(): Promise<ReadonlySet<string>> {
    this.keyFunctions ??= this.scannerConfig().then(
      (c) => new Set(c.patterns.filter((p) => p.keyArgument === 0).map((p) => p.function)),
    );
    return this.keyFunctions;
  }

  private getScanner(): Promise<FlagScanner> {
    this.scanner ??= (async () => {
      const scannerModule = await this.loadScanner();
      return scannerModule.FlagScanner.create(this.root, await this.scannerConfig());
    })();
    return this.scanner;
  }

  /**
   * Before any scan has looked at an open document, its quick references (calls whose first argument names a store
   * flag, found lexically, no compiler loaded): lenses at once. Returns whether it found any.
   */
  quickScanDocument(uri: vscode.Uri, text: string): boolean {
    const file = normalize(uri.fsPath);
    if (this.scanned || this.referencesByFile.has(file) || !this.snapshotValue) return false;
    const keys = this.snapshotValue.document.flags.map((f) => f.key);
    const quick = findQuickCallReferences(file, text, keys);
    if (quick.length === 0) return false;
    this.referencesByFile.set(file, quick);
    this.quickFiles.add(file);
    this._onDidChange.fire();
    return true;
  }

  /**
   * Before the whole-workspace scan is done, finds the references of one open document on its own (syntax only,
   * no other file parsed), so its lenses need not wait for the scan of every other file. Replaces its quick
   * references; the full scan replaces these. Keys that only other files can resolve stay unresolved until then.
   */
  async scanDocumentFirst(uri: vscode.Uri, text: string): Promise<void> {
    const file = normalize(uri.fsPath);
    if (this.scanned || (this.referencesByFile.has(file) && !this.quickFiles.has(file))) return;
    const scannerModule = await this.loadScanner();
    const { Project } = await scannerModule.loadTsMorph();
    const config = await this.scannerConfig();
    if (this.scanned) return;
    const project = new Project({
      useInMemoryFileSystem: true,
      compilerOptions: { allowJs: true, noEmit: true, noResolve: true },
      skipLoadingLibFiles: true,
    });
    const references = scannerModule.findReferencesInSourceFile(project.createSourceFile(file, text), {
      patterns: config.patterns,
      useTypeChecker: false,
    });
    if (this.scanned) return;
    this.referencesByFile.set(file, references);
    this.quickFiles.delete(file);
    this._onDidChange.fire();
  }

  private async recomputeStale(): Promise<void> {
    if (!this.scanned || !this.snapshotValue) return;
    const scannerModule = await this.loadScanner();
    const policy = await scannerModule.loadStalePolicy(this.root);
    this.staleValue = scannerModule.detectStaleFlags({
      document: this.snapshotValue.document,
      references: this.allReferences(),
      audit: this.auditValue,
      now: new Date(),
      policy:
        this.config.staleSingleVariantDays === null
          ? policy
          : { ...policy, singleVariantDays: this.config.staleSingleVariantDays },
    });
  }

  dispose(): void {
    void this.scanner?.then((s) => s.dispose());
    for (const d of this.disposables.reverse()) d.dispose();
  }
}

function normalize(path: string): string {
  return path.replaceAll('\\', '/');
}
