/**
 * Flag cleanup: remove a flag from the code by replacing each evaluation with the kept variant's value, then
 * simplifying what became constant (see `cleanup-simplify.ts`) and dropping what became unused
 * (`cleanup-tidy.ts`). {@link planCleanup} is a dry run (new text + unified diff per file);
 * {@link applyCleanup} writes the files atomically and type-checks them, reporting new errors instead of
 * claiming success.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { Diagnostic, Project, ts } from 'ts-morph';
import { FlagError } from '../errors.ts';
import { writeFileAtomic } from '../store/fs-util.ts';
import type { VariantValue } from '../flags/model.ts';
import type { FlagReference } from './types.ts';
import { simplifyFromLiterals } from './cleanup-simplify.ts';
import { removeNewlyUnused } from './cleanup-tidy.ts';
import { typeFactsOf, type TypeFact } from './cleanup-types.ts';
import { printTsLiteral } from '../snippets/literals.ts';
import { loadTsMorph } from './ts-morph-runtime.ts';
import { applyEdits, findNodeBySpan, literalEdit, parseSource, tsApi, type TextEdit } from './cleanup-text.ts';

/** The variant to keep and its value (as declared in the store). */
export interface CleanupKeep {
  readonly variant: string;
  readonly value: VariantValue;
}

/** Input of {@link planCleanup}. */
export interface PlanCleanupOptions {
  /** ts-morph project of the workspace (its tsconfig drives the type check of {@link applyCleanup}). */
  readonly project: Project;
  readonly flagKey: string;
  readonly keep: CleanupKeep;
  /** References from the scanner; those of other flags are ignored, unresolved ones are reported. */
  readonly references: readonly FlagReference[];
  /** Directory the diff headers and reported paths are relative to (default: absolute paths). */
  readonly root?: string;
}

/** A place cleanup did not change (or could not be sure about), 1-based. */
export interface CleanupFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** The cleanup of one file. */
export interface FileCleanup {
  /** Absolute path. */
  readonly file: string;
  readonly before: string;
  readonly after: string;
  /** Unified diff of `before` → `after`, headers relative to `root`. */
  readonly diff: string;
  /** Evaluations replaced by the kept value. */
  readonly replaced: number;
  /** Imports and constants removed because the cleanup made them unused. */
  readonly removedUnused: readonly string[];
}

/** What {@link planCleanup} would do; pass it to {@link applyCleanup} to write it. */
export interface CleanupPlan {
  readonly flagKey: string;
  readonly keep: CleanupKeep;
  /** Files that change, sorted by path. */
  readonly files: readonly FileCleanup[];
  /** Evaluations left unchanged that need a manual edit (details calls, type mismatches, promise chains …). */
  readonly manual: readonly CleanupFinding[];
  /** Constructs the simplifier left as they were, and why. */
  readonly notes: readonly CleanupFinding[];
  /** References whose key the scanner could not resolve: check by hand whether they evaluate this flag. */
  readonly unresolved: readonly CleanupFinding[];
  readonly project: Project;
}

/**
 * Plans removing `flagKey` from the code, keeping `keep`: per file, the new text and a unified diff. Reads
 * files through the project (so in-memory projects work) and changes nothing.
 * Throws FlagError SCAN_FAILED when a referenced file cannot be read or a reference no longer matches its
 * file (hint: re-run the scan).
 */
export async function planCleanup(options: PlanCleanupOptions): Promise<CleanupPlan> {
  await loadTsMorph();
  const { project, flagKey, keep, references, root } = options;
  const display = (file: string): string => (root ? relative(root, file).split('\\').join('/') : file);
  const byFile = new Map<string, FlagReference[]>();
  const unresolved: CleanupFinding[] = [];
  const manual: CleanupFinding[] = [];
  for (const ref of references) {
    if (ref.key === flagKey && ref.kind !== 'call') {
      // A property read, JSX component, config object, interface member or text match: not a call to rewrite.
      manual.push({
        ...position(ref),
        file: ref.file,
        message: `\`${ref.keyExpression}\` (${ref.kind} reference${ref.kind === 'text' ? '' : ` via ${ref.method}`}): remove or update it by hand.`,
      });
    } else if (ref.key === flagKey) byFile.set(ref.file, [...(byFile.get(ref.file) ?? []), ref]);
    else if (ref.key === undefined) {
      unresolved.push({
        ...position(ref),
        file: ref.file,
        message: `\`${ref.method}(${ref.keyExpression}, …)\`: the key could not be resolved${ref.unresolvedReason ? ` (${ref.unresolvedReason})` : ''}; check whether it evaluates "${flagKey}".`,
      });
    }
  }
  const files: FileCleanup[] = [];
  const notes: CleanupFinding[] = [];
  for (const [file, refs] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    const before = readSource(project, file);
    const result = cleanupText(file, before, refs, keep, typeFactsOf(project, file, before));
    manual.push(...result.manual);
    notes.push(...result.notes);
    if (result.after === before) continue;
    files.push({
      file,
      before,
      after: result.after,
      diff: createTwoFilesPatch(`a/${display(file)}`, `b/${display(file)}`, before, result.after, '', '', {
        context: 3,
      }),
      replaced: result.replaced,
      removedUnused: result.removedUnused,
    });
  }
  return { flagKey, keep, files, manual, notes, unresolved, project };
}

function readSource(project: Project, file: string): string {
  const sf = project.getSourceFile(file);
  if (sf) return sf.getFullText();
  try {
    return project.getFileSystem().readFileSync(file);
  } catch (cause) {
    throw new FlagError(
      'SCAN_FAILED',
      `Cannot read ${file} for cleanup.`,
      { file, hint: 'Re-run the scan: the file was moved or deleted since the references were found.' },
      { cause },
    );
  }
}

function position(ref: FlagReference): { line: number; column: number } {
  return { line: ref.range.start.line + 1, column: ref.range.start.character + 1 };
}

interface TextCleanup {
  readonly after: string;
  readonly replaced: number;
  readonly removedUnused: string[];
  readonly manual: CleanupFinding[];
  readonly notes: CleanupFinding[];
}

/** Cleanup of one file's text: replace the evaluations, simplify from the literals, drop what became unused. */
function cleanupText(
  file: string,
  text: string,
  refs: readonly FlagReference[],
  keep: CleanupKeep,
  facts: readonly TypeFact[],
): TextCleanup {
  const sf = parseSource(file, text);
  const manual: CleanupFinding[] = [];
  const edits: TextEdit[] = [];
  for (const ref of refs) {
    const call = findNodeBySpan(sf, ref);
    if (!call || !tsApi().isCallExpression(call)) {
      throw new FlagError('SCAN_FAILED', `The reference at ${file}:${position(ref).line} no longer matches the file.`, {
        file,
        line: position(ref).line,
        hint: 'Re-run the scan: the file changed since the references were found.',
      });
    }
    const replacement = replacementFor(sf, call, ref, keep);
    if ('reason' in replacement) {
      manual.push({ file, ...position(ref), message: `\`${call.getText(sf)}\`: ${replacement.reason}` });
      continue;
    }
    const quote = sf.text[ref.keyStart] === '"' ? '"' : "'";
    edits.push(literalEdit(replacement.target, printTsLiteral(replacement.value, quote)));
  }
  const replaced = applyEdits(text, edits, facts);
  const simplified = simplifyFromLiterals(file, replaced.text, replaced.literals, replaced.tracked);
  const tidied = removeNewlyUnused(
    file,
    text,
    simplified.text,
    simplified.notes.map((n) => ({ start: n.offset, end: n.offset, message: n.message })),
  );
  const finalSf = parseSource(file, tidied.text);
  const notes = tidied.tracked.map((n): CleanupFinding => {
    const { line, character } = finalSf.getLineAndCharacterOfPosition(n.start);
    return { file, line: line + 1, column: character + 1, message: n.message };
  });
  return { after: tidied.text, replaced: edits.length, removedUnused: tidied.removed, manual, notes };
}

/**
 * What replaces an evaluation: the kept value at the call (or at its `await`), or why it must be edited by hand.
 */
function replacementFor(
  sf: ts.SourceFile,
  call: ts.CallExpression,
  ref: FlagReference,
  keep: CleanupKeep,
): { target: ts.Node; value: VariantValue } | { reason: string } {
  if (ref.returns !== 'value') {
    return { reason: 'returns evaluation details, not the value; rewrite its uses of `.value` by hand.' };
  }
  const actual = Array.isArray(keep.value) ? 'array' : typeof keep.value;
  const expected = ref.valueType ?? (ref.callKind === 'hook' || ref.callKind === 'unknown' ? undefined : ref.callKind);
  if (expected && expected !== actual) {
    return {
      reason: `evaluates ${article(expected)} but variant "${keep.variant}" is ${article(actual)}; edit by hand.`,
    };
  }
  let target: ts.Expression = call;
  while (tsApi().isParenthesizedExpression(target.parent)) target = target.parent;
  if (tsApi().isAwaitExpression(target.parent)) target = target.parent;
  else if (
    (tsApi().isPropertyAccessExpression(target.parent) || tsApi().isElementAccessExpression(target.parent)) &&
    target.parent.expression === target
  ) {
    return { reason: 'its result is used as an object or promise (e.g. `.then`); edit by hand.' };
  }
  const impure = call.arguments.find((a) => hasCall(a));
  if (impure) return { reason: `argument \`${impure.getText(sf)}\` may have side effects; edit by hand.` };
  // GrowthBook's `isOff` answers the opposite question.
  const value = ref.method === 'isOff' && typeof keep.value === 'boolean' ? !keep.value : keep.value;
  return { target, value };
}

function article(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function hasCall(node: ts.Node): boolean {
  if (tsApi().isCallExpression(node) || tsApi().isNewExpression(node) || tsApi().isAwaitExpression(node)) return true;
  if (tsApi().isFunctionLike(node)) return false;
  return tsApi().forEachChild(node, hasCall) ?? false;
}

/** A TypeScript diagnostic of an edited file, 1-based. */
export interface CleanupDiagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** TypeScript error code, e.g. 2367. */
  readonly code: number;
  readonly message: string;
}

/** How much the type check after {@link applyCleanup} could see. */
export interface CleanupTypeCheck {
  /** Edited files checked. */
  readonly files: number;
  /**
   * Imports of the edited files the compiler could not resolve or found no types for (TS2307, TS2792, TS7016):
   * everything typed through them is `any`, so the check is partial when this is not 0.
   */
  readonly unresolvedImports: number;
}

/** Outcome of {@link applyCleanup}. */
export interface ApplyCleanupResult {
  /** Files written. */
  readonly written: readonly string[];
  /** Type errors in the edited files that were not there before the cleanup. */
  readonly newDiagnostics: readonly CleanupDiagnostic[];
  /** True when every file was written and no new type error appeared (see `check` for how complete that is). */
  readonly ok: boolean;
  readonly check: CleanupTypeCheck;
}

/** Diagnostics saying an import has no types to check against. */
const UNRESOLVED_IMPORT_CODES: ReadonlySet<number> = new Set([2307, 2792, 7016]);

/**
 * The sentence about the type check, honest about what it could not see: "0 new type errors in 3 files" only when
 * every import resolved; otherwise it says the check is partial and why.
 */
export function describeTypeCheck(result: ApplyCleanupResult): string {
  const { files, unresolvedImports } = result.check;
  const errors = `${result.newDiagnostics.length} new type error${result.newDiagnostics.length === 1 ? '' : 's'}`;
  const checked = `${errors} in ${files} edited file${files === 1 ? '' : 's'}`;
  if (unresolvedImports === 0) return `type check: ${checked}.`;
  const count = unresolvedImports.toLocaleString('en-US');
  return (
    `type check partial: ${checked}, but ${count} import${unresolvedImports === 1 ? ' is' : 's are'} unresolved ` +
    '(no node_modules? run your package install), so code typed through them was not checked.'
  );
}

/**
 * Writes a plan: each file atomically (temp file + rename), after checking it still holds the
 * planned `before` text. Then type-checks the edited files with the plan's project and compares against the
 * diagnostics before the edit, so pre-existing errors are not blamed on the cleanup. The files stay written when
 * new errors appear; `ok` is false and `newDiagnostics` lists them. `check` says how much the check could see
 * (unresolved imports make it partial; {@link describeTypeCheck} words it).
 * Throws FlagError STORE_CONFLICT when a file changed since planning (nothing is written then) and STORE_IO when
 * a write fails.
 */
export async function applyCleanup(plan: CleanupPlan): Promise<ApplyCleanupResult> {
  for (const f of plan.files) {
    const onDisk = await readFile(f.file, 'utf8').catch((cause: unknown) => {
      throw new FlagError(
        'STORE_IO',
        `Cannot read ${f.file}.`,
        { file: f.file, hint: 'Check the file exists.' },
        { cause },
      );
    });
    if (onDisk !== f.before) {
      throw new FlagError('STORE_CONFLICT', `${f.file} changed since the cleanup was planned; nothing was written.`, {
        file: f.file,
        flagKey: plan.flagKey,
        hint: 'Run the cleanup again to plan it on the current text.',
      });
    }
  }
  const sourceFiles = plan.files.map((f) => {
    const sf = plan.project.getSourceFile(f.file) ?? plan.project.addSourceFileAtPath(f.file);
    if (sf.getFullText() !== f.before) sf.replaceWithText(f.before);
    return sf;
  });
  // A multiset of position-free keys: the cleanup moves code, and may add a second copy of an existing error.
  const before = new Map<string, number>();
  let unresolvedImports = 0;
  for (const d of sourceFiles.flatMap((sf) => sf.getPreEmitDiagnostics())) {
    before.set(diagnosticKey(d), (before.get(diagnosticKey(d)) ?? 0) + 1);
    if (UNRESOLVED_IMPORT_CODES.has(d.getCode())) unresolvedImports++;
  }
  const written: string[] = [];
  for (const f of plan.files) {
    // Security: temp file + fsync + rename (store/fs-util), so a crash never leaves a half-written source file.
    await writeFileAtomic(f.file, f.after);
    written.push(f.file);
  }
  sourceFiles.forEach((sf, i) => sf.replaceWithText(plan.files[i]!.after));
  const newDiagnostics = sourceFiles
    .flatMap((sf) => sf.getPreEmitDiagnostics())
    .filter((d) => {
      const left = before.get(diagnosticKey(d)) ?? 0;
      before.set(diagnosticKey(d), left - 1);
      return left <= 0 && d.getCategory() === tsApi().DiagnosticCategory.Error;
    })
    .map((d): CleanupDiagnostic => {
      const sf = d.getSourceFile();
      const pos = sf?.getLineAndColumnAtPos(d.getStart() ?? 0) ?? { line: 1, column: 1 };
      return {
        file: sf?.getFilePath() ?? '',
        line: pos.line,
        column: pos.column,
        code: d.getCode(),
        message: tsApi().flattenDiagnosticMessageText(d.getMessageText() as string | ts.DiagnosticMessageChain, '\n'),
      };
    });
  return {
    written,
    newDiagnostics,
    ok: newDiagnostics.length === 0,
    check: { files: sourceFiles.length, unresolvedImports },
  };
}

/** Identity of a diagnostic independent of its position. */
function diagnosticKey(d: Diagnostic): string {
  const message = tsApi().flattenDiagnosticMessageText(d.getMessageText() as string | ts.DiagnosticMessageChain, '\n');
  return `${d.getSourceFile()?.getFilePath() ?? ''}|${d.getCode()}|${message}`;
}
