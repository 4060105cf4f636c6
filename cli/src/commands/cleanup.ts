import { relative } from 'node:path';
import type { Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import {
  applyCleanup,
  describeTypeCheck,
  planWorkspaceCleanup,
  type ApplyCleanupResult,
  type CleanupFinding,
  type CleanupPlan,
} from '@rollgate/shared/scanner';
import { invocation, type CliDeps } from '../deps.ts';
import { scanRoot, scanWorkspace } from './scan.ts';

interface CleanupOptions {
  keep: string;
  apply?: boolean;
}

/**
 * `rollgate cleanup <flag> --keep <variant> [--apply] [dir]`: removes a flag from the code, keeping one variant.
 * Dry run by default (prints the unified diff); `--apply` writes the files, then type-checks them and fails
 * (exit 1) when the cleanup introduced a type error.
 */
export function registerCleanupCommand(program: Command, deps: CliDeps): void {
  program
    .command('cleanup')
    .description('remove a flag from the code: replace its evaluations with the kept value and simplify')
    .argument('<flag>', 'flag key')
    .argument('[dir]', 'workspace to clean (default: the folder holding .rollgate/, else the current folder)')
    .requiredOption('--keep <variant>', 'the variant whose value replaces every evaluation')
    .option('--apply', 'write the changes (default: dry run, print the diff)')
    .action(async (key: string, dir: string | undefined, opts: CleanupOptions, command: Command) => {
      const run = invocation(command, deps);
      const document = await run.withStore(async (store) => (await store.read()).document);
      const root = await scanRoot(run, dir);
      const { references } = await scanWorkspace(root);
      const plan = await planWorkspaceCleanup({ root, document, flagKey: key, keepVariant: opts.keep, references });
      const applied = opts.apply === true && plan.files.length > 0 ? await applyCleanup(plan) : undefined;
      run.out.result(toJson(root, plan, applied), formatCleanup(root, plan, opts.apply === true, applied));
      if (applied && !applied.ok) {
        throw new FlagError(
          'TYPE_MISMATCH',
          `The cleanup was written, but ${applied.newDiagnostics.length} new type error(s) appeared in the edited files.`,
          {
            flagKey: key,
            hint: 'Fix the errors listed above, or revert the files (e.g. `git checkout -- <files>`) and clean up by hand.',
          },
        );
      }
    });
}

function toJson(root: string, plan: CleanupPlan, applied: ApplyCleanupResult | undefined): unknown {
  const rel = (f: CleanupFinding): CleanupFinding => ({ ...f, file: relative(root, f.file) });
  return {
    flag: plan.flagKey,
    keep: plan.keep,
    applied: applied !== undefined,
    files: plan.files.map((f) => ({
      file: relative(root, f.file),
      replaced: f.replaced,
      removedUnused: f.removedUnused,
      diff: f.diff,
    })),
    manual: plan.manual.map(rel),
    notes: plan.notes.map(rel),
    unresolved: plan.unresolved.map(rel),
    ...(applied === undefined
      ? {}
      : {
          ok: applied.ok,
          check: applied.check,
          newDiagnostics: applied.newDiagnostics.map((d) => ({ ...d, file: relative(root, d.file) })),
        }),
  };
}

function formatCleanup(
  root: string,
  plan: CleanupPlan,
  apply: boolean,
  applied: ApplyCleanupResult | undefined,
): string {
  const lines: string[] = [];
  const where = (f: { file: string; line: number; column: number }): string =>
    `${relative(root, f.file)}:${f.line}:${f.column}`;
  const section = (title: string, findings: readonly CleanupFinding[]): void => {
    if (findings.length === 0) return;
    lines.push('', `${title} (${findings.length}):`, ...findings.map((f) => `  ${where(f)}  ${f.message}`));
  };
  if (!apply) for (const f of plan.files) lines.push(f.diff.trimEnd());
  const replaced = plan.files.reduce((n, f) => n + f.replaced, 0);
  const summary = `${plan.files.length} file(s), ${replaced} evaluation(s) of "${plan.flagKey}" replaced by variant "${plan.keep.variant}"`;
  if (plan.files.length === 0) lines.push(`Nothing to change for "${plan.flagKey}".`);
  else if (!apply) lines.push('', `Dry run: ${summary}. Run again with --apply to write the files.`);
  else if (applied) {
    lines.push(`Wrote ${summary}; ${describeTypeCheck(applied)}`);
    lines.push(...applied.newDiagnostics.map((d) => `  ${where(d)}  TS${d.code}: ${d.message}`));
  }
  section('Needs a manual edit', plan.manual);
  section('Left as is', plan.notes);
  section('Unresolved keys, check by hand', plan.unresolved);
  return lines.join('\n').replace(/^\n/, '');
}
