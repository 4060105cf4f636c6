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
    const rel = relative(this.root, dir);
    if (rel.startsWith('..')) return true;
    let ignored = this.ignoredDirectories.get(dir);
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
      const rel = relative(dir, path).replaceAll('\\', '/');
      if (rules?.ignores(isDirectory ? `${rel}/` : rel)) return true;
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

/** The files of a workspace and the compiler options to parse them with. */
export interface WorkspaceFiles {
  /** Absolute, `/`-separated, sorted. */
  readonly files: string[];
  /** The workspace's own `.d.ts` files (global declarations the type checker may need), not ignored. */
  readonly declarationFiles: string[];
  readonly compilerOptions: ts.CompilerOptions;
  /** The tsconfig used, if any. */
  readonly tsconfig?: string;
}

/**
 * Lists the files to scan under `root`. `tsconfig`: explicit path (must exist), or undefined to use
 * `<root>/tsconfig.json` when present. A tsconfig that selects no file (a solution-style config with only
 * `references`) falls back to walking the root. Throws PARSE_ERROR for an unreadable or invalid tsconfig.
 */
export function listWorkspaceFiles(
  tsModule: typeof ts,
  root: string,
  rules: IgnoreRules,
  tsconfig: string | undefined,
): WorkspaceFiles {
  const configPath = tsconfig ?? (existsSync(join(root, 'tsconfig.json')) ? join(root, 'tsconfig.json') : undefined);
  if (configPath !== undefined) {
    const parsed = parseTsconfig(tsModule, configPath);
    const listed = parsed.fileNames.map((f) => f.replaceAll('\\', '/')).filter((f) => !rules.isIgnored(f));
    const files = listed.filter(isScannedFile);
    if (files.length > 0) {
      const declarationFiles = listed.filter(isDeclarationFile);
      return { files: files.sort(), declarationFiles, compilerOptions: parsed.options, tsconfig: configPath };
    }
  }
  const files: string[] = [];
  const declarationFiles: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!rules.isDirectoryIgnored(path)) walk(path);
      } else if (entry.isFile() && !rules.isIgnored(path)) {
        if (isScannedFile(path)) files.push(path);
        else if (isDeclarationFile(path)) declarationFiles.push(path);
      }
    }
  };
  walk(root.replaceAll('\\', '/'));
  return { files: files.sort(), declarationFiles, compilerOptions: { allowJs: true } };
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
