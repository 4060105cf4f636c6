/**
 * The whole-workspace scanner. Speed comes from doing as little as possible: list files (tsconfig + .gitignore),
 * keep only those whose text mentions a pattern name (a single regular expression), parse only those with
 * ts-morph (no program, no type-check), resolve keys syntactically, and build a program only if a key needs the
 * type checker. The Project stays alive between scans so that {@link FlagScanner.rescanFile} re-parses one file
 * (plus the files whose keys came from it) instead of rebuilding anything.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Project, SourceFile, ts } from 'ts-morph';
import { FlagError } from '../errors.ts';
import type { Disposable } from '../lifecycle.ts';
import { loadScannerConfig, type ScannerConfig } from './config.ts';
import { analyzeSourceFile, wrapperKey, type FileAnalysis } from './find-references.ts';
import { IgnoreRules, isScannedFile, listWorkspaceFiles, type WorkspaceFiles } from './files.ts';
import {
  createComponentPatterns,
  createFlagObjectPatterns,
  createPatterns,
  detectPresets,
} from './patterns.ts';
import { findConfigObjectReferences, FLAG_MAP_MENTION, type ConfigSource } from './reference-forms.ts';
import { FLAG_KEY_TYPE_MENTION } from './flag-key-types.ts';
import { createTextMatcher, findTextReferences, listGitFiles, type TextMatcher } from './text-pass.ts';
import { resetModuleResolution, resolveModule } from './module-resolution.ts';
import { getTsMorphOrThrow, loadTsMorph } from './ts-morph-runtime.ts';
import { MAX_WRAPPER_DEPTH, SDK_PRESETS } from './types.ts';
import type { CallPattern, DetectedWrapper, FlagReference, ScanResult, SdkPreset } from './types.ts';

/** Options of one {@link FlagScanner.scan}. */
export interface ScanRunOptions {
  /**
   * Flag keys (usually the store's) to look for in every tracked file of any language, with their case variants:
   * the `text` references. None when omitted.
   */
  readonly keys?: readonly string[];
}

/** The outcome of {@link FlagScanner.rescanFile}. */
export interface RescanResult {
  /**
   * Files analysed again: the changed file, the files whose keys depend on it, and, when the change added, removed
   * or changed a wrapper, the files that mention the changed wrappers (and so on, for wrappers of those).
   */
  readonly files: string[];
  /** The references of the whole workspace after the change. */
  readonly result: ScanResult;
  /** True when a wrapper change did not settle within the bounded rounds and everything was scanned again. */
  readonly fullRescan: boolean;
  readonly durationMs: number;
}

/**
 * Scans one workspace for flag references and keeps what it learned for incremental updates.
 * Create with {@link FlagScanner.create}; dispose when done (drops the ts-morph Project).
 */
export class FlagScanner implements Disposable {
  readonly root: string;
  private readonly config: ScannerConfig;
  private readonly project: Project;
  private readonly rules: IgnoreRules;
  private readonly files: Set<string>;
  private readonly declarationFiles: readonly string[];
  private declarationsLoaded = false;
  /** Adds the workspace's .d.ts files once, before the type checker is first needed (globals live there). */
  private readonly loadDeclarations = (): void => {
    if (this.declarationsLoaded) return;
    this.declarationsLoaded = true;
    for (const file of this.declarationFiles) this.project.addSourceFileAtPathIfExists(file);
  };
  private readonly setupMs: number;
  private readonly analyses = new Map<string, FileAnalysis>();
  /** dependency file → files whose keys were resolved through it. */
  private readonly dependents = new Map<string, Set<string>>();
  /** Texts given to rescanFile (unsaved editor content), used instead of the disk. */
  private readonly overrides = new Map<string, string>();
  private wrappers: DetectedWrapper[] = [];
  /** Config-object and text references of the last scan (whole-workspace passes, redone on a full scan). */
  private workspaceReferences: FlagReference[] = [];
  private textMatcher: TextMatcher | undefined;
  private readonly warnings: readonly string[];
  private readonly allFiles: readonly string[];
  private lastResult: ScanResult | undefined;
  private disposed = false;

  private constructor(
    root: string,
    config: ScannerConfig,
    project: Project,
    rules: IgnoreRules,
    listed: WorkspaceFiles,
    setupMs: number,
  ) {
    this.root = root;
    this.config = config;
    this.project = project;
    this.rules = rules;
    this.files = new Set(listed.files);
    this.declarationFiles = listed.declarationFiles;
    this.warnings = listed.warnings;
    this.allFiles = listed.allFiles;
    this.setupMs = setupMs;
  }

  /**
   * Loads ts-morph, reads `.rollgate/scanner.yaml` (unless `config` is given) and the tsconfig, and lists the
   * files. Does not parse anything yet. Throws PARSE_ERROR for an invalid config or tsconfig, SCAN_FAILED when
   * `root` cannot be read.
   */
  static async create(root: string, config?: ScannerConfig): Promise<FlagScanner> {
    const started = performance.now();
    const absoluteRoot = resolve(root).replaceAll('\\', '/');
    const [tsMorph, scannerConfig] = await Promise.all([loadTsMorph(), config ?? loadScannerConfig(absoluteRoot)]);
    const rules = new IgnoreRules(absoluteRoot, scannerConfig.exclude);
    let listed;
    try {
      listed = listWorkspaceFiles(tsMorph.ts, absoluteRoot, rules, scannerConfig.tsconfig);
    } catch (e) {
      if (FlagError.is(e)) throw e;
      throw new FlagError(
        'SCAN_FAILED',
        `Cannot list the files of ${absoluteRoot}.`,
        { file: absoluteRoot, hint: 'Check that the folder exists and is readable.' },
        { cause: e },
      );
    }
    const withPresets = withDetectedPresets(scannerConfig, listed.packageJsons);
    const project: Project = new tsMorph.Project({
      // noResolve: a type-checker program holds the parsed files (and the .d.ts files added on first use), not
      // everything they import transitively, which would parse most of the workspace.
      compilerOptions: { ...listed.compilerOptions, allowJs: true, noEmit: true, noResolve: true },
      skipAddingFilesFromTsConfig: true,
      skipFileDependencyResolution: true,
      skipLoadingLibFiles: true,
      resolutionHost: (host) => ({
        resolveModuleNames: (names, containingFile) =>
          names.map((name) => resolveModule(project, name, containingFile, host)),
      }),
    });
    return new FlagScanner(absoluteRoot, withPresets, project, rules, listed, performance.now() - started);
  }

  /** The result of the last scan or rescan, if any. */
  getLastResult(): ScanResult | undefined {
    return this.lastResult;
  }

  /**
   * Scans every listed file: text pre-filter, parse candidates, find references, then apply the wrappers
   * detected in one file to the files that call them, find the config objects whose properties reach an evaluator,
   * and (with `options.keys`) run the text pass over every tracked file. Throws SCAN_FAILED when a listed file cannot
   * be read.
   */
  scan(options: ScanRunOptions = {}): ScanResult {
    this.assertLive();
    const started = performance.now();
    resetModuleResolution(this.project);
    this.analyses.clear();
    this.dependents.clear();
    /** Candidates (their text matches the pre-filter) and every file read, candidates included. */
    const texts = new Map<string, string>();
    const allTexts = new Map<string, string>();
    const basePattern = this.prefilter(this.config.patterns);
    for (const file of this.files) {
      const text = this.readText(file);
      if (text === undefined) continue;
      allTexts.set(file, text);
      if (basePattern.test(text)) texts.set(file, text);
    }
    const prefilterMs = performance.now() - started;
    // Parse every candidate before analysing any: adding a file to the project discards its type-checker
    // program, so interleaving would rebuild the program for each key that needs the checker.
    const parsed = [...texts.keys()].map((file): [string, SourceFile] => [file, this.parse(file, texts.get(file)!)]);
    for (const [file, sourceFile] of parsed) this.record(file, sourceFile, []);
    // Files parsed before this scan may be stale: parse the others once (a parse discards the checker program).
    const fresh = new Map(parsed);
    const sourceOf = (f: string, text: string): SourceFile => {
      const sourceFile = fresh.get(f) ?? this.parse(f, text);
      fresh.set(f, sourceFile);
      return sourceFile;
    };
    this.applyWrappers([], (f) => allTexts.get(f), sourceOf);
    const configStarted = performance.now();
    const configReferences = this.configObjectReferences(allTexts);
    const configMs = performance.now() - configStarted;
    const textStarted = performance.now();
    if (options.keys !== undefined) this.textMatcher = createTextMatcher(options.keys);
    const textReferences = this.textReferences(allTexts);
    const textMs = performance.now() - textStarted;
    this.workspaceReferences = [...configReferences, ...textReferences];
    const typeCheckMs = sum([...this.analyses.values()].map((a) => a.typeCheckMs)) + configMs;
    const totalMs = performance.now() - started;
    this.lastResult = this.buildResult({
      setupMs: this.setupMs,
      prefilterMs,
      parseMs: totalMs - prefilterMs - typeCheckMs - textMs,
      typeCheckMs,
      textMs,
      totalMs: totalMs + this.setupMs,
    });
    return this.lastResult;
  }

  /**
   * Wrappers of wrappers: the files that mention a wrapper whose detection changed (its first detection, at the
   * start) are analysed again with the wrappers of every other file, until no wrapper changes. Each round follows
   * one more level across files; levels are bounded (MAX_WRAPPER_DEPTH), so cycles end. Afterwards every file's
   * analysis is what analysing it again with the final wrappers would give, which rescans rely on.
   */
  private applyWrappers(
    before: readonly DetectedWrapper[],
    textOf: (file: string) => string | undefined,
    sourceOf: (file: string, text: string) => SourceFile,
  ): { files: Set<string>; settled: boolean } {
    const files = new Set<string>();
    let previous = before;
    // A bound against a case that does not settle: levels alone end a scan within MAX_WRAPPER_DEPTH + 1 rounds, and
    // a rescan breaking a cycle (levels counting up to the bound) within twice that.
    for (let round = 0; round <= 2 * (MAX_WRAPPER_DEPTH + 1); round++) {
      const current = this.collectWrappers();
      this.wrappers = current;
      const changed = changedNames(previous, current);
      if (changed.length === 0) return { files, settled: true };
      const mention = namesPattern(changed);
      for (const file of this.files) {
        const text = textOf(file);
        if (text === undefined || !mention.test(text)) continue;
        this.record(file, sourceOf(file, text), this.wrappersOutside(file));
        files.add(file);
      }
      previous = current;
    }
    return { files, settled: false };
  }

  /**
   * Re-analyses one changed, created or deleted file without rebuilding the project: the file is re-parsed
   * from `text` (or from disk when omitted; a missing file counts as deleted), and so are the files whose keys
   * were resolved through it. When the change adds, removes or changes a detected wrapper (its name, key or
   * default position, or level), the files that mention it are analysed again, until the wrappers settle (every
   * file is scanned again if they do not within the bound).
   * Files outside the root, ignored ones and non-source files are left out. Runs {@link scan} first if needed.
   */
  rescanFile(path: string, text?: string): RescanResult {
    this.assertLive();
    if (!this.lastResult) this.scan();
    const started = performance.now();
    const file = (isAbsolute(path) ? path : resolve(this.root, path)).replaceAll('\\', '/');
    const dependents = [...(this.dependents.get(file) ?? [])].filter((d) => d !== file);
    const previous = dependents.length > 0 ? this.project.getSourceFile(file)?.compilerNode : undefined;
    const previousSurface = previous && surfaceOf(previous);
    if (text === undefined) this.overrides.delete(file);
    else this.overrides.set(file, text);
    const content = this.readText(file);
    // Module resolution depends on which files exist, not on their text.
    if (content === undefined || !this.files.has(file)) resetModuleResolution(this.project);
    const inScope = isScannedFile(file) && !this.rules.isIgnored(file);
    if (content === undefined || !inScope) {
      this.files.delete(file);
      this.forget(file);
      const existing = this.project.getSourceFile(file);
      if (existing && content === undefined) this.project.removeSourceFile(existing);
    } else {
      this.files.add(file);
      const pattern = this.prefilter([...this.config.patterns, ...this.wrapperPatterns()]);
      if (pattern.test(content)) {
        this.record(file, this.parse(file, content), this.wrappersOutside(file));
      } else {
        this.forget(file);
        // Keep it parsed when other files resolve keys through it.
        if (this.project.getSourceFile(file)) this.parse(file, content);
      }
    }
    if (this.textMatcher) {
      const matcher = this.textMatcher;
      this.workspaceReferences = [
        ...this.workspaceReferences.filter((r) => r.kind !== 'text' || r.file !== file),
        ...(content === undefined ? [] : findTextReferences(file, content, matcher)),
      ];
    }
    const rescanned = [file];
    // Other files read only the top level of this one (constants, enums, imports and exports), never a function
    // body: an edit inside bodies (most edits) changes none of their keys or callee origins.
    const current = previousSurface === undefined ? undefined : this.project.getSourceFile(file)?.compilerNode;
    const surfaceKept = current !== undefined && current !== previous && surfaceOf(current) === previousSurface;
    for (const dependent of surfaceKept ? [] : dependents) {
      const sourceFile = this.project.getSourceFile(dependent);
      if (!sourceFile) continue;
      this.record(dependent, sourceFile, this.wrappersOutside(dependent));
      rescanned.push(dependent);
    }
    let fullRescan = false;
    if (wrapperKey(this.collectWrappers()) !== wrapperKey(this.wrappers)) {
      // Reads every file once (to find the callers of the changed wrappers), parses only those not parsed yet.
      const texts = new Map<string, string | undefined>();
      const textOf = (f: string): string | undefined => {
        if (!texts.has(f)) texts.set(f, this.readText(f));
        return texts.get(f);
      };
      const applied = this.applyWrappers(
        this.wrappers,
        textOf,
        (f, t) => this.project.getSourceFile(f) ?? this.parse(f, t),
      );
      rescanned.push(...[...applied.files].filter((f) => !rescanned.includes(f)));
      fullRescan = !applied.settled;
    }
    if (fullRescan) {
      this.lastResult = this.scan();
    } else {
      const durationMs = performance.now() - started;
      const typeCheckMs = sum(rescanned.map((f) => this.analyses.get(f)?.typeCheckMs ?? 0));
      this.lastResult = this.buildResult({
        setupMs: 0,
        prefilterMs: 0,
        parseMs: durationMs - typeCheckMs,
        typeCheckMs,
        totalMs: durationMs,
      });
    }
    return { files: rescanned, result: this.lastResult, fullRescan, durationMs: performance.now() - started };
  }

  /** Drops the project and everything cached. The scanner cannot be used afterwards. */
  dispose(): void {
    this.disposed = true;
    this.analyses.clear();
    this.dependents.clear();
    for (const sourceFile of this.project.getSourceFiles()) this.project.removeSourceFile(sourceFile);
  }

  /** Parses `text` as `file` into the project, exactly once. */
  private parse(file: string, text: string): SourceFile {
    // ts-morph's `overwrite` first loads (and parses) the file from disk when the project does not hold it yet,
    // so a file seen for the first time is added from disk instead, unless its text is an unsaved override.
    if (this.project.getSourceFile(file) || this.overrides.has(file)) {
      return this.project.createSourceFile(file, text, { overwrite: true });
    }
    return this.project.addSourceFileAtPath(file);
  }

  /** Analyses `file` with the wrappers of the other files (its own are detected again from its text). */
  private record(file: string, sourceFile: SourceFile, otherWrappers: readonly DetectedWrapper[]): void {
    this.store(file, analyzeSourceFile(sourceFile, this.config, otherWrappers, this.loadDeclarations));
  }

  private store(file: string, analysis: FileAnalysis): void {
    this.forget(file);
    this.analyses.set(file, analysis);
    for (const dependency of analysis.dependencies) {
      let set = this.dependents.get(dependency);
      if (!set) this.dependents.set(dependency, (set = new Set()));
      set.add(file);
    }
  }

  /** Removes what `file` contributed (its analysis and its entries as a dependent). */
  private forget(file: string): void {
    const previous = this.analyses.get(file);
    if (!previous) return;
    this.analyses.delete(file);
    for (const dependency of previous.dependencies) this.dependents.get(dependency)?.delete(file);
  }

  private collectWrappers(): DetectedWrapper[] {
    return [...this.analyses.values()].flatMap((a) => a.wrappers);
  }

  private wrapperPatterns(): CallPattern[] {
    return this.wrappers.map((w) => w.pattern);
  }

  private wrappersOutside(file: string): DetectedWrapper[] {
    return this.wrappers.filter((w) => w.file !== file);
  }

  private buildResult(timings: ScanResult['timings']): ScanResult {
    const analysed = [...this.analyses.values()].flatMap((a) => a.references);
    // A wrapper none of whose calls was found (exported for other packages, or only passed around) keeps its
    // forwarding call as an unresolved reference: a dynamic evaluation never vanishes. A wrapper called by another
    // wrapper only (whose depth > 1 says it forwards to a wrapper) is called: the outer one stands for the chain.
    const wrappers = this.collectWrappers();
    const called = new Set([
      ...analysed.filter((r) => r.sdk === 'custom').map((r) => r.method),
      ...wrappers.filter((w) => w.depth > 1).map((w) => w.forwardsTo),
    ]);
    const forwards = wrappers.filter((w) => !called.has(w.pattern.function)).map((w) => w.forward);
    const text = this.workspaceReferences.filter((r) => r.kind === 'text');
    const nonText = [...analysed, ...forwards, ...this.workspaceReferences.filter((r) => r.kind !== 'text')];
    const references = dedupe([...nonText, ...withoutOverlaps(text, nonText)]).sort((a, b) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : a.start - b.start,
    );
    return {
      references,
      unresolved: references.filter((r) => r.key === undefined),
      wrappers,
      filesScanned: this.files.size,
      filesParsed: this.analyses.size,
      warnings: this.warnings,
      timings,
    };
  }

  /**
   * The regular expression a file must match to be parsed: calls of SDK functions (the name, optional type arguments
   * and `?.`, then `(`: only calls are SDK references, and names such as `isEnabled` are common properties), names
   * of wrappers (also references when passed as values), components and flag objects, flag maps, and flag key types
   * (wrapper candidates).
   */
  private prefilter(patterns: readonly CallPattern[]): RegExp {
    const calls = patterns.filter((p) => p.sdk !== 'custom');
    const names = [
      ...patterns.filter((p) => p.sdk === 'custom'),
      ...(this.config.components ?? []).map((c) => c.component),
      ...(this.config.flagObjects ?? []).map((o) => o.function),
    ];
    // No never-matching `(?!)` for an empty list: an alternative that can start anywhere makes V8 try every offset
    // (9× slower on the Unleash frontend).
    return new RegExp(
      [
        ...(calls.length > 0 ? [String.raw`${namesPattern(calls).source}\s*(?:<[^;{}]*?>\s*)?(?:\?\.\s*)?\(`] : []),
        ...(names.length > 0 ? [namesPattern(names).source] : []),
        FLAG_MAP_MENTION.source,
        FLAG_KEY_TYPE_MENTION.source,
      ].join('|'),
    );
  }

  /**
   * Config objects anywhere in the workspace whose properties reach an evaluator: files that mention such a
   * property (`flag:`) are parsed and checked with the type checker.
   */
  private configObjectReferences(texts: ReadonlyMap<string, string>): FlagReference[] {
    const sources = uniqueSources([...this.analyses.values()].flatMap((a) => a.configSources));
    if (sources.length === 0) return [];
    const mention = new RegExp(`(?<![\\w$])['"]?(?:${sources.map((s) => escapeRegExp(s.name)).join('|')})['"]?\\s*:`);
    const files = [...texts].filter(([, text]) => mention.test(text));
    // Parse all first, then check: adding a file discards the type-checker program.
    const sourceFiles = files.map(([file, text]) => this.project.getSourceFile(file) ?? this.parse(file, text));
    this.loadDeclarations();
    return sourceFiles.flatMap((sf) => findConfigObjectReferences(sf, sources));
  }

  /** The text pass over every tracked file (`git ls-files`, else the walked files), reusing texts already read. */
  private textReferences(texts: ReadonlyMap<string, string>): FlagReference[] {
    const matcher = this.textMatcher;
    if (!matcher) return [];
    const files = listGitFiles(this.root) ?? this.allFiles;
    return files.flatMap((file) => {
      const text = texts.get(file) ?? this.readTextIfPresent(file);
      return text === undefined ? [] : findTextReferences(file, text, matcher);
    });
  }

  private readTextIfPresent(file: string): string | undefined {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined; // Listed by git but gone, a directory (submodule), or unreadable: nothing to match.
    }
  }

  /** The file's text (an unsaved text given to rescanFile wins), or undefined when it no longer exists. */
  private readText(file: string): string | undefined {
    const override = this.overrides.get(file);
    if (override !== undefined) return override;
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new FlagError(
        'SCAN_FAILED',
        `Cannot read ${file}.`,
        { file, hint: 'Check the file permissions, or exclude it in .rollgate/scanner.yaml.' },
        { cause: e },
      );
    }
  }

  private assertLive(): void {
    if (this.disposed) {
      throw new FlagError('GENERAL', 'This FlagScanner was disposed.', {
        hint: 'Create a new scanner with FlagScanner.create().',
      });
    }
  }
}

/**
 * The text of `sf`'s top-level statements with every function body left out (and comments between statements): what
 * other files can read from it. Two texts of a file with the same surface give them the same keys and origins.
 */
function surfaceOf(sf: ts.SourceFile): string {
  const ts = getTsMorphOrThrow().ts;
  const parts: string[] = [];
  for (const statement of sf.statements) {
    let cursor = statement.getStart(sf);
    const cut = (node: ts.Node): void => {
      const body = ts.isFunctionLike(node) && 'body' in node ? node.body : undefined;
      if (body) {
        parts.push(sf.text.slice(cursor, body.getStart(sf)), '{}');
        cursor = body.end;
      } else {
        ts.forEachChild(node, cut);
      }
    };
    cut(statement);
    parts.push(sf.text.slice(cursor, statement.end), '\n');
  }
  return parts.join('');
}

/**
 * One regular expression matching any of the patterns' names (or the given names) as a whole word, not after a `/`
 * (a module path such as `'hooks/useUiFlag'` names the module, not the function).
 */
function namesPattern(patterns: readonly (CallPattern | string)[]): RegExp {
  const names = [...new Set(patterns.map((p) => (typeof p === 'string' ? p : p.function)))].map(escapeRegExp);
  if (names.length === 0) return /(?!)/;
  return new RegExp(`(?<![\\w$/])(?:${names.join('|')})(?![\\w$])`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The config with the presets of the SDKs its package.json files depend on (unless `detectPresets` is false). */
function withDetectedPresets(config: ScannerConfig, packageJsons: readonly string[]): ScannerConfig {
  const configured = new Set<SdkPreset>(
    config.patterns.map((p) => p.sdk).filter((s): s is SdkPreset => (SDK_PRESETS as readonly string[]).includes(s)),
  );
  const detected = config.detectPresets === false ? [] : detectPresets(dependenciesOf(packageJsons));
  const presets = SDK_PRESETS.filter((p) => configured.has(p) || detected.includes(p));
  return {
    ...config,
    patterns: createPatterns(
      presets,
      config.patterns.filter((p) => p.sdk === 'custom'),
    ),
    components: createComponentPatterns(
      presets,
      (config.components ?? []).filter((c) => c.sdk === 'custom'),
    ),
    flagObjects: createFlagObjectPatterns(presets),
  };
}

/** Every dependency name of the given package.json files (unreadable or invalid ones are skipped). */
function dependenciesOf(packageJsons: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const file of packageJsons) {
    let manifest: unknown;
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue; // Not ours to validate: a broken package.json just contributes no SDK.
    }
    if (typeof manifest !== 'object' || manifest === null) continue;
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      const deps = (manifest as Record<string, unknown>)[field];
      if (typeof deps === 'object' && deps !== null) for (const name of Object.keys(deps)) names.add(name);
    }
  }
  return names;
}

function uniqueSources(sources: readonly ConfigSource[]): ConfigSource[] {
  const seen = new Map<string, ConfigSource>();
  for (const s of sources) seen.set(`${s.name}@${s.declarations.map((d) => `${d.file}:${d.pos}`).join(',')}`, s);
  return [...seen.values()];
}

/** One reference per kind, file and offset (a keyof member found through two wrappers counts once). */
function dedupe(references: readonly FlagReference[]): FlagReference[] {
  const seen = new Set<string>();
  return references.filter((r) => {
    const id = `${r.kind}|${r.file}|${r.start}|${r.keyStart}|${r.key ?? ''}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Text matches not inside the key of a reference found otherwise (the call's `'new-checkout'` is one reference). */
function withoutOverlaps(text: readonly FlagReference[], others: readonly FlagReference[]): FlagReference[] {
  const byFile = new Map<string, FlagReference[]>();
  for (const r of others) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  return text.filter(
    (t) => !(byFile.get(t.file) ?? []).some((r) => t.start >= r.keyStart && t.end <= r.keyEnd && r.key === t.key),
  );
}

/** Names of the wrappers detected differently in `before` and `after` (added, removed, or with another key). */
function changedNames(before: readonly DetectedWrapper[], after: readonly DetectedWrapper[]): string[] {
  const byName = (wrappers: readonly DetectedWrapper[]): Map<string, string> => {
    const names = new Set(wrappers.map((w) => w.pattern.function));
    return new Map([...names].map((name) => [name, wrapperKey(wrappers.filter((w) => w.pattern.function === name))]));
  };
  const [a, b] = [byName(before), byName(after)];
  return [...new Set([...a.keys(), ...b.keys()])].filter((name) => a.get(name) !== b.get(name));
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
