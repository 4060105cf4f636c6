/**
 * Which files a workspace scan considers: the tsconfig's include/exclude/files when there is one (parsed by
 * TypeScript itself, so the semantics are exact), else every source file under the root; minus what
 * `.gitignore` files (root and nested, parsed by the `ignore` package, which implements the gitignore spec)
 * and the scanner config's `exclude` patterns ignore. `node_modules` and `.git` are always skipped.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { ts } from 'ts-morph';
import { FlagError } from '../errors.ts';

/** Extensions the scanner reads (declaration files hold no calls and are skipped). */
export const SCANNED_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'] as const;

/** True when `path` has a scanned extension and is not a declaration file. */
export function isScannedFile(path: string): boolean {
  return SCANNED_EXTENSIONS.some((ext) => path.endsWith(ext)) && !isDeclarationFile(path);
}

function isDeclarationFile(path: string): boolean {
  return /\.d\.[mc]?ts$/.test(path);
}

/** Answers "is this path ignored?" for a root, from every `.gitignore` between the root and the path. */
export class IgnoreRules {
  private readonly root: string;
  private readonly perDirectory = new Map<string, Ignore | undefined>();
  private readonly ignoredDirectories = new Map<string, boolean>();

  /** `extra`: additional patterns in .gitignore syntax, relative to `root`. */
  constructor(root: string, extra: readonly string[] = []) {
    this.root = root;
    const rootRules = this.rulesOf(root) ?? ignore();
    this.perDirectory.set(root, rootRules.add([...extra]));
  }

  /** True when the file at absolute `path` is ignored (directly or through an ignored directory). */
  isIgnored(path: string): boolean {
    const dir = dirname(path);
    return this.isDirectoryIgnored(dir) || this.matches(dir, path, false);
  }

  /** True when the directory at absolute `dir` (or one of its parents below the root) is ignored. */
  isDirectoryIgnored(dir: string): boolean {
    if (dir === this.root) return false;
    let ignored = this.ignoredDirectories.get(dir);
    if (ignored === undefined && relative(this.root, dir).startsWith('..')) ignored = true;
    if (ignored === undefined) {
      const parent = dirname(dir);
      const name = dir.slice(parent.length + 1);
      ignored =
        name === 'node_modules' ||
        name === '.git' ||
        this.isDirectoryIgnored(parent) ||
        this.matches(parent, dir, true);
      this.ignoredDirectories.set(dir, ignored);
    }
    return ignored;
  }

  /** Whether a `.gitignore` of `fromDir` or one of its ancestors (up to the root) ignores `path`. */
  private matches(fromDir: string, path: string, isDirectory: boolean): boolean {
    for (let dir = fromDir; ; dir = dirname(dir)) {
      const rules = this.perDirectory.has(dir) ? this.perDirectory.get(dir) : this.load(dir);
      if (rules && rules.ignores(isDirectory ? `${relativeTo(dir, path)}/` : relativeTo(dir, path))) return true;
      if (dir === this.root || dirname(dir) === dir) return false;
    }
  }

  private load(dir: string): Ignore | undefined {
    const rules = this.rulesOf(dir);
    this.perDirectory.set(dir, rules);
    return rules;
  }

  private rulesOf(dir: string): Ignore | undefined {
    const file = join(dir, '.gitignore');
    if (!existsSync(file)) return undefined;
    return ignore().add(readFileSync(file, 'utf8'));
  }
}

/** `path` relative to its ancestor `dir`, `/`-separated (a string slice when both are `/`-separated already). */
function relativeTo(dir: string, path: string): string {
  return path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : relative(dir, path).replaceAll('\\', '/');
}

/** The files of a workspace and the compiler options to parse them with. */
export interface WorkspaceFiles {
  /** Absolute, `/`-separated, sorted. */
  readonly files: string[];
  /** The workspace's own `.d.ts` files (global declarations the type checker may need), not ignored. */
  readonly declarationFiles: string[];
  readonly compilerOptions: ts.CompilerOptions;
  /** The tsconfig used, if any. */
  readonly tsconfig?: string;
  /** Every tsconfig whose files were selected: the root one, its project references, nested ones. */
  readonly tsconfigs: readonly string[];
  /** Every not-ignored `package.json` (workspace packages included), for the SDK dependencies. */
  readonly packageJsons: readonly string[];
  /** Every not-ignored file under the root, any language (for the text pass when git is not available). */
  readonly allFiles: readonly string[];
  /** Source folders no tsconfig selects, and nested tsconfigs that could not be read: said, never skipped silently. */
  readonly warnings: readonly string[];
}

/**
 * Lists the files to scan under `root`, monorepos included. The root is walked once (honouring .gitignore). With
 * no tsconfig, every source file is scanned. With one (`tsconfig`: explicit path, which must exist, or
 * `<root>/tsconfig.json`), the files are those of that tsconfig, of its project `references` (recursively) and of
 * every other tsconfig.json under the root (npm/pnpm/yarn workspace packages have theirs), each with its own
 * include/exclude; source files none of them selects are left out with a warning per top folder. A root tsconfig
 * that selects no file (a solution-style config with only `references`) and no other tsconfig → every source file.
 * Throws PARSE_ERROR for an unreadable or invalid root tsconfig; a broken nested one is a warning.
 */
export function listWorkspaceFiles(
  tsModule: typeof ts,
  root: string,
  rules: IgnoreRules,
  tsconfig: string | undefined,
): WorkspaceFiles {
  const walked = walkWorkspace(root.replaceAll('\\', '/'), rules);
  const configPath = tsconfig ?? (existsSync(join(root, 'tsconfig.json')) ? join(root, 'tsconfig.json') : undefined);
  const base = { packageJsons: walked.packageJsons, allFiles: walked.allFiles };
  if (configPath === undefined) {
    return {
      ...base,
      files: walked.sources,
      declarationFiles: walked.declarations,
      compilerOptions: { allowJs: true },
      tsconfigs: [],
      warnings: [],
    };
  }
  const rootConfig = parseTsconfig(tsModule, configPath);
  const walkedFiles = new Set(walked.allFiles);
  const selected = new Set<string>();
  const declarations = new Set<string>();
  const used: string[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  const add = (path: string, parsed: ts.ParsedCommandLine): void => {
    const normalized = path.replaceAll('\\', '/');
    if (seen.has(normalized)) return;
    seen.add(normalized);
    // The walk kept only files that are not ignored: match the others (outside the root, in skipped folders) only.
    const listed = parsed.fileNames
      .map((f) => f.replaceAll('\\', '/'))
      .filter((f) => walkedFiles.has(f) || !rules.isIgnored(f));
    if (listed.some(isScannedFile)) used.push(normalized);
    for (const f of listed) (isScannedFile(f) ? selected : isDeclarationFile(f) ? declarations : undefined)?.add(f);
    for (const reference of parsed.projectReferences ?? []) {
      const refPath = reference.path.endsWith('.json') ? reference.path : join(reference.path, 'tsconfig.json');
      addNested(refPath);
    }
  };
  const addNested = (path: string): void => {
    if (seen.has(path.replaceAll('\\', '/')) || !existsSync(path)) return;
    try {
      add(path, parseTsconfig(tsModule, path));
    } catch (e) {
      if (!FlagError.is(e)) throw e;
      warnings.push(
        `${relative(root, path)} could not be read (${e.message}); the files only it selects are left out.`,
      );
    }
  };
  add(configPath, rootConfig);
  for (const nested of walked.tsconfigs) addNested(nested);
  if (selected.size === 0) {
    return {
      ...base,
      files: walked.sources,
      declarationFiles: walked.declarations,
      compilerOptions: { allowJs: true },
      tsconfigs: [],
      warnings,
    };
  }
  warnings.push(
    ...skippedFolders(
      root,
      walked.sources.filter((f) => !selected.has(f)),
    ),
  );
  return {
    ...base,
    files: [...selected].sort(),
    declarationFiles: [...declarations],
    compilerOptions: rootConfig.options,
    tsconfig: configPath,
    tsconfigs: used,
    warnings,
  };
}

/** One warning per top folder holding source files no tsconfig selects. */
function skippedFolders(root: string, skipped: readonly string[]): string[] {
  const byFolder = new Map<string, number>();
  for (const file of skipped) {
    const rel = relative(root, file).replaceAll('\\', '/');
    const folder = rel.includes('/') ? `${rel.slice(0, rel.indexOf('/'))}/` : rel;
    byFolder.set(folder, (byFolder.get(folder) ?? 0) + 1);
  }
  return [...byFolder].map(
    ([folder, count]) =>
      `${count} source file${count === 1 ? '' : 's'} in ${folder} ${count === 1 ? 'is' : 'are'} in no tsconfig and ${count === 1 ? 'was' : 'were'} not scanned: add a tsconfig there, or point \`tsconfig\` in .rollgate/scanner.yaml at one that includes them.`,
  );
}

interface Walked {
  readonly sources: string[];
  readonly declarations: string[];
  readonly tsconfigs: string[];
  readonly packageJsons: string[];
  readonly allFiles: string[];
}

function walkWorkspace(root: string, rules: IgnoreRules): Walked {
  const walked: Walked = { sources: [], declarations: [], tsconfigs: [], packageJsons: [], allFiles: [] };
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!rules.isDirectoryIgnored(path)) walk(path);
      } else if (entry.isFile() && !rules.isIgnored(path)) {
        walked.allFiles.push(path);
        if (isScannedFile(path)) walked.sources.push(path);
        else if (isDeclarationFile(path)) walked.declarations.push(path);
        else if (entry.name === 'package.json') walked.packageJsons.push(path);
        else if (entry.name === 'tsconfig.json' && dir !== root) walked.tsconfigs.push(path);
      }
    }
  };
  walk(root);
  walked.sources.sort();
  walked.tsconfigs.sort();
  return walked;
}

function parseTsconfig(tsModule: typeof ts, configPath: string): ts.ParsedCommandLine {
  const read = tsModule.readConfigFile(configPath, (p) => tsModule.sys.readFile(p));
  if (read.error) throw tsconfigError(tsModule, configPath, read.error);
  // allowJs so that .js/.jsx files matched by `include` are listed too.
  const parsed = tsModule.parseJsonConfigFileContent(
    read.config,
    tsModule.sys,
    dirname(configPath),
    { allowJs: true },
    configPath,
  );
  const fatal = parsed.errors.find((d) => d.code !== 18003); // 18003: "No inputs were found" → fall back to walking
  if (fatal) throw tsconfigError(tsModule, configPath, fatal);
  return parsed;
}

function tsconfigError(tsModule: typeof ts, configPath: string, diagnostic: ts.Diagnostic): FlagError {
  const message = tsModule.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  const pos =
    diagnostic.file && diagnostic.start !== undefined
      ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
      : undefined;
  return new FlagError(
    'PARSE_ERROR',
    `${configPath}${pos ? `:${pos.line + 1}:${pos.character + 1}` : ''}: ${message}`,
    {
      file: configPath,
      ...(pos ? { line: pos.line + 1, column: pos.character + 1 } : {}),
      hint: 'Fix the tsconfig, or point `tsconfig` in .rollgate/scanner.yaml at another one.',
    },
  );
}
