/**
 * Rollout plan state machine as store operations: start, advance, hold, pause, resume, roll back, lock.
 * Every change is one atomic commit of the plan state plus the served percentage (EnvironmentConfig.rollout,
 * compiled to flagd `fractional` weights) with an audit entry that carries the numbers behind it.
 *
 *   pending ─start→ running ─advance→ running … ─advance onto 100% (or past the last step)→ completed
 *   running ─breach (onBreach=rollback)→ rolled-back (0%)      running ─breach (onBreach=pause) / SRM→ paused
 *   running|paused ─flag disabled (kill switch)→ locked (0%)   paused|locked|rolled-back ─resume (human)→ running
 */
import type { z } from 'zod';
import type {
  EnvironmentConfig,
  Flag,
  Guardrail,
  JsonValue,
  RolloutCheck,
  RolloutPlan,
  StoreDocument,
} from '../flags/model.ts';
import { rolloutPlanSchema } from '../flags/model.ts';
import type { ChangeContext, Operation, OperationResult } from '../flags/operations.ts';
import { applyOperation, setRollout, setRolloutPlan } from '../flags/operations.ts';
import { describeOperation } from '../flags/descriptor.ts';
import type { AuditEntryInput, FlagStore } from '../store/types.ts';
import { FlagError } from '../errors.ts';
import { countGuardrailTests } from './guardrails.ts';
import { formatStep, servedAt, stepsProblem, type PlanStep } from './audience-steps.ts';

/** Audit actions written by rollout operations (`AuditEntry.action`). */
export const RolloutAuditAction = {
  start: 'rollout.start',
  advance: 'rollout.advance',
  complete: 'rollout.complete',
  hold: 'rollout.hold',
  pause: 'rollout.pause',
  resume: 'rollout.resume',
  rollback: 'rollout.rollback',
  lock: 'rollout.lock',
} as const;
export type RolloutAuditAction = (typeof RolloutAuditAction)[keyof typeof RolloutAuditAction];

/** Guardrails a plan gets when it names none: the built-in error rate, at most 5% and at most 25% worse than control. */
export const DEFAULT_GUARDRAILS: readonly Guardrail[] = [
  { name: 'error-rate', metric: 'error-rate', source: 'builtin', max: 0.05, maxRelativeDegradation: 0.25 },
];

/** Which plan: one flag in one environment. */
export interface RolloutTarget {
  readonly flagKey: string;
  readonly environment: string;
}

/** A plan as callers write it (CLI flags, MCP tool input, YAML): defaults filled in, `state` ignored. */
export type RolloutPlanInput = Omit<z.input<typeof rolloutPlanSchema>, 'state'>;

/** Starts (or restarts) a plan. Without `plan`, a pending plan stored on the environment is started. */
export interface StartRolloutRequest extends RolloutTarget {
  readonly plan?: RolloutPlanInput;
}

/** Read-only view of a plan for status displays (CLI, MCP, extension). */
export interface RolloutStatusReport extends RolloutTarget {
  readonly flagEnabled: boolean;
  readonly variant: string;
  readonly controlVariant: string;
  readonly status: RolloutPlan['state']['status'];
  readonly stepIndex: number;
  readonly steps: readonly PlanStep[];
  /** Percentage currently served the new variant (EnvironmentConfig.rollout). */
  readonly percentage: number;
  /** Segments currently served the new variant whatever the percentage (staged audiences). */
  readonly segments: readonly string[];
  readonly stepStartedAt: string | undefined;
  readonly startedAt: string | undefined;
  readonly reason: string | undefined;
  readonly lastCheck: RolloutCheck | undefined;
  readonly plan: RolloutPlan;
}

interface Located {
  readonly flag: Flag;
  readonly flagIndex: number;
  readonly config: EnvironmentConfig;
  /** The environment is protected: changes that raise exposure need an approved change request. */
  readonly protectedEnvironment: boolean;
}

function locate(document: StoreDocument, target: RolloutTarget): Located {
  const flagIndex = document.flags.findIndex((f) => f.key === target.flagKey);
  const flag = document.flags[flagIndex];
  if (!flag) {
    throw new FlagError('FLAG_NOT_FOUND', `Flag "${target.flagKey}" does not exist.`, {
      flagKey: target.flagKey,
      hint: 'Check the key with `rollgate list`, or create the flag first.',
    });
  }
  const config = flag.environments[target.environment];
  if (!config) {
    throw new FlagError('INVALID_INPUT', `Flag "${target.flagKey}" has no configuration in "${target.environment}".`, {
      flagKey: target.flagKey,
      environment: target.environment,
      hint: `Configure the flag in ${target.environment} first (environments: ${Object.keys(flag.environments).join(', ') || 'none'}).`,
    });
  }
  const protectedEnvironment = document.environments.find((e) => e.key === target.environment)?.protected === true;
  return { flag, flagIndex, config, protectedEnvironment };
}

function planOrThrow(located: Located, target: RolloutTarget): RolloutPlan {
  if (!located.config.plan) {
    throw new FlagError('INVALID_INPUT', `Flag "${target.flagKey}" has no rollout plan in "${target.environment}".`, {
      flagKey: target.flagKey,
      environment: target.environment,
      hint: 'Start one with `rollgate rollout start <flag> --env <env> --variant <variant>`.',
    });
  }
  return located.config.plan;
}

/** A state change computed from the current plan. */
interface Transition {
  readonly action: RolloutAuditAction;
  readonly plan: RolloutPlan;
  /** Served percentage after the change (unchanged when undefined). */
  readonly percentage?: number;
  /** Segments served after the change, when `percentage` is set (none when undefined). */
  readonly segments?: readonly string[];
  readonly reason?: string;
  readonly data?: Record<string, JsonValue>;
}

function servedPercentage(config: EnvironmentConfig, plan: RolloutPlan): number {
  return config.rollout?.variant === plan.variant ? config.rollout.percentage : 0;
}

/**
 * The building block of every rollout operation: locate the plan, let `decide` compute the transition, then write
 * it with the store operations `setRolloutPlan` and `setRollout` (their validation and change diff), merged into
 * one audit entry with the rollout action, the reason and the numbers behind the decision.
 */
function transitionOperation(
  target: RolloutTarget,
  decide: (located: Located, plan: RolloutPlan | undefined, now: Date) => Transition,
): Operation {
  return (document, context): OperationResult => {
    const located = locate(document, target);
    const transition = decide(located, located.config.plan, context.now());
    const withPlan = setRolloutPlan(target.flagKey, target.environment, transition.plan)(document, context);
    const withRollout =
      transition.percentage === undefined
        ? undefined
        : setRollout(target.flagKey, target.environment, {
            variant: transition.plan.variant,
            percentage: transition.percentage,
            ...(transition.segments?.length ? { segments: [...transition.segments] } : {}),
          })(withPlan.document, context);
    const changes = [...withPlan.audit, ...(withRollout?.audit ?? [])].flatMap((entry) => entry.changes);
    const reason = transition.reason ?? context.reason;
    const audit: AuditEntryInput = {
      at: context.now().toISOString(),
      actor: context.actor,
      action: transition.action,
      flagKey: target.flagKey,
      environment: target.environment,
      changes,
      ...(reason === undefined ? {} : { reason }),
      ...(transition.data === undefined ? {} : { data: transition.data }),
    };
    return { document: (withRollout ?? withPlan).document, audit: [audit] };
  };
}

function invalidState(target: RolloutTarget, plan: RolloutPlan, wanted: string, hint: string): FlagError {
  return new FlagError(
    'INVALID_INPUT',
    `Cannot ${wanted} the rollout of "${target.flagKey}" in "${target.environment}": it is ${plan.state.status}.`,
    { flagKey: target.flagKey, environment: target.environment, status: plan.state.status, hint },
  );
}

function withState(plan: RolloutPlan, state: Partial<RolloutPlan['state']>): RolloutPlan {
  const next: RolloutPlan['state'] = { ...plan.state, ...state };
  // Drop keys set to undefined so the stored YAML/JSON stays clean.
  for (const key of Object.keys(next) as (keyof RolloutPlan['state'])[]) if (next[key] === undefined) delete next[key];
  return { ...plan, state: next };
}

/**
 * Step index and audience after advancing from `stepIndex`; `completed` when the new step serves 100% or the
 * plan has no further step (a 100% step cannot be compared against a control group, so it ends the plan).
 */
export function nextStep(
  plan: RolloutPlan,
  stepIndex: number,
): { stepIndex: number; percentage: number; segments: readonly string[]; completed: boolean } {
  const next = stepIndex + 1;
  if (next >= plan.steps.length) return { stepIndex, ...servedAt(plan, stepIndex), completed: true };
  const served = servedAt(plan, next);
  return { stepIndex: next, ...served, completed: served.percentage >= 100 };
}

/**
 * The approval gate in front of the plan's next step: the percentage it would move onto, when that step is listed
 * in `approveBefore` and the environment is protected; undefined when the next step needs no approval.
 */
export function approvalGateOf(plan: RolloutPlan, protectedEnvironment: boolean): number | undefined {
  if (!protectedEnvironment || !plan.approveBefore) return undefined;
  const next = plan.steps[plan.state.stepIndex + 1];
  // Gates name percentages: an audience step ({segment}) is never gated.
  return typeof next === 'number' && plan.approveBefore.includes(next) ? next : undefined;
}

function advanceTransition(
  plan: RolloutPlan,
  now: Date,
  data?: Record<string, JsonValue>,
  check?: RolloutCheck,
): Transition {
  const step = nextStep(plan, plan.state.stepIndex);
  const next = withState(plan, {
    status: step.completed ? 'completed' : 'running',
    stepIndex: step.stepIndex,
    stepStartedAt: now.toISOString(),
    reason: undefined,
    lastCheck: check,
  });
  return {
    action: step.completed ? RolloutAuditAction.complete : RolloutAuditAction.advance,
    plan: next,
    percentage: step.percentage,
    segments: step.segments,
    ...(data === undefined ? {} : { data }),
  };
}

/** Validates an untrusted plan against the flag; throws INVALID_INPUT with a hint. */
export function parseRolloutPlan(
  input: unknown,
  flag: Flag,
  config: EnvironmentConfig,
  environment: string,
): RolloutPlan {
  const parsed = rolloutPlanSchema.omit({ state: true }).safeParse(input);
  const fail = (message: string, hint: string, extra: Record<string, unknown> = {}): FlagError =>
    new FlagError('INVALID_INPUT', `Invalid rollout plan for "${flag.key}" in "${environment}": ${message}`, {
      flagKey: flag.key,
      environment,
      hint,
      ...extra,
    });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(plan)'}: ${i.message}`);
    throw fail(issues.join('; '), 'Fix the listed fields; see docs/rollout.md for the plan format.', { issues });
  }
  const plan: RolloutPlan = { ...parsed.data, state: { status: 'pending', stepIndex: -1 } };
  const variants = Object.keys(flag.variants);
  if (!(plan.variant in flag.variants)) {
    throw fail(`unknown variant "${plan.variant}"`, `Roll out one of the flag's variants: ${variants.join(', ')}.`);
  }
  if (plan.variant === config.defaultVariant) {
    throw fail(
      `"${plan.variant}" is already the default variant, so there is no control group to compare with`,
      'Roll out a variant other than the default variant.',
    );
  }
  const stepProblem = stepsProblem(plan.steps);
  if (stepProblem !== undefined) {
    throw fail(
      `steps must increase strictly: ${stepProblem}`,
      'List the percentages in increasing order, e.g. 1, 5, 10, 25, 50, 100; an audience step adds a segment, e.g. {"segment": "internal"}.',
    );
  }
  for (const gate of plan.approveBefore ?? []) {
    if (!plan.steps.includes(gate) || gate === plan.steps[0]) {
      throw fail(
        `approveBefore ${gate}% is not a later step of the plan (steps: ${plan.steps.map(formatStep).join(', ')})`,
        'List steps after the first one, e.g. "approveBefore": [50] to have a human approve 25% → 50%.',
      );
    }
  }
  if (plan.guardrails.length === 0) plan.guardrails = DEFAULT_GUARDRAILS.map((g) => ({ ...g }));
  const names = new Set<string>();
  for (const g of plan.guardrails) {
    const where = `guardrail "${g.name}"`;
    if (names.has(g.name)) throw fail(`duplicate ${where}`, 'Give every guardrail a unique name.');
    names.add(g.name);
    if (g.metric === 'latency' && g.min !== undefined) {
      throw fail(`${where}: latency has no lower limit`, 'Remove "min"; use "max" (ms) or "maxRelativeDegradation".');
    }
    if (countGuardrailTests(g) === 0) {
      throw fail(
        `${where} has no limit`,
        'Set max, min or maxRelativeDegradation (e.g. "max": 0.005 for a 0.5% error rate).',
      );
    }
    if (
      g.metric !== 'latency' &&
      g.minDetectableEffect !== undefined &&
      g.maxRelativeDegradation !== undefined &&
      g.minDetectableEffect <= g.maxRelativeDegradation
    ) {
      throw fail(
        `${where}: minDetectableEffect ${g.minDetectableEffect} is not beyond maxRelativeDegradation ${g.maxRelativeDegradation}`,
        'The regression to catch must be worse than what the relative limit allows, e.g. maxRelativeDegradation 0.25 and minDetectableEffect 0.5.',
      );
    }
    for (const [attribute, values] of Object.entries(g.slices ?? {})) {
      if (new Set(values).size !== values.length) {
        throw fail(`${where}: slice "${attribute}" lists a value twice`, 'List each value of a slice attribute once.');
      }
    }
    if (g.metric !== 'latency' && [g.max, g.min].some((v) => v !== undefined && (v < 0 || v > 1))) {
      throw fail(`${where}: ${g.metric} limits are proportions`, 'Write limits between 0 and 1, e.g. 0.005 for 0.5%.');
    }
    if (g.source === 'prometheus' && !g.query) {
      throw fail(
        `${where} reads Prometheus but has no query`,
        'Add a PromQL "query" template using {{variant}} and {{window}}.',
      );
    }
    if (g.source === 'prometheus' && g.metric !== 'latency' && !g.denominatorQuery) {
      throw fail(
        `${where} needs a denominator`,
        'Add "denominatorQuery", e.g. sum(increase(http_requests_total{variant="{{variant}}"}[{{window}}])).',
      );
    }
    if (g.source === 'builtin' && (g.metric === 'ratio' || g.metric === 'business') && !g.counter) {
      throw fail(
        `${where} needs the name of the outcome counter`,
        'Add "counter" (the name the app passes to recordOutcome counters).',
      );
    }
  }
  return plan;
}

/**
 * Starts the plan: validates it, serves the first step's percentage, status running.
 * Errors: FLAG_NOT_FOUND; INVALID_INPUT (no environment config, flag disabled, plan already running or paused,
 * invalid plan).
 */
export function startRolloutOperation(request: StartRolloutRequest): Operation {
  const operation = transitionOperation(request, ({ flag, config, protectedEnvironment }, existing, now) => {
    if (existing && (existing.state.status === 'running' || existing.state.status === 'paused')) {
      throw invalidState(
        request,
        existing,
        'start',
        'Use `rollgate rollout status`, or roll it back before starting a new plan.',
      );
    }
    if (!config.enabled) {
      throw new FlagError('INVALID_INPUT', `Flag "${request.flagKey}" is disabled in "${request.environment}".`, {
        flagKey: request.flagKey,
        environment: request.environment,
        hint: 'Enable the flag first (a disabled flag is the kill switch).',
      });
    }
    const input = request.plan ?? (existing?.state.status === 'pending' ? existing : undefined);
    if (!input) {
      throw new FlagError(
        'INVALID_INPUT',
        `No rollout plan given for "${request.flagKey}" in "${request.environment}".`,
        {
          flagKey: request.flagKey,
          environment: request.environment,
          hint: 'Pass a plan (at least the variant to roll out).',
        },
      );
    }
    const plan = parseRolloutPlan(input, flag, config, request.environment);
    if (plan.approveBefore && !protectedEnvironment) {
      throw new FlagError(
        'INVALID_INPUT',
        `Approval gates (approveBefore) need a protected environment; "${request.environment}" is not protected.`,
        {
          flagKey: request.flagKey,
          environment: request.environment,
          hint: 'Remove approveBefore here, or mark the environment protected (its changes then need approval).',
        },
      );
    }
    const first = servedAt(plan, 0);
    const started = withState(plan, {
      status: first.percentage >= 100 ? 'completed' : 'running',
      stepIndex: 0,
      stepStartedAt: now.toISOString(),
      startedAt: now.toISOString(),
    });
    return {
      action: RolloutAuditAction.start,
      plan: started,
      ...first,
      data: { steps: plan.steps.map((s) => (typeof s === 'number' ? s : { ...s })) },
    };
  });
  const { flagKey, environment, plan } = request;
  return describeOperation(operation, {
    descriptor: { kind: 'apply', change: { action: 'rollout.start', flagKey, environment, ...(plan ? { plan } : {}) } },
  });
}

/** Pauses a running plan at its current step (the percentage stays). Errors: FLAG_NOT_FOUND, INVALID_INPUT. */
export function pauseRolloutOperation(target: RolloutTarget): Operation {
  const operation = transitionOperation(target, (located, _existing, _now) => {
    const plan = planOrThrow(located, target);
    if (plan.state.status !== 'running') {
      throw invalidState(target, plan, 'pause', 'Only a running plan can be paused.');
    }
    return { action: RolloutAuditAction.pause, plan: withState(plan, { status: 'paused' }) };
  });
  return describeControl(target, 'pause', operation);
}

/**
 * Resumes after a pause, a kill-switch lock or a rollback, as a human decision. A paused or locked plan continues
 * at its step; a rolled-back plan restarts at the first step. The step's clock and data window restart.
 * Errors: FLAG_NOT_FOUND; INVALID_INPUT (nothing to resume, or the flag is still disabled).
 */
export function resumeRolloutOperation(target: RolloutTarget): Operation {
  const operation = transitionOperation(target, (located, _existing, now) => {
    const plan = planOrThrow(located, target);
    const { status } = plan.state;
    if (status !== 'paused' && status !== 'locked' && status !== 'rolled-back') {
      throw invalidState(target, plan, 'resume', 'Only a paused, locked or rolled-back plan can be resumed.');
    }
    if (!located.config.enabled) {
      throw new FlagError(
        'INVALID_INPUT',
        `Flag "${target.flagKey}" is disabled in "${target.environment}" (kill switch).`,
        {
          flagKey: target.flagKey,
          environment: target.environment,
          hint: 'Enable the flag again, then resume the rollout.',
        },
      );
    }
    const stepIndex = status === 'rolled-back' ? 0 : Math.max(plan.state.stepIndex, 0);
    return {
      action: RolloutAuditAction.resume,
      plan: withState(plan, {
        status: 'running',
        stepIndex,
        stepStartedAt: now.toISOString(),
        reason: undefined,
        lastCheck: undefined,
      }),
      ...servedAt(plan, stepIndex),
    };
  });
  return describeControl(target, 'resume', operation);
}

/**
 * Advances to the next step now, whatever the guardrails say (a human override; the controller advances on its
 * own). Completes the plan when the next step is 100% or there is none. Errors: FLAG_NOT_FOUND, INVALID_INPUT.
 */
export function advanceRolloutOperation(target: RolloutTarget): Operation {
  const operation = transitionOperation(target, (located, _existing, now) => {
    const plan = planOrThrow(located, target);
    if (plan.state.status !== 'running' && plan.state.status !== 'paused') {
      throw invalidState(target, plan, 'advance', 'Resume the plan first (`rollgate rollout resume`).');
    }
    if (!located.config.enabled) {
      throw invalidState(target, plan, 'advance', 'The flag is disabled (kill switch); enable it and resume first.');
    }
    return advanceTransition(plan, now);
  });
  return describeControl(target, 'advance', operation);
}

/** `operation` marked as the `rollout.control` change `command` of `target` (so it can run on a server). */
function describeControl(
  target: RolloutTarget,
  command: 'pause' | 'resume' | 'advance' | 'rollback',
  operation: Operation,
): Operation {
  const { flagKey, environment } = target;
  return describeOperation(operation, {
    descriptor: { kind: 'apply', change: { action: 'rollout.control', flagKey, environment, command } },
  });
}

/** Rolls back to 0% and stops the plan until a human resumes it. Errors: FLAG_NOT_FOUND, INVALID_INPUT. */
export function rollbackRolloutOperation(target: RolloutTarget): Operation {
  const operation = transitionOperation(target, (located) => {
    const plan = planOrThrow(located, target);
    if (plan.state.status === 'rolled-back' || plan.state.status === 'pending') {
      throw invalidState(target, plan, 'roll back', 'Nothing is being served by this plan.');
    }
    return {
      action: RolloutAuditAction.rollback,
      plan: withState(plan, { status: 'rolled-back', reason: 'rolled back by hand' }),
      percentage: 0,
    };
  });
  return describeControl(target, 'rollback', operation);
}

/** What the controller decided for one plan, with the numbers behind it. */
export interface ControllerDecision {
  readonly decision: RolloutCheck['decision'];
  readonly codes: readonly string[];
  readonly reasons: readonly string[];
  readonly data: Record<string, JsonValue>;
}

/** The plan state a controller decision was computed from; the decision is refused if the plan moved on. */
export interface ExpectedPlanState {
  readonly status: RolloutPlan['state']['status'];
  readonly stepIndex: number;
  readonly stepStartedAt: string | undefined;
}

/**
 * Applies a controller decision (actor `controller`). Refuses with STORE_CONFLICT when the plan is no longer in
 * `expected` state (a human paused it, another controller acted), so a decision on stale data never lands.
 */
export function controllerDecisionOperation(
  target: RolloutTarget,
  expected: ExpectedPlanState,
  decision: ControllerDecision,
): Operation {
  return transitionOperation(target, (located, _existing, now) => {
    const plan = planOrThrow(located, target);
    const { state } = plan;
    if (
      state.status !== expected.status ||
      state.stepIndex !== expected.stepIndex ||
      state.stepStartedAt !== expected.stepStartedAt
    ) {
      throw new FlagError(
        'STORE_CONFLICT',
        `The rollout of "${target.flagKey}" in "${target.environment}" changed while it was being checked.`,
        {
          flagKey: target.flagKey,
          environment: target.environment,
          hint: 'The controller re-checks it on the next tick.',
        },
      );
    }
    const check: RolloutCheck = {
      at: now.toISOString(),
      decision: decision.decision,
      codes: [...decision.codes],
      reasons: [...decision.reasons],
    };
    const reason = decision.reasons.join('; ');
    switch (decision.decision) {
      case 'advance':
      case 'complete':
        return advanceTransition(plan, now, decision.data, check);
      case 'hold':
        return {
          action: RolloutAuditAction.hold,
          plan: withState(plan, { lastCheck: check }),
          reason,
          data: decision.data,
        };
      case 'pause':
        return {
          action: RolloutAuditAction.pause,
          plan: withState(plan, { status: 'paused', reason, lastCheck: check }),
          reason,
          data: decision.data,
        };
      case 'rollback':
        return {
          action: RolloutAuditAction.rollback,
          plan: withState(plan, { status: 'rolled-back', reason, lastCheck: check }),
          percentage: 0,
          reason,
          data: decision.data,
        };
      case 'lock':
        return {
          action: RolloutAuditAction.lock,
          plan: withState(plan, { status: 'locked', reason, lastCheck: check }),
          percentage: 0,
          reason,
          data: decision.data,
        };
    }
  });
}

/** Builds the status report of a plan from a document. Errors: FLAG_NOT_FOUND, INVALID_INPUT (no plan). */
export function rolloutStatusOf(document: StoreDocument, target: RolloutTarget): RolloutStatusReport {
  const located = locate(document, target);
  const plan = planOrThrow(located, target);
  return {
    flagKey: target.flagKey,
    environment: target.environment,
    flagEnabled: located.config.enabled,
    variant: plan.variant,
    controlVariant: located.config.defaultVariant,
    status: plan.state.status,
    stepIndex: plan.state.stepIndex,
    steps: plan.steps,
    percentage: servedPercentage(located.config, plan),
    segments: located.config.rollout?.variant === plan.variant ? (located.config.rollout.segments ?? []) : [],
    stepStartedAt: plan.state.stepStartedAt,
    startedAt: plan.state.startedAt,
    reason: plan.state.reason,
    lastCheck: plan.state.lastCheck,
    plan,
  };
}

async function applyAndReport(
  store: FlagStore,
  target: RolloutTarget,
  operation: Operation,
  context: ChangeContext,
): Promise<RolloutStatusReport> {
  const snapshot = await applyOperation(store, operation, context);
  return rolloutStatusOf(snapshot.document, target);
}

/**
 * Starts a progressive rollout: serves the first step to the plan's variant and hands the plan to the controller.
 * Errors: FLAG_NOT_FOUND, INVALID_INPUT (with a hint), STORE_CONFLICT, STORE_IO.
 */
export function startRollout(
  store: FlagStore,
  request: StartRolloutRequest,
  context: ChangeContext,
): Promise<RolloutStatusReport> {
  return applyAndReport(store, request, startRolloutOperation(request), context);
}

/** Reads the plan's status. Errors: FLAG_NOT_FOUND, INVALID_INPUT (no plan), STORE_IO, PARSE_ERROR. */
export async function getRolloutStatus(store: FlagStore, target: RolloutTarget): Promise<RolloutStatusReport> {
  return rolloutStatusOf((await store.read()).document, target);
}

/** Pauses a running plan. Errors: FLAG_NOT_FOUND, INVALID_INPUT, STORE_CONFLICT, STORE_IO. */
export function pauseRollout(
  store: FlagStore,
  target: RolloutTarget,
  context: ChangeContext,
): Promise<RolloutStatusReport> {
  return applyAndReport(store, target, pauseRolloutOperation(target), context);
}

/** Resumes a paused, locked or rolled-back plan (human decision). Errors: as {@link pauseRollout}. */
export function resumeRollout(
  store: FlagStore,
  target: RolloutTarget,
  context: ChangeContext,
): Promise<RolloutStatusReport> {
  return applyAndReport(store, target, resumeRolloutOperation(target), context);
}

/** Advances to the next step by hand. Errors: as {@link pauseRollout}. */
export function advanceRollout(
  store: FlagStore,
  target: RolloutTarget,
  context: ChangeContext,
): Promise<RolloutStatusReport> {
  return applyAndReport(store, target, advanceRolloutOperation(target), context);
}

/** Rolls back to 0% and stops the plan. Errors: as {@link pauseRollout}. */
export function rollbackRollout(
  store: FlagStore,
  target: RolloutTarget,
  context: ChangeContext,
): Promise<RolloutStatusReport> {
  return applyAndReport(store, target, rollbackRolloutOperation(target), context);
}
