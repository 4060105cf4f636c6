import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { errorMessage } from '@rollgate/shared/errors';
import type { Guardrail } from '@rollgate/shared/flags';
import {
  advanceRolloutOperation,
  formatStep,
  pauseRolloutOperation,
  renderRolloutPage,
  resumeRolloutOperation,
  rollbackRolloutOperation,
  rolloutStatusOf,
  startRolloutOperation,
  type RolloutPlanInput,
  type RolloutStatusReport,
  type RolloutTarget,
} from '@rollgate/shared/rollout';
import type { Operation } from '@rollgate/shared/flags';
import { invocation, type CliDeps } from '../deps.ts';
import { usageError } from '../errors.ts';
import { getFlagOrThrow } from '../lookup.ts';
import { collect, parseJsonOption } from '../parse.ts';

interface EnvOption {
  env: string;
}

interface StartOptions extends EnvOption {
  variant?: string;
  steps?: string;
  minDuration?: string;
  minSamples?: string;
  onBreach?: string;
  approveBefore?: string;
  guardrail: string[];
  plan?: string;
}

const GUARDRAIL_EXAMPLE = '{"name":"errors","metric":"error-rate","max":0.01,"maxRelativeDegradation":0.2}';

function parseNumber(text: string, option: string, example: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw usageError(`${option} "${text}" is not a non-negative number.`, `Pass e.g. ${option} ${example}.`);
  }
  return value;
}

async function readPlanFile(file: string, cwd: string): Promise<Record<string, unknown>> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw usageError(`Cannot read the plan file ${path}: ${errorMessage(e)}.`, 'Pass a YAML or JSON plan file.');
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (e) {
    throw usageError(`${path} is not YAML or JSON: ${errorMessage(e)}.`, 'See docs/rollout.md for the plan format.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw usageError(`${path} does not hold a plan object.`, 'Write a mapping with at least "variant:".');
  }
  return parsed as Record<string, unknown>;
}

/** The plan from --plan <file> plus the individual options (options win). Validated by startRolloutOperation. */
async function planFromOptions(
  opts: StartOptions,
  cwd: string,
  defaultVariant: string | undefined,
): Promise<RolloutPlanInput> {
  const plan: Record<string, unknown> = opts.plan === undefined ? {} : await readPlanFile(opts.plan, cwd);
  const variant = opts.variant ?? plan.variant ?? defaultVariant;
  if (variant === undefined) {
    throw usageError('Which variant should be rolled out?', 'Pass --variant <variant>.');
  }
  plan.variant = variant;
  if (opts.steps !== undefined) {
    plan.steps = opts.steps.split(',').map((s) => parseNumber(s.replace('%', ''), '--steps', '1,5,10,25,50,100'));
  }
  if (opts.minDuration !== undefined) {
    plan.minStepDurationMinutes = parseNumber(opts.minDuration, '--min-duration', '30');
  }
  if (opts.minSamples !== undefined) plan.minSamplesPerStep = parseNumber(opts.minSamples, '--min-samples', '1000');
  if (opts.onBreach !== undefined) plan.onBreach = opts.onBreach;
  if (opts.approveBefore !== undefined) {
    plan.approveBefore = opts.approveBefore
      .split(',')
      .map((s) => parseNumber(s.replace('%', ''), '--approve-before', '50'));
  }
  if (opts.guardrail.length > 0) {
    plan.guardrails = opts.guardrail.map(
      (text) => parseJsonOption(text, '--guardrail', GUARDRAIL_EXAMPLE) as Guardrail,
    );
  }
  return plan as RolloutPlanInput;
}

/** One human-readable paragraph for a status report. */
export function describeRolloutStatus(report: RolloutStatusReport): string {
  const steps = report.steps.map((s, i) => (i === report.stepIndex ? `[${formatStep(s)}]` : formatStep(s))).join(' → ');
  const audience = [...report.segments, `${report.percentage}%`].join(' + ');
  const lines = [
    `${report.flagKey} in ${report.environment}: ${report.status}, serving "${report.variant}" to ${audience} (control "${report.controlVariant}")${report.flagEnabled ? '' : ' — flag disabled (kill switch)'}`,
    `  steps: ${steps}`,
  ];
  if (report.stepStartedAt) lines.push(`  step started: ${report.stepStartedAt}`);
  if (report.reason) lines.push(`  reason: ${report.reason}`);
  if (report.lastCheck) {
    lines.push(`  last check ${report.lastCheck.at}: ${report.lastCheck.decision}`);
    for (const reason of report.lastCheck.reasons) lines.push(`    - ${reason}`);
  }
  return lines.join('\n');
}

/**
 * `rollgate rollout start|status|pause|resume|advance|rollback|page <flag> --env <env>`: progressive rollouts
 * with guardrails (docs/rollout.md). `rollgate controller` advances and rolls back running plans.
 */
export function registerRolloutCommand(program: Command, deps: CliDeps): void {
  const rollout = program
    .command('rollout')
    .description('progressive rollouts: start a plan, watch it, pause, resume, advance or roll it back');

  const change = (name: string, description: string, operation: (target: RolloutTarget) => Operation): void => {
    rollout
      .command(name)
      .description(description)
      .argument('<flag>', 'flag key')
      .requiredOption('--env <env>', 'environment')
      .action(async (key: string, opts: EnvOption, command: Command) => {
        const run = invocation(command, deps);
        const target = { flagKey: key, environment: opts.env };
        const snapshot = await run.withStore((store) => run.change(store, operation(target), opts.env));
        const report = rolloutStatusOf(snapshot.document, target);
        run.out.result({ ...report, revision: snapshot.revision }, describeRolloutStatus(report));
      });
  };

  rollout
    .command('start')
    .description('start a progressive rollout (default steps 1, 5, 10, 25, 50, 100 %)')
    .argument('<flag>', 'flag key')
    .requiredOption('--env <env>', 'environment')
    .option('--variant <variant>', 'the variant to roll out (default: "on" for boolean flags)')
    .option('--steps <list>', 'percentages, e.g. 1,5,10,25,50,100')
    .option('--min-duration <minutes>', 'minimum time per step (default 30)')
    .option('--min-samples <n>', 'minimum samples of the new variant per step (default 1000)')
    .option('--on-breach <action>', 'rollback (0% and stop, default) or pause')
    .option(
      '--approve-before <list>',
      'steps a human approves before the plan moves onto them, e.g. 50 (protected environments)',
    )
    .option('--guardrail <json>', `a guardrail, repeatable, e.g. '${GUARDRAIL_EXAMPLE}'`, collect, [])
    .option('--plan <file>', 'a YAML/JSON plan file (options above override its fields)')
    .action(async (key: string, opts: StartOptions, command: Command) => {
      const run = invocation(command, deps);
      const target = { flagKey: key, environment: opts.env };
      const snapshot = await run.withStore(async (store) => {
        const flag = getFlagOrThrow((await store.read()).document, key);
        const defaultVariant = 'on' in flag.variants ? 'on' : undefined;
        const plan = await planFromOptions(opts, run.cwd, defaultVariant);
        return run.change(store, startRolloutOperation({ ...target, plan }), opts.env);
      });
      const report = rolloutStatusOf(snapshot.document, target);
      run.out.result({ ...report, revision: snapshot.revision }, describeRolloutStatus(report));
    });

  rollout
    .command('status')
    .description('show a rollout: status, step, served percentage and the controller’s last check')
    .argument('<flag>', 'flag key')
    .requiredOption('--env <env>', 'environment')
    .action(async (key: string, opts: EnvOption, command: Command) => {
      const run = invocation(command, deps);
      const report = await run.withStore(async (store) =>
        rolloutStatusOf((await store.read()).document, { flagKey: key, environment: opts.env }),
      );
      run.out.result(report, describeRolloutStatus(report));
    });

  change('pause', 'pause a running rollout at its current step', pauseRolloutOperation);
  change('resume', 'resume a paused, locked (kill switch) or rolled-back rollout', resumeRolloutOperation);
  change('advance', 'advance to the next step now (a human override of the guardrails)', advanceRolloutOperation);
  change('rollback', 'roll back to 0% and stop the rollout until resumed', rollbackRolloutOperation);

  rollout
    .command('page')
    .description('print the rollout page (markdown): timeline, current step, guardrails')
    .argument('<flag>', 'flag key')
    .requiredOption('--env <env>', 'environment')
    .action(async (key: string, opts: EnvOption, command: Command) => {
      const run = invocation(command, deps);
      const page = await run.withStore(async (store) => {
        const flag = getFlagOrThrow((await store.read()).document, key);
        return renderRolloutPage(flag, opts.env, await store.readAudit({ flagKey: key, environment: opts.env }));
      });
      run.out.result({ flagKey: key, environment: opts.env, markdown: page }, page);
    });
}
